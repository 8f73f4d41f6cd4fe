// [[notify]] in imgsync.toml: who hears about a run. One table per notifier, any number of them.
//
//   [[notify]]
//   type = "webhook"                 # POST of a JSON summary to url
//   url = "https://hooks.example/T0K3N"
//   when = "failure"                 # (default) only runs with failures; or "always"
//   [[notify]]
//   type = "slack"                   # POST of {"text": ...} to a Slack-compatible url
//   [[notify]]
//   type = "exec"                    # run directly (no shell), details in IMGSYNC_* variables
//   command = ["/usr/local/bin/page-me", "--team", "field"]
//   [[notify]]
//   type = "email"                   # SMTP through libcurl
//   smtp_url = "smtp://mail.example.com:587"   # or smtps://host:465 (TLS from the start)
//   starttls = true                  # smtp://: require STARTTLS (default true); false: plain
//   from = "imgsync@example.com"
//   to = ["ops@example.com", "me@example.com"] # or one string
//   username = "imgsync"             # optional SMTP AUTH user
//   password_env = "IMGSYNC_SMTP_PASSWORD"     # the password is read from this variable, never
//                                              # from the file, and never logged
//   ca_bundle = "certs/mail-ca.pem"  # optional, like [s3] ca_bundle (relative to the file)
#pragma once

#include <string>
#include <vector>

namespace imgsync::config {

// `type` in the table: "webhook", "slack", "exec", "email".
enum class NotifierType { kWebhook, kSlack, kExec, kEmail };

struct NotifierConfig {
  NotifierType type = NotifierType::kWebhook;
  std::string url;                   // webhook, slack
  std::vector<std::string> command;  // exec: program and arguments
  bool always = false;               // when = "always"

  // email
  std::string smtp_url;  // smtp://host[:port] or smtps://host[:port]; never holds credentials
  bool starttls = true;  // smtp://: refuse to send unless the server upgrades to TLS
  std::string from;
  std::vector<std::string> to;
  std::string username;
  std::string password_env;  // name of the environment variable holding the password
  std::string ca_bundle;     // CA certificates for the SMTP server ("" = the system's)
};

}  // namespace imgsync::config
