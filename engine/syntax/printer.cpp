#include "engine/syntax/printer.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "engine/syntax/lexical.hpp"

namespace retain::syntax {

namespace {

using ast::Expr;
using ast::ExprKind;
using ast::Op;

constexpr std::size_t kLineWidth = 100;

// Binding strength, loosest first (docs/language.md "Expressions").
enum Prec : int {
  kOr = 1,
  kAnd = 2,
  kNot = 3,
  kCompare = 4,
  kAdd = 5,
  kMul = 6,
  kNeg = 7,
  kPrimary = 8,
};

int precedence(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Unary:
      return e.op == Op::Not ? kNot : kNeg;
    case ExprKind::Between:
      return kCompare;
    case ExprKind::Binary:
      switch (e.op) {
        case Op::Or:
          return kOr;
        case Op::And:
          return kAnd;
        case Op::Add:
        case Op::Sub:
          return kAdd;
        case Op::Mul:
        case Op::Div:
          return kMul;
        case Op::Not:
        case Op::Neg:
          return kNeg;
        default:
          return kCompare;
      }
    default:
      return kPrimary;
  }
}

const Expr& arg(const Expr& e, std::size_t i) {
  static const Expr missing = [] {
    Expr m;
    m.kind = ExprKind::Path;
    m.text = "_";
    return m;
  }();
  return i < e.args.size() ? e.args[i] : missing;
}

void print_expr_to(std::string& out, const Expr& e, int min_prec) {
  const int prec = precedence(e);
  const bool parens = prec < min_prec;
  if (parens) out += '(';
  switch (e.kind) {
    case ExprKind::Number:
      if (!e.text.empty()) {
        out += e.text;
      } else if (e.percent) {
        out += fmt::format("{}%", e.number * 100);
      } else {
        out += fmt::format("{}", e.number);
      }
      break;
    case ExprKind::Bool:
      out += e.boolean ? "true" : "false";
      break;
    case ExprKind::String:
      out += lex::quote(e.text);
      break;
    case ExprKind::Path:
      out += e.text;
      break;
    case ExprKind::Unary:
      if (e.op == Op::Not) {
        out += "not ";
        print_expr_to(out, arg(e, 0), kNot);
      } else {
        out += '-';
        print_expr_to(out, arg(e, 0), kNeg);
      }
      break;
    case ExprKind::Binary: {
      // Left-associative operators keep their left operand at their own level; comparisons
      // do not associate at all.
      const int left = prec == kCompare ? kAdd : prec;
      const int right = prec == kCompare ? kAdd : prec + 1;
      print_expr_to(out, arg(e, 0), left);
      out += ' ';
      out += ast::op_spelling(e.op);
      out += ' ';
      print_expr_to(out, arg(e, 1), right);
      break;
    }
    case ExprKind::Between:
      print_expr_to(out, arg(e, 0), kAdd);
      out += " between ";
      print_expr_to(out, arg(e, 1), kAdd);
      out += " and ";
      print_expr_to(out, arg(e, 2), kAdd);
      break;
    case ExprKind::Call:
    case ExprKind::List: {
      out += e.kind == ExprKind::Call ? e.text + "(" : "[";
      for (std::size_t i = 0; i < e.args.size(); ++i) {
        if (i) out += ", ";
        print_expr_to(out, e.args[i], 0);
      }
      out += e.kind == ExprKind::Call ? ")" : "]";
      break;
    }
    case ExprKind::Count:
      out += "count(";
      print_expr_to(out, arg(e, 0), 0);
      if (e.args.size() > 1) {
        out += " where ";
        print_expr_to(out, e.args[1], 0);
      }
      out += ')';
      break;
  }
  if (parens) out += ')';
}

std::string text_part(const ast::TextPart& part) {
  std::string out;
  if (!part.lang.empty()) out = part.lang + " ";
  out += lex::quote(part.value);
  return out;
}

// `prefix expr` as lines: one line when it fits in kLineWidth (after `indent` columns),
// otherwise a top-level `or` (or `and`) chain breaks before each operator:
//   let any_cause = a
//     or b
std::vector<std::string> expr_lines(const std::string& prefix, const Expr& e, int indent) {
  std::string one = prefix;
  print_expr_to(one, e, 0);
  if (static_cast<std::size_t>(indent) + lex::code_points(one) <= kLineWidth ||
      e.kind != ExprKind::Binary || (e.op != Op::Or && e.op != Op::And)) {
    return {one};
  }
  // The left-nested chain a op b op c: operands in order.
  std::vector<const Expr*> operands;
  const Expr* node = &e;
  while (node->kind == ExprKind::Binary && node->op == e.op && node->args.size() == 2) {
    operands.push_back(&node->args[1]);
    node = &node->args[0];
  }
  operands.push_back(node);
  std::reverse(operands.begin(), operands.end());
  const int prec = precedence(e);
  std::vector<std::string> lines;
  std::string first = prefix;
  print_expr_to(first, *operands[0], prec);
  lines.push_back(std::move(first));
  for (std::size_t i = 1; i < operands.size(); ++i) {
    std::string line = std::string("  ") + ast::op_spelling(e.op) + " ";
    print_expr_to(line, *operands[i], prec + 1);
    lines.push_back(std::move(line));
  }
  return lines;
}

// A line group of the output that comes from one place in the source: a header, an import,
// a `let`, the opening line of a block, a property, a closing brace.
struct Unit {
  std::vector<std::string> lines;
  int indent = 0;
  int comment_indent = 0;  // for the comments printed before it
  Span span;
  bool blank_before = false;
};

class Printer {
 public:
  explicit Printer(const ast::RuleFile& file) : file_(file) {
    for (const auto& c : file.comments) comments_.push_back(&c);
    std::stable_sort(
        comments_.begin(), comments_.end(),
        [](const ast::Comment* a, const ast::Comment* b) { return a->span.begin < b->span.begin; });
  }

  std::string run() {
    build_units();
    for (std::size_t i = 0; i < units_.size(); ++i) {
      const Unit& u = units_[i];
      const std::uint32_t next_begin = i + 1 < units_.size()
                                           ? units_[i + 1].span.begin
                                           : std::numeric_limits<std::uint32_t>::max();
      if (u.blank_before && !out_.empty()) out_ += '\n';
      // Comments before the unit, and any inside it, go on their own lines above it.
      while (next_ < comments_.size() && comments_[next_]->span.begin < u.span.end) {
        comment_line(*comments_[next_++], u.comment_indent);
      }
      for (std::size_t k = 0; k < u.lines.size(); ++k) {
        out_.append(static_cast<std::size_t>(u.indent), ' ');
        out_ += u.lines[k];
        if (k + 1 == u.lines.size() && next_ < comments_.size()) {
          const ast::Comment& c = *comments_[next_];
          if (c.trailing && c.span.begin >= u.span.end && c.span.begin < next_begin) {
            out_ += "  #";
            out_ += c.text;
            ++next_;
          }
        }
        out_ += '\n';
      }
    }
    while (next_ < comments_.size()) comment_line(*comments_[next_++], 0);
    return std::move(out_);
  }

 private:
  void comment_line(const ast::Comment& c, int indent) {
    // Blank lines between comment paragraphs stay (one at most).
    if (c.blank_line_before && !out_.empty() && !out_.ends_with("\n\n")) out_ += '\n';
    out_.append(static_cast<std::size_t>(indent), ' ');
    out_ += '#';
    out_ += c.text;
    out_ += '\n';
  }

  void add(Unit u) { units_.push_back(std::move(u)); }

  void build_units() {
    bool section = false;  // a blank line before the next section
    if (file_.header) {
      Unit u;
      u.lines.push_back("ruleset " + file_.header->name + " version " +
                        lex::quote(file_.header->version));
      u.span = file_.header->span;
      add(std::move(u));
      section = true;
    }
    for (std::size_t i = 0; i < file_.imports.size(); ++i) {
      Unit u;
      u.lines.push_back("import " + lex::quote(file_.imports[i].path));
      u.span = file_.imports[i].span;
      u.blank_before = section && i == 0;
      add(std::move(u));
    }
    if (!file_.imports.empty()) section = true;
    // Declarations are separated by a blank line, except consecutive `let`s, which stay
    // together as a group (as in docs/language.md).
    for (std::size_t i = 0; i < file_.decls.size(); ++i) {
      const bool grouped =
          i > 0 && file_.decls[i].kind == "let" && file_.decls[i - 1].kind == "let";
      decl_units(file_.decls[i], (section || i > 0) && !grouped);
    }
  }

  void decl_units(const ast::Decl& d, bool blank_before) {
    Unit open;
    open.blank_before = blank_before;
    if (d.kind == "let") {
      const std::string prefix = "let " + d.name + " = ";
      open.lines = d.value ? expr_lines(prefix, *d.value, 0) : std::vector<std::string>{prefix};
      open.span = d.span;
      add(std::move(open));
      return;
    }
    const bool named = d.kind != "settings";
    open.lines.push_back(d.kind + (named ? " " + d.name : std::string()) + " {");
    const std::uint32_t open_end =
        named ? d.name_span.end
              : std::min<std::uint32_t>(d.span.begin + static_cast<std::uint32_t>(d.kind.size()),
                                        d.span.end);
    open.span = {d.span.begin, std::max(d.span.begin, open_end)};
    add(std::move(open));

    // Bands line up in columns: id, bound, label.
    std::size_t id_width = 0;
    std::size_t bound_width = 0;
    for (const auto& p : d.props) {
      if (!p.band) continue;
      id_width = std::max(id_width, lex::code_points(p.band->id));
      if (p.band->label) bound_width = std::max(bound_width, lex::code_points(bound(*p.band)));
    }
    for (const auto& p : d.props) {
      Unit u;
      u.indent = 2;
      u.comment_indent = 2;
      u.span = p.span;
      if (p.band) {
        u.lines.push_back(band_line(*p.band, id_width, bound_width));
      } else {
        u.lines = property_lines(p);
      }
      add(std::move(u));
    }
    Unit close;
    close.lines.push_back("}");
    close.comment_indent = 2;
    close.span = {d.span.end > d.span.begin ? d.span.end - 1 : d.span.end, d.span.end};
    add(std::move(close));
  }

  static std::string pad(const std::string& s, std::size_t width) {
    const std::size_t w = lex::code_points(s);
    return w >= width ? s : s + std::string(width - w, ' ');
  }

  static std::string bound(const ast::Band& b) {
    std::string out;
    switch (b.bound) {
      case ast::BandBound::Top:
        out = "top ";
        break;
      case ast::BandBound::Below:
        out = "below ";
        break;
      case ast::BandBound::AtLeast:
        out = "at_least ";
        break;
      case ast::BandBound::Rest:
        return "rest";
    }
    if (b.value) print_expr_to(out, *b.value, 0);
    return out;
  }

  static std::string band_line(const ast::Band& b, std::size_t id_width, std::size_t bound_width) {
    std::string line = "band " + pad(b.id, id_width) + " ";
    if (b.label) {
      line += pad(bound(b), bound_width) + "  label " + print_text(*b.label);
    } else {
      line += bound(b);
    }
    return line;
  }

  static std::vector<std::string> property_lines(const ast::Property& p) {
    std::string line = p.key;
    if (p.text) {
      // One line when it fits; otherwise one string per line, aligned after the key.
      const std::string one = p.key + " " + print_text(*p.text);
      if (p.text->parts.size() < 2 || 2 + lex::code_points(one) <= kLineWidth) return {one};
      std::vector<std::string> lines;
      for (std::size_t i = 0; i < p.text->parts.size(); ++i) {
        lines.push_back((i == 0 ? p.key + " " : std::string(p.key.size() + 1, ' ')) +
                        text_part(p.text->parts[i]));
      }
      return lines;
    }
    if (p.key == "answers") {
      if (p.any) return {"answers any"};
      for (std::size_t i = 0; i < p.ids.size(); ++i) {
        line += i ? ", " : " ";
        line += p.ids[i].name;
      }
      return {line};
    }
    if (p.key == "sets") return {"sets " + p.word.name};
    if (p.expr && p.key != "cooldown" && p.key != "every") {
      return expr_lines(p.key + " ", *p.expr, 2);
    }
    if (p.expr) {
      line += ' ';
      print_expr_to(line, *p.expr, 0);
    }
    if (p.key == "cooldown") line += " days";
    if (p.key == "every") {
      line += " days since ";
      if (p.since) print_expr_to(line, *p.since, 0);
    }
    return {line};
  }

  const ast::RuleFile& file_;
  std::vector<const ast::Comment*> comments_;
  std::size_t next_ = 0;
  std::vector<Unit> units_;
  std::string out_;
};

}  // namespace

std::string print_expr(const ast::Expr& expr) {
  std::string out;
  print_expr_to(out, expr, 0);
  return out;
}

std::string print_text(const ast::Text& text) {
  std::string out;
  for (std::size_t i = 0; i < text.parts.size(); ++i) {
    if (i) out += ' ';
    out += text_part(text.parts[i]);
  }
  return out;
}

std::string print(const ast::RuleFile& file) {
  return Printer(file).run();
}

}  // namespace retain::syntax
