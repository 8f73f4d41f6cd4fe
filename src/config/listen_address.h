// Where a local server listens: "HOST:PORT" with an IPv4 address (or "localhost"), e.g. the
// daemon's --metrics 127.0.0.1:9184. The host is required: "0.0.0.0:9184" exposes the endpoint to
// the network and must be written out by whoever wants that.
#pragma once

#include <cstdint>
#include <string>

#include "util/result.h"

namespace imgsync::config {

struct ListenAddress {
  std::string host;  // dotted IPv4 ("localhost" becomes 127.0.0.1)
  std::uint16_t port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
};

// kInvalidInput with a message that says what is expected.
Result<ListenAddress> parse_listen_address(const std::string& text);

}  // namespace imgsync::config
