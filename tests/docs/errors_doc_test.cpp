// docs/errors.md's "Where each row is tested" table, walked row by row: it has exactly the rows of
// the failure table above it, every row names at least one test, every test it names is defined
// in tests/, and every such test exercises the row's class: its code (comments left out) holds
// one of the row's marks below (the code, the fault the proxy injects, the signal sent). A
// parameterized case is named "Prefix/Suite.Name/Param"; its mark is looked for on the line that
// defines the Param.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "cli/exit_codes.h"
#include "support/test_paths.h"

namespace imgsync::testing {
namespace {

// What a test of each row must contain. A new row in docs/errors.md needs its marks here.
const std::map<std::string, std::vector<std::string>>& row_marks() {
  static const std::map<std::string, std::vector<std::string>> marks = {
      {"connection refused, DNS failure, connect timeout",
       {"refuse", "gateway-stop", "Status0", "127.0.0.1:1\"", "127.0.0.1:9"}},
      {"connection reset, timeout mid-transfer, empty reply", {"drop_mid_body"}},
      {"TLS certificate not trusted",
       {"ca_bundle", "tls_host", "kTlsVerification", "CURLE_PEER_FAILED_VERIFICATION",
        "CURLE_SSL_CACERT_BADFILE"}},
      {"HTTP 500, 502, 503, InternalError, ServiceUnavailable, RequestTimeout",
       {"internal_error", "InternalError", "ServiceUnavailable", "502", "503", "RequestTimeout"}},
      {"503 SlowDown, 429, Throttling", {"slow_down", "SlowDown", "429", "Throttling"}},
      {"403 SignatureDoesNotMatch, InvalidAccessKeyId",
       {"SignatureDoesNotMatch", "InvalidAccessKeyId", "secret_key", "access_key"}},
      {"403 ExpiredToken", {"ExpiredToken"}},
      {"403 RequestTimeTooSkewed", {"RequestTimeTooSkewed", "clock_offset"}},
      {"403 AccessDenied", {"AccessDenied"}},
      {"404 NoSuchBucket", {"NoSuchBucket", "no-such-bucket"}},
      {"404 NoSuchUpload (multipart gone)", {"NoSuchUpload", "abort_multipart_upload"}},
      {"400 bad request, InvalidArgument, InvalidStorageClass, EntityTooSmall",
       {"InvalidArgument", "EntityTooSmall", "NO_SUCH_CLASS"}},
      {"412 PreconditionFailed (If-None-Match), on a claim or an asset",
       {"PreconditionFailed", "if_none_match", "already_there", "renamed", "machine-"}},
      {"412 PreconditionFailed (If-None-Match, If-Match), on an Item", {"store_.", "full-first"}},
      {"BadDigest, ETag not matching the local MD5 / multipart rule",
       {"BadDigest", "replace_etag", "Content-MD5", "XAmzContentSHA256Mismatch", "kIntegrity"}},
      {"local file vanished, unreadable", {"remove"}},
      {"local file changed while being read or uploaded", {"write_file", "ofstream"}},
      {"damaged image, unknown format (metadata unreadable, all or some)",
       {"damaged", "corpus_dir", "not-an-image"}},
      {"a pending file gone from the disk", {"remove"}},
      {"a second `watch` on the same journal", {"already watched"}},
      {"journal locked by another process", {"BEGIN EXCLUSIVE", "flock", "locked"}},
      {"journal damaged", {"garbage", "damaged", "move it aside"}},
      {"disk full in the state directory", {"ulimit", "RLIMIT_FSIZE"}},
      {"a state directory or download folder that cannot be created (a file in its way, no "
       "permission)",
       {"cannot create", "not a directory"}},
      {"the folder imgsync was started in was deleted", {"chdir"}},
      {"a notifier fails (webhook, Slack, e-mail, exec: refused, timed out, rejected)",
       {"notify_failed", "webhook to", "e-mail to"}},
      {"`--metrics` / `[watch] metrics` port taken, or not HOST:PORT", {"--metrics", "port"}},
      {"shared catalog (`[catalog] url`) unreachable, or its database restarted",
       {"halt()", "catalog_paused"}},
      {"shared catalog URL not PostgreSQL, or holding a password",
       {"holds a password", "UrlSecret77", "not a PostgreSQL URL"}},
      {"shared catalog set up by a newer imgsync", {"newer imgsync"}},
      {"SIGINT / SIGTERM", {"SIGTERM", "SIGINT"}},
  };
  return marks;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> result;
  std::string cell;
  std::istringstream stream(line.substr(1));  // after the leading '|'
  while (std::getline(stream, cell, '|')) result.push_back(trim(cell));
  return result;
}

// The rows of the markdown table whose header starts with `header`, each as its cells.
std::vector<std::vector<std::string>> table_rows(const std::string& markdown,
                                                 const std::string& header) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(markdown);
  bool inside = false;
  for (std::string line; std::getline(lines, line);) {
    if (!inside) {
      inside = line.rfind(header, 0) == 0;
      continue;
    }
    if (line.rfind("|---", 0) == 0) continue;
    if (line.empty() || line[0] != '|') break;
    rows.push_back(cells(line));
  }
  return rows;
}

// The same rows as first cell -> second cell.
std::vector<std::pair<std::string, std::string>> table(const std::string& markdown,
                                                       const std::string& header) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& row : table_rows(markdown, header)) {
    if (row.size() >= 2) rows.emplace_back(row[0], row[1]);
  }
  return rows;
}

// "A.B; .C, D/E.F/G" -> {"A.B", "A.C", "D/E.F/G"}: ".Name" continues the suite before it.
std::vector<std::string> test_names(const std::string& cell) {
  std::vector<std::string> names;
  std::string suite;
  const std::regex name(R"((?:[A-Za-z0-9]+/)?[A-Za-z0-9]*\.[A-Za-z0-9]+(?:/[A-Za-z0-9]+)?)");
  for (auto it = std::sregex_iterator(cell.begin(), cell.end(), name); it != std::sregex_iterator();
       ++it) {
    std::string found = it->str();
    if (found[0] == '.') found = suite + found;
    suite = found.substr(0, found.find('.'));
    names.push_back(found);
  }
  return names;
}

// The code without its // comments (a "//" inside a string literal, as in a URL, stays).
std::string without_comments(const std::string& code) {
  std::string kept;
  bool in_string = false;
  bool in_comment = false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (in_comment) {
      in_comment = c != '\n';
      if (!in_comment) kept += c;
    } else if (in_string) {
      kept += c;
      if (c == '\\' && i + 1 < code.size()) {
        kept += code[++i];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '/' && i + 1 < code.size() && code[i + 1] == '/') {
      in_comment = true;
    } else {
      in_string = c == '"' && (i == 0 || code[i - 1] != '\'');
      kept += c;
    }
  }
  return kept;
}

// Every test source under tests/ (not tests/tools, which holds node_modules).
const std::map<std::filesystem::path, std::string>& sources() {
  static const std::map<std::filesystem::path, std::string> files = [] {
    std::map<std::filesystem::path, std::string> found;
    const auto root = source_dir() / "tests";
    for (auto it = std::filesystem::recursive_directory_iterator(root);
         it != std::filesystem::recursive_directory_iterator(); ++it) {
      if (it->path().filename() == "tools") {
        it.disable_recursion_pending();
        continue;
      }
      const auto extension = it->path().extension();
      if (extension == ".cpp" || extension == ".h") found[it->path()] = read_file(it->path());
    }
    return found;
  }();
  return files;
}

// The code (comments left out) that shows what test `name` exercises: its body, or for
// "P/Suite.Name/Param" the line defining Param; nullopt when no such test is defined.
std::optional<std::string> evidence_of(const std::string& name) {
  std::string suite = name.substr(0, name.find('.'));
  std::string test = name.substr(name.find('.') + 1);
  std::string param;
  if (const auto slash = suite.find('/'); slash != std::string::npos) suite.erase(0, slash + 1);
  if (const auto slash = test.find('/'); slash != std::string::npos) {
    param = test.substr(slash + 1);
    test.erase(slash);
  }
  for (const auto& [path, text] : sources()) {
    for (const char* macro : {"TEST(", "TEST_F(", "TEST_P("}) {
      const std::string head = std::string(macro) + suite + ", " + test + ")";
      const auto at = text.find(head);
      if (at == std::string::npos) continue;
      if (!param.empty()) {
        const auto defined = text.find("\"" + param + "\"");
        if (defined == std::string::npos) return std::nullopt;
        const auto line_start = text.rfind('\n', defined) + 1;
        return without_comments(text.substr(line_start, text.find('\n', defined) - line_start));
      }
      const auto next = text.find("\nTEST", at + head.size());
      return without_comments(text.substr(at, next == std::string::npos ? next : next - at));
    }
  }
  return std::nullopt;
}

std::string errors_md() {
  return read_file(source_dir() / "docs" / "errors.md");
}

TEST(ErrorsDoc, TheTestedTableHasExactlyTheRowsOfTheFailureTable) {
  const std::string doc = errors_md();
  std::vector<std::string> failures;
  for (const auto& [failure, category] : table(doc, "| failure |")) failures.push_back(failure);
  std::vector<std::string> tested;
  for (const auto& [row, tests] : table(doc, "| row |")) tested.push_back(row);
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(tested, failures);
  std::vector<std::string> marked;
  for (const auto& [row, marks] : row_marks()) marked.push_back(row);
  std::sort(failures.begin(), failures.end());
  EXPECT_EQ(marked, failures) << "every row needs its marks in row_marks()";
}

class ErrorsDocRow : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(ErrorsDocRow, NamesTestsThatExistAndExerciseTheRow) {
  const auto& [row, cell] = GetParam();
  const auto names = test_names(cell);
  ASSERT_FALSE(names.empty()) << row << ": no test named";
  const auto marks = row_marks().find(row);
  ASSERT_NE(marks, row_marks().end()) << row << ": no marks in row_marks()";
  for (const auto& name : names) {
    const auto code = evidence_of(name);
    if (!code) {
      ADD_FAILURE() << row << ": " << name << " is not defined under tests/";
      continue;
    }
    const bool exercised =
        std::any_of(marks->second.begin(), marks->second.end(),
                    [&](const std::string& mark) { return code->find(mark) != std::string::npos; });
    EXPECT_TRUE(exercised) << row << ": " << name << " shows none of its marks";
  }
}

std::string row_name(const ::testing::TestParamInfo<std::pair<std::string, std::string>>& info) {
  std::string name;
  for (const char c : info.param.first) {
    if (std::isalnum(static_cast<unsigned char>(c))) name += c;
  }
  return name.substr(0, 40) + "_" + std::to_string(info.index);
}

INSTANTIATE_TEST_SUITE_P(Rows, ErrorsDocRow, ::testing::ValuesIn(table(errors_md(), "| row |")),
                         row_name);

// The exit codes: docs/errors.md's failure table, row by row, against cli/exit_codes.h's one
// mapping. A row either names an error that ends a command (built here with its category and
// HTTP status, at the stage it arises): its category cell names that category (or "-") and its
// exit cell must hold what exit_code_for gives, or
// it is a failure of one file (the run goes on; its cell must hold 1), or the run's own outcome
// (the sync engine decides, tested by the rows' tests above). A new row needs its entry here.
struct ExitRow {
  enum class Kind { kEndsCommand, kFailsAFile, kRunOutcome };
  Kind kind = Kind::kRunOutcome;
  Error error{};
  cli::ErrorStage stage = cli::ErrorStage::kRun;
};

ExitRow ends_command(ErrorCategory category, int http_status,
                     cli::ErrorStage stage = cli::ErrorStage::kRun, std::string message = "x") {
  return {
      .kind = ExitRow::Kind::kEndsCommand,
      .error =
          Error{.category = category, .message = std::move(message), .http_status = http_status},
      .stage = stage};
}

const std::map<std::string, ExitRow>& exit_rows() {
  using enum ErrorCategory;
  using Stage = cli::ErrorStage;
  const ExitRow fails_a_file{.kind = ExitRow::Kind::kFailsAFile};
  const ExitRow run_outcome{.kind = ExitRow::Kind::kRunOutcome};
  static const std::map<std::string, ExitRow> rows = {
      {"connection refused, DNS failure, connect timeout", ends_command(kRetryable, 0)},
      {"connection reset, timeout mid-transfer, empty reply", ends_command(kRetryable, 0)},
      {"TLS certificate not trusted", ends_command(kTlsVerification, 0)},
      {"HTTP 500, 502, 503, InternalError, ServiceUnavailable, RequestTimeout",
       ends_command(kRetryable, 503)},
      {"503 SlowDown, 429, Throttling", ends_command(kThrottled, 503)},
      {"403 SignatureDoesNotMatch, InvalidAccessKeyId", ends_command(kAuth, 403)},
      {"403 ExpiredToken", ends_command(kAuth, 403)},
      {"403 RequestTimeTooSkewed", ends_command(kAuth, 403)},
      {"403 AccessDenied", ends_command(kAuth, 403)},
      {"404 NoSuchBucket", ends_command(kNotFound, 404)},
      {"404 NoSuchUpload (multipart gone)", run_outcome},
      {"400 bad request, InvalidArgument, InvalidStorageClass, EntityTooSmall", fails_a_file},
      {"412 PreconditionFailed (If-None-Match), on a claim or an asset", run_outcome},
      {"412 PreconditionFailed (If-None-Match, If-Match), on an Item", run_outcome},
      {"BadDigest, ETag not matching the local MD5 / multipart rule", fails_a_file},
      {"local file vanished, unreadable", fails_a_file},
      {"local file changed while being read or uploaded", fails_a_file},
      {"damaged image, unknown format (metadata unreadable, all or some)", run_outcome},
      {"a pending file gone from the disk", run_outcome},
      {"a second `watch` on the same journal", ends_command(kConflict, 0, Stage::kJournal)},
      {"journal locked by another process", ends_command(kFatal, 0, Stage::kJournal)},
      {"journal damaged", ends_command(kFatal, 0, Stage::kJournal)},
      {"disk full in the state directory", ends_command(kLocalIo, 0, Stage::kJournal)},
      {"a state directory or download folder that cannot be created (a file in its way, no "
       "permission)",
       ends_command(kLocalIo, 0, Stage::kJournal)},
      {"the folder imgsync was started in was deleted", ends_command(kLocalIo, 0, Stage::kSetup)},
      {"a notifier fails (webhook, Slack, e-mail, exec: refused, timed out, rejected)",
       run_outcome},
      {"`--metrics` / `[watch] metrics` port taken, or not HOST:PORT",
       ends_command(kInvalidInput, 0, Stage::kSetup)},
      {"shared catalog (`[catalog] url`) unreachable, or its database restarted",
       ends_command(kRetryable, 0)},
      {"shared catalog URL not PostgreSQL, or holding a password",
       ends_command(kInvalidInput, 0, Stage::kSetup)},
      {"shared catalog set up by a newer imgsync", ends_command(kFatal, 0)},
      {"SIGINT / SIGTERM", run_outcome},
  };
  return rows;
}

// The exit codes a cell names: "1, or 3 when the run stopped" -> {1, 3}; "-" -> {}.
std::set<int> exit_codes_in(const std::string& cell) {
  std::set<int> codes;
  const std::regex code(R"((^|[^0-9A-Za-z])([0-3])($|[^0-9A-Za-z]))");
  for (auto it = std::sregex_iterator(cell.begin(), cell.end(), code); it != std::sregex_iterator();
       ++it) {
    codes.insert(std::stoi((*it)[2].str()));
  }
  return codes;
}

TEST(ExitCodesDoc, TheConstantsAreTheOnesTheDocPromises) {
  const std::string doc = errors_md();
  const std::map<std::string, int> promised = {{"all done", cli::kExitOk},
                                               {"some files failed", cli::kExitSomeFailed},
                                               {"usage or configuration error", cli::kExitUsage},
                                               {"destination unusable", cli::kExitDestination}};
  for (const auto& [meaning, code] : promised) {
    const std::regex line("Exit codes \\(every command\\):[\\s\\S]*?([0-9]) " + meaning);
    std::smatch found;
    ASSERT_TRUE(std::regex_search(doc, found, line)) << meaning;
    EXPECT_EQ(std::stoi(found[1].str()), code) << meaning;
  }
}

TEST(ExitCodesDoc, EveryFailureRowMatchesTheOneMapping) {
  const auto rows = table_rows(errors_md(), "| failure |");
  ASSERT_FALSE(rows.empty());
  std::set<std::string> seen;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 5U) << row[0];
    seen.insert(row[0]);
    const auto expected = exit_rows().find(row[0]);
    if (expected == exit_rows().end()) {
      ADD_FAILURE() << row[0] << ": no entry in exit_rows()";
      continue;
    }
    const std::set<int> documented = exit_codes_in(row[4]);
    switch (expected->second.kind) {
      case ExitRow::Kind::kEndsCommand: {
        const std::string category(to_string(expected->second.error.category));
        EXPECT_TRUE(row[1] == "-" || row[1] == category || row[1].starts_with(category + " "))
            << row[0] << ": the error is " << category << ", the doc says \"" << row[1] << "\"";
        const int code = cli::exit_code_for(expected->second.error, expected->second.stage);
        EXPECT_TRUE(documented.contains(code))
            << row[0] << ": the mapping gives " << code << ", the doc says \"" << row[4] << "\"";
        break;
      }
      case ExitRow::Kind::kFailsAFile:
        EXPECT_TRUE(documented.contains(cli::kExitSomeFailed)) << row[0] << ": " << row[4];
        break;
      case ExitRow::Kind::kRunOutcome:
        break;
    }
  }
  for (const auto& [row, expected] : exit_rows()) {
    EXPECT_TRUE(seen.contains(row)) << row << ": in exit_rows() but not in docs/errors.md";
  }
}

// The predicates of util/error_predicates.h, by name: "is_transient", "destination_unusable"...
std::vector<std::string> error_predicates() {
  const std::string header = read_file(source_dir() / "src" / "util" / "error_predicates.h");
  const std::regex declared(R"(inline bool (\w+)\(const Error&)");
  std::vector<std::string> names;
  for (auto it = std::sregex_iterator(header.begin(), header.end(), declared);
       it != std::sregex_iterator(); ++it) {
    names.push_back((*it)[1].str());
  }
  return names;
}

// Every command ends through exit_code_for: no source of cli/ but exit_codes.h turns an error
// category (or a predicate of util/error_predicates.h) into an exit code itself, as search once
// did, giving 1 for an unreachable endpoint.
TEST(ExitCodesDoc, NoCommandMapsACategoryToAnExitCodeOfItsOwn) {
  const std::vector<std::string> predicates = error_predicates();
  ASSERT_GE(predicates.size(), 8U);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(source_dir() / "src" / "cli")) {
    if (entry.path().extension() != ".cpp" && entry.path().extension() != ".h") continue;
    if (entry.path().filename() == "exit_codes.h") continue;
    ++files;
    std::istringstream lines(without_comments(read_file(entry.path())));
    std::vector<std::string> text;
    for (std::string line; std::getline(lines, line);) text.push_back(line);
    for (std::size_t i = 0; i < text.size(); ++i) {
      const bool asks_a_predicate = std::any_of(
          predicates.begin(), predicates.end(),
          [&](const std::string& name) { return text[i].find(name + "(") != std::string::npos; });
      if (text[i].find("ErrorCategory::") == std::string::npos && !asks_a_predicate) continue;
      const std::string next = i + 1 < text.size() ? text[i + 1] : "";
      EXPECT_EQ(text[i].find("case ErrorCategory::"), std::string::npos)
          << entry.path().filename() << ":" << i + 1 << ": " << text[i];
      EXPECT_EQ((text[i] + next).find("kExit"), std::string::npos)
          << entry.path().filename() << ":" << i + 1 << ": " << text[i];
    }
  }
  EXPECT_GT(files, 10);
}

}  // namespace
}  // namespace imgsync::testing
