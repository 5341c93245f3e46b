// X3 configuration shared by grammar.cpp (which instantiates the rules) and parser.cpp (which
// calls them): the iterator, the skipper and the context. Both must agree exactly, or the link
// fails with `undefined reference to parse_rule<...>`.
#pragma once

#include <boost/spirit/home/x3.hpp>

namespace retain::syntax {

namespace x3 = boost::spirit::x3;

struct ParseState;
struct parse_state_tag;

using iterator_type = const char*;

// Skips whitespace and `#` comments (to the end of the line).
struct skipper_parser : x3::parser<skipper_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;

  template <typename It, typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const&, RCtx&, Attr&) const {
    const It start = first;
    while (first != last) {
      const char c = *first;
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++first;
      } else if (c == '#') {
        while (first != last && *first != '\n') ++first;
      } else {
        break;
      }
    }
    return first != start;
  }
};

using skipper_type = skipper_parser;
using phrase_context_type = x3::phrase_parse_context<skipper_type>::type;
// x3::with<parse_state_tag>(state) puts a ParseState& into the context.
using context_type = x3::context<parse_state_tag, ParseState, phrase_context_type>;

}  // namespace retain::syntax
