#include "util/byte_size.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cmath>
#include <utility>

namespace imgsync {

Result<std::uint64_t> parse_byte_size(std::string_view text) {
  auto invalid = [&text]() -> Error {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("'{}' is not a size; write e.g. 64MiB, 16MB or 1048576", text));
  };
  std::size_t position = 0;
  while (position < text.size() && std::isspace(static_cast<unsigned char>(text[position])))
    ++position;
  const std::size_t number_start = position;
  while (position < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[position])) || text[position] == '.')) {
    ++position;
  }
  const std::string number(text.substr(number_start, position - number_start));
  if (number.empty() || number.front() == '.' || number.back() == '.' ||
      number.find('.') != number.rfind('.')) {
    return invalid();
  }
  while (position < text.size() && std::isspace(static_cast<unsigned char>(text[position])))
    ++position;
  std::string unit;
  for (; position < text.size(); ++position) {
    if (std::isspace(static_cast<unsigned char>(text[position]))) break;
    unit += static_cast<char>(std::tolower(static_cast<unsigned char>(text[position])));
  }
  while (position < text.size() && std::isspace(static_cast<unsigned char>(text[position])))
    ++position;
  if (position != text.size()) return invalid();
  static const std::array<std::pair<const char*, double>, 10> kUnits = {{{"", 1.0},
                                                                         {"b", 1.0},
                                                                         {"kb", 1e3},
                                                                         {"mb", 1e6},
                                                                         {"gb", 1e9},
                                                                         {"tb", 1e12},
                                                                         {"kib", 1024.0},
                                                                         {"mib", 1048576.0},
                                                                         {"gib", 1073741824.0},
                                                                         {"tib", 1099511627776.0}}};
  for (const auto& [name, factor] : kUnits) {
    if (unit != name) continue;
    if (factor == 1.0 && number.find('.') != std::string::npos) return invalid();
    const double value = std::stod(number) * factor;
    if (!std::isfinite(value) || value > 1.8e19) return invalid();
    return static_cast<std::uint64_t>(std::llround(value));
  }
  return invalid();
}

std::string format_byte_size(std::uint64_t bytes) {
  static constexpr std::array<const char*, 5> kUnits = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < kUnits.size()) {
    value /= 1024.0;
    ++unit;
  }
  if (unit == 0) return fmt::format("{} B", bytes);
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

}  // namespace imgsync
