#include "config/listen_address.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <charconv>

namespace imgsync::config {

Result<ListenAddress> parse_listen_address(const std::string& text) {
  const auto colon = text.rfind(':');
  const auto bad = [&text](const std::string& why) {
    return make_error(
        ErrorCategory::kInvalidInput,
        fmt::format("\"{}\": {}; expected HOST:PORT such as 127.0.0.1:9184", text, why));
  };
  if (colon == std::string::npos || colon == 0) return bad("no host");
  ListenAddress address;
  address.host = text.substr(0, colon);
  if (address.host == "localhost") address.host = "127.0.0.1";
  in_addr parsed{};
  if (inet_pton(AF_INET, address.host.c_str(), &parsed) != 1) {
    return bad("the host must be an IPv4 address");
  }
  const std::string port = text.substr(colon + 1);
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || error != std::errc() || end != port.data() + port.size() || value == 0 ||
      value > 65535) {
    return bad("the port must be a number from 1 to 65535");
  }
  address.port = static_cast<std::uint16_t>(value);
  return address;
}

}  // namespace imgsync::config
