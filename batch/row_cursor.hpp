// Writing one output row from precomputed text without a capacity check or a call per piece.
//
// Why: the lean JSON writer appended about forty fragments per row (a rule's `{"id":..}`, a
// band's, the rule set's) to a std::string, each append a capacity check and a call to
// memcpy for a few dozen bytes: with the number formatting, 15% of `retain score --lean`.
// Here fragments live in one pool with 32 bytes of padding after each, so a fragment is copied
// in whole 32-byte strides (constant-size copies the compiler inlines), and the row goes to a
// buffer that its writer sized once for the longest row its rules can produce.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "batch/decision_writer.hpp"

namespace retain::batch {

// Fragments, each followed by kPadding readable bytes. Add every fragment before reading any.
class FragmentPool {
 public:
  static constexpr std::size_t kPadding = 32;
  struct Text {
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };
  Text add(std::string_view text) {
    const Text t{static_cast<std::uint32_t>(pool_.size()), static_cast<std::uint32_t>(text.size())};
    pool_.append(text);
    pool_.append(kPadding, '\0');
    return t;
  }
  const char* data() const { return pool_.data(); }
  std::size_t bytes() const { return pool_.size(); }

 private:
  std::string pool_;
};

// A write position in a buffer with room for the row and FragmentPool::kPadding bytes more
// (a fragment's last stride may write up to that far past its end; later writes overwrite it).
class RowCursor {
 public:
  explicit RowCursor(char* at) : at_(at) {}

  void put(char c) { *at_++ = c; }
  template <std::size_t N>
  void put(const char (&literal)[N]) {
    std::memcpy(at_, literal, N - 1);
    at_ += N - 1;
  }
  void put(const FragmentPool& pool, FragmentPool::Text text) {
    const char* from = pool.data() + text.offset;
    for (std::size_t i = 0; i < text.size; i += FragmentPool::kPadding) {
      std::memcpy(at_ + i, from + i, FragmentPool::kPadding);
    }
    at_ += text.size;
  }
  // As append_json_number (at most kMaxJsonNumber characters).
  void json_number(double value) { at_ = write_json_number(at_, value); }

  char* position() const { return at_; }

 private:
  char* at_;
};

}  // namespace retain::batch
