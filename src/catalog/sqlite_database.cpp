#include "catalog/sqlite_database.h"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include <utility>

namespace imgsync::catalog {

Error sqlite_error(sqlite3* database, int code, std::string_view what) {
  const char* detail = database != nullptr ? sqlite3_errmsg(database) : sqlite3_errstr(code);
  const int primary = code & 0xFF;
  ErrorCategory category = ErrorCategory::kLocalIo;
  std::string advice;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    category = ErrorCategory::kRetryable;
    advice = "; another imgsync process holds the journal: wait for it or stop it";
  } else if (primary == SQLITE_FULL) {
    advice = "; the disk holding the state directory is full: free space and run again";
  } else if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    category = ErrorCategory::kFatal;
    advice =
        "; the journal is damaged: move it aside, then 'imgsync sync' rebuilds it "
        "(already uploaded files are recognised by their checksums)";
  }
  return make_error(category, fmt::format("{}: {}{}", what, detail, advice));
}

void Statement::release() {
  if (statement_ == nullptr) return;
  if (in_use_ != nullptr) {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
    *in_use_ = false;
  } else {
    sqlite3_finalize(statement_);
  }
  statement_ = nullptr;
  in_use_ = nullptr;
}

Statement::~Statement() {
  release();
}

Statement::Statement(Statement&& other) noexcept
    : database_(std::exchange(other.database_, nullptr)),
      statement_(std::exchange(other.statement_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      group_(std::exchange(other.group_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    release();
    database_ = std::exchange(other.database_, nullptr);
    statement_ = std::exchange(other.statement_, nullptr);
    in_use_ = std::exchange(other.in_use_, nullptr);
    group_ = std::exchange(other.group_, nullptr);
  }
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(statement_, index, value);
  return *this;
}
Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(statement_, index, value);
  return *this;
}
Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(statement_, index);
  return *this;
}
Statement& Statement::bind_pointer(int index, const void* pointer, const char* type) {
  sqlite3_bind_pointer(statement_, index, const_cast<void*>(pointer), type, nullptr);
  return *this;
}
Statement& Statement::bind_optional(int index, const std::optional<std::string>& text) {
  return text ? bind(index, *text) : bind_null(index);
}

Result<bool> Statement::step() {
  if (group_ != nullptr && group_->on && sqlite3_get_autocommit(database_) != 0 &&
      sqlite3_stmt_readonly(statement_) == 0) {
    const int begun = sqlite3_exec(database_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (begun != SQLITE_OK) return sqlite_error(database_, begun, "journal query failed");
    if (group_->opened) group_->opened();
  }
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  return sqlite_error(database_, code, "journal query failed");
}

Status Statement::run() {
  auto stepped = step();
  reset();
  if (!stepped.ok()) return stepped.take_error();
  return {};
}

void Statement::reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

void Statement::rewind() {
  sqlite3_reset(statement_);
}

std::string Statement::text(int column) const {
  const auto* value = sqlite3_column_text(statement_, column);
  if (value == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(value),
                     static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
}
std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(statement_, column);
}
double Statement::real(int column) const {
  return sqlite3_column_double(statement_, column);
}
bool Statement::is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

Result<Database> Database::open(const std::filesystem::path& file) {
  Database database;
  database.file_ = file;
  const int code =
      sqlite3_open_v2(file.c_str(), &database.database_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (code != SQLITE_OK) {
    return sqlite_error(database.database_, code, fmt::format("cannot open {}", file.string()));
  }
  sqlite3_busy_timeout(database.database_, 10000);
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"}) {
    // Switching to WAL takes an exclusive lock and SQLite does not wait on the busy handler for
    // it: two processes opening a new journal together (a daemon and `enqueue`) retry instead.
    Status ok = database.execute(pragma);
    for (int attempt = 0; !ok.ok() && attempt < 200; ++attempt) {
      if (sqlite3_errcode(database.database_) != SQLITE_BUSY &&
          sqlite3_errcode(database.database_) != SQLITE_LOCKED) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ok = database.execute(pragma);
    }
    if (!ok.ok()) return ok.error();
  }
  return database;
}

Database::Database(Database&& other) noexcept
    : database_(std::exchange(other.database_, nullptr)),
      file_(std::move(other.file_)),
      cache_(std::exchange(other.cache_, nullptr)),
      group_(std::exchange(other.group_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    finalize_cache();
    if (database_ != nullptr) sqlite3_close_v2(database_);
    database_ = std::exchange(other.database_, nullptr);
    file_ = std::move(other.file_);
    cache_ = std::exchange(other.cache_, nullptr);
    group_ = std::exchange(other.group_, nullptr);
  }
  return *this;
}

void Database::finalize_cache() {
  if (!cache_) return;
  for (auto& [sql, cached] : *cache_) sqlite3_finalize(cached.statement);
  cache_->clear();
}

Database::~Database() {
  finalize_cache();
  if (database_ != nullptr) sqlite3_close_v2(database_);
}

Status Database::execute(const std::string& sql) {
  char* message = nullptr;
  const int code = sqlite3_exec(database_, sql.c_str(), nullptr, nullptr, &message);
  if (code != SQLITE_OK) {
    sqlite3_free(message);
    return sqlite_error(database_, code,
                        fmt::format("journal statement failed ({})", sql.substr(0, 60)));
  }
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  if (cache_) {
    auto found = cache_->find(sql);
    if (found != cache_->end() && !found->second.in_use) {
      found->second.in_use = true;
      return Statement(database_, found->second.statement, &found->second.in_use, group_.get());
    }
    if (found == cache_->end()) {
      sqlite3_stmt* statement = nullptr;
      const int code = sqlite3_prepare_v3(database_, sql.data(), static_cast<int>(sql.size()),
                                          SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
      if (code != SQLITE_OK) return sqlite_error(database_, code, "journal statement is invalid");
      auto& cached = (*cache_)[std::string(sql)];
      cached.statement = statement;
      cached.in_use = true;
      return Statement(database_, statement, &cached.in_use, group_.get());
    }
  }
  sqlite3_stmt* statement = nullptr;
  const int code = sqlite3_prepare_v3(database_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (code != SQLITE_OK) return sqlite_error(database_, code, "journal statement is invalid");
  return Statement(database_, statement, nullptr, group_.get());
}

Status Database::apply_schema(std::int64_t version, const char* schema,
                              const std::string& newer_advice) {
  Transaction transaction(*this);
  if (!transaction.begun().ok()) return transaction.begun();
  std::int64_t current = 0;
  {  // read inside the write transaction: no read snapshot is held while it writes
    auto query = prepare("PRAGMA user_version");
    if (!query.ok()) return query.take_error();
    auto row = query->step();
    if (!row.ok()) return row.take_error();
    current = *row ? query->integer(0) : 0;
  }
  if (current > version) return make_error(ErrorCategory::kFatal, newer_advice);
  if (Status ok = execute(schema); !ok.ok()) return ok;
  if (Status ok = execute(fmt::format("PRAGMA user_version={}", version)); !ok.ok()) return ok;
  return transaction.commit();
}

std::int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(database_);
}
int Database::changes() const {
  return sqlite3_changes(database_);
}

void Database::begin_group(std::function<void()> opened) {
  group_->on = true;
  group_->opened = std::move(opened);
}

bool Database::group_open() const {
  return group_ && group_->on && database_ != nullptr && sqlite3_get_autocommit(database_) == 0;
}

Status Database::commit_group() {
  if (!group_open()) return {};
  Status committed = execute("COMMIT");
  // A commit that failed (disk full, I/O) may leave the transaction open: its writes are lost,
  // as they would be in a crash, and the connection is usable again.
  if (!committed.ok() && sqlite3_get_autocommit(database_) == 0) (void)execute("ROLLBACK");
  return committed;
}

Status Database::end_group() {
  Status committed = commit_group();
  if (group_) *group_ = GroupCommit{};
  return committed;
}

Database::Transaction::Transaction(Database& database) : database_(database) {
  savepoint_ = sqlite3_get_autocommit(database_.handle()) == 0;
  begun_ = database_.execute(savepoint_ ? "SAVEPOINT transaction_in_group" : "BEGIN IMMEDIATE");
}

Database::Transaction::~Transaction() {
  if (done_ || !begun_.ok()) return;
  if (savepoint_) {
    (void)database_.execute("ROLLBACK TO transaction_in_group");
    (void)database_.execute("RELEASE transaction_in_group");
  } else {
    (void)database_.execute("ROLLBACK");
  }
}

Status Database::Transaction::commit() {
  done_ = true;
  return database_.execute(savepoint_ ? "RELEASE transaction_in_group" : "COMMIT");
}

}  // namespace imgsync::catalog
