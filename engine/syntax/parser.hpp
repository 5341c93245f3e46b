// The syntax API: rule text -> AST with source spans. No Spirit in this header.
// parse() is reentrant: it keeps no state between calls and may run on many threads at once.
#pragma once

#include <optional>

#include "engine/diagnostics.hpp"
#include "engine/source.hpp"
#include "engine/syntax/ast.hpp"

namespace retain::syntax {

struct ParseResult {
  std::optional<ast::RuleFile> file;  // empty when the text has syntax errors
  Diagnostics diagnostics;            // every syntax error of the file, in order
};

// Parses a whole rule file. Never throws, never crashes on any byte sequence.
ParseResult parse(const SourceFile& source);

// Parses one expression that fills the whole source (tests and tools).
PhaseResult<ast::Expr> parse_expression(const SourceFile& source);

}  // namespace retain::syntax
