// A runtime value: unknown, bool, number or string. Trivially copyable; strings are views
// into the rule set's constant pool or into the profile being evaluated.
#pragma once

#include <cstdint>
#include <string_view>

namespace retain::eval {

struct Value {
  enum class Kind : std::uint8_t { Unknown, Bool, Number, String };
  Kind kind = Kind::Unknown;
  bool boolean = false;
  double number = 0;
  std::string_view string;

  static Value unknown() { return {}; }
  static Value of(bool b) { return {Kind::Bool, b, 0, {}}; }
  static Value of(double n) { return {Kind::Number, false, n, {}}; }
  static Value of(std::string_view s) { return {Kind::String, false, 0, s}; }

  bool known() const { return kind != Kind::Unknown; }
  bool is_true() const { return kind == Kind::Bool && boolean; }
};

}  // namespace retain::eval
