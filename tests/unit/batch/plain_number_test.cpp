#include "batch/plain_number.hpp"

#include <charconv>
#include <cstring>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace retain::batch {
namespace {

// Where the plain parser accepts, it must give from_chars' bits (the sign of zero included).
void expect_as_from_chars(const std::string& text) {
  double plain = 0;
  if (!parse_plain_double(text, &plain)) return;
  double reference = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), reference);
  ASSERT_TRUE(ec == std::errc() && p == text.data() + text.size()) << text;
  EXPECT_EQ(std::memcmp(&plain, &reference, sizeof plain), 0) << text;
}

TEST(PlainNumberTest, DoublesEqualFromCharsBitForBit) {
  for (const char* s : {"0", "-0", "0.0", "-0.000", "1", "0.1", "0.3", "2.675", "4.35", "54187",
                        "49.386", "0.0013", "999999999999999", "0.000000000000000000001",
                        "123456789.012345", "9007199254740.99", "1.7976931348623157"}) {
    expect_as_from_chars(s);
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    std::string s = (rng() % 4 == 0) ? "-" : "";
    s += std::to_string(rng() % 1000000000000ull);
    const int fraction = static_cast<int>(rng() % 12);
    if (fraction > 0) {
      s += '.';
      for (int k = 0; k < fraction; ++k) s += static_cast<char>('0' + rng() % 10);
    }
    expect_as_from_chars(s);
  }
}

TEST(PlainNumberTest, LeavesEverythingElseToTheGeneralParser) {
  double d = 0;
  for (const char* s : {"", "-", ".5", "1.", "+1", " 1", "1 ", "1e3", "NaN", "Infinity", "1.2.3",
                        "0x10", "1234567890123456", "0.12345678901234567", "1,5"}) {
    EXPECT_FALSE(parse_plain_double(s, &d)) << s;
  }
  std::int32_t i = 0;
  for (const char* s : {"", "-", "+1", " 1", "1.0", "1e3", "1234567890", "12a"}) {
    EXPECT_FALSE(parse_plain_int32(s, &i)) << s;
  }
}

TEST(PlainNumberTest, Int32s) {
  std::int32_t v = 0;
  ASSERT_TRUE(parse_plain_int32("0", &v));
  EXPECT_EQ(v, 0);
  ASSERT_TRUE(parse_plain_int32("-123456789", &v));
  EXPECT_EQ(v, -123456789);
  ASSERT_TRUE(parse_plain_int32("999999999", &v));
  EXPECT_EQ(v, 999999999);
  ASSERT_TRUE(parse_plain_int32("007", &v));
  EXPECT_EQ(v, 7);
}

}  // namespace
}  // namespace retain::batch
