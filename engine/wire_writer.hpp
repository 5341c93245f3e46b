// Protobuf wire format written by hand into a string, for messages built faster than through
// the generated classes (decision_wire.hpp). Proto3 rules: empty strings and zero numbers are
// left out, as the generated serialiser does, so the bytes parse back to the same message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace retain {

class WireWriter {
 public:
  explicit WireWriter(std::string& buffer) : s_(buffer) {}

  void varint(std::uint64_t v) {
    if (v < 0x80) {  // tags and most lengths
      s_.push_back(static_cast<char>(v));
      return;
    }
    char bytes[10];
    std::size_t n = 0;
    while (v >= 0x80) {
      bytes[n++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    bytes[n++] = static_cast<char>(v);
    s_.append(bytes, n);
  }
  void tag(int field, int wire_type) {
    varint(static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(wire_type));
  }
  void bytes(int field, std::string_view value) {
    tag(field, 2);
    varint(value.size());
    s_.append(value);
  }
  void string(int field, std::string_view value) {
    if (!value.empty()) bytes(field, value);
  }
  void number(int field, double value) {
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    if (bits == 0) return;
    tag(field, 1);
    char bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(bits >> (8 * i));
    s_.append(bytes, 8);
  }
  void int32(int field, std::int32_t value) {
    if (value == 0) return;
    tag(field, 0);
    varint(static_cast<std::uint64_t>(static_cast<std::int64_t>(value)));  // as protobuf does
  }
  void map_entry(int field, std::string_view key, std::string_view value) {
    tag(field, 2);
    varint(2 + varint_size(key.size()) + key.size() + varint_size(value.size()) + value.size());
    bytes(1, key);
    bytes(2, value);
  }

 private:
  static std::size_t varint_size(std::size_t v) {
    std::size_t n = 1;
    while (v >= 0x80) {
      v >>= 7;
      ++n;
    }
    return n;
  }
  std::string& s_;
};

}  // namespace retain
