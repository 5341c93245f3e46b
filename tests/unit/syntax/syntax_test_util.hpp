// Helpers of the syntax tests: docs examples, s-expressions, tree equality without spans.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "engine/syntax/ast.hpp"
#include "engine/syntax/parser.hpp"

namespace retain::syntax::testing {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The ```rules blocks of docs/language.md, with their first line number.
inline std::vector<std::pair<int, std::string>> docs_examples() {
  const std::string doc = read_file(std::string(RETAIN_SOURCE_DIR) + "/docs/language.md");
  std::vector<std::pair<int, std::string>> out;
  std::istringstream in(doc);
  std::string line;
  int number = 0;
  bool inside = false;
  std::string block;
  int start = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!inside && line.rfind("```rules", 0) == 0) {
      inside = true;
      block.clear();
      start = number + 1;
    } else if (inside && line.rfind("```", 0) == 0) {
      inside = false;
      out.emplace_back(start, block);
    } else if (inside) {
      block += line + "\n";
    }
  }
  return out;
}

// A compact dump of an expression: (op a b), numbers as value, paths bare.
inline std::string sexpr(const ast::Expr& e) {
  std::string out;
  switch (e.kind) {
    case ast::ExprKind::Number: {
      std::ostringstream s;
      s << e.number;
      return s.str() + (e.percent ? "%" : "");
    }
    case ast::ExprKind::Bool:
      return e.boolean ? "true" : "false";
    case ast::ExprKind::String:
      return "\"" + e.text + "\"";
    case ast::ExprKind::Path:
      return e.text;
    case ast::ExprKind::Unary:
    case ast::ExprKind::Binary:
      out = std::string("(") + ast::op_spelling(e.op);
      break;
    case ast::ExprKind::Call:
      out = "(call " + e.text;
      break;
    case ast::ExprKind::List:
      out = "(list";
      break;
    case ast::ExprKind::Between:
      out = "(between";
      break;
    case ast::ExprKind::Count:
      out = "(count";
      break;
  }
  for (const auto& a : e.args) out += " " + sexpr(a);
  return out + ")";
}

// Tree equality that ignores spans (the printer's round trip changes every offset).
inline bool same(const ast::Expr& a, const ast::Expr& b) {
  if (a.kind != b.kind || a.text != b.text || a.args.size() != b.args.size()) return false;
  if (a.kind == ast::ExprKind::Number && (a.number != b.number || a.percent != b.percent)) {
    return false;
  }
  if (a.kind == ast::ExprKind::Bool && a.boolean != b.boolean) return false;
  if ((a.kind == ast::ExprKind::Unary || a.kind == ast::ExprKind::Binary) && a.op != b.op) {
    return false;
  }
  for (std::size_t i = 0; i < a.args.size(); ++i) {
    if (!same(a.args[i], b.args[i])) return false;
  }
  return true;
}

bool same(const ast::Text& a, const ast::Text& b);
bool same(const ast::Band& a, const ast::Band& b);

template <class T>
bool same_opt(const std::optional<T>& a, const std::optional<T>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || same(*a, *b);
}

inline bool same(const ast::TemplatePiece& a, const ast::TemplatePiece& b) {
  return a.literal == b.literal && a.format == b.format && same_opt(a.expr, b.expr);
}

inline bool same(const ast::Text& a, const ast::Text& b) {
  if (a.parts.size() != b.parts.size()) return false;
  for (std::size_t i = 0; i < a.parts.size(); ++i) {
    const auto& p = a.parts[i];
    const auto& q = b.parts[i];
    if (p.lang != q.lang || p.value != q.value || p.pieces.size() != q.pieces.size()) return false;
    for (std::size_t k = 0; k < p.pieces.size(); ++k) {
      if (!same(p.pieces[k], q.pieces[k])) return false;
    }
  }
  return true;
}

inline bool same(const ast::Band& a, const ast::Band& b) {
  return a.id == b.id && a.bound == b.bound && same_opt(a.value, b.value) &&
         same_opt(a.label, b.label);
}

inline bool same(const ast::Property& a, const ast::Property& b) {
  if (a.key != b.key || a.any != b.any || a.word.name != b.word.name ||
      a.ids.size() != b.ids.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.ids.size(); ++i) {
    if (a.ids[i].name != b.ids[i].name) return false;
  }
  return same_opt(a.text, b.text) && same_opt(a.expr, b.expr) && same_opt(a.since, b.since) &&
         same_opt(a.band, b.band);
}

inline bool same(const ast::Decl& a, const ast::Decl& b) {
  if (a.kind != b.kind || a.name != b.name || a.props.size() != b.props.size()) return false;
  for (std::size_t i = 0; i < a.props.size(); ++i) {
    if (!same(a.props[i], b.props[i])) return false;
  }
  return same_opt(a.value, b.value);
}

inline bool same(const ast::RuleFile& a, const ast::RuleFile& b) {
  if (a.header.has_value() != b.header.has_value()) return false;
  if (a.header && (a.header->name != b.header->name || a.header->version != b.header->version)) {
    return false;
  }
  if (a.imports.size() != b.imports.size() || a.decls.size() != b.decls.size() ||
      a.comments.size() != b.comments.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.imports.size(); ++i) {
    if (a.imports[i].path != b.imports[i].path) return false;
  }
  for (std::size_t i = 0; i < a.decls.size(); ++i) {
    if (!same(a.decls[i], b.decls[i])) return false;
  }
  for (std::size_t i = 0; i < a.comments.size(); ++i) {
    if (a.comments[i].text != b.comments[i].text) return false;
  }
  return true;
}

}  // namespace retain::syntax::testing
