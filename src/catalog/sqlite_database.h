// RAII over SQLite: a connection and prepared statements, with errors as values.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace imgsync::catalog {

// A connection's group commit (Database::begin_group), shared with its statements.
struct GroupCommit {
  bool on = false;
  std::function<void()> opened;  // a write opened the group's transaction
};

class Statement {
 public:
  Statement() = default;
  // `in_use`, when given, marks a statement borrowed from the connection's cache: it is reset
  // and handed back instead of finalized. `group`, when on, makes a write outside a transaction
  // open one first.
  Statement(sqlite3* database, sqlite3_stmt* statement, bool* in_use = nullptr,
            GroupCommit* group = nullptr)
      : database_(database), statement_(statement), in_use_(in_use), group_(group) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind_null(int index);
  // A pointer only an SQL function registered for `type` can read (sqlite3_bind_pointer); the
  // pointee must outlive the statement's use.
  Statement& bind_pointer(int index, const void* pointer, const char* type);
  Statement& bind_optional(int index, const std::optional<std::string>& text);

  // Advance: true when a row is available, false when done; Error on failure.
  Result<bool> step();
  // Run to completion (INSERT/UPDATE/DELETE).
  Status run();
  void reset();
  // Ready to step from the start again, keeping the values bound (reset() clears them).
  void rewind();

  std::string text(int column) const;
  std::int64_t integer(int column) const;
  double real(int column) const;
  bool is_null(int column) const;

 private:
  void release();

  sqlite3* database_ = nullptr;
  sqlite3_stmt* statement_ = nullptr;
  bool* in_use_ = nullptr;
  GroupCommit* group_ = nullptr;
};

class Database {
 public:
  // Opens (creating when missing) with WAL journaling, foreign keys on, and a busy timeout so
  // concurrent imgsync processes (sync while watch runs, enqueue) wait instead of failing.
  static Result<Database> open(const std::filesystem::path& file);
  Database() = default;
  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  ~Database();

  Status execute(const std::string& sql);
  // Creates or upgrades the schema to `version` in one BEGIN IMMEDIATE transaction (so two
  // processes opening a new file together wait for each other). A file written by a newer
  // schema is kFatal with `newer_advice` as the message.
  Status apply_schema(std::int64_t version, const char* schema, const std::string& newer_advice);
  // Statements are compiled once per connection and reused (a borrowed one is reset when its
  // Statement goes); the same SQL in use twice at once gets a second, uncached statement.
  Result<Statement> prepare(std::string_view sql);
  std::int64_t last_insert_rowid() const;
  int changes() const;
  sqlite3* handle() const { return database_; }

  // Group commit: while on, a write made outside any transaction (through a prepared Statement)
  // first opens one (BEGIN IMMEDIATE), which the writes after it join, and `opened` is called;
  // commit_group() commits them all at once. Many small writes then cost one commit (one WAL
  // append, one lock round) instead of one each. The caller decides when a commit is due: before
  // anything that must find the writes durable, and soon enough that other processes waiting
  // for the lock are not kept waiting long. A crash loses only writes not yet committed, as if
  // it had come that much earlier.
  void begin_group(std::function<void()> opened);
  Status commit_group();  // commits the open group transaction, if any
  Status end_group();     // commits, and writes are their own transactions again
  bool group_open() const;

  // BEGIN IMMEDIATE ... COMMIT, or a savepoint inside a transaction already open (a group
  // commit's); rolled back by the destructor unless committed.
  class Transaction {
   public:
    explicit Transaction(Database& database);
    ~Transaction();
    Status commit();
    const Status& begun() const { return begun_; }

   private:
    Database& database_;
    Status begun_;
    bool savepoint_ = false;
    bool done_ = false;
  };

 private:
  struct CachedStatement {
    sqlite3_stmt* statement = nullptr;
    bool in_use = false;
  };
  void finalize_cache();

  sqlite3* database_ = nullptr;
  std::filesystem::path file_;
  std::unique_ptr<std::map<std::string, CachedStatement, std::less<>>> cache_ =
      std::make_unique<std::map<std::string, CachedStatement, std::less<>>>();
  std::unique_ptr<GroupCommit> group_ = std::make_unique<GroupCommit>();  // moves with it
};

Error sqlite_error(sqlite3* database, int code, std::string_view what);

}  // namespace imgsync::catalog
