#include "engine/syntax/parse_state.hpp"

#include <algorithm>

#include "engine/syntax/lexical.hpp"

namespace retain::syntax {

std::uint32_t ParseState::skip(std::uint32_t pos) const {
  const auto n = static_cast<std::uint32_t>(text.size());
  while (pos < n && skippable[pos]) ++pos;
  return std::min(pos, n);
}

Span ParseState::span(const char* begin, const char* end) const {
  std::uint32_t b = skip(offset(begin));
  std::uint32_t e = offset(end);
  while (e > b && skippable[e - 1]) --e;
  if (e < b) e = b;
  return {b, e};
}

void ParseState::error(Span span, std::string code, std::string message) {
  errors.push_back({span, std::move(code), std::move(message)});
}

void ParseState::expected(std::uint32_t where, std::string_view which, std::uint32_t item) {
  const auto n = static_cast<std::uint32_t>(text.size());
  where = std::min(where, n);
  if (which == kTooManyOperators) {
    error({where, std::min(where + 1, n)}, "parse.too-deep",
          "expression too large: more than " + std::to_string(lex::kMaxOperators) +
              " operators, calls and lists");
    return;
  }
  if (which == kTooDeep) {
    error({where, std::min(where + 1, n)}, "parse.too-deep",
          "expression nested deeper than " + std::to_string(lex::kMaxDepth) + " levels");
    return;
  }
  std::string what(which);
  const std::uint32_t item_begin = skip(item);
  const std::size_t kind_end = lex::word_end(text, item_begin);
  const std::string kind(text.substr(item_begin, kind_end - item_begin));
  if (lex::is_top_keyword(kind)) {
    if (which == "'}'") what += " to close the " + kind + " block";
    if (which == "'{'") what += " to open the " + kind + " block";
  }
  if (which == kCloseString) {
    std::string found = "end of file";
    if (where < n && (text[where] == '\n' || text[where] == '\r')) found = "end of line";
    error({where, where}, "parse.expected", "expected " + what + " but found " + found);
    return;
  }
  const std::uint32_t pos = skip(where);
  const lex::Found found = lex::describe_token(text, pos);
  error({pos, static_cast<std::uint32_t>(std::max<std::size_t>(found.end, pos))}, "parse.expected",
        "expected " + what + " but found " + found.description);
}

std::uint32_t ParseState::recover(std::uint32_t where, std::uint32_t item) const {
  const std::uint32_t from = std::max(skip(where), skip(item) + 1);
  return static_cast<std::uint32_t>(lex::next_top_keyword(text, from));
}

void ParseState::add_header(ast::Header&& header) {
  if (seen_header || seen_import || seen_decl) {
    error({header.span.begin, header.span.begin + 7}, "parse.expected",
          seen_header ? "expected a declaration but found 'ruleset': a file has one header"
                      : "expected a declaration but found 'ruleset': the header comes before "
                        "imports and declarations");
    return;
  }
  seen_header = true;
  file.header = std::move(header);
}

void ParseState::add_import(ast::Import&& import) {
  if (seen_decl) {
    error({import.span.begin, import.span.begin + 6}, "parse.expected",
          "expected a declaration but found 'import': imports come before all declarations");
    return;
  }
  seen_import = true;
  file.imports.push_back(std::move(import));
}

void ParseState::add_decl(ast::Decl&& decl) {
  seen_decl = true;
  file.decls.push_back(std::move(decl));
}

}  // namespace retain::syntax
