// Lexical helpers of the rules language, shared by the grammar, the parser and the printer.
// Plain functions over bytes: no Spirit here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/source.hpp"

namespace retain::syntax::lex {

// Expression nesting (parentheses, lists, calls, `not`, unary `-`) allowed before
// `parse.too-deep`.
inline constexpr int kMaxDepth = 200;
// Operators, calls and lists in one expression: bounds the height of the tree (a chain
// `a or b or ...` nests without parentheses), so walking it recursively is always safe.
inline constexpr int kMaxOperators = 1000;

inline bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool is_ident_char(char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9');
}
inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The reserved words of docs/language.md: never names.
bool is_reserved(std::string_view word);
// Words that start a property line: `label`, `when`, ... (names elsewhere).
bool is_property_key(std::string_view word);
// Words that start a top-level item: `ruleset`, `import`, `let`, `cause`, ..., `settings`.
bool is_top_keyword(std::string_view word);

// One pass over a file: comments (outside string literals), which bytes a skipper would skip
// (whitespace and comment bytes), and invalid UTF-8 sequences.
struct Scan {
  std::vector<Span> comments;           // from '#' to the end of the line, line break excluded
  std::vector<std::uint8_t> skippable;  // 1 for whitespace and comment bytes
  std::vector<Span> bad_utf8;           // maximal runs of bytes that are not valid UTF-8
};
Scan scan(std::string_view text);

// Length of the valid UTF-8 sequence at text[pos], or 0 when it is not valid.
std::size_t utf8_length(std::string_view text, std::size_t pos);

// Unescapes the inside of a string literal (quotes excluded). When the maps are given, they
// receive for every output byte the raw offsets (relative to `raw`) where it begins and ends.
std::string unescape(std::string_view raw, std::vector<std::uint32_t>* begins = nullptr,
                     std::vector<std::uint32_t>* ends = nullptr);
// The literal `"..."` for a value: escapes `"`, `\`, newline and tab.
std::string quote(std::string_view value);

// A number spelled as in the language (`1_000`, `0.35`, `1.5e6`, `40%`). Returns false when
// the value does not fit in a double.
bool number_value(std::string_view spelling, double& value, bool& percent);

// The end of the number / word / string literal starting at pos, or pos when there is none.
std::size_t number_end(std::string_view text, std::size_t pos);
std::size_t word_end(std::string_view text, std::size_t pos);

// Describes the token at pos (pos already past whitespace): "'foo'", "end of file", ...
struct Found {
  std::string description;
  std::size_t end = 0;  // end of the token (pos when nothing)
};
Found describe_token(std::string_view text, std::size_t pos);

// The first top-level keyword that starts a line (after indentation), at or after `from`.
// text.size() when there is none.
std::size_t next_top_keyword(std::string_view text, std::size_t from);

// The number of UTF-8 code points of text (display width for alignment).
std::size_t code_points(std::string_view text);

}  // namespace retain::syntax::lex
