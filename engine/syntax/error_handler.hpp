// Error handling of the grammar: the context tag of the ParseState and the on_error handler
// of the top-level item rule, which records a diagnostic and resumes at the next top-level
// keyword so every syntax error of a file is reported in one run.
#pragma once

#include <boost/spirit/home/x3.hpp>

#include "engine/syntax/config.hpp"
#include "engine/syntax/parse_state.hpp"

namespace retain::syntax {

struct parse_state_tag;

template <typename Ctx>
ParseState& parse_state(Ctx const& ctx) {
  return x3::get<parse_state_tag>(ctx);
}

struct error_handler_base {
  template <typename It, typename Exc, typename Ctx>
  x3::error_handler_result on_error(It& first, It const& last, Exc const& x, Ctx const& ctx) {
    ParseState& st = parse_state(ctx);
    const std::uint32_t item = st.offset(first);
    const std::uint32_t where = st.offset(x.where());
    st.expected(where, x.which(), item);
    // Strictly after the item's start, so the loop over items always progresses.
    first = st.text.data() + st.recover(where, item);
    if (first > last) first = last;
    return x3::error_handler_result::accept;
  }
};

}  // namespace retain::syntax
