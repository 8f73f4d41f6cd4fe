#include "notify/email_notifier.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>

#include "notify/notifier.h"
#include "util/hashing.h"

namespace imgsync::notify {
namespace {

// File names and server messages end up in headers and body: no line breaks of their own.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return text;
}

bool is_ascii(const std::string& text) {
  for (unsigned char c : text) {
    if (c >= 0x80) return false;
  }
  return true;
}

// RFC 2047 for a subject that names a non-ASCII prefix or file.
std::string header_text(const std::string& text) {
  const std::string clean = one_line(text);
  if (is_ascii(clean)) return clean;
  return "=?UTF-8?B?" + base64_encode(clean) + "?=";
}

// "Thu, 26 Nov 2026 02:39:06 +0000" (RFC 5322 date-time, in UTC).
std::string rfc5322_date(SystemTime now) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &utc);
  return buffer;
}

std::string domain_of(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? "imgsync.invalid" : address.substr(at + 1);
}

std::string new_message_id(const std::string& from) {
  std::random_device random;
  std::string unique;
  for (int i = 0; i < 4; ++i) unique += fmt::format("{:08x}", random());
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  return fmt::format("<{}.{}@{}>", seconds, unique, domain_of(from));
}

struct Upload {
  const std::string* text;
  std::size_t offset = 0;
};

std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t left = upload->text->size() - upload->offset;
  const std::size_t n = std::min(left, size * count);
  std::memcpy(buffer, upload->text->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

std::string email_subject(const RunSummary& summary) {
  const std::string& to = summary.destination;
  if (summary.event == RunEvent::kResumed) return fmt::format("imgsync: uploads to {} resumed", to);
  if (summary.event == RunEvent::kDestinationUnusable) {
    return fmt::format("imgsync: uploads to {} paused, the destination is unusable{}", to,
                       summary.pending > 0
                           ? fmt::format(" ({} {} pending, nothing lost)", summary.pending,
                                         summary.pending == 1 ? "file" : "files")
                           : "");
  }
  if (summary.failed > 0) {
    return fmt::format("imgsync: {} {} failed uploading to {}", summary.failed,
                       summary.failed == 1 ? "file" : "files", to);
  }
  return fmt::format("imgsync: {} {} uploaded to {}", summary.uploaded,
                     summary.uploaded == 1 ? "file" : "files", to);
}

std::string format_email(const config::NotifierConfig& notifier, const RunSummary& summary,
                         SystemTime now, const std::string& message_id) {
  std::string to;
  for (const auto& address : notifier.to) to += (to.empty() ? "" : ", ") + one_line(address);
  std::string message;
  message += "Date: " + rfc5322_date(now) + "\r\n";
  message += "From: " + one_line(notifier.from) + "\r\n";
  message += "To: " + to + "\r\n";
  message += "Message-ID: " + one_line(message_id) + "\r\n";
  message += "Subject: " + header_text(email_subject(summary)) + "\r\n";
  message += "MIME-Version: 1.0\r\n";
  message += "Content-Type: text/plain; charset=utf-8\r\n";
  message += "Content-Transfer-Encoding: 8bit\r\n";
  message += "Auto-Submitted: auto-generated\r\n";
  message += "\r\n";
  message += fmt::format("Destination: {}\r\nEvent: {}\r\nUploaded: {}\r\nFailed: {}\r\n",
                         one_line(summary.destination), to_string(summary.event), summary.uploaded,
                         summary.failed);
  if (summary.pending > 0) {
    message +=
        fmt::format("Pending: {} (nothing lost: the next run takes them)\r\n", summary.pending);
  }
  if (!summary.first_errors.empty()) {
    message +=
        summary.event == RunEvent::kDestinationUnusable ? "\r\nWhy:\r\n" : "\r\nFirst errors:\r\n";
    for (const auto& error : summary.first_errors) message += "- " + one_line(error) + "\r\n";
  }
  message += "\r\n-- \r\nimgsync " IMGSYNC_VERSION "\r\n";
  return message;
}

Status send_email(const config::NotifierConfig& notifier, const RunSummary& summary) {
  const std::string host = host_of_url(notifier.smtp_url);
  const auto failed = [&host](const std::string& why) {
    return make_error(ErrorCategory::kRetryable, fmt::format("e-mail to {} failed: {}", host, why));
  };
  std::string password;
  if (!notifier.password_env.empty()) {
    const char* value = std::getenv(notifier.password_env.c_str());
    if (value == nullptr) {
      return failed(fmt::format("password_env names {}, which is not set", notifier.password_env));
    }
    password = value;
  }
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return failed("cannot start a curl handle");
  curl_slist* list = nullptr;
  for (const auto& address : notifier.to) {
    curl_slist* longer = curl_slist_append(list, ("<" + address + ">").c_str());
    if (longer == nullptr) {
      curl_slist_free_all(list);
      return failed("out of memory");
    }
    list = longer;
  }
  std::unique_ptr<curl_slist, CurlDeleter> recipients(list);
  const std::string text = format_email(notifier, summary, std::chrono::system_clock::now(),
                                        new_message_id(notifier.from));
  Upload upload{&text};
  const std::string mail_from = "<" + notifier.from + ">";
  char error_text[CURL_ERROR_SIZE] = {};
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, notifier.smtp_url.c_str());
  curl_easy_setopt(handle, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(handle, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(handle, CURLOPT_READFUNCTION, read_message);
  curl_easy_setopt(handle, CURLOPT_READDATA, &upload);
  curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(text.size()));
  // smtps:// is TLS from the first byte; smtp:// upgrades with STARTTLS unless told not to.
  const bool tls = notifier.starttls || notifier.smtp_url.rfind("smtps://", 0) == 0;
  curl_easy_setopt(handle, CURLOPT_USE_SSL,
                   tls ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_NONE));
  if (!notifier.ca_bundle.empty())
    curl_easy_setopt(handle, CURLOPT_CAINFO, notifier.ca_bundle.c_str());
  if (!notifier.username.empty()) {
    curl_easy_setopt(handle, CURLOPT_USERNAME, notifier.username.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, password.c_str());
  }
  // A dead or silent server must not hold the daemon: bounded connect and total time.
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, 5L);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT, static_cast<long>(kEmailTimeout.count()));
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);
  const CURLcode code = curl_easy_perform(handle);
  if (code != CURLE_OK) {
    const std::string detail = one_line(error_text);
    return failed(detail.empty() ? curl_easy_strerror(code) : detail);
  }
  return {};
}

}  // namespace imgsync::notify
