// format_number and format_value take shortcuts (whole numbers skip float formatting, texts are
// appended in place); they must print exactly what plain "%.Nf, trailing zeros trimmed" prints.
#include "engine/value_format.hpp"

#include <cmath>
#include <limits>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace retain {
namespace {

// The definition, written the slow and obvious way.
std::string reference_number(double number, int decimals) {
  if (std::isnan(number)) return "NaN";
  std::string text = fmt::format("{:.{}f}", number, decimals);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

TEST(ValueFormatTest, NumbersPrintAsTheTrimmedFixedFormat) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> numbers = {0.0,
                                 -0.0,
                                 1.0,
                                 -1.0,
                                 4.0,
                                 40.0,
                                 1e15,
                                 9007199254740992.0,
                                 9007199254740994.0,
                                 1e20,
                                 -1e20,
                                 0.5,
                                 2.5,
                                 -2.5,
                                 0.004,
                                 -0.004,
                                 0.001,
                                 -0.001,
                                 15.4,
                                 99.999,
                                 -99.995,
                                 1.005,
                                 123456.789,
                                 inf,
                                 -inf,
                                 std::numeric_limits<double>::quiet_NaN(),
                                 1e-300};
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> real(-1e6, 1e6);
  std::uniform_int_distribution<int> whole(-100000, 100000);
  for (int i = 0; i < 2000; ++i) {
    numbers.push_back(real(rng));
    numbers.push_back(whole(rng));
    numbers.push_back(whole(rng) / 100.0);
  }
  for (double n : numbers) {
    for (int decimals : {0, 1, 2, 3}) {
      EXPECT_EQ(format_number(n, decimals), reference_number(n, decimals))
          << "number " << n << " decimals " << decimals;
    }
  }
}

TEST(ValueFormatTest, DisplayFormatsPrintAsFmtDoes) {
  compile::Program program;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> real(-1000, 1000);
  std::uniform_real_distribution<double> fraction(-1, 1);
  for (int i = 0; i < 2000; ++i) {
    const double n = real(rng);
    for (int decimals : {0, 1, 2}) {
      compile::Display display;
      display.format = "." + std::to_string(decimals);
      EXPECT_EQ(format_value(eval::Value::of(n), program, display),
                fmt::format("{:.{}f}", n, decimals));
    }
    const double f = fraction(rng);
    if (f != 0) {
      EXPECT_EQ(format_value(eval::Value::of(f), program, compile::Display{}),
                fmt::format("{:.3g}", f));
    }
  }
}

TEST(ValueFormatTest, AppendKeepsWhatIsAlreadyThere) {
  compile::Program program;
  std::string text = "days: ";
  append_value(text, eval::Value::of(40.0), program, compile::Display{});
  text += ", share ";
  compile::Display percent;
  percent.format = "%";
  append_value(text, eval::Value::of(0.154), program, percent);
  text += ", fraction ";
  append_value(text, eval::Value::of(0.004), program, compile::Display{});
  text += ", ";
  append_value(text, eval::Value::unknown(), program, compile::Display{});
  text += ", ";
  append_value(text, eval::Value::of(true), program, compile::Display{});
  text += ", ";
  append_value(text, eval::Value::of(std::string_view("VIP")), program, compile::Display{});
  text += ", ";
  append_number(text, -0.001, 2);
  EXPECT_EQ(text, "days: 40, share 15.4%, fraction 0.004, unknown, true, VIP, 0");
}

}  // namespace
}  // namespace retain
