// `imgsync doctor`'s checks of the shared PostgreSQL catalog (app/doctor_service.h): reachable,
// PostGIS, the schema's version, writable. Read-only: the write probe is rolled back. Every
// message names the server as PgConnection does, with any password taken out.
#include <fmt/format.h>

#include "app/doctor_service.h"
#include "catalog/pg_item_index.h"
#include "util/error_predicates.h"

namespace imgsync::app {
namespace {

DoctorCheck catalog_check(std::string name, CheckStatus status, std::string detail,
                          std::string fix = {}) {
  return {.name = std::move(name),
          .status = status,
          .detail = std::move(detail),
          .fix = std::move(fix),
          .area = CheckArea::kDestination};
}

std::string connect_fix(const Error& error, const config::CatalogSettings& settings) {
  if (is_credentials_error(error)) {
    return fmt::format(
        "check the role in the URL and its password: set it in ${} (the variable [catalog] "
        "password_env names), PGPASSWORD or ~/.pgpass, never in the URL",
        settings.password_env.empty() ? config::kDefaultCatalogPasswordEnv : settings.password_env);
  }
  if (error.message.find("does not exist") != std::string::npos) {
    return "correct the database or role in [catalog] url / --catalog, or have the server's "
           "administrator create it (CREATE DATABASE ... OWNER ...)";
  }
  return "start the PostgreSQL server, or correct the host and port in [catalog] url / "
         "--catalog; it must accept TCP connections from this machine (listen_addresses, "
         "pg_hba.conf)";
}

DoctorCheck check_postgis(catalog::PgConnection& connection) {
  auto installed =
      connection.query("SELECT extversion FROM pg_extension WHERE extname = 'postgis'");
  if (!installed.ok()) {
    return catalog_check("postgis", CheckStatus::kFail, installed.error().message,
                         "check the role's rights on the database");
  }
  if (installed->rows() > 0) {
    return catalog_check("postgis", CheckStatus::kOk,
                         fmt::format("PostGIS {} in {}", installed->text(0, 0), connection.name()));
  }
  auto available = connection.query(
      "SELECT (SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis') > 0, "
      "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user), current_database()");
  if (!available.ok()) {
    return catalog_check("postgis", CheckStatus::kFail, available.error().message,
                         "check the role's rights on the database");
  }
  const std::string database = available->text(0, 2);
  if (!available->boolean(0, 0)) {
    return catalog_check(
        "postgis", CheckStatus::kFail,
        fmt::format("the server of {} has no PostGIS installed", connection.name()),
        fmt::format("install PostGIS 3 on the database server (Debian: apt-get install "
                    "postgresql-15-postgis-3), then run CREATE EXTENSION postgis in {}",
                    database));
  }
  if (available->boolean(0, 1)) {
    return catalog_check(
        "postgis", CheckStatus::kOk,
        fmt::format("PostGIS is not yet in {}; imgsync adds it on first use", connection.name()));
  }
  return catalog_check(
      "postgis", CheckStatus::kFail,
      fmt::format("{} has no PostGIS and this role may not add it", connection.name()),
      fmt::format("ask the database's administrator to run CREATE EXTENSION postgis in {}",
                  database));
}

DoctorCheck check_schema(catalog::PgConnection& connection, const Result<std::int64_t>& held) {
  if (!held.ok()) {
    return catalog_check("catalog schema", CheckStatus::kFail, held.error().message,
                         "grant the role USAGE on the schema imgsync and SELECT on its tables");
  }
  const std::int64_t known = catalog::kPgSchemaVersion;
  if (*held == 0) {
    return catalog_check("catalog schema", CheckStatus::kOk,
                         fmt::format("{} holds no imgsync schema yet; the first sync, watch or "
                                     "index migrate creates it (version {})",
                                     connection.name(), known));
  }
  if (*held > known) {
    return catalog_check(
        "catalog schema", CheckStatus::kFail,
        fmt::format("{} was set up by a newer imgsync (schema version {}, this one knows {})",
                    connection.name(), *held, known),
        "upgrade imgsync on this machine");
  }
  if (*held < known) {
    return catalog_check(
        "catalog schema", CheckStatus::kWarn,
        fmt::format("{} holds schema version {}; this imgsync upgrades it to {} when it next "
                    "connects",
                    connection.name(), *held, known),
        "run one imgsync command against it (sync, or index migrate) as a role that may change "
        "the schema imgsync, before read-only users connect");
  }
  return catalog_check("catalog schema", CheckStatus::kOk, fmt::format("schema version {}", *held));
}

// A write of imgsync's own, rolled back: it needs what sync needs (rows in imgsync's tables on
// a server that is not read-only). Without a schema yet: the right to create it.
Result<std::string> probe_write(catalog::PgConnection& connection, bool has_schema) {
  if (!has_schema) {
    auto may = connection.query(
        "SELECT has_database_privilege(current_database(), 'CREATE'), current_database(), "
        "current_user, current_setting('transaction_read_only')");
    if (!may.ok()) return may.take_error();
    if (may->text(0, 3) == "on") {
      return make_error(ErrorCategory::kAuth, "the server is read-only (a standby?)");
    }
    if (!may->boolean(0, 0)) {
      return make_error(ErrorCategory::kAuth,
                        fmt::format("role {} may not create the schema imgsync in {}",
                                    may->text(0, 2), may->text(0, 1)));
    }
    return std::string("this role may create imgsync's schema");
  }
  if (Status ok = connection.execute("BEGIN"); !ok.ok()) return ok.error();
  Status wrote = connection.execute(
      "INSERT INTO imgsync.settings VALUES ('.imgsync-doctor', 'probe', 'x') ON CONFLICT "
      "(collection, name) DO UPDATE SET value = excluded.value; SELECT "
      "nextval('imgsync.change_sequence'); DELETE FROM imgsync.items WHERE false; UPDATE "
      "imgsync.heads SET local = local WHERE false");
  (void)connection.execute("ROLLBACK");
  if (!wrote.ok()) return wrote.error();
  return std::string("a write to imgsync's tables succeeded (rolled back)");
}

DoctorCheck check_writable(catalog::PgConnection& connection, bool has_schema) {
  auto probed = probe_write(connection, has_schema);
  if (probed.ok()) {
    return catalog_check("catalog write", CheckStatus::kOk,
                         fmt::format("{}: {}", connection.name(), *probed));
  }
  std::string message = probed.error().message;
  if (!message.starts_with("catalog ")) message = connection.name() + ": " + message;
  return catalog_check(
      "catalog write", CheckStatus::kFail, message,
      has_schema ? "sync, watch and index migrate write to it: GRANT INSERT, UPDATE, DELETE ON "
                   "ALL TABLES IN SCHEMA imgsync and USAGE ON ALL SEQUENCES IN SCHEMA imgsync "
                   "to the role (search and serve need only SELECT), and use the primary server"
                 : "connect once as a role that may create it (GRANT CREATE ON DATABASE ... "
                   "TO the role), or point [catalog] url at the primary server");
}

}  // namespace

std::vector<DoctorCheck> check_catalog(const config::CatalogSettings& settings) {
  auto connection = catalog::PgConnection::connect(
      {.url = settings.url, .password = config::catalog_password(settings)});
  if (!connection.ok()) {
    return {catalog_check("catalog", CheckStatus::kFail, connection.error().message,
                          connect_fix(connection.error(), settings))};
  }
  std::vector<DoctorCheck> checks = {
      catalog_check("catalog", CheckStatus::kOk, fmt::format("{} answers", connection->name()))};
  checks.push_back(check_postgis(*connection));
  const auto held = catalog::pg_schema_version(*connection);
  checks.push_back(check_schema(*connection, held));
  // Unreadable, or newer than this imgsync: what it would write is beside the point.
  if (!held.ok() || *held > catalog::kPgSchemaVersion) return checks;
  checks.push_back(check_writable(*connection, *held > 0));
  return checks;
}

}  // namespace imgsync::app
