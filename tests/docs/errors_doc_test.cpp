// docs/errors.md's "Where each row is tested" table, walked row by row: it has exactly the rows of
// the failure table above it, every row names at least one test, every test it names is defined
// in tests/, and every such test exercises the row's class: its code (comments left out) holds
// one of the row's marks below (the code, the fault the proxy injects, the signal sent). A
// parameterized case is named "Prefix/Suite.Name/Param"; its mark is looked for on the line that
// defines the Param.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "support/test_paths.h"

namespace imgsync::testing {
namespace {

// What a test of each row must contain. A new row in docs/errors.md needs its marks here.
const std::map<std::string, std::vector<std::string>>& row_marks() {
  static const std::map<std::string, std::vector<std::string>> marks = {
      {"connection refused, DNS failure, connect timeout",
       {"refuse", "gateway-stop", "Status0", "127.0.0.1:1\"", "127.0.0.1:9"}},
      {"connection reset, timeout mid-transfer, empty reply", {"drop_mid_body"}},
      {"TLS certificate not trusted", {"ca_bundle", "tls_host"}},
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
      {"BadDigest, ETag not matching the local MD5 / multipart rule",
       {"BadDigest", "replace_etag", "Content-MD5", "XAmzContentSHA256Mismatch"}},
      {"local file vanished, unreadable", {"remove"}},
      {"local file changed while being read or uploaded", {"write_file", "ofstream"}},
      {"damaged image, unknown format (metadata unreadable, all or some)",
       {"damaged", "corpus_dir", "not-an-image"}},
      {"a pending file gone from the disk", {"remove"}},
      {"a second `watch` on the same journal", {"already watched"}},
      {"journal locked by another process", {"BEGIN EXCLUSIVE", "flock", "locked"}},
      {"journal damaged", {"garbage", "damaged", "move it aside"}},
      {"disk full in the state directory", {"ulimit", "RLIMIT_FSIZE"}},
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

// The rows of the markdown table whose header starts with `header`: first cell -> second cell.
std::vector<std::pair<std::string, std::string>> table(const std::string& markdown,
                                                       const std::string& header) {
  std::vector<std::pair<std::string, std::string>> rows;
  std::istringstream lines(markdown);
  bool inside = false;
  for (std::string line; std::getline(lines, line);) {
    if (!inside) {
      inside = line.rfind(header, 0) == 0;
      continue;
    }
    if (line.rfind("|---", 0) == 0) continue;
    if (line.empty() || line[0] != '|') break;
    const auto row = cells(line);
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

}  // namespace
}  // namespace imgsync::testing
