// One connection to a PostgreSQL server (libpq), for the shared catalog (catalog/pg_item_index.h).
//
// The target is a libpq URL ("postgresql://user@host:port/db?sslmode=require"); the password
// comes from the URL, from `password` (imgsync reads it from an environment variable), or from
// libpq's own PGPASSWORD and ~/.pgpass. A password never appears in an error: messages name the
// server with redact_catalog_url().
//
// Errors are classified once, here: a lost connection, a server shutting down or starting up,
// a serialization failure or deadlock are kRetryable (the caller reconnects and tries again, see
// PgItemIndex); a refused password or role kAuth; anything else kFatal or kInvalidInput.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/catalog_config.h"
#include "util/result.h"

// libpq's handles (libpq-fe.h stays out of the headers: only pg_*.cpp see it).
struct pg_conn;
struct pg_result;

namespace imgsync::catalog {

struct PgTarget {
  std::string url;       // postgresql://... or postgres://...
  std::string password;  // empty: the URL's, else PGPASSWORD / ~/.pgpass
};

// Parameters of one statement, in text form ($1, $2, ...).
class PgParams {
 public:
  PgParams& add(std::string_view text);
  PgParams& add(const char* text) { return add(std::string_view(text)); }
  PgParams& add(const std::string& text) { return add(std::string_view(text)); }
  PgParams& add(std::int64_t value);
  PgParams& add(int value) { return add(static_cast<std::int64_t>(value)); }
  PgParams& add(double value);
  PgParams& add(bool value);
  PgParams& add_null();
  template <typename T>
  PgParams& add(const std::optional<T>& value) {
    return value ? add(*value) : add_null();
  }
  // A text[] literal.
  PgParams& add_array(const std::vector<std::string>& values);
  std::size_t size() const { return values_.size(); }
  // "$N" of the next parameter to be added.
  std::string next() const { return "$" + std::to_string(values_.size() + 1); }

  std::vector<const char*> pointers() const;
  // The values as one line of COPY's text format (tab-separated, \N for null, backslash,
  // tab, newline and carriage return escaped), appended to `out`.
  void append_copy_line(std::string& out) const;

 private:
  std::vector<std::optional<std::string>> values_;
};

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* result);
  int rows() const;
  bool is_null(int row, int column) const;
  std::string text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  double real(int row, int column) const;
  std::optional<double> optional_real(int row, int column) const;
  bool boolean(int row, int column) const { return text(row, column) == "t"; }
  const pg_result* handle() const { return result_.get(); }

 private:
  std::shared_ptr<pg_result> result_;
};

class PgConnection {
 public:
  // Connects (a 10 s timeout); kRetryable when the server does not answer.
  static Result<PgConnection> connect(const PgTarget& target);

  PgConnection(PgConnection&&) = default;
  PgConnection& operator=(PgConnection&&) = default;

  Result<PgResult> query(std::string_view sql, const PgParams& params = {});
  // The same statement once per parameter set, sent in one pipeline (one round trip): the
  // results in order, or the first error.
  Result<std::vector<PgResult>> pipeline(std::string_view sql, const std::vector<PgParams>& each);
  // One or more statements without parameters.
  Status execute(std::string_view sql);
  // `COPY ... FROM STDIN` (text format) with `lines` as its data (PgParams::append_copy_line).
  Status copy_in(std::string_view copy_sql, std::string_view lines);
  // The connection is gone (the server stopped, the network dropped): reconnect before use.
  bool broken() const;
  // Connects again to the same target.
  Status reconnect();
  // The server as errors name it (no password).
  const std::string& name() const { return name_; }

 private:
  PgConnection(PgTarget target, pg_conn* connection);
  Error error_from(const pg_result* result, std::string_view doing) const;

  PgTarget target_;
  std::string name_;
  std::unique_ptr<pg_conn, void (*)(pg_conn*)> connection_;
};

}  // namespace imgsync::catalog
