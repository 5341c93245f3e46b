// The grammar of the rules language (docs/language.md), in Boost.Spirit X3.
// Included by grammar.cpp only. Sections: primitives (hand-written token parsers), directives,
// semantic actions, rule IDs, rules, grammar, entry points.
//
// The rules build the public retain::ast types directly through semantic actions; spans come
// from the `spanned` directive, which knows where its subject started and ended.
#pragma once

#include <string_view>
#include <utility>

#include <boost/spirit/home/x3.hpp>

#include "engine/syntax/ast.hpp"
#include "engine/syntax/config.hpp"
#include "engine/syntax/error_handler.hpp"
#include "engine/syntax/grammar.hpp"
#include "engine/syntax/lexical.hpp"
#include "engine/syntax/parse_state.hpp"

namespace retain::syntax::grammar {

// ============================================================================ Primitives

// A word that ends at a word boundary: `or` matches in `a or b`, never in `order_drop`.
struct keyword_parser : x3::parser<keyword_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;
  constexpr explicit keyword_parser(std::string_view w) : word(w) {}
  std::string_view word;

  template <typename It, typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr&) const {
    x3::skip_over(first, last, ctx);
    if (static_cast<std::size_t>(last - first) < word.size()) return false;
    if (std::string_view(first, word.size()) != word) return false;
    const It end = first + word.size();
    if (end != last && lex::is_ident_char(*end)) return false;
    first = end;
    return true;
  }
};

enum class WordKind {
  Name,        // any word that is not reserved
  Lang,        // a language tag: not reserved, not a property key
  TopKeyword,  // a word that starts a top-level item
};

struct word_parser : x3::parser<word_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;
  constexpr explicit word_parser(WordKind k) : kind(k) {}
  WordKind kind;

  template <typename It, typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr&) const {
    x3::skip_over(first, last, ctx);
    const std::string_view rest(first, static_cast<std::size_t>(last - first));
    const std::size_t end = lex::word_end(rest, 0);
    if (end == 0) return false;
    const std::string_view word = rest.substr(0, end);
    switch (kind) {
      case WordKind::Name:
        if (lex::is_reserved(word)) return false;
        if (lex::is_property_key(word) && parse_state(ctx).starts_line(first)) return false;
        break;
      case WordKind::Lang:
        if (lex::is_reserved(word) || lex::is_property_key(word)) return false;
        break;
      case WordKind::TopKeyword:
        if (!lex::is_top_keyword(word)) return false;
        break;
    }
    first += end;
    return true;
  }
};

// name ('.' word)*: `tenure_months`, `metrics.nps`.
struct path_parser : x3::parser<path_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;

  template <typename It, typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr&) const {
    x3::skip_over(first, last, ctx);
    const std::string_view rest(first, static_cast<std::size_t>(last - first));
    std::size_t end = lex::word_end(rest, 0);
    if (end == 0 || lex::is_reserved(rest.substr(0, end))) return false;
    // A property word that starts a line starts the next property (docs/language.md).
    if (lex::is_property_key(rest.substr(0, end)) && parse_state(ctx).starts_line(first)) {
      return false;
    }
    while (end + 1 < rest.size() && rest[end] == '.' && lex::is_ident_start(rest[end + 1])) {
      end = lex::word_end(rest, end + 1);
    }
    first += end;
    return true;
  }
};

// 3, 0.35, 1_000_000, 1.5e6, 40%
struct number_parser : x3::parser<number_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;

  template <typename It, typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr&) const {
    x3::skip_over(first, last, ctx);
    const std::string_view rest(first, static_cast<std::size_t>(last - first));
    const std::size_t end = lex::number_end(rest, 0);
    if (end == 0) return false;
    if (end < rest.size() && lex::is_ident_char(rest[end])) return false;  // 3days
    first += end;
    return true;
  }
};

// "..." with the escapes \" \\ \n \t, on one line.
struct string_parser : x3::parser<string_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;

  template <typename It, typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr&) const {
    x3::skip_over(first, last, ctx);
    if (first == last || *first != '"') return false;
    It it = first + 1;
    for (;;) {
      if (it == last || *it == '\n' || (*it == '\r' && it + 1 != last && it[1] == '\n')) {
        boost::throw_exception(x3::expectation_failure<It>(it, std::string(kCloseString)));
      }
      if (*it == '"') break;
      if (*it == '\\') {
        ++it;
        if (it == last || (*it != '"' && *it != '\\' && *it != 'n' && *it != 't')) {
          boost::throw_exception(x3::expectation_failure<It>(
              it, "an escape sequence (\\\" \\\\ \\n or \\t) after '\\'"));
        }
      }
      ++it;
    }
    first = it + 1;
    return true;
  }
};

// Succeeds, consuming nothing but blanks, unless the next token starts a line (in a file):
// a property word there starts the next property.
struct same_line_parser : x3::parser<same_line_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;

  template <typename It, typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, Attr&) const {
    x3::skip_over(first, last, ctx);
    return !parse_state(ctx).starts_line(first);
  }
};

// ============================================================================ Directives

// Counts expression nesting; too deep is an expectation failure (kTooDeep) so the top-level
// handler reports it and recovers, without ever overflowing the stack.
template <typename Subject>
struct nest_directive : x3::unary_parser<Subject, nest_directive<Subject>> {
  using base_type = x3::unary_parser<Subject, nest_directive<Subject>>;
  static bool const is_pass_through_unary = true;
  constexpr explicit nest_directive(Subject const& subject) : base_type(subject) {}

  template <typename It, typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx& rctx, Attr& attr) const {
    ParseState& st = parse_state(ctx);
    if (st.depth > lex::kMaxDepth) {  // the outermost expression is level 0
      x3::skip_over(first, last, ctx);
      boost::throw_exception(x3::expectation_failure<It>(first, std::string(kTooDeep)));
    }
    if (st.depth == 0) st.operators = 0;  // a new top-level expression
    struct Guard {
      int& depth;
      explicit Guard(int& d) : depth(d) { ++depth; }
      ~Guard() { --depth; }
    } guard(st.depth);
    return this->subject.parse(first, last, ctx, rctx, attr);
  }
};

struct nest_gen {
  template <typename Subject>
  constexpr nest_directive<typename x3::extension::as_parser<Subject>::value_type> operator[](
      Subject const& subject) const {
    return nest_directive<typename x3::extension::as_parser<Subject>::value_type>(
        x3::as_parser(subject));
  }
};
constexpr nest_gen nest{};

// After its subject matched, calls f(rule value, span of the match, state).
template <typename Subject, typename F>
struct spanned_directive : x3::unary_parser<Subject, spanned_directive<Subject, F>> {
  using base_type = x3::unary_parser<Subject, spanned_directive<Subject, F>>;
  static bool const is_pass_through_unary = true;
  static bool const has_action = true;
  constexpr spanned_directive(Subject const& subject, F f) : base_type(subject), f(f) {}
  F f;

  template <typename It, typename Ctx, typename RCtx, typename Attr>
  bool parse(It& first, It const& last, Ctx const& ctx, RCtx& rctx, Attr& attr) const {
    x3::skip_over(first, last, ctx);
    const It begin = first;
    if (!this->subject.parse(first, last, ctx, rctx, attr)) return false;
    ParseState& st = parse_state(ctx);
    f(rctx, st.span(begin, first), st);
    return true;
  }
};

template <typename F>
struct spanned_gen {
  F f;
  template <typename Subject>
  constexpr spanned_directive<typename x3::extension::as_parser<Subject>::value_type, F> operator[](
      Subject const& subject) const {
    return {x3::as_parser(subject), f};
  }
};
template <typename F>
constexpr spanned_gen<F> spanned(F f) {
  return {f};
}

}  // namespace retain::syntax::grammar

namespace boost::spirit::x3 {

// What an expectation failure names: the subject of actions and directives, the word of
// keywords.
template <typename Subject, typename Action>
struct get_info<action<Subject, Action>> {
  using result_type = std::string;
  std::string operator()(action<Subject, Action> const& p) const { return what(p.subject); }
};
template <typename Subject>
struct get_info<retain::syntax::grammar::nest_directive<Subject>> {
  using result_type = std::string;
  std::string operator()(retain::syntax::grammar::nest_directive<Subject> const& p) const {
    return what(p.subject);
  }
};
template <typename Subject, typename F>
struct get_info<retain::syntax::grammar::spanned_directive<Subject, F>> {
  using result_type = std::string;
  std::string operator()(retain::syntax::grammar::spanned_directive<Subject, F> const& p) const {
    return what(p.subject);
  }
};
template <>
struct get_info<retain::syntax::grammar::keyword_parser> {
  using result_type = std::string;
  std::string operator()(retain::syntax::grammar::keyword_parser const& p) const {
    return "'" + std::string(p.word) + "'";
  }
};

}  // namespace boost::spirit::x3

namespace retain::syntax::grammar {

// ============================================================================ Actions

// Counts an operator/call/list node at offset pos; too many is an expectation failure
// (kTooManyOperators) reported as parse.too-deep.
inline void count_operator(ParseState& st, std::uint32_t pos) {
  if (!st.count_operator()) {
    boost::throw_exception(x3::expectation_failure<iterator_type>(
        st.text.data() + std::min<std::size_t>(pos, st.text.size()),
        std::string(kTooManyOperators)));
  }
}

// Builders of the tree. X3 semantic actions get the context; span setters (used with
// `spanned`) get (value, span, state).

inline void make_binary(ParseState& st, ast::Expr& lhs, ast::Op op, ast::Expr&& rhs) {
  count_operator(st, rhs.span.begin);
  ast::Expr e;
  e.kind = ast::ExprKind::Binary;
  e.op = op;
  e.span = {lhs.span.begin, rhs.span.end};
  e.args.reserve(2);
  e.args.push_back(std::move(lhs));
  e.args.push_back(std::move(rhs));
  lhs = std::move(e);
}

struct assign_f {
  template <typename C>
  void operator()(C& ctx) const {
    x3::_val(ctx) = std::move(x3::_attr(ctx));
  }
};

template <ast::Op op>
struct fold_f {
  template <typename C>
  void operator()(C& ctx) const {
    make_binary(parse_state(ctx), x3::_val(ctx), op, std::move(x3::_attr(ctx)));
  }
};

template <ast::Op op>
struct unary_f {
  template <typename C>
  void operator()(C& ctx) const {
    count_operator(parse_state(ctx), x3::_attr(ctx).span.begin);
    ast::Expr e;
    e.kind = ast::ExprKind::Unary;
    e.op = op;
    e.args.push_back(std::move(x3::_attr(ctx)));
    x3::_val(ctx) = std::move(e);
  }
};

struct between_lo_f {
  template <typename C>
  void operator()(C& ctx) const {
    count_operator(parse_state(ctx), x3::_attr(ctx).span.begin);
    ast::Expr e;
    e.kind = ast::ExprKind::Between;
    e.args.reserve(3);
    e.args.push_back(std::move(x3::_val(ctx)));
    e.args.push_back(std::move(x3::_attr(ctx)));
    x3::_val(ctx) = std::move(e);
  }
};

struct between_hi_f {
  template <typename C>
  void operator()(C& ctx) const {
    ast::Expr& e = x3::_val(ctx);
    e.args.push_back(std::move(x3::_attr(ctx)));
    e.span = {e.args.front().span.begin, e.args.back().span.end};
  }
};

struct push_arg_f {
  template <typename C>
  void operator()(C& ctx) const {
    x3::_val(ctx).args.push_back(std::move(x3::_attr(ctx)));
  }
};

struct call_name_f {
  template <typename C>
  void operator()(C& ctx) const {
    x3::_val(ctx).text = std::move(x3::_attr(ctx).name);
  }
};

// --- span setters

struct set_span_f {
  template <typename T>
  void operator()(T& node, Span s, ParseState&) const {
    node.span = s;
  }
};

struct expr_kind_f {
  ast::ExprKind kind;
  void operator()(ast::Expr& e, Span s, ParseState& st) const {
    count_operator(st, s.begin);
    e.kind = kind;
    e.span = s;
  }
};

struct make_number_f {
  void operator()(ast::Expr& e, Span s, ParseState& st) const {
    e.kind = ast::ExprKind::Number;
    e.span = s;
    e.text = std::string(st.slice(s));
    if (!lex::number_value(e.text, e.number, e.percent)) {
      st.error(s, "parse.expected",
               "expected a number that fits in a double but found '" + e.text + "'");
    }
  }
};

struct make_string_f {
  void operator()(ast::Expr& e, Span s, ParseState& st) const {
    e.kind = ast::ExprKind::String;
    e.span = s;
    const std::string_view raw = st.slice(s);
    e.text = lex::unescape(raw.substr(1, raw.size() >= 2 ? raw.size() - 2 : 0));
  }
};

struct make_bool_f {
  bool value;
  void operator()(ast::Expr& e, Span s, ParseState&) const {
    e.kind = ast::ExprKind::Bool;
    e.boolean = value;
    e.span = s;
  }
};

struct make_path_f {
  void operator()(ast::Expr& e, Span s, ParseState& st) const {
    e.kind = ast::ExprKind::Path;
    e.span = s;
    e.text = std::string(st.slice(s));
  }
};

struct make_ident_f {
  void operator()(ast::Ident& id, Span s, ParseState& st) const {
    id.span = s;
    id.name = std::string(st.slice(s));
  }
};

struct set_lang_f {
  void operator()(ast::TextPart& part, Span s, ParseState& st) const {
    part.lang = std::string(st.slice(s));
  }
};

struct set_key_f {
  const char* key;
  void operator()(ast::Property& p, Span s, ParseState&) const {
    p.key = key;
    p.key_span = s;
  }
};

// --- member setters

#define RETAIN_X3_SETTER(name, body) \
  struct name {                      \
    template <typename C>            \
    void operator()(C& ctx) const {  \
      auto& val = x3::_val(ctx);     \
      auto&& attr = x3::_attr(ctx);  \
      (void)attr;                    \
      body;                          \
    }                                \
  };

RETAIN_X3_SETTER(part_value_f, val.value = std::move(attr.text); val.span = attr.span)
RETAIN_X3_SETTER(push_part_f, val.parts.push_back(std::move(attr)))
RETAIN_X3_SETTER(set_text_f, val.text = std::move(attr))
RETAIN_X3_SETTER(set_expr_f, val.expr = std::move(attr))
RETAIN_X3_SETTER(set_since_f, val.since = std::move(attr))
RETAIN_X3_SETTER(set_word_f, val.word = std::move(attr))
RETAIN_X3_SETTER(set_band_f, val.band = std::move(attr))
RETAIN_X3_SETTER(set_any_f, val.any = true)
RETAIN_X3_SETTER(push_id_f, val.ids.push_back(std::move(attr)))
RETAIN_X3_SETTER(set_answers_f, val.ids = std::move(attr.ids); val.any = attr.any)
RETAIN_X3_SETTER(band_id_f, val.id = std::move(attr.name); val.id_span = attr.span)
RETAIN_X3_SETTER(band_bound_f, val.bound = attr.bound; val.value = std::move(attr.value))
RETAIN_X3_SETTER(band_label_f, val.label = std::move(attr))
RETAIN_X3_SETTER(band_rest_f, val.bound = ast::BandBound::Rest)
RETAIN_X3_SETTER(decl_name_f, val.name = std::move(attr.name); val.name_span = attr.span)
RETAIN_X3_SETTER(decl_value_f, val.value = std::move(attr))
RETAIN_X3_SETTER(push_prop_f, val.props.push_back(std::move(attr)))
RETAIN_X3_SETTER(header_name_f, val.name = std::move(attr.name))
RETAIN_X3_SETTER(header_version_f, val.version = std::move(attr.text))
RETAIN_X3_SETTER(import_path_f, val.path = std::move(attr.text))

#undef RETAIN_X3_SETTER

template <ast::BandBound bound>
struct band_value_f {
  template <typename C>
  void operator()(C& ctx) const {
    x3::_val(ctx).bound = bound;
    x3::_val(ctx).value = std::move(x3::_attr(ctx));
  }
};

struct decl_kind_f {
  const char* kind;
  template <typename C>
  void operator()(C& ctx) const {
    x3::_val(ctx).kind = kind;
  }
};

struct add_header_f {
  template <typename C>
  void operator()(C& ctx) const {
    parse_state(ctx).add_header(std::move(x3::_attr(ctx)));
  }
};
struct add_import_f {
  template <typename C>
  void operator()(C& ctx) const {
    parse_state(ctx).add_import(std::move(x3::_attr(ctx)));
  }
};
struct add_decl_f {
  template <typename C>
  void operator()(C& ctx) const {
    parse_state(ctx).add_decl(std::move(x3::_attr(ctx)));
  }
};

// ============================================================================ Rule IDs

struct expression_class {};
struct or_class {};
struct and_class {};
struct not_class {};
struct cmp_class {};
struct add_class {};
struct mul_class {};
struct unary_class {};
struct primary_class {};
struct paren_class {};
struct list_class {};
struct call_class {};
struct count_class {};
struct number_class {};
struct string_class {};
struct bool_class {};
struct path_class {};
struct ident_class {};
struct no_chain_class {};
struct text_class {};
struct text_part_class {};
struct answers_class {};
struct band_class {};
struct band_bound_class {};
struct property_class {};
struct decl_class {};
struct header_class {};
struct import_class {};
struct expect_decl_class {};
// The unit of error recovery: a header, an import or a declaration.
struct top_item_class : error_handler_base {};
struct rule_file_class {};

// ============================================================================ Rules

constexpr const char* kExpr = "an expression";

expression_type const expr = kExpr;
x3::rule<or_class, ast::Expr> const or_expr = kExpr;
x3::rule<and_class, ast::Expr> const and_expr = kExpr;
x3::rule<not_class, ast::Expr> const not_expr = kExpr;
x3::rule<cmp_class, ast::Expr> const cmp_expr = kExpr;
x3::rule<add_class, ast::Expr> const add_expr = kExpr;
x3::rule<mul_class, ast::Expr> const mul_expr = kExpr;
x3::rule<unary_class, ast::Expr> const unary_expr = kExpr;
x3::rule<primary_class, ast::Expr> const primary = kExpr;
x3::rule<paren_class, ast::Expr> const paren = "a parenthesized expression";
x3::rule<list_class, ast::Expr> const list = "a list";
x3::rule<call_class, ast::Expr> const call = "a function call";
x3::rule<count_class, ast::Expr> const count_expr = "count(...)";
x3::rule<number_class, ast::Expr> const number = "a number";
x3::rule<string_class, ast::Expr> const string_lit = "a string";
x3::rule<bool_class, ast::Expr> const boolean = "'true' or 'false'";
x3::rule<path_class, ast::Expr> const path = "a name";
x3::rule<ident_class, ast::Ident> const ident = "a name";
x3::rule<no_chain_class> const no_chain =
    "the end of the comparison (comparisons do not chain: join them with 'and')";
x3::rule<text_class, ast::Text> const text = "a text such as \"...\" or en \"...\"";
x3::rule<text_part_class, ast::TextPart> const text_part = "a string";
x3::rule<answers_class, ast::Property> const answers = "a cause id or 'any'";
x3::rule<band_class, ast::Band> const band = "a band id";
x3::rule<band_bound_class, ast::Band> const band_bound =
    "a band bound ('top', 'below', 'at_least' or 'rest')";
x3::rule<property_class, ast::Property> const property =
    "a property such as 'label', 'when' or 'weight'";
x3::rule<decl_class, ast::Decl> const decl = "a declaration";
x3::rule<header_class, ast::Header> const header = "a header";
x3::rule<import_class, ast::Import> const import = "an import";
x3::rule<expect_decl_class> const expect_decl =
    "a declaration such as 'let', 'cause', 'tactic', 'segment' or 'tiers'";
x3::rule<top_item_class> const top_item = "a declaration";
rule_file_type const file = "a rule file";

// ============================================================================ Grammar

// --- tokens
constexpr keyword_parser kw(std::string_view word) {
  return keyword_parser(word);
}
constexpr word_parser name_p(WordKind::Name);
constexpr word_parser lang_p(WordKind::Lang);
constexpr word_parser top_keyword_p(WordKind::TopKeyword);
constexpr path_parser path_p{};
constexpr number_parser number_p{};
constexpr string_parser string_p{};
constexpr same_line_parser same_line_p{};

// --- expressions, loosest first (docs/language.md "Expressions")
auto const expr_def = nest[or_expr][assign_f{}];
auto const or_expr_def = and_expr[assign_f{}] >> *(kw("or") > and_expr[fold_f<ast::Op::Or>{}]);
auto const and_expr_def = not_expr[assign_f{}] >> *(kw("and") > not_expr[fold_f<ast::Op::And>{}]);
auto const not_expr_def =
    spanned(set_span_f{})[kw("not") > nest[not_expr][unary_f<ast::Op::Not>{}]] |
    cmp_expr[assign_f{}];

// Comparisons do not associate: `a < b < c` is an error.
auto const comparison =
    (x3::lit("==") > add_expr[fold_f<ast::Op::Eq>{}]) |
    (x3::lit("!=") > add_expr[fold_f<ast::Op::Ne>{}]) |
    (x3::lit("<=") > add_expr[fold_f<ast::Op::Le>{}]) |
    (x3::lit('<') > add_expr[fold_f<ast::Op::Lt>{}]) |
    (x3::lit(">=") > add_expr[fold_f<ast::Op::Ge>{}]) |
    (x3::lit('>') > add_expr[fold_f<ast::Op::Gt>{}]) |
    (kw("in") > add_expr[fold_f<ast::Op::In>{}]) |
    ((kw("not") >> kw("in")) > add_expr[fold_f<ast::Op::NotIn>{}]) |
    (kw("between") > add_expr[between_lo_f{}] > kw("and") > add_expr[between_hi_f{}]);
auto const comparison_start = x3::lit("==") | x3::lit("!=") | x3::lit('<') | x3::lit('>') |
                              kw("in") | kw("between") | (kw("not") >> kw("in"));
auto const no_chain_def = !comparison_start;
auto const cmp_expr_def = add_expr[assign_f{}] >> -(comparison > no_chain);

auto const add_expr_def = mul_expr[assign_f{}] >>
                          *((x3::lit('+') > mul_expr[fold_f<ast::Op::Add>{}]) |
                            (x3::lit('-') > mul_expr[fold_f<ast::Op::Sub>{}]));
auto const mul_expr_def = unary_expr[assign_f{}] >>
                          *((x3::lit('*') > unary_expr[fold_f<ast::Op::Mul>{}]) |
                            (x3::lit('/') > unary_expr[fold_f<ast::Op::Div>{}]));
auto const unary_expr_def =
    spanned(set_span_f{})[x3::lit('-') > nest[unary_expr][unary_f<ast::Op::Neg>{}]] |
    primary[assign_f{}];

auto const primary_def = number[assign_f{}] | string_lit[assign_f{}] | boolean[assign_f{}] |
                         count_expr[assign_f{}] | call[assign_f{}] | list[assign_f{}] |
                         paren[assign_f{}] | path[assign_f{}];

// The span of a parenthesized expression includes the parentheses.
auto const paren_def = spanned(set_span_f{})[x3::lit('(') > expr[assign_f{}] > x3::lit(')')];
auto const list_def = spanned(
    expr_kind_f{ast::ExprKind::List})[x3::lit('[') > -(expr[push_arg_f{}] % ',') > x3::lit(']')];
auto const call_def =
    spanned(expr_kind_f{ast::ExprKind::Call})[(ident[call_name_f{}] >> x3::lit('(')) >
                                              -(expr[push_arg_f{}] % ',') > x3::lit(')')];
auto const count_expr_def =
    spanned(expr_kind_f{ast::ExprKind::Count})[kw("count") > x3::lit('(') > path[push_arg_f{}] >
                                               -(kw("where") > expr[push_arg_f{}]) > x3::lit(')')];
auto const number_def = spanned(make_number_f{})[number_p];
auto const string_lit_def = spanned(make_string_f{})[string_p];
auto const boolean_def =
    spanned(make_bool_f{true})[kw("true")] | spanned(make_bool_f{false})[kw("false")];
auto const path_def = spanned(make_path_f{})[path_p];
auto const ident_def = spanned(make_ident_f{})[name_p];

// --- texts: one or more `[LANG] "..."`
auto const text_part_def =
    -(spanned(set_lang_f{})[lang_p >> &x3::lit('"')]) >> string_lit[part_value_f{}];
auto const text_def = spanned(set_span_f{})[+text_part[push_part_f{}]];

// --- properties
inline auto key(const char* word) {
  return spanned(set_key_f{word})[kw(word)];
}

auto const answers_def =
    kw("any")[set_any_f{}] | (ident[push_id_f{}] >> *(x3::lit(',') > ident[push_id_f{}]));
auto const band_bound_def = (kw("top") > expr[band_value_f<ast::BandBound::Top>{}]) |
                            (kw("below") > expr[band_value_f<ast::BandBound::Below>{}]) |
                            (kw("at_least") > expr[band_value_f<ast::BandBound::AtLeast>{}]) |
                            kw("rest")[band_rest_f{}];
auto const band_def = spanned(set_span_f{})[ident[band_id_f{}] > band_bound[band_bound_f{}] >
                                            -((same_line_p >> kw("label")) > text[band_label_f{}])];

auto const property_def = spanned(
    set_span_f{})[((key("label") | key("because")) > text[set_text_f{}]) |
                  ((key("weight") | key("priority") | key("when") | key("rank") | key("by") |
                    key("fallback") | key("max_tactics")) > expr[set_expr_f{}]) |
                  (key("answers") > answers[set_answers_f{}]) |
                  (key("cooldown") > expr[set_expr_f{}] > kw("days")) |
                  (key("every") > expr[set_expr_f{}] > kw("days") > kw("since") >
                   path[set_since_f{}]) |
                  (key("sets") > ident[set_word_f{}]) | (key("band") > band[set_band_f{}])];

// --- declarations
auto const block_kind =
    kw("cause")[decl_kind_f{"cause"}] | kw("tactic")[decl_kind_f{"tactic"}] |
    kw("segment")[decl_kind_f{"segment"}] | kw("account")[decl_kind_f{"account"}] |
    kw("credit_check")[decl_kind_f{"credit_check"}] | kw("tiers")[decl_kind_f{"tiers"}];
// Properties up to '}'; a top-level keyword ends the block too, so a missing '}' is reported
// as such.
auto const block_body = *((!(x3::lit('}') | x3::eoi | top_keyword_p)) > property[push_prop_f{}]) >
                        x3::lit('}');

auto const decl_def =
    spanned(set_span_f{})[(kw("let")[decl_kind_f{"let"}] > ident[decl_name_f{}] > x3::lit('=') >
                           expr[decl_value_f{}]) |
                          (block_kind > ident[decl_name_f{}] > x3::lit('{') > block_body) |
                          (kw("settings")[decl_kind_f{"settings"}] > x3::lit('{') > block_body)];

auto const header_def = spanned(set_span_f{})[kw("ruleset") > ident[header_name_f{}] >
                                              kw("version") > string_lit[header_version_f{}]];
auto const import_def = spanned(set_span_f{})[kw("import") > string_lit[import_path_f{}]];

auto const expect_decl_def = x3::eps(false);
auto const top_item_def = header[add_header_f{}] | import[add_import_f{}] | decl[add_decl_f{}] |
                          ((!x3::eoi) > expect_decl);
auto const file_def = x3::omit[*top_item];

BOOST_SPIRIT_DEFINE(expr, or_expr, and_expr, not_expr, cmp_expr, add_expr, mul_expr, unary_expr,
                    primary, paren, list, call, count_expr, number, string_lit, boolean, path,
                    ident, no_chain, text, text_part, answers, band, band_bound, property, decl,
                    header, import, expect_decl, top_item, file)

// ============================================================================ Entry points

// Defined here, in the one translation unit that includes this file (grammar.cpp).
rule_file_type const& rule_file() {
  return file;
}
expression_type const& expression() {
  return expr;
}

}  // namespace retain::syntax::grammar
