// The entry rules of the grammar (defined in grammar_def.hpp, instantiated in grammar.cpp).
#pragma once

#include <boost/spirit/home/x3.hpp>

#include "engine/syntax/ast.hpp"
#include "engine/syntax/config.hpp"

namespace retain::syntax::grammar {

struct rule_file_class;
struct expression_class;

// A whole file. The result is built in the ParseState (the attribute stays empty).
using rule_file_type = x3::rule<rule_file_class, ast::RuleFile>;
// One expression.
using expression_type = x3::rule<expression_class, ast::Expr>;

BOOST_SPIRIT_DECLARE(rule_file_type, expression_type)

rule_file_type const& rule_file();
expression_type const& expression();

}  // namespace retain::syntax::grammar
