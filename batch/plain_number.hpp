// Parsers for the plain shapes numbers take in almost every cell of a customer file: an
// optional '-', decimal digits, and for doubles an optional '.' with more digits. They return
// false for anything else (spaces, '+', exponents, long mantissas, NaN), and the caller then
// uses the general parser, which also words the error. Where they accept, they give exactly
// what std::from_chars gives: from_chars alone was the largest cost of reading a CSV row.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace retain::batch {

// At most nine digits, so that the value always fits.
bool parse_plain_int32(std::string_view text, std::int32_t* out);

// At most 15 significant digits and 22 after the point: the digits then form an integer below
// 2^53 and the divisor 10^k is a double exactly, so one IEEE division rounds the decimal
// correctly, as from_chars does.
bool parse_plain_double(std::string_view text, double* out);

}  // namespace retain::batch
