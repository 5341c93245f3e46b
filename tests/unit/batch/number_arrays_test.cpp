#include "batch/number_arrays.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "batch/decision_writer.hpp"

namespace retain::batch {
namespace {

struct Cut {
  std::string text;  // after cutting
  std::vector<NumberArray> arrays;
};

Cut cut(std::string text, unsigned threads = 2) {
  Cut c;
  c.arrays = cut_number_arrays(text.data(), text.size(), "values", threads);
  c.text = std::move(text);
  return c;
}

// Numbers as retain writes them (shortest round trip) and in the other spellings JSON allows
// come back exactly as strtod reads them, and the array is left blank between its brackets.
TEST(NumberArraysTest, ParsesEveryJsonSpellingExactlyAndBlanksTheArray) {
  std::mt19937_64 rng(3);
  std::string list;
  std::vector<double> expected;
  const auto add = [&](const std::string& spelling) {
    if (!list.empty()) list += (expected.size() % 7 == 0) ? " ,\n " : ",";
    list += spelling;
    expected.push_back(std::strtod(spelling.c_str(), nullptr));
  };
  for (const char* s : {"0", "-0", "1", "-1", "0.5", "1e3", "1E+3", "2.5e-3", "-7.25E-300",
                        "123456789012345678901234567890", "4.9e-324", "1.7976931348623157e308",
                        "0.1", "0.30000000000000004"}) {
    add(s);
  }
  std::uniform_real_distribution<double> uniform(-1e7, 1e7);
  std::uniform_int_distribution<std::uint64_t> bits;
  for (int i = 0; i < 20000; ++i) {
    std::string spelling;
    double value = uniform(rng);
    if (i % 2 == 0) {
      // Any finite double, every exponent.
      const std::uint64_t b = bits(rng);
      std::memcpy(&value, &b, sizeof value);
      if (!std::isfinite(value)) continue;
    }
    append_number(spelling, value);
    add(spelling);
  }
  const std::string text = R"({"a":1,"values": [ )" + list + R"( ],"b":"values"})";
  const Cut c = cut(text);
  ASSERT_EQ(c.arrays.size(), 1u);
  EXPECT_EQ(c.arrays[0].open, text.find('['));
  ASSERT_EQ(c.arrays[0].values.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(std::signbit(c.arrays[0].values[i]), std::signbit(expected[i])) << i;
    ASSERT_EQ(c.arrays[0].values[i], expected[i]) << "number " << i;
  }
  const std::size_t close = text.rfind(']');
  EXPECT_EQ(c.text.substr(0, c.arrays[0].open + 1), text.substr(0, c.arrays[0].open + 1));
  EXPECT_EQ(c.text.substr(c.arrays[0].open + 1, close - c.arrays[0].open - 1),
            std::string(close - c.arrays[0].open - 1, ' '));
  EXPECT_EQ(c.text.substr(close), text.substr(close));
}

// Only arrays of JSON numbers that are the value of a member named "values" are cut; anything
// else is left byte for byte for the JSON parser to read or refuse.
TEST(NumberArraysTest, LeavesEverythingElseAlone) {
  const std::vector<std::string> untouched = {
      R"({"values":[1,"x",2]})",             // a string among the numbers
      R"({"values":[[1],2]})",               // nested
      R"({"values":[01]})",                  // leading zero
      R"({"values":[1.]})",                  // no digit after the point
      R"({"values":[.5]})",                  // none before it
      R"({"values":[+1]})",                  // plus sign
      R"({"values":[1e]})",                  // no exponent digits
      R"({"values":[--1]})",                 //
      R"({"values":[1,,2]})",                // empty element
      R"({"values":[1,]})",                  // trailing comma
      R"({"values":[,1]})",                  // leading comma
      R"({"values":[1 2]})",                 // no comma
      R"({"values":[1e400]})",               // beyond a double
      R"({"values":[1,2)",                   // unterminated
      R"({"values":{"x":[1]}})",             // not an array
      R"({"x \"values":[1,2]})",             // a name ending in "values (its quote escaped)
      R"({"text":"a \"values\":[1,2] b"})",  // inside a string
      R"({"text":"\\\"values\":[1,2]"})",    // still inside: \\ then \"
      R"({"val\u0075es":[1,2]})",            // the same name, spelled otherwise
      R"({"my_values":[1,2]})",              // another name
      R"({"a":"values","b":[1,2]})",         // the word as a value
  };
  for (const std::string& text : untouched) {
    const Cut c = cut(text);
    EXPECT_TRUE(c.arrays.empty()) << text;
    EXPECT_EQ(c.text, text);
  }
  // After a string that ends in an escaped backslash, the name is a name again.
  const Cut after = cut(R"({"s":"\\","values":[4]})");
  ASSERT_EQ(after.arrays.size(), 1u);
  EXPECT_EQ(after.arrays[0].values, std::vector<double>{4});
  // Empty arrays, whitespace around the colon.
  const Cut empty = cut("{\"values\" :\n[ ],\"x\":{\"values\":[]}}");
  ASSERT_EQ(empty.arrays.size(), 2u);
  EXPECT_TRUE(empty.arrays[0].values.empty());
  EXPECT_TRUE(empty.arrays[1].values.empty());
}

// Several arrays, more than there are threads: each parsed once, in text order, the same with
// one thread as with many.
TEST(NumberArraysTest, SeveralArraysOnSeveralThreads) {
  std::string text = "{";
  for (int a = 0; a < 7; ++a) {
    if (a > 0) text += ",";
    text +=
        "\"t" + std::to_string(a) + "\":{\"count\":" + std::to_string(a * 1000) + ",\"values\":[";
    for (int i = 0; i < a * 1000; ++i) text += (i ? "," : "") + std::to_string(a * 100000 - i);
    text += "]}";
  }
  text += "}";
  for (const unsigned threads : {1u, 3u, 16u}) {
    const Cut c = cut(text, threads);
    ASSERT_EQ(c.arrays.size(), 7u) << threads;
    for (int a = 0; a < 7; ++a) {
      const auto& values = c.arrays[static_cast<std::size_t>(a)].values;
      ASSERT_EQ(values.size(), static_cast<std::size_t>(a * 1000));
      if (a == 0) continue;
      EXPECT_EQ(values.front(), a * 100000);
      EXPECT_EQ(values.back(), a * 100000 - (a * 1000 - 1));
      EXPECT_LT(c.arrays[static_cast<std::size_t>(a - 1)].open,
                c.arrays[static_cast<std::size_t>(a)].open);
    }
  }
}

}  // namespace
}  // namespace retain::batch
