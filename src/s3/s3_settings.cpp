#include "s3/s3_settings.h"

#include <arpa/inet.h>

#include <cctype>

namespace imgsync::s3 {
namespace {

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

}  // namespace imgsync::s3
