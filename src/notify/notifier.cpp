#include "notify/notifier.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string_view>
#include <thread>

#include "notify/email_notifier.h"
#include "notify/event_log.h"

namespace imgsync::notify {
namespace {

void warn(const std::string& what) {
  log({.level = LogLevel::kWarn, .event = "notify_failed", .message = what});
}

void post(const std::string& url, const std::string& body) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return warn("cannot start a webhook request");
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION,
      +[](char*, size_t size, size_t count, void*) { return size * count; });
  const CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) {
    return warn(
        fmt::format("webhook to {} failed: {}", host_of_url(url), curl_easy_strerror(code)));
  }
  if (status < 200 || status >= 300) {
    warn(fmt::format("webhook to {} answered HTTP {}", host_of_url(url), status));
  }
}

// AWS credentials by the names the AWS tools read (and any AWS_* secret of the same shape).
bool is_aws_secret(std::string_view name) {
  if (!name.starts_with("AWS_")) return false;
  return name == "AWS_ACCESS_KEY_ID" || name.find("SECRET") != std::string_view::npos ||
         name.find("TOKEN") != std::string_view::npos ||
         name.find("PASSWORD") != std::string_view::npos;
}

void run_command(const std::vector<std::string>& command, const RunSummary& summary,
                 const std::vector<config::NotifierConfig>& notifiers) {
  // Built before fork: the child of a threaded process may only exec.
  std::vector<std::string> parent;
  for (char** variable = environ; *variable != nullptr; ++variable) parent.emplace_back(*variable);
  std::vector<std::string> environment = exec_environment(parent, notifiers, summary);
  std::vector<char*> envp;
  for (auto& variable : environment) envp.push_back(variable.data());
  envp.push_back(nullptr);
  std::vector<std::string> copies = command;
  std::vector<char*> argv;
  for (auto& argument : copies) argv.push_back(argument.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return warn("cannot start the exec notifier");
  if (pid == 0) {
    // No shell: the details never pass through a command string.
    execvpe(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return warn(fmt::format("exec notifier {} took over 30 s and was stopped", command[0]));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    warn(fmt::format("exec notifier {} failed (exit status {})", command[0],
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  }
}

}  // namespace

std::vector<std::string> exec_environment(const std::vector<std::string>& parent,
                                          const std::vector<config::NotifierConfig>& notifiers,
                                          const RunSummary& summary) {
  std::vector<std::string> environment;
  for (const auto& variable : parent) {
    const std::string_view name = std::string_view(variable).substr(0, variable.find('='));
    if (is_aws_secret(name) || name.starts_with("IMGSYNC_")) continue;
    bool password = false;
    for (const auto& notifier : notifiers) {
      password = password || (!notifier.password_env.empty() && name == notifier.password_env);
    }
    if (!password) environment.push_back(variable);
  }
  environment.push_back("IMGSYNC_EVENT=" + std::string(to_string(summary.event)));
  environment.push_back("IMGSYNC_DESTINATION=" + summary.destination);
  environment.push_back("IMGSYNC_UPLOADED=" + std::to_string(summary.uploaded));
  environment.push_back("IMGSYNC_FAILED=" + std::to_string(summary.failed));
  environment.push_back("IMGSYNC_FIRST_ERROR=" +
                        (summary.first_errors.empty() ? "" : summary.first_errors.front()));
  environment.push_back("IMGSYNC_SUMMARY_JSON=" + summary_json(summary));
  return environment;
}

std::string_view to_string(RunEvent event) {
  switch (event) {
    case RunEvent::kSyncFinished:
      return "sync_finished";
    case RunEvent::kDestinationUnusable:
      return "destination_unusable";
    case RunEvent::kResumed:
      return "resumed";
    case RunEvent::kWatchReport:
      return "watch_report";
  }
  return "sync_finished";
}

std::string host_of_url(const std::string& url) {
  const auto start = url.find("://");
  if (start == std::string::npos) return "?";
  const auto end = url.find_first_of("/?#", start + 3);
  std::string host =
      url.substr(start + 3, end == std::string::npos ? std::string::npos : end - start - 3);
  const auto at = host.rfind('@');  // user:password@host
  return at == std::string::npos ? host : host.substr(at + 1);
}

std::string summary_json(const RunSummary& summary) {
  return nlohmann::json{{"event", to_string(summary.event)}, {"destination", summary.destination},
                        {"uploaded", summary.uploaded},      {"failed", summary.failed},
                        {"pending", summary.pending},        {"first_errors", summary.first_errors}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string summary_text(const RunSummary& summary) {
  std::string text =
      fmt::format("imgsync: {} to {}: {} uploaded, {} failed", to_string(summary.event),
                  summary.destination, summary.uploaded, summary.failed);
  if (summary.pending > 0) {
    text += fmt::format(", {} pending (stopped: nothing lost, the next run takes them)",
                        summary.pending);
  }
  for (const auto& error : summary.first_errors) text += "\n- " + error;
  return text;
}

void notify_run(const std::vector<config::NotifierConfig>& notifiers, const RunSummary& summary) {
  const bool trouble = summary.failed > 0 || summary.event == RunEvent::kDestinationUnusable ||
                       summary.event == RunEvent::kResumed;
  for (const auto& notifier : notifiers) {
    if (!trouble && !notifier.always) continue;
    switch (notifier.type) {
      case config::NotifierType::kWebhook:
        post(notifier.url, summary_json(summary));
        break;
      case config::NotifierType::kSlack:
        post(notifier.url, nlohmann::json{{"text", summary_text(summary)}}.dump(
                               -1, ' ', false, nlohmann::json::error_handler_t::replace));
        break;
      case config::NotifierType::kExec:
        run_command(notifier.command, summary, notifiers);
        break;
      case config::NotifierType::kEmail:
        if (Status sent = send_email(notifier, summary); !sent.ok()) warn(sent.error().message);
        break;
    }
  }
}

}  // namespace imgsync::notify
