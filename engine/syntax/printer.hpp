// The canonical text of a rule file (`retain fmt`): header, imports, then declarations
// separated by one blank line (consecutive `let`s stay together); properties indented by 2; bands
// aligned in columns; minimal parentheses; numbers as written; comments where they were.
// print(parse(print(f))) == print(f), and parsing the output gives the same tree (spans aside).
#pragma once

#include <string>

#include "engine/syntax/ast.hpp"

namespace retain::syntax {

std::string print(const ast::RuleFile& file);

// One expression on one line, with the parentheses its precedence needs and no more.
std::string print_expr(const ast::Expr& expr);

// A text: `zh "..." en "..."`, strings re-escaped.
std::string print_text(const ast::Text& text);

}  // namespace retain::syntax
