// JSON string quoting for the hand-written JSON renderers. Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace retain {

// Returns `text` as a JSON string literal, quotes included. UTF-8 passes through unchanged.
std::string json_quote(std::string_view text);
// The same, appended to `out` (no temporary string: for writers on a hot path).
void append_json_quoted(std::string& out, std::string_view text);

}  // namespace retain
