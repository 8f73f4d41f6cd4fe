#include "config/aws_settings.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <vector>

#include "config/ini_file.h"
#include "s3/credential_process.h"

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

Error auth_error(std::string message) {
  return make_error(ErrorCategory::kAuth, std::move(message));
}

}  // namespace

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

namespace {

// The profile's sections of ~/.aws/credentials and ~/.aws/config (nullptr where it has none).
struct ProfileFiles {
  std::filesystem::path credentials_path;
  std::filesystem::path config_path;
  IniFile credentials_file;
  IniFile config_file;
  const IniSection* credentials = nullptr;
  const IniSection* config = nullptr;
};

Result<ProfileFiles> read_profile_files(const Environment& env) {
  ProfileFiles files;
  const std::filesystem::path aws_dir = env.home / ".aws";
  files.credentials_path =
      env.get_non_empty("AWS_SHARED_CREDENTIALS_FILE").value_or((aws_dir / "credentials").string());
  files.config_path = env.get_non_empty("AWS_CONFIG_FILE").value_or((aws_dir / "config").string());
  auto credentials_file = read_ini_file(files.credentials_path);
  if (!credentials_file.ok()) return credentials_file.take_error();
  auto config_file = read_ini_file(files.config_path);
  if (!config_file.ok()) return config_file.take_error();
  files.credentials_file = std::move(*credentials_file);
  files.config_file = std::move(*config_file);
  return files;
}

// Points `files` at the profile's sections; a profile named explicitly must exist.
Status find_profile_sections(const Environment& env, const S3Overrides& overrides,
                             const std::string& profile, ProfileFiles& files) {
  if (auto found = files.credentials_file.find(profile); found != files.credentials_file.end()) {
    files.credentials = &found->second;
  }
  const std::string config_name = profile == "default" ? "default" : "profile " + profile;
  if (auto found = files.config_file.find(config_name); found != files.config_file.end()) {
    files.config = &found->second;
  }
  const bool profile_named = !overrides.profile.empty() || env.get_non_empty("AWS_PROFILE");
  if (profile_named && files.credentials == nullptr && files.config == nullptr) {
    return make_error(
        ErrorCategory::kInvalidInput,
        fmt::format("profile \"{}\" is in neither {} nor {}: check its spelling or "
                    "create it with `aws configure --profile {}`",
                    profile, files.credentials_path.string(), files.config_path.string(), profile));
  }
  return {};
}

// The profile's own keys: the credentials file first, then the config file; then its
// credential_process.
Status credentials_from_profile(const ProfileFiles& files, S3Settings& settings) {
  for (const auto& [section, origin] : {std::pair{files.credentials, files.credentials_path},
                                        std::pair{files.config, files.config_path}}) {
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
    settings.credentials.source = fmt::format("profile {} ({})", settings.profile, origin.string());
    return {};
  }
  std::string process = lookup(files.config, "credential_process");
  if (process.empty()) process = lookup(files.credentials, "credential_process");
  if (process.empty()) return {};
  auto from_process = s3::run_credential_process(process);
  if (!from_process.ok()) return from_process.take_error();
  settings.credentials = *from_process;
  settings.credential_process = process;
  settings.credentials.source = fmt::format("credential_process of profile {}", settings.profile);
  return {};
}

Status resolve_credentials(const Environment& env, const S3Overrides& overrides,
                           const ProfileFiles& files, S3Settings& settings) {
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
  } else if (Status found = credentials_from_profile(files, settings); !found.ok()) {
    return found;
  }
  if (settings.credentials.empty()) {
    return auth_error(fmt::format(
        "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add "
        "profile \"{}\" to {} (`aws configure`), or pass --profile NAME",
        settings.profile, files.credentials_path.string()));
  }
  return {};
}

Status resolve_endpoint(const Environment& env, const S3Overrides& overrides,
                        const IniSection* config, S3Settings& settings) {
  std::string endpoint_url = overrides.endpoint_url;
  const bool ignore_configured =
      is_true(env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").value_or("")) ||
      is_true(lookup(config, "ignore_configured_endpoint_urls"));
  if (endpoint_url.empty() && !ignore_configured) {
    if (auto url = env.get_non_empty("AWS_ENDPOINT_URL_S3")) {
      endpoint_url = *url;
    } else if (auto any_url = env.get_non_empty("AWS_ENDPOINT_URL")) {
      endpoint_url = *any_url;
    } else if (std::string s3_url = lookup(config, "s3.endpoint_url"); !s3_url.empty()) {
      endpoint_url = s3_url;
    } else {
      endpoint_url = lookup(config, "endpoint_url");
    }
  }
  if (endpoint_url.empty()) {
    settings.endpoint_scheme = "https";
    settings.endpoint_host = fmt::format("s3.{}.amazonaws.com", settings.region);
    settings.custom_endpoint = false;
    return {};
  }
  auto endpoint = parse_endpoint_url(endpoint_url);
  if (!endpoint.ok()) return endpoint.take_error();
  settings.endpoint_scheme = endpoint->scheme;
  settings.endpoint_host = endpoint->host;
  settings.endpoint_base_path = endpoint->base_path;
  settings.custom_endpoint = true;
  return {};
}

Status resolve_addressing(const S3Overrides& overrides, const ProfileFiles& files,
                          S3Settings& settings) {
  if (overrides.addressing_style) {
    settings.addressing_style = *overrides.addressing_style;
    return {};
  }
  const std::string style = lookup(files.config, "s3.addressing_style");
  if (style.empty()) return {};
  if (style == "path") {
    settings.addressing_style = AddressingStyle::kPath;
  } else if (style == "virtual") {
    settings.addressing_style = AddressingStyle::kVirtual;
  } else if (style == "auto") {
    settings.addressing_style = AddressingStyle::kAuto;
  } else {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("profile \"{}\" in {} sets s3 addressing_style = \"{}\": use "
                                  "auto, path or virtual",
                                  settings.profile, files.config_path.string(), style));
  }
  return {};
}

Status resolve_max_attempts(const Environment& env, const IniSection* config,
                            S3Settings& settings) {
  std::string attempts = env.get_non_empty("AWS_MAX_ATTEMPTS").value_or("");
  if (attempts.empty()) attempts = lookup(config, "max_attempts");
  if (attempts.empty()) return {};
  char* end = nullptr;
  const long value = std::strtol(attempts.c_str(), &end, 10);
  if (end == attempts.c_str() || *end != '\0' || value < 1 || value > 50) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("max_attempts \"{}\" (AWS_MAX_ATTEMPTS or the profile) must be "
                                  "a whole number from 1 to 50",
                                  attempts));
  }
  settings.max_attempts = static_cast<int>(value);
  return {};
}

Status resolve_tls(const Environment& env, const S3Overrides& overrides, const IniSection* config,
                   S3Settings& settings) {
  settings.verify_tls = overrides.verify_tls.value_or(true);
  if (!overrides.ca_bundle.empty()) {
    settings.ca_bundle = overrides.ca_bundle;
  } else if (auto bundle = env.get_non_empty("AWS_CA_BUNDLE")) {
    settings.ca_bundle = *bundle;
  } else {
    settings.ca_bundle = lookup(config, "ca_bundle");
  }
  if (settings.ca_bundle.empty()) return {};
  std::error_code error;
  if (!std::filesystem::is_regular_file(settings.ca_bundle, error)) {
    return make_error(
        ErrorCategory::kInvalidInput,
        fmt::format("CA bundle {} does not exist or is not a file", settings.ca_bundle));
  }
  return {};
}

}  // namespace

Result<S3Settings> resolve_s3_settings(const Environment& env, const S3Overrides& overrides) {
  S3Settings settings;
  if (!overrides.profile.empty()) {
    settings.profile = overrides.profile;
  } else if (auto profile = env.get_non_empty("AWS_PROFILE")) {
    settings.profile = *profile;
  }
  auto files = read_profile_files(env);
  if (!files.ok()) return files.take_error();
  if (Status found = find_profile_sections(env, overrides, settings.profile, *files); !found.ok())
    return found.error();
  if (Status ok = resolve_credentials(env, overrides, *files, settings); !ok.ok())
    return ok.error();

  if (!overrides.region.empty()) {
    settings.region = overrides.region;
  } else if (auto region = env.get_non_empty("AWS_REGION")) {
    settings.region = *region;
  } else if (auto default_region = env.get_non_empty("AWS_DEFAULT_REGION")) {
    settings.region = *default_region;
  } else if (std::string region = lookup(files->config, "region"); !region.empty()) {
    settings.region = region;
  }
  if (Status ok = resolve_endpoint(env, overrides, files->config, settings); !ok.ok())
    return ok.error();
  if (Status ok = resolve_addressing(overrides, *files, settings); !ok.ok()) return ok.error();
  if (Status ok = resolve_max_attempts(env, files->config, settings); !ok.ok()) return ok.error();
  if (Status ok = resolve_tls(env, overrides, files->config, settings); !ok.ok()) return ok.error();
  return settings;
}

}  // namespace imgsync::config
