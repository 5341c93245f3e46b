// retain lint: the engine parses and checks (check_rules), then the lint passes run over the
// checked module.
#include "analyst/lint.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "engine/engine.hpp"
#include "engine/syntax/printer.hpp"

namespace retain::analyst {

namespace {

constexpr double kLongCooldownDays = 365;

// The closed/open interval a conjunction allows for one name.
struct Bounds {
  double lo = -std::numeric_limits<double>::infinity();
  bool lo_incl = false;
  double hi = std::numeric_limits<double>::infinity();
  bool hi_incl = false;
  void at_least(double v, bool incl) {
    if (v > lo || (v == lo && !incl)) {
      lo = v;
      lo_incl = incl;
    }
  }
  void at_most(double v, bool incl) {
    if (v < hi || (v == hi && !incl)) {
      hi = v;
      hi_incl = incl;
    }
  }
  bool empty() const { return lo > hi || (lo == hi && !(lo_incl && hi_incl)); }
};

std::optional<double> literal(const ast::Expr& e) {
  if (e.kind == ast::ExprKind::Number) return e.number;
  if (e.kind == ast::ExprKind::Unary && e.op == ast::Op::Neg && e.args.size() == 1) {
    if (auto v = literal(e.args[0])) return -*v;
  }
  return std::nullopt;
}

void conjuncts(const ast::Expr& e, std::vector<const ast::Expr*>& out) {
  if (e.kind == ast::ExprKind::Binary && e.op == ast::Op::And && e.args.size() == 2) {
    conjuncts(e.args[0], out);
    conjuncts(e.args[1], out);
  } else {
    out.push_back(&e);
  }
}

ast::Op flip(ast::Op op) {
  switch (op) {
    case ast::Op::Lt:
      return ast::Op::Gt;
    case ast::Op::Le:
      return ast::Op::Ge;
    case ast::Op::Gt:
      return ast::Op::Lt;
    case ast::Op::Ge:
      return ast::Op::Le;
    default:
      return op;
  }
}

// The name bounded both ways with nothing in between, if any.
std::optional<std::string> contradiction(const ast::Expr& when) {
  std::vector<const ast::Expr*> atoms;
  conjuncts(when, atoms);
  std::map<std::string, Bounds> bounds;
  for (const ast::Expr* a : atoms) {
    if (a->kind == ast::ExprKind::Between && a->args.size() == 3 &&
        a->args[0].kind == ast::ExprKind::Path) {
      auto lo = literal(a->args[1]);
      auto hi = literal(a->args[2]);
      if (lo && hi) {
        auto& b = bounds[a->args[0].text];
        b.at_least(*lo, true);
        b.at_most(*hi, true);
      }
      continue;
    }
    if (a->kind != ast::ExprKind::Binary || a->args.size() != 2) continue;
    ast::Op op = a->op;
    const ast::Expr* path = &a->args[0];
    auto value = literal(a->args[1]);
    if (path->kind != ast::ExprKind::Path) {
      path = &a->args[1];
      value = literal(a->args[0]);
      op = flip(op);
    }
    if (path->kind != ast::ExprKind::Path || !value) continue;
    auto& b = bounds[path->text];
    switch (op) {
      case ast::Op::Lt:
        b.at_most(*value, false);
        break;
      case ast::Op::Le:
        b.at_most(*value, true);
        break;
      case ast::Op::Gt:
        b.at_least(*value, false);
        break;
      case ast::Op::Ge:
        b.at_least(*value, true);
        break;
      case ast::Op::Eq:
        b.at_least(*value, true);
        b.at_most(*value, true);
        break;
      default:
        break;
    }
  }
  for (const auto& [name, b] : bounds) {
    if (b.empty()) return name;
  }
  return std::nullopt;
}

bool mentions(const ast::Expr& e, const std::string& name) {
  if (e.kind == ast::ExprKind::Path && e.text == name) return true;
  return std::any_of(e.args.begin(), e.args.end(),
                     [&](const ast::Expr& a) { return mentions(a, name); });
}

const ast::Expr* when_of(const check::DeclInfo& d) {
  auto it = d.props.find("when");
  return it == d.props.end() || !it->second->expr ? nullptr : &*it->second->expr;
}

void lint_module(const check::CheckedModule& m, Diagnostics& out) {
  auto warn = [&](const check::DeclInfo& d, Span span, const char* code, std::string message) {
    out.push_back(make_diagnostic(*d.source, span, Severity::Warning, code, std::move(message)));
  };
  std::set<std::string> never;  // rules whose `when` contradicts itself
  for (const auto& d : m.decls) {
    if (d.kind == check::DeclKind::Let || d.kind == check::DeclKind::Tiers ||
        d.kind == check::DeclKind::Settings) {
      continue;
    }
    const ast::Expr* when = when_of(d);
    if (!when) continue;
    if (auto name = contradiction(*when)) {
      never.insert(d.decl->name);
      warn(d, when->span, "lint.never-fires",
           fmt::format("{} {} can never fire: no value of '{}' satisfies its condition",
                       check::decl_keyword(d.kind), d.decl->name, *name));
    }
  }
  std::vector<const check::DeclInfo*> tactics;
  for (const auto& d : m.decls) {
    if (d.kind == check::DeclKind::Tactic) tactics.push_back(&d);
  }
  for (const auto& d : m.decls) {
    if (d.kind == check::DeclKind::Cause) {
      const std::string& id = d.decl->name;
      const bool answered = std::any_of(tactics.begin(), tactics.end(), [&](const auto* t) {
        auto a = t->props.find("answers");
        if (a != t->props.end()) {
          if (a->second->any) return true;
          for (const auto& i : a->second->ids) {
            if (i.name == id) return true;
          }
        }
        const ast::Expr* when = when_of(*t);
        return when && mentions(*when, id);
      });
      if (!answered) {
        warn(d, d.decl->name_span, "lint.unanswered-cause",
             fmt::format("no tactic answers cause {}: customers with it get no measure", id));
      }
    }
    if (d.kind == check::DeclKind::Tactic) {
      if (auto a = d.props.find("answers"); a != d.props.end() && !a->second->any &&
                                            !a->second->ids.empty() && !never.count(d.decl->name)) {
        const bool dead = std::all_of(a->second->ids.begin(), a->second->ids.end(),
                                      [&](const ast::Ident& i) { return never.count(i.name) > 0; });
        if (dead) {
          warn(d, d.decl->name_span, "lint.unreachable-tactic",
               fmt::format("tactic {} can never be proposed: every cause it answers never fires",
                           d.decl->name));
        }
      }
      if (auto c = d.props.find("cooldown"); c != d.props.end() && c->second->expr &&
                                             c->second->expr->kind == ast::ExprKind::Number &&
                                             c->second->expr->number > kLongCooldownDays) {
        warn(d, c->second->span, "lint.long-cooldown",
             fmt::format("cooldown of {} days: recent_actions rarely go back more than {} days, "
                         "so the tactic may come back sooner than intended",
                         c->second->expr->text.empty() ? fmt::format("{}", c->second->expr->number)
                                                       : c->second->expr->text,
                         kLongCooldownDays));
      }
    }
  }
}

LintResult lint_checked(PhaseResult<CheckedModulePtr> checked) {
  LintResult result;
  result.diagnostics = std::move(checked.diagnostics);
  if (checked.value) {
    result.loaded = true;
    lint_module(**checked.value, result.diagnostics);
  }
  sort_diagnostics(result.diagnostics);
  return result;
}

}  // namespace

LintResult lint_rules(const std::vector<std::string>& paths) {
  return lint_checked(check_rules(paths));
}

LintResult lint_rules_from_memory(const std::map<std::string, std::string>& files) {
  return lint_checked(check_rules_from_memory(files));
}

}  // namespace retain::analyst
