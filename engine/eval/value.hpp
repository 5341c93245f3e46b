// A runtime value: unknown, bool, number or string, in 16 bytes. Trivially copyable; strings
// are views into the rule set's constant pool or into the profile being evaluated.
#pragma once

#include <cstdint>
#include <string_view>

namespace retain::eval {

struct Value {
  enum class Kind : std::uint8_t { Unknown, Bool, Number, String };
  // A number, or the characters of a string: one slot, so a value fits in 16 bytes.
  union {
    double number;
    const char* chars;
  };
  std::uint32_t length = 0;
  Kind kind = Kind::Unknown;
  bool boolean = false;
  // Named padding: with 14 bytes of members a copy is done as two overlapping 8-byte moves,
  // and reading the second from a value just returned in registers stalls store forwarding.
  // Sixteen bytes of members copy as two plain halves.
  std::uint16_t unused = 0;
  // Every value leaves `length` (unless a string) and `unused` 0: code that tests a boolean
  // by comparing its whole second half (eval::churn_risk, native code) relies on it.

  Value() : number(0) {}

  static Value unknown() { return {}; }
  // A boolean also reads as the number 0 or 1, so folded tests read every value as a number.
  static Value of(bool b) {
    Value v;
    v.number = b ? 1.0 : 0.0;
    v.kind = Kind::Bool;
    v.boolean = b;
    return v;
  }
  static Value of(double n) {
    Value v;
    v.kind = Kind::Number;
    v.number = n;
    return v;
  }
  static Value of(std::string_view s) {
    Value v;
    v.kind = Kind::String;
    v.chars = s.data();
    v.length = static_cast<std::uint32_t>(s.size());
    return v;
  }

  bool known() const { return kind != Kind::Unknown; }
  bool is_true() const { return kind == Kind::Bool && boolean; }
  std::string_view string() const {
    return kind == Kind::String ? std::string_view(chars, length) : std::string_view();
  }
};

static_assert(sizeof(Value) == 16);

}  // namespace retain::eval
