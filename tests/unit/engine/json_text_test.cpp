#include "engine/json_text.hpp"

#include <cstdio>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace retain {
namespace {

// JSON's escaping, one byte at a time (RFC 8259 §7), as the reference.
std::string quoted_byte_by_byte(const std::string& text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\b') {
      out += "\\b";
    } else if (c == '\f') {
      out += "\\f";
    } else if (c < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
    } else {
      out.push_back(ch);  // UTF-8 bytes pass as they are
    }
  }
  return out + "\"";
}

// Texts of every length around the 16-byte blocks the quoting scans, made of plain ASCII, UTF-8
// (Chinese labels), and every byte JSON must escape, at every position.
TEST(JsonTextTest, QuotesAsAByteByByteEscaperDoes) {
  std::mt19937 rng(5);
  const std::string plain = "abc XYZ 019.,:;{}[]-_/~";
  const std::string chinese = "客户流失";
  for (int round = 0; round < 20000; ++round) {
    const std::size_t length = rng() % 80;
    const int escapes_per_hundred = static_cast<int>(rng() % 4) * 5;  // 0, 5, 10 or 15
    std::string text;
    while (text.size() < length) {
      const int pick = static_cast<int>(rng() % 100);
      if (pick < escapes_per_hundred) {
        const unsigned char special[] = {'"', '\\', '\n', '\t', '\r', '\b', '\f', 0x00, 0x01, 0x1F};
        text.push_back(static_cast<char>(special[rng() % sizeof special]));
      } else if (pick < 70) {
        text.push_back(plain[rng() % plain.size()]);
      } else if (pick < 90) {
        text += chinese.substr(3 * (rng() % 4), 3);
      } else {
        text.push_back(static_cast<char>(0x20 + rng() % 0xE0));  // 0x20-0xFF, 0x7F included
      }
    }
    std::string out = "prefix:";
    append_json_quoted(out, text);
    ASSERT_EQ(out, "prefix:" + quoted_byte_by_byte(text)) << "text of " << text.size() << " bytes";
    ASSERT_EQ(json_quote(text), quoted_byte_by_byte(text));
  }
}

}  // namespace
}  // namespace retain
