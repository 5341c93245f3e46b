// retain fmt: the canonical text of rule files, with a meaning check (the formatted text must
// parse back to the same tree, spans aside), rule file discovery and a line diff.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "engine/diagnostics.hpp"
#include "engine/syntax/ast.hpp"

namespace retain::analyst {

// Structural equality of syntax trees, ignoring source spans (and comment positions other
// than their order, text and placement flags).
bool same_tree(const ast::Expr& a, const ast::Expr& b);
bool same_tree(const ast::RuleFile& a, const ast::RuleFile& b);

enum class FormatStatus {
  Ok,             // formatted holds the canonical text
  SyntaxError,    // diagnostics hold the syntax errors; formatted is empty
  MeaningChanged  // the formatted text does not parse back to the same tree (a printer bug)
};

struct FormatResult {
  FormatStatus status = FormatStatus::Ok;
  std::string formatted;
  bool changed = false;  // formatted != the input
  Diagnostics diagnostics;
  std::string message;  // for MeaningChanged
};

// Formats one rule file's text. path is used in diagnostics only.
FormatResult format_rules(const std::string& path, const std::string& text);

// Expands files and directories into rule files: a directory contributes its *.rules files
// (sorted, not recursive, *_test.rules included: they are rule files too). Paths that do not
// exist are returned in *missing.
std::vector<std::string> collect_rule_files(const std::vector<std::string>& paths,
                                            std::vector<std::string>* missing);

// A unified-style line diff (`--- a`, `+++ b`, `@@ -l,n +l,n @@` hunks with `context` lines
// around each change). Empty when the texts are equal.
std::string unified_diff(const std::string& old_text, const std::string& new_text,
                         const std::string& old_name, const std::string& new_name, int context = 3);

}  // namespace retain::analyst
