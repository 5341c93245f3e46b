// The public syntax tree of a rule file: plain data with source spans, no Spirit.
// The parser builds it (syntax/parser.hpp); check, fmt and the printer walk it.
// Immutable once built; safe to read from many threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/source.hpp"

namespace retain::ast {

enum class Op {
  Or,
  And,
  Not,  // unary
  Neg,  // unary minus
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  In,
  NotIn,
  Add,
  Sub,
  Mul,
  Div,
};

enum class ExprKind {
  Number,   // number; `percent` when written as 40% (number already divided by 100)
  Bool,     // boolean
  String,   // text = the unescaped value
  Path,     // text = dotted name as written: tenure_months, metrics.nps, QUALITY_UNSTABLE
  Unary,    // op (Not, Neg), args[0]
  Binary,   // op, args[0] op args[1]; In/NotIn take a List (or any expression) on the right
  Call,     // text = function name, args; count(...) is a Count
  List,     // [a, b, c]
  Between,  // args[0] between args[1] and args[2]
  Count,    // count(args[0]) or count(args[0] where args[1]); args[0] is a Path
};

struct Expr {
  ExprKind kind = ExprKind::Number;
  Span span;
  Op op = Op::Or;
  double number = 0;
  bool percent = false;
  bool boolean = false;
  std::string text;  // String value, Path name, Call name, Number spelling as written
  std::vector<Expr> args;
};

// `{expr}` or `{expr:format}` inside a text, or a literal run between placeholders.
struct TemplatePiece {
  std::string literal;       // used when expr is empty
  std::optional<Expr> expr;  // spans are offsets in the rule file
  std::string format;        // "", "%", ".0", ".1", ".2"
};

// One string of a label or because text, with an optional language tag: `zh "..."`.
struct TextPart {
  std::string lang;                   // "" when untagged
  std::string value;                  // unescaped
  std::vector<TemplatePiece> pieces;  // value split at placeholders
  Span span;                          // the string literal, quotes included
};

struct Text {
  std::vector<TextPart> parts;
  Span span;
};

// A band of a `tiers` declaration: `band VIP top 1% label en "VIP"`.
enum class BandBound { Top, Below, AtLeast, Rest };

struct Band {
  std::string id;
  Span id_span;
  BandBound bound = BandBound::Rest;
  std::optional<Expr> value;  // the percentage or threshold; empty for Rest
  std::optional<Text> label;
  Span span;
};

struct Ident {
  std::string name;
  Span span;
};

// One `key value` line inside a declaration block. Which fields are set depends on key:
//   label, because           -> text
//   weight, priority, when,
//   rank, by, fallback,
//   max_tactics              -> expr
//   answers                  -> ids, or any = true
//   cooldown N days          -> expr (N)
//   every N days since PATH  -> expr (N), since (PATH)
//   sets tier|credit_grade   -> word
//   band ...                 -> band
struct Property {
  std::string key;
  Span key_span;
  Span span;
  std::optional<Text> text;
  std::optional<Expr> expr;
  std::vector<Ident> ids;
  bool any = false;
  std::optional<Expr> since;
  Ident word;
  std::optional<Band> band;
};

// A top-level declaration. kind is the keyword: let, cause, tactic, segment, account,
// credit_check, tiers, settings. `let` has value; the others have props.
struct Decl {
  std::string kind;
  std::string name;  // empty for settings
  Span name_span;
  Span span;
  std::optional<Expr> value;
  std::vector<Property> props;
};

struct Import {
  std::string path;  // as written
  Span span;
};

struct Header {
  std::string name;
  std::string version;
  Span span;
};

// A `#` comment; the skipper drops comments, the parser collects them for the printer.
struct Comment {
  std::string text;  // without the leading '#', without the line break
  Span span;
  bool trailing = false;           // code precedes it on its line (the printer keeps it there)
  bool blank_line_before = false;  // an empty line precedes it (the printer keeps one)
};

struct RuleFile {
  std::optional<Header> header;
  std::vector<Import> imports;
  std::vector<Decl> decls;
  std::vector<Comment> comments;
};

const char* op_spelling(Op op);

}  // namespace retain::ast
