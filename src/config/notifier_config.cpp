#include "config/notifier_config.h"

#include <optional>
#include <string>

#include "config/toml_reader.h"

namespace imgsync::config {
namespace {

const std::string kSection = "notify.";

std::optional<NotifierType> notifier_type(const std::string& word) {
  if (word == "webhook") return NotifierType::kWebhook;
  if (word == "slack") return NotifierType::kSlack;
  if (word == "exec") return NotifierType::kExec;
  if (word == "email") return NotifierType::kEmail;
  return std::nullopt;
}

bool is_address(const std::string& text) {
  const auto at = text.find('@');
  return at != std::string::npos && at > 0 && at + 1 < text.size() &&
         text.find_first_of(" \t\r\n<>,;\"") == std::string::npos;
}

// to = "a@x" or to = ["a@x", "b@y"].
Result<std::vector<std::string>> recipients(const TomlReader& reader, const toml::table& table) {
  const toml::node* node = table.get("to");
  if (node != nullptr && node->is_string()) {
    return std::vector<std::string>{std::string(node->as_string()->get())};
  }
  return reader.strings_at(table, "to", kSection);
}

Status check_email(const TomlReader& reader, const toml::table& table, NotifierConfig& notifier) {
  const bool smtps = notifier.smtp_url.rfind("smtps://", 0) == 0;
  if (!smtps && notifier.smtp_url.rfind("smtp://", 0) != 0) {
    return reader.error_at(table, kSection + "smtp_url",
                           R"(an email notifier needs smtp_url = "smtp://host:587" or )"
                           R"("smtps://host:465")");
  }
  const std::string authority = notifier.smtp_url.substr(smtps ? 8 : 7);
  if (authority.empty() || authority[0] == '/' || authority[0] == ':') {
    return reader.error_at(table, kSection + "smtp_url", "names no host");
  }
  if (authority.substr(0, authority.find('/')).find('@') != std::string::npos) {
    return reader.error_at(*table.get("smtp_url"), kSection + "smtp_url",
                           "must not hold credentials: put the user in username and the "
                           "password in an environment variable named by password_env");
  }
  if (!is_address(notifier.from)) {
    return reader.error_at(table.get("from") ? *table.get("from") : table, kSection + "from",
                           R"(an email notifier needs from = "imgsync@example.com")");
  }
  if (notifier.to.empty()) {
    return reader.error_at(table, kSection + "to",
                           R"(an email notifier needs to = "ops@example.com" (or a list))");
  }
  for (const auto& address : notifier.to) {
    if (!is_address(address)) {
      return reader.error_at(*table.get("to"), kSection + "to",
                             fmt::format("\"{}\" is not an e-mail address", address));
    }
  }
  if (!notifier.password_env.empty() && notifier.username.empty()) {
    return reader.error_at(*table.get("password_env"), kSection + "password_env",
                           "needs username = \"...\" too");
  }
  return {};
}

}  // namespace

Result<NotifierConfig> read_notifier(const TomlReader& reader, const toml::table& table) {
  if (Status ok = reader.check_keys(table, kSection,
                                    {"type", "url", "command", "when", "smtp_url", "starttls",
                                     "from", "to", "username", "password_env", "ca_bundle"});
      !ok.ok()) {
    return ok.error();
  }
  NotifierConfig notifier;
  std::string type;
  for (auto [key, target] :
       {std::pair{"type", &type}, std::pair{"url", &notifier.url},
        std::pair{"smtp_url", &notifier.smtp_url}, std::pair{"from", &notifier.from},
        std::pair{"username", &notifier.username},
        std::pair{"password_env", &notifier.password_env},
        std::pair{"ca_bundle", &notifier.ca_bundle}}) {
    auto value = reader.string_at(table, key, kSection);
    if (!value.ok()) return value.take_error();
    *target = *value;
  }
  if (!notifier.ca_bundle.empty()) notifier.ca_bundle = reader.resolve(notifier.ca_bundle).string();
  auto command = reader.strings_at(table, "command", kSection);
  if (!command.ok()) return command.take_error();
  notifier.command = *command;
  auto to = recipients(reader, table);
  if (!to.ok()) return to.take_error();
  notifier.to = *to;
  if (const toml::node* starttls = table.get("starttls")) {
    if (!starttls->is_boolean())
      return reader.error_at(*starttls, kSection + "starttls", "must be true or false");
    notifier.starttls = starttls->as_boolean()->get();
  }
  auto when = reader.string_at(table, "when", kSection);
  if (!when.ok()) return when.take_error();
  if (!when->empty() && *when != "failure" && *when != "always") {
    return reader.error_at(*table.get("when"), kSection + "when",
                           R"(must be "failure" or "always")");
  }
  notifier.always = *when == "always";
  const std::optional<NotifierType> known = notifier_type(type);
  if (!known) {
    return reader.error_at(table, kSection + "type",
                           R"(must be "webhook", "slack", "exec" or "email")");
  }
  notifier.type = *known;
  switch (notifier.type) {
    case NotifierType::kWebhook:
    case NotifierType::kSlack:
      if (notifier.url.rfind("http://", 0) != 0 && notifier.url.rfind("https://", 0) != 0) {
        return reader.error_at(table, kSection + "url", "a webhook needs url = \"https://...\"");
      }
      break;
    case NotifierType::kExec:
      if (notifier.command.empty()) {
        return reader.error_at(table, kSection + "command",
                               R"(an exec notifier needs command = ["/path/to/program", "arg"])");
      }
      break;
    case NotifierType::kEmail:
      if (Status ok = check_email(reader, table, notifier); !ok.ok()) return ok.error();
      break;
  }
  return notifier;
}

}  // namespace imgsync::config
