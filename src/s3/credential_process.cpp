#include "s3/credential_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <vector>

#include "util/json_fields.h"
#include "util/time_format.h"

namespace imgsync::s3 {
namespace {

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < line.size()) {
        word += line[++i];
      } else {
        word += c;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

Error auth_error(std::string message) {
  return make_error(ErrorCategory::kAuth, std::move(message));
}

}  // namespace

Result<Credentials> run_credential_process(const std::string& command_line) {
  const std::vector<std::string> words = split_words(command_line);
  if (words.empty()) return auth_error("credential_process is empty");
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0)
    return auth_error("cannot create a pipe for credential_process");
  const pid_t pid = fork();
  if (pid < 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return auth_error("cannot start credential_process");
  }
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (const auto& word : words) argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  std::string output;
  char buffer[4096];
  for (;;) {
    const ssize_t got = read(out_pipe[0], buffer, sizeof buffer);
    if (got > 0) {
      output.append(buffer, static_cast<size_t>(got));
      if (output.size() > (1 << 20)) break;
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    break;
  }
  close(out_pipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return auth_error(fmt::format("credential_process \"{}\" failed (exit status {}){}", words[0],
                                  code,
                                  code == 127 ? ": is the program installed and on PATH?" : ""));
  }
  auto json = nlohmann::json::parse(output, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return auth_error(fmt::format("credential_process \"{}\" printed no JSON object", words[0]));
  }
  const auto version = json.find("Version");
  if (version == json.end() || !version->is_number_integer() || *version != 1) {
    return auth_error(fmt::format("credential_process \"{}\" printed Version {}, expected 1",
                                  words[0],
                                  json.contains("Version") ? json["Version"].dump() : "none"));
  }
  Credentials credentials;
  credentials.access_key_id = json_string(json, "AccessKeyId");
  credentials.secret_access_key = json_string(json, "SecretAccessKey");
  credentials.session_token = json_string(json, "SessionToken");
  if (credentials.empty()) {
    return auth_error(fmt::format(
        "credential_process \"{}\" printed no AccessKeyId or SecretAccessKey", words[0]));
  }
  if (auto expiration = json_string(json, "Expiration"); !expiration.empty()) {
    if (auto when = parse_iso8601(expiration); when.ok()) credentials.expiration = *when;
  }
  credentials.source = "credential_process";
  return credentials;
}

}  // namespace imgsync::s3
