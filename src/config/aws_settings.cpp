#include "config/aws_settings.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <vector>

#include "config/ini_file.h"
#include "util/time_format.h"

namespace imgsync::config {
namespace {

bool is_true(const std::string& value) {
  std::string lower;
  for (char c : value) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "true" || lower == "1" || lower == "yes";
}

std::string lookup(const IniSection* section, const std::string& key) {
  if (section == nullptr) return {};
  auto found = section->find(key);
  return found == section->end() ? std::string() : found->second;
}

std::string host_without_port(const std::string& host) {
  if (!host.empty() && host.front() == '[') return host.substr(1, host.find(']') - 1);
  const auto colon = host.rfind(':');
  return colon == std::string::npos ? host : host.substr(0, colon);
}

bool is_ip_or_local(const std::string& host_port) {
  const std::string host = host_without_port(host_port);
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return true;
  }
  return host == "localhost" || host.find('.') == std::string::npos;
}

bool dns_safe_bucket(const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.')) {
      return false;
    }
  }
  return bucket.find("..") == std::string::npos;
}

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

bool S3Settings::use_path_style(const std::string& bucket) const {
  switch (addressing_style) {
    case AddressingStyle::kPath:
      return true;
    case AddressingStyle::kVirtual:
      return false;
    case AddressingStyle::kAuto:
      break;
  }
  if (is_ip_or_local(endpoint_host)) return true;
  if (!dns_safe_bucket(bucket)) return true;
  return endpoint_scheme == "https" && bucket.find('.') != std::string::npos;
}

Result<ParsedEndpoint> parse_endpoint_url(const std::string& url) {
  ParsedEndpoint endpoint;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("endpoint \"{}\" has no scheme: write http://HOST:PORT or "
                                  "https://HOST",
                                  url));
  }
  endpoint.scheme = url.substr(0, scheme_end);
  for (char& c : endpoint.scheme)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (endpoint.scheme != "http" && endpoint.scheme != "https") {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("endpoint \"{}\" uses scheme \"{}\": only http and https work",
                                  url, endpoint.scheme));
  }
  std::string rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string::npos) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("endpoint \"{}\" has a query or fragment: give only "
                                  "scheme://host[:port][/path]",
                                  url));
  }
  if (rest.find('@') != std::string::npos) {
    return make_error(ErrorCategory::kInvalidInput,
                      "the endpoint URL holds user information ('@'): put credentials in the "
                      "environment or a profile, never in the URL");
  }
  const auto slash = rest.find('/');
  endpoint.host = rest.substr(0, slash);
  if (slash != std::string::npos) {
    endpoint.base_path = rest.substr(slash);
    while (!endpoint.base_path.empty() && endpoint.base_path.back() == '/') {
      endpoint.base_path.pop_back();
    }
  }
  if (endpoint.host.empty()) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("endpoint \"{}\" names no host", url));
  }
  const auto colon = endpoint.host.rfind(':');
  if (colon != std::string::npos && endpoint.host.find(']') == std::string::npos) {
    const std::string port = endpoint.host.substr(colon + 1);
    bool digits = !port.empty() && port.size() <= 5;
    for (char c : port) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (!digits || std::stoi(port) == 0 || std::stoi(port) > 65535) {
      return make_error(ErrorCategory::kInvalidInput,
                        fmt::format("endpoint \"{}\" has an invalid port \"{}\"", url, port));
    }
  }
  for (char& c : endpoint.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return endpoint;
}

Result<s3::Credentials> run_credential_process(const std::string& command_line) {
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
  if (json.value("Version", 0) != 1) {
    return auth_error(fmt::format("credential_process \"{}\" printed Version {}, expected 1",
                                  words[0],
                                  json.contains("Version") ? json["Version"].dump() : "none"));
  }
  s3::Credentials credentials;
  credentials.access_key_id = json.value("AccessKeyId", "");
  credentials.secret_access_key = json.value("SecretAccessKey", "");
  credentials.session_token = json.value("SessionToken", "");
  if (credentials.empty()) {
    return auth_error(fmt::format(
        "credential_process \"{}\" printed no AccessKeyId or SecretAccessKey", words[0]));
  }
  if (auto expiration = json.value("Expiration", std::string()); !expiration.empty()) {
    if (auto when = parse_iso8601(expiration); when.ok()) credentials.expiration = *when;
  }
  credentials.source = "credential_process";
  return credentials;
}

Result<S3Settings> resolve_s3_settings(const Environment& env, const S3Overrides& overrides) {
  S3Settings settings;
  if (!overrides.profile.empty()) {
    settings.profile = overrides.profile;
  } else if (auto profile = env.get_non_empty("AWS_PROFILE")) {
    settings.profile = *profile;
  }
  const std::filesystem::path aws_dir = env.home / ".aws";
  const std::filesystem::path credentials_path =
      env.get_non_empty("AWS_SHARED_CREDENTIALS_FILE").value_or((aws_dir / "credentials").string());
  const std::filesystem::path config_path =
      env.get_non_empty("AWS_CONFIG_FILE").value_or((aws_dir / "config").string());
  auto credentials_file = read_ini_file(credentials_path);
  if (!credentials_file.ok()) return credentials_file.take_error();
  auto config_file = read_ini_file(config_path);
  if (!config_file.ok()) return config_file.take_error();

  const IniSection* credentials_section = nullptr;
  if (auto found = credentials_file->find(settings.profile); found != credentials_file->end()) {
    credentials_section = &found->second;
  }
  const IniSection* config_section = nullptr;
  const std::string config_name =
      settings.profile == "default" ? "default" : "profile " + settings.profile;
  if (auto found = config_file->find(config_name); found != config_file->end()) {
    config_section = &found->second;
  }
  const bool profile_named = !overrides.profile.empty() || env.get_non_empty("AWS_PROFILE");
  if (profile_named && credentials_section == nullptr && config_section == nullptr) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("profile \"{}\" is in neither {} nor {}: check its spelling or "
                                  "create it with `aws configure --profile {}`",
                                  settings.profile, credentials_path.string(), config_path.string(),
                                  settings.profile));
  }

  // Credentials.
  auto env_key = env.get_non_empty("AWS_ACCESS_KEY_ID");
  auto env_secret = env.get_non_empty("AWS_SECRET_ACCESS_KEY");
  if (overrides.profile.empty() && (env_key || env_secret)) {
    if (!env_key || !env_secret) {
      return auth_error(fmt::format("{} is set but {} is not: set both or neither",
                                    env_key ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                                    env_key ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID"));
    }
    settings.credentials.access_key_id = *env_key;
    settings.credentials.secret_access_key = *env_secret;
    settings.credentials.session_token = env.get("AWS_SESSION_TOKEN").value_or("");
    settings.credentials.source = "environment";
  } else {
    for (const auto& [section, origin] : {std::pair{credentials_section, credentials_path},
                                          std::pair{config_section, config_path}}) {
      const std::string key = lookup(section, "aws_access_key_id");
      const std::string secret = lookup(section, "aws_secret_access_key");
      if (key.empty() && secret.empty()) continue;
      if (key.empty() || secret.empty()) {
        return auth_error(fmt::format("profile \"{}\" in {} has {} but not {}", settings.profile,
                                      origin.string(),
                                      key.empty() ? "aws_secret_access_key" : "aws_access_key_id",
                                      key.empty() ? "aws_access_key_id" : "aws_secret_access_key"));
      }
      settings.credentials.access_key_id = key;
      settings.credentials.secret_access_key = secret;
      settings.credentials.session_token = lookup(section, "aws_session_token");
      settings.credentials.source =
          fmt::format("profile {} ({})", settings.profile, origin.string());
      break;
    }
    if (settings.credentials.empty()) {
      std::string process = lookup(config_section, "credential_process");
      if (process.empty()) process = lookup(credentials_section, "credential_process");
      if (!process.empty()) {
        auto from_process = run_credential_process(process);
        if (!from_process.ok()) return from_process.take_error();
        settings.credentials = *from_process;
        settings.credential_process = process;
        settings.credentials.source =
            fmt::format("credential_process of profile {}", settings.profile);
      }
    }
  }
  if (settings.credentials.empty()) {
    return auth_error(fmt::format(
        "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add "
        "profile \"{}\" to {} (`aws configure`), or pass --profile NAME",
        settings.profile, credentials_path.string()));
  }

  // Region.
  if (!overrides.region.empty()) {
    settings.region = overrides.region;
  } else if (auto region = env.get_non_empty("AWS_REGION")) {
    settings.region = *region;
  } else if (auto default_region = env.get_non_empty("AWS_DEFAULT_REGION")) {
    settings.region = *default_region;
  } else if (std::string region = lookup(config_section, "region"); !region.empty()) {
    settings.region = region;
  }

  // Endpoint.
  std::string endpoint_url = overrides.endpoint_url;
  const bool ignore_configured =
      is_true(env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").value_or("")) ||
      is_true(lookup(config_section, "ignore_configured_endpoint_urls"));
  if (endpoint_url.empty() && !ignore_configured) {
    if (auto url = env.get_non_empty("AWS_ENDPOINT_URL_S3")) {
      endpoint_url = *url;
    } else if (auto any_url = env.get_non_empty("AWS_ENDPOINT_URL")) {
      endpoint_url = *any_url;
    } else if (std::string s3_url = lookup(config_section, "s3.endpoint_url"); !s3_url.empty()) {
      endpoint_url = s3_url;
    } else {
      endpoint_url = lookup(config_section, "endpoint_url");
    }
  }
  if (endpoint_url.empty()) {
    settings.endpoint_scheme = "https";
    settings.endpoint_host = fmt::format("s3.{}.amazonaws.com", settings.region);
    settings.custom_endpoint = false;
  } else {
    auto endpoint = parse_endpoint_url(endpoint_url);
    if (!endpoint.ok()) return endpoint.take_error();
    settings.endpoint_scheme = endpoint->scheme;
    settings.endpoint_host = endpoint->host;
    settings.endpoint_base_path = endpoint->base_path;
    settings.custom_endpoint = true;
  }

  // Addressing and TLS.
  if (overrides.addressing_style) {
    settings.addressing_style = *overrides.addressing_style;
  } else if (std::string style = lookup(config_section, "s3.addressing_style"); !style.empty()) {
    if (style == "path")
      settings.addressing_style = AddressingStyle::kPath;
    else if (style == "virtual")
      settings.addressing_style = AddressingStyle::kVirtual;
    else if (style == "auto")
      settings.addressing_style = AddressingStyle::kAuto;
    else {
      return make_error(ErrorCategory::kInvalidInput,
                        fmt::format("profile \"{}\" in {} sets s3 addressing_style = \"{}\": use "
                                    "auto, path or virtual",
                                    settings.profile, config_path.string(), style));
    }
  }
  std::string attempts = env.get_non_empty("AWS_MAX_ATTEMPTS").value_or("");
  if (attempts.empty()) attempts = lookup(config_section, "max_attempts");
  if (!attempts.empty()) {
    char* end = nullptr;
    const long value = std::strtol(attempts.c_str(), &end, 10);
    if (end == attempts.c_str() || *end != '\0' || value < 1 || value > 50) {
      return make_error(ErrorCategory::kInvalidInput,
                        fmt::format("max_attempts \"{}\" (AWS_MAX_ATTEMPTS or the profile) must be "
                                    "a whole number from 1 to 50",
                                    attempts));
    }
    settings.max_attempts = static_cast<int>(value);
  }
  settings.verify_tls = overrides.verify_tls.value_or(true);
  if (!overrides.ca_bundle.empty()) {
    settings.ca_bundle = overrides.ca_bundle;
  } else if (auto bundle = env.get_non_empty("AWS_CA_BUNDLE")) {
    settings.ca_bundle = *bundle;
  } else {
    settings.ca_bundle = lookup(config_section, "ca_bundle");
  }
  if (!settings.ca_bundle.empty()) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(settings.ca_bundle, error)) {
      return make_error(
          ErrorCategory::kInvalidInput,
          fmt::format("CA bundle {} does not exist or is not a file", settings.ca_bundle));
    }
  }
  return settings;
}

}  // namespace imgsync::config
