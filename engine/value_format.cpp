#include "engine/value_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <iterator>

#include <fmt/compile.h>
#include <fmt/format.h>
#include <google/protobuf/descriptor.h>

namespace retain {

namespace {

// Every integer of this magnitude or less is exact in a double and fits an int64.
constexpr double kExactIntegers = 9007199254740992.0;  // 2^53

// "%.Nf" without a format string to parse at run time (fmt's dynamic precision parses one per
// call). std::to_chars is correctly rounded, as fmt is.
void append_fixed(std::string& out, double number, int decimals) {
  char buffer[400];  // the longest double in fixed notation is 309 digits, plus decimals
  const auto result =
      std::to_chars(buffer, buffer + sizeof buffer, number, std::chars_format::fixed, decimals);
  out.append(buffer, result.ptr);
}

}  // namespace

void append_number(std::string& out, double number, int decimals) {
  if (std::isnan(number)) {
    out += "NaN";
    return;
  }
  // Counts, days and amounts are mostly whole: an integer needs no float formatting, and
  // "%.Nf" would only print zeros that are trimmed again (-0 prints as "0", as below).
  if (std::fabs(number) <= kExactIntegers && number == std::trunc(number)) {
    out += fmt::format_int(static_cast<std::int64_t>(number)).c_str();
    return;
  }
  const std::size_t start = out.size();
  append_fixed(out, number, decimals);
  if (out.find('.', start) != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  if (out.compare(start, std::string::npos, "-0") == 0) out.erase(start, 1);
}

std::string format_number(double number, int decimals) {
  std::string text;
  append_number(text, number, decimals);
  return text;
}

void append_value(std::string& out, const eval::Value& value, const compile::Program& program,
                  const compile::Display& display) {
  using Kind = eval::Value::Kind;
  switch (value.kind) {
    case Kind::Unknown:
      out += "unknown";
      return;
    case Kind::Bool:
      out += value.boolean ? "true" : "false";
      return;
    case Kind::String:
      out += value.string();
      return;
    case Kind::Number:
      break;
  }
  if (display.tiers >= 0) {
    const auto& bands = program.tiers[static_cast<std::size_t>(display.tiers)].bands;
    const auto index = static_cast<std::size_t>(value.number);
    if (index < bands.size()) {
      out += bands[index].id;
      return;
    }
  }
  if (display.enumeration != nullptr) {
    if (const auto* v = display.enumeration->FindValueByNumber(static_cast<int>(value.number))) {
      out += v->name();
      return;
    }
  }
  if (display.format == "%") {
    append_number(out, value.number * 100.0, 1);
    out.push_back('%');
    return;
  }
  if (display.format.size() == 2 && display.format[0] == '.') {
    const int decimals = display.format[1] - '0';
    append_fixed(out, value.number, decimals);
    return;
  }
  // Small fractions keep three significant digits (0.004 stays 0.004); others two decimals.
  const double magnitude = std::fabs(value.number);
  if (magnitude > 0 && magnitude < 1) {
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{:.3g}"), value.number);
    return;
  }
  append_number(out, value.number, 2);
}

std::string format_value(const eval::Value& value, const compile::Program& program,
                         const compile::Display& display) {
  std::string text;
  append_value(text, value, program, display);
  return text;
}

}  // namespace retain
