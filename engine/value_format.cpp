#include "engine/value_format.hpp"

#include <cmath>

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>

namespace retain {

std::string format_number(double number, int decimals) {
  if (std::isnan(number)) return "NaN";
  std::string text = fmt::format("{:.{}f}", number, decimals);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

std::string format_value(const eval::Value& value, const compile::Program& program,
                         const compile::Display& display) {
  using Kind = eval::Value::Kind;
  switch (value.kind) {
    case Kind::Unknown:
      return "unknown";
    case Kind::Bool:
      return value.boolean ? "true" : "false";
    case Kind::String:
      return std::string(value.string());
    case Kind::Number:
      break;
  }
  if (display.tiers >= 0) {
    const auto& bands = program.tiers[static_cast<std::size_t>(display.tiers)].bands;
    const auto index = static_cast<std::size_t>(value.number);
    if (index < bands.size()) return bands[index].id;
  }
  if (display.enumeration != nullptr) {
    if (const auto* v = display.enumeration->FindValueByNumber(static_cast<int>(value.number))) {
      return v->name();
    }
  }
  if (display.format == "%") {
    std::string percent = format_number(value.number * 100.0, 1);
    percent.push_back('%');
    return percent;
  }
  if (display.format.size() == 2 && display.format[0] == '.') {
    const int decimals = display.format[1] - '0';
    return fmt::format("{:.{}f}", value.number, decimals);
  }
  // Small fractions keep three significant digits (0.004 stays 0.004); others two decimals.
  const double magnitude = std::fabs(value.number);
  if (magnitude > 0 && magnitude < 1) return fmt::format("{:.3g}", value.number);
  return format_number(value.number, 2);
}

}  // namespace retain
