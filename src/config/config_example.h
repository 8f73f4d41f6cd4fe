// The annotated imgsync.toml that `imgsync init --print-config` prints and docs/configuration.md
// shows (tests/config/app_config_test.cpp checks that the two agree and that it parses).
#pragma once

#include <string_view>

namespace imgsync::config {

std::string_view annotated_example_config();

}  // namespace imgsync::config
