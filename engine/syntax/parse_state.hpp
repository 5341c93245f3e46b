// The mutable state of one parse: the text, the errors found so far and the file being built.
// The grammar reaches it through x3::with<parse_state_tag>; it holds no Spirit types.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/source.hpp"
#include "engine/syntax/ast.hpp"
#include "engine/syntax/lexical.hpp"

namespace retain::syntax {

// A syntax error with offsets into the parsed text (converted to a Diagnostic by parser.cpp).
struct RawError {
  Span span;
  std::string code;
  std::string message;
};

// `which` strings with special meaning in expectation failures.
inline constexpr std::string_view kTooDeep = "\x02too-deep";
inline constexpr std::string_view kTooManyOperators = "\x02too-many-operators";
inline constexpr std::string_view kCloseString = "'\"' to close the string";

struct ParseState {
  ParseState(std::string_view text, const std::vector<std::uint8_t>& skippable)
      : text(text), skippable(skippable) {}

  std::string_view text;
  const std::vector<std::uint8_t>& skippable;  // whitespace and comment bytes of text
  std::vector<RawError> errors;
  ast::RuleFile file;           // filled by the top-level items as they parse
  int depth = 0;                // current expression nesting
  int operators = 0;            // composite nodes of the current top-level expression
  bool property_lines = false;  // a file: property words at the start of a line are keys
  bool seen_header = false;
  bool seen_import = false;
  bool seen_decl = false;

  std::uint32_t offset(const char* p) const { return static_cast<std::uint32_t>(p - text.data()); }
  // Past whitespace and comments.
  std::uint32_t skip(std::uint32_t pos) const;
  // Whether only blanks precede p on its line.
  // Always false outside files (expressions, placeholders).
  bool starts_line(const char* p) const {
    if (!property_lines) return false;
    for (std::uint32_t i = offset(p); i > 0; --i) {
      const char c = text[i - 1];
      if (c == '\n') return true;
      if (c != ' ' && c != '\t' && c != '\r') return false;
    }
    return true;
  }
  // [begin, end) without the whitespace and comments a skipper consumed at either end.
  Span span(const char* begin, const char* end) const;
  std::string_view slice(Span s) const { return text.substr(s.begin, s.end - s.begin); }

  void error(Span span, std::string code, std::string message);
  // Counts one operator/call/list node; false past lex::kMaxOperators.
  bool count_operator() { return ++operators <= lex::kMaxOperators; }
  // Records "expected WHICH but found TOKEN" for an expectation failure at `where` inside the
  // top-level item that starts at `item`.
  void expected(std::uint32_t where, std::string_view which, std::uint32_t item);
  // Where to go on after an error at `where` in the item starting at `item`: the next
  // top-level keyword at the start of a line, strictly after the item's start.
  std::uint32_t recover(std::uint32_t where, std::uint32_t item) const;

  void add_header(ast::Header&& header);
  void add_import(ast::Import&& import);
  void add_decl(ast::Decl&& decl);
};

}  // namespace retain::syntax
