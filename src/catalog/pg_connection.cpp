#include "catalog/pg_connection.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <optional>

namespace imgsync::catalog {
namespace {

constexpr const char* kRedacted = "***";

// Every occurrence of `secret` in `text` replaced (a server may echo what it was given).
std::string scrub(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), kRedacted);
    at += std::string_view(kRedacted).size();
  }
  return text;
}

// libpq's message on one line: its lines joined with "; ", no trailing newline.
std::string trimmed(const char* text) {
  std::string message;
  for (const char* c = text == nullptr ? "" : text; *c != '\0'; ++c) {
    if (*c == '\n' || *c == '\t') {
      if (!message.empty() && message.back() != ' ') message += *c == '\n' ? "; " : " ";
    } else {
      message += *c;
    }
  }
  while (!message.empty() && (message.back() == ' ' || message.back() == ';')) message.pop_back();
  return message;
}

ErrorCategory category_of(std::string_view sqlstate, bool connection_lost) {
  if (connection_lost) return ErrorCategory::kRetryable;
  // 08: connection exception; 57P01-03: shutting down, crash, starting up; 53: out of
  // resources (too many connections); 40001/40P01: serialization failure, deadlock.
  if (sqlstate.starts_with("08") || sqlstate.starts_with("57P") || sqlstate.starts_with("53") ||
      sqlstate == "40001" || sqlstate == "40P01") {
    return ErrorCategory::kRetryable;
  }
  if (sqlstate.starts_with("28") || sqlstate == "42501") return ErrorCategory::kAuth;
  if (sqlstate == "3D000") return ErrorCategory::kInvalidInput;  // no such database
  return ErrorCategory::kFatal;
}

}  // namespace

PgParams& PgParams::add(std::string_view text) {
  values_.emplace_back(std::string(text));
  return *this;
}
PgParams& PgParams::add(std::int64_t value) {
  values_.emplace_back(std::to_string(value));
  return *this;
}
PgParams& PgParams::add(double value) {
  values_.emplace_back(fmt::format("{:.17g}", value));
  return *this;
}
PgParams& PgParams::add(bool value) {
  values_.emplace_back(value ? "t" : "f");
  return *this;
}
PgParams& PgParams::add_null() {
  values_.emplace_back(std::nullopt);
  return *this;
}
PgParams& PgParams::add_array(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    literal += i == 0 ? "\"" : ",\"";
    for (char c : values[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  values_.emplace_back(literal + "}");
  return *this;
}
std::vector<const char*> PgParams::pointers() const {
  std::vector<const char*> pointers;
  pointers.reserve(values_.size());
  for (const auto& value : values_) pointers.push_back(value ? value->c_str() : nullptr);
  return pointers;
}

void PgParams::append_copy_line(std::string& out) const {
  for (std::size_t i = 0; i < values_.size(); ++i) {
    if (i > 0) out += '\t';
    if (!values_[i]) {
      out += "\\N";
      continue;
    }
    for (char c : *values_[i]) {
      switch (c) {
        case '\\':
          out += "\\\\";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        default:
          out += c;
      }
    }
  }
  out += '\n';
}

PgResult::PgResult(pg_result* result) : result_(result, &PQclear) {}
int PgResult::rows() const {
  return result_ ? PQntuples(result_.get()) : 0;
}
bool PgResult::is_null(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}
std::string PgResult::text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}
std::int64_t PgResult::integer(int row, int column) const {
  return std::strtoll(PQgetvalue(result_.get(), row, column), nullptr, 10);
}
double PgResult::real(int row, int column) const {
  return std::strtod(PQgetvalue(result_.get(), row, column), nullptr);
}
std::optional<double> PgResult::optional_real(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return real(row, column);
}

PgConnection::PgConnection(PgTarget target, PGconn* connection)
    : target_(std::move(target)),
      name_(config::redact_catalog_url(target_.url)),
      connection_(connection, &PQfinish) {}

Result<PgConnection> PgConnection::connect(const PgTarget& target) {
  if (!config::is_catalog_url(target.url)) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("catalog {} is not a PostgreSQL URL; write "
                                  "postgresql://USER@HOST:PORT/DATABASE",
                                  config::redact_catalog_url(target.url)));
  }
  // Later keywords override what the URL (expanded from dbname) sets.
  std::vector<const char*> keywords = {"dbname", "connect_timeout", "application_name"};
  std::vector<const char*> values = {target.url.c_str(), "10", "imgsync"};
  if (!target.password.empty()) {
    keywords.push_back("password");
    values.push_back(target.password.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* connection = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  PgConnection opened(target, connection);
  if (connection == nullptr || PQstatus(connection) != CONNECTION_OK) {
    const std::string problem = trimmed(connection ? PQerrorMessage(connection) : "out of memory");
    const bool refused = problem.find("password authentication failed") != std::string::npos ||
                         problem.find("no password supplied") != std::string::npos;
    const std::string secrets =
        scrub(scrub(problem, target.password), config::catalog_url_password(target.url));
    return make_error(
        refused ? ErrorCategory::kAuth : ErrorCategory::kRetryable,
        fmt::format(
            "cannot connect to the catalog {}: {}{}", opened.name_, secrets,
            refused ? "; set the password in $IMGSYNC_CATALOG_PASSWORD (or the variable [catalog] "
                      "password_env names), PGPASSWORD or ~/.pgpass"
                    : "; is the server running and reachable?"));
  }
  // Quiet NOTICEs (CREATE ... IF NOT EXISTS): they would go to stderr.
  PQsetNoticeProcessor(
      connection, [](void*, const char*) {}, nullptr);
  return opened;
}

bool PgConnection::broken() const {
  return !connection_ || PQstatus(connection_.get()) != CONNECTION_OK;
}

Status PgConnection::reconnect() {
  auto fresh = connect(target_);
  if (!fresh.ok()) return fresh.error();
  *this = std::move(*fresh);
  return {};
}

Error PgConnection::error_from(const PGresult* result, std::string_view doing) const {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state ? state : "";
  const bool lost = broken();
  std::string problem = trimmed(result ? PQresultErrorMessage(result) : nullptr);
  if (problem.empty()) problem = trimmed(PQerrorMessage(connection_.get()));
  problem = scrub(scrub(problem, target_.password), config::catalog_url_password(target_.url));
  Error error = make_error(category_of(sqlstate, lost),
                           fmt::format("catalog {}: {} failed: {}{}", name_, doing, problem,
                                       lost ? " (the connection was lost; retrying)" : ""));
  error.s3_code = sqlstate;
  return error;
}

Result<PgResult> PgConnection::query(std::string_view sql, const PgParams& params) {
  const std::string text(sql);
  const auto pointers = params.pointers();
  PgResult result(PQexecParams(connection_.get(), text.c_str(), static_cast<int>(pointers.size()),
                               nullptr, pointers.data(), nullptr, nullptr, 0));
  const ExecStatusType status =
      result.handle() ? PQresultStatus(result.handle()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return error_from(result.handle(), "a query");
  }
  return result;
}

Result<std::vector<PgResult>> PgConnection::pipeline(std::string_view sql,
                                                     const std::vector<PgParams>& each) {
  const std::string text(sql);
  pg_conn* connection = connection_.get();
  if (PQenterPipelineMode(connection) != 1) return error_from(nullptr, "a pipeline");
  for (const auto& params : each) {
    const auto pointers = params.pointers();
    if (PQsendQueryParams(connection, text.c_str(), static_cast<int>(pointers.size()), nullptr,
                          pointers.data(), nullptr, nullptr, 0) != 1) {
      Error failed = error_from(nullptr, "a pipeline");
      (void)PQexitPipelineMode(connection);
      return failed;
    }
  }
  std::vector<PgResult> results;
  std::optional<Error> failed;
  if (PQpipelineSync(connection) != 1) failed = error_from(nullptr, "a pipeline");
  // Each statement: its result, then a null; the sync's result ends the pipeline.
  while (!failed || !broken()) {
    PgResult result(PQgetResult(connection));
    if (result.handle() == nullptr) {
      if (broken()) break;
      continue;
    }
    const ExecStatusType status = PQresultStatus(result.handle());
    if (status == PGRES_PIPELINE_SYNC) break;
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
      results.push_back(std::move(result));
    } else if (!failed) {
      failed = error_from(result.handle(), "a pipeline");
    }
  }
  (void)PQexitPipelineMode(connection);
  if (failed) return *failed;
  if (results.size() != each.size()) return error_from(nullptr, "a pipeline");
  return results;
}

Status PgConnection::execute(std::string_view sql) {
  const std::string text(sql);
  PgResult result(PQexec(connection_.get(), text.c_str()));
  const ExecStatusType status =
      result.handle() ? PQresultStatus(result.handle()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return error_from(result.handle(), "a statement");
  }
  return {};
}

Status PgConnection::copy_in(std::string_view copy_sql, std::string_view lines) {
  pg_conn* connection = connection_.get();
  const std::string text(copy_sql);
  PgResult started(PQexec(connection, text.c_str()));
  if (!started.handle() || PQresultStatus(started.handle()) != PGRES_COPY_IN) {
    return error_from(started.handle(), "a COPY");
  }
  // In pieces of at most 1 MiB (PQputCopyData takes an int length).
  constexpr std::size_t kPiece = 1 << 20;
  bool sent = true;
  for (std::size_t at = 0; sent && at < lines.size(); at += kPiece) {
    const std::size_t size = std::min(kPiece, lines.size() - at);
    sent = PQputCopyData(connection, lines.data() + at, static_cast<int>(size)) == 1;
  }
  if (PQputCopyEnd(connection, sent ? nullptr : "the data could not be sent") != 1) sent = false;
  // The COPY's result, then a null.
  std::optional<Error> failed;
  for (PgResult result(PQgetResult(connection)); result.handle() != nullptr;
       result = PgResult(PQgetResult(connection))) {
    if (PQresultStatus(result.handle()) != PGRES_COMMAND_OK && !failed) {
      failed = error_from(result.handle(), "a COPY");
    }
  }
  if (failed) return *failed;
  if (!sent) return error_from(nullptr, "a COPY");
  return {};
}

}  // namespace imgsync::catalog
