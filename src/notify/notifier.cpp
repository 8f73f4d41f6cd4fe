#include "notify/notifier.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "notify/email_notifier.h"
#include "notify/event_log.h"

namespace imgsync::notify {
namespace {

void warn(const std::string& what) {
  log({LogLevel::kWarn, "notify_failed", "", "", 0, std::nullopt, 0, "", "", "", what});
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

void run_command(const std::vector<std::string>& command, const RunSummary& summary) {
  const pid_t pid = fork();
  if (pid < 0) return warn("cannot start the exec notifier");
  if (pid == 0) {
    setenv("IMGSYNC_EVENT", summary.event.c_str(), 1);
    setenv("IMGSYNC_DESTINATION", summary.destination.c_str(), 1);
    setenv("IMGSYNC_UPLOADED", std::to_string(summary.uploaded).c_str(), 1);
    setenv("IMGSYNC_FAILED", std::to_string(summary.failed).c_str(), 1);
    setenv("IMGSYNC_FIRST_ERROR",
           summary.first_errors.empty() ? "" : summary.first_errors.front().c_str(), 1);
    setenv("IMGSYNC_SUMMARY_JSON", summary_json(summary).c_str(), 1);
    std::vector<std::string> copies = command;
    std::vector<char*> argv;
    for (auto& argument : copies) argv.push_back(argument.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());  // no shell: the details never pass through a command string
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
  return nlohmann::json{{"event", summary.event},       {"destination", summary.destination},
                        {"uploaded", summary.uploaded}, {"failed", summary.failed},
                        {"pending", summary.pending},   {"first_errors", summary.first_errors}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string summary_text(const RunSummary& summary) {
  std::string text = fmt::format("imgsync: {} to {}: {} uploaded, {} failed", summary.event,
                                 summary.destination, summary.uploaded, summary.failed);
  if (summary.pending > 0) {
    text += fmt::format(", {} pending (stopped: nothing lost, the next run takes them)",
                        summary.pending);
  }
  for (const auto& error : summary.first_errors) text += "\n- " + error;
  return text;
}

void notify_run(const std::vector<config::NotifierConfig>& notifiers, const RunSummary& summary) {
  const bool trouble =
      summary.failed > 0 || summary.event == "destination_unusable" || summary.event == "resumed";
  for (const auto& notifier : notifiers) {
    if (!trouble && !notifier.always) continue;
    if (notifier.type == "webhook") {
      post(notifier.url, summary_json(summary));
    } else if (notifier.type == "slack") {
      post(notifier.url, nlohmann::json{{"text", summary_text(summary)}}.dump(
                             -1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else if (notifier.type == "exec") {
      run_command(notifier.command, summary);
    } else if (notifier.type == "email") {
      if (Status sent = send_email(notifier, summary); !sent.ok()) warn(sent.error().message);
    }
  }
}

}  // namespace imgsync::notify
