// Large arrays of plain numbers in a JSON text, parsed by several threads and then blanked
// out, so that the JSON parser reads the rest of the text with the arrays empty.
//
// Why: a statistics file for a million customers is ~16 MB, nearly all of it the "values"
// arrays. simdjson indexes every number and comma of them first (a structural index of
// ~21 MB, written in fresh 4 KB pages: over 5,000 page faults, ~10 µs each on the virtual
// machines this runs on) and its On-Demand loop then reads the numbers one after another, on
// one core, before scoring can start. Cut out, the arrays are parsed by std::from_chars (as
// exact as simdjson: both round correctly) on all cores into huge-page-advised columns, and
// simdjson reads a text of a few hundred structural characters.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace retain::batch {

struct NumberArray {
  std::size_t open = 0;  // offset of the array's '[' in the text
  std::vector<double> values;
};

// Finds every array that is the value of a member named `key` and holds only JSON numbers,
// parses them (up to `threads` at a time), and overwrites what is between their brackets
// with spaces. Arrays holding anything else (strings, nested values, a number JSON does not
// allow or a double cannot hold) are left as they are, for the JSON parser to read or to
// report. Returns the arrays cut, in text order. `text` must be JSON text or the result of
// the JSON parser on it is unchanged: only number characters inside arrays are blanked.
std::vector<NumberArray> cut_number_arrays(char* text, std::size_t size, std::string_view key,
                                           unsigned threads);

}  // namespace retain::batch
