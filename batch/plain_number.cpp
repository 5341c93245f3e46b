#include "batch/plain_number.hpp"

namespace retain::batch {

namespace {

constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

bool parse_plain_int32(std::string_view text, std::int32_t* out) {
  const char* p = text.data();
  const char* const end = p + text.size();
  const bool negative = p < end && *p == '-';
  if (negative) ++p;
  if (p == end || end - p > 9) return false;
  std::int32_t value = 0;
  for (; p < end; ++p) {
    if (!is_digit(*p)) return false;
    value = value * 10 + (*p - '0');
  }
  *out = negative ? -value : value;
  return true;
}

bool parse_plain_double(std::string_view text, double* out) {
  const char* p = text.data();
  const char* const end = p + text.size();
  const bool negative = p < end && *p == '-';
  if (negative) ++p;
  std::uint64_t mantissa = 0;
  int digits = 0;  // significant: leading zeros do not count
  int integer_digits = 0;
  for (; p < end && is_digit(*p); ++p, ++integer_digits) {
    mantissa = mantissa * 10 + static_cast<std::uint64_t>(*p - '0');
    if (mantissa != 0) ++digits;
  }
  if (integer_digits == 0) return false;
  int fraction_digits = 0;
  if (p < end && *p == '.') {
    ++p;
    for (; p < end && is_digit(*p); ++p, ++fraction_digits) {
      mantissa = mantissa * 10 + static_cast<std::uint64_t>(*p - '0');
      if (mantissa != 0) ++digits;
    }
    if (fraction_digits == 0) return false;
  }
  if (p != end || digits > 15 || fraction_digits > 22) return false;
  const double value = static_cast<double>(mantissa) / kPowersOfTen[fraction_digits];
  *out = negative ? -value : value;
  return true;
}

}  // namespace retain::batch
