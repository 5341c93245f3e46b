// The only translation unit that compiles the grammar: instantiates the entry rules for the
// iterator and context of config.hpp.
#include "engine/syntax/grammar_def.hpp"

namespace retain::syntax::grammar {

BOOST_SPIRIT_INSTANTIATE(rule_file_type, iterator_type, context_type)
BOOST_SPIRIT_INSTANTIATE(expression_type, iterator_type, context_type)

}  // namespace retain::syntax::grammar
