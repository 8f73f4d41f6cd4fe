// libFuzzer target for the configuration a user writes: imgsync.toml (src/config/app_config.h,
// every section and its validation) and the AWS ini files ~/.aws/credentials and ~/.aws/config
// (src/config/ini_file.h). Seeded by scripts/run-fuzzers with fuzz/seeds/config.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/app_config.h"
#include "config/ini_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace imgsync::config;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto config = parse_app_config(text, "/fuzz/imgsync.toml");
  if (!config.ok()) (void)config.error().describe();
  auto ini = parse_ini(text, "/fuzz/credentials");
  if (!ini.ok()) (void)ini.error().describe();
  return 0;
}
