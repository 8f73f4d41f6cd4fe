#include "config/catalog_config.h"

#include <fmt/format.h>

#include <cstdlib>

namespace imgsync::config {
namespace {

constexpr std::string_view kRedacted = "***";

// The userinfo's password: [begin, end) in `url`, or npos when there is none.
std::pair<std::size_t, std::size_t> userinfo_password(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {std::string_view::npos, 0};
  const std::size_t start = scheme + 3;
  const auto authority_end = url.find_first_of("/?", start);
  const std::string_view authority = url.substr(start, authority_end - start);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return {std::string_view::npos, 0};
  const auto colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return {std::string_view::npos, 0};
  return {start + colon + 1, start + at};
}

// The value of a password= query parameter: [begin, end), or npos.
std::pair<std::size_t, std::size_t> parameter_password(std::string_view url) {
  const auto query = url.find('?');
  for (auto at = url.find("password=", query);
       query != std::string_view::npos && at != std::string_view::npos;
       at = url.find("password=", at + 1)) {
    if (url[at - 1] != '?' && url[at - 1] != '&') continue;
    const auto end = url.find('&', at);
    return {at + 9, end == std::string_view::npos ? url.size() : end};
  }
  return {std::string_view::npos, 0};
}

}  // namespace

bool is_catalog_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

std::string catalog_url_password(std::string_view url) {
  for (auto [begin, end] : {userinfo_password(url), parameter_password(url)}) {
    if (begin != std::string_view::npos && end > begin) {
      return std::string(url.substr(begin, end - begin));
    }
  }
  return {};
}

std::string redact_catalog_url(std::string_view url) {
  std::string text(url);
  // The parameter first: replacing it leaves the userinfo's offsets as they were.
  for (auto [begin, end] : {parameter_password(text), userinfo_password(text)}) {
    if (begin != std::string::npos) text.replace(begin, end - begin, kRedacted);
  }
  return text;
}

Status check_catalog_url(std::string_view url, const std::string& where) {
  if (!is_catalog_url(url)) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("{}: {} is not a PostgreSQL URL; write "
                                  "postgresql://USER@HOST:PORT/DATABASE",
                                  where, redact_catalog_url(url)));
  }
  if (!catalog_url_password(url).empty()) {
    return make_error(
        ErrorCategory::kInvalidInput,
        fmt::format("{}: {} holds a password; take it out of the URL and set it in "
                    "${} (or the variable [catalog] password_env names), PGPASSWORD or ~/.pgpass",
                    where, redact_catalog_url(url), kDefaultCatalogPasswordEnv));
  }
  return {};
}

std::string catalog_password(const CatalogSettings& settings) {
  if (settings.password_env.empty()) return {};
  const char* value = std::getenv(settings.password_env.c_str());
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace imgsync::config
