#include "analyst/why_not.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "engine/syntax/printer.hpp"

namespace retain::analyst {

namespace {

// Probe segments are named so that no rule id of a real rule set collides with them: the rules
// may declare EXPLAIN_PROBE_A (any identifier is theirs), so build() lengthens the prefix until
// no declaration starts with it.
constexpr std::string_view kProbePrefix = "EXPLAIN_PROBE_";
constexpr const char* kProbeFile = "__retain_explain_probes__.rules";
// Deep enough to reach the fields behind `lost` or `RETAIN_LOYAL`, shallow enough to stay
// readable.
constexpr int kMaxDepth = 4;

std::string outcome_word(const std::string& trace_outcome) {
  if (trace_outcome == "fired") return "true";
  if (trace_outcome == "unknown") return "unknown";
  return "false";
}

const ast::Property* prop(const check::DeclInfo& d, const std::string& key) {
  auto it = d.props.find(key);
  return it == d.props.end() ? nullptr : it->second;
}

// A constant as the compiler reads it (compile_tactic): the checker allows `-0 days`.
double constant(const ast::Expr& e) {
  if (e.kind == ast::ExprKind::Unary && e.op == ast::Op::Neg) return -constant(e.args[0]);
  return e.kind == ast::ExprKind::Number ? e.number : 0;
}

int cooldown_days(const check::DeclInfo& d) {
  const ast::Property* p = prop(d, "cooldown");
  if (p == nullptr || !p->expr) return 0;
  const double days = constant(*p->expr);
  return days > 0 ? static_cast<int>(days) : 0;
}

void collect_unknown(const ConditionPart& part, std::set<std::string>& out) {
  if (part.outcome == "true") return;
  for (const auto& [name, value] : part.values) {
    if (value == "unknown") out.insert(name);
  }
  for (const auto& child : part.parts) collect_unknown(child, out);
}

}  // namespace

const char* blocked_name(Blocked blocked) {
  switch (blocked) {
    case Blocked::NoCause:
      return "no_cause";
    case Blocked::WhenFalse:
      return "when_false";
    case Blocked::Unknown:
      return "unknown";
    case Blocked::Cooldown:
      return "cooldown";
    case Blocked::Cap:
      return "max_tactics";
  }
  return "unknown";
}

const char* no_change_name(NoChange reason) {
  switch (reason) {
    case NoChange::None:
      return "";
    case NoChange::Cooldown:
      return "cooldown";
    case NoChange::Cap:
      return "max_tactics";
    case NoChange::NoField:
      return "reads_no_field";
    case NoChange::NotFound:
      return "needs_more_than_one_field";
    case NoChange::BudgetExhausted:
      return "search_budget_exhausted";
  }
  return "";
}

const check::DeclInfo* GuardAnalysis::decl(const std::string& name) const {
  auto it = module_->by_name.find(name);
  return it == module_->by_name.end() ? nullptr
                                      : &module_->decls[static_cast<std::size_t>(it->second)];
}

int GuardAnalysis::probe_for(const std::string& text) {
  auto [it, added] = probe_ids_.emplace(text, static_cast<int>(probe_texts_.size()));
  if (added) probe_texts_.push_back(text);
  return it->second;
}

int GuardAnalysis::add_node(const ast::Expr& expr, int depth, std::vector<std::string>& expanding) {
  Node node;
  node.text = syntax::print_expr(expr);
  node.probe = probe_for(node.text);
  if (expr.kind == ast::ExprKind::Binary && (expr.op == ast::Op::And || expr.op == ast::Op::Or)) {
    node.is_and = expr.op == ast::Op::And;
    node.is_or = !node.is_and;
    // `a and b and c` parses as ((a and b) and c): the reader thinks of three operands.
    std::vector<const ast::Expr*> operands;
    std::vector<const ast::Expr*> stack = {&expr};
    while (!stack.empty()) {
      const ast::Expr* e = stack.back();
      stack.pop_back();
      if (e->kind == ast::ExprKind::Binary && e->op == expr.op) {
        stack.push_back(&e->args[1]);
        stack.push_back(&e->args[0]);
      } else {
        operands.push_back(e);
      }
    }
    for (const ast::Expr* operand : operands) {
      node.children.push_back(add_node(*operand, depth, expanding));
    }
  } else if (expr.kind == ast::ExprKind::Path && depth < kMaxDepth) {
    auto ref = module_->references.find(&expr);
    if (ref != module_->references.end() && ref->second.kind == check::RefKind::Decl) {
      const auto& d = module_->decls[static_cast<std::size_t>(ref->second.index)];
      const ast::Expr* body = nullptr;
      auto type = module_->types.find(&expr);
      const bool boolean = type != module_->types.end() && type->second.is(check::TypeKind::Bool);
      if (d.kind == check::DeclKind::Let && boolean && d.decl->value) {
        body = &*d.decl->value;
      } else if (d.kind == check::DeclKind::Segment) {
        const ast::Property* when = prop(d, "when");
        if (when && when->expr) body = &*when->expr;
      }
      if (body && std::find(expanding.begin(), expanding.end(), d.decl->name) == expanding.end()) {
        expanding.push_back(d.decl->name);
        node.children.push_back(add_node(*body, depth + 1, expanding));
        expanding.pop_back();
      }
    }
  }
  nodes_.push_back(std::move(node));
  return static_cast<int>(nodes_.size()) - 1;
}

std::shared_ptr<const GuardAnalysis> GuardAnalysis::build(CheckedModulePtr module,
                                                          std::string* error) {
  auto analysis = std::make_shared<GuardAnalysis>();
  analysis->module_ = std::move(module);
  const auto& m = *analysis->module_;
  for (const auto& d : m.decls) {
    if (d.kind != check::DeclKind::Cause && d.kind != check::DeclKind::Tactic) continue;
    const ast::Property* when = prop(d, "when");
    if (!when || !when->expr) continue;
    std::vector<std::string> expanding = {d.decl->name};
    analysis->roots_[d.decl->name] = analysis->add_node(*when->expr, 0, expanding);
  }

  std::string& prefix = analysis->probe_prefix_;
  prefix = kProbePrefix;
  auto taken = [&] {
    return std::any_of(m.decls.begin(), m.decls.end(),
                       [&](const auto& d) { return d.decl->name.rfind(prefix, 0) == 0; });
  };
  while (taken()) prefix += "X_";

  std::map<std::string, std::string> files;
  for (const auto& file : m.files) files[file->source->path()] = file->source->text();
  std::string probes;
  for (std::size_t i = 0; i < analysis->probe_texts_.size(); ++i) {
    const std::string id = fmt::format("{}{}", prefix, i);
    probes += fmt::format("segment {} {{\n  label en \"probe\"\n  when {}\n}}\n\n", id,
                          analysis->probe_texts_[i]);
  }
  files[kProbeFile] = probes;
  auto loaded = load_rules_from_memory(files);
  if (!loaded.value) {
    for (const auto& d : loaded.diagnostics) {
      if (d.severity != Severity::Error) continue;
      *error = fmt::format("cannot analyse the conditions: {}:{}:{}: {}", d.file, d.line, d.column,
                           d.message);
      return nullptr;
    }
    *error = "cannot analyse the conditions";
    return nullptr;
  }
  analysis->probes_ = *loaded.value;
  // The probe copy compiles the same tactics: its ranking is the decision's.
  const auto& tactics = analysis->probes_->program().tactics;
  for (std::size_t i = 0; i < tactics.size(); ++i) {
    analysis->ranks_[tactics[i].id] = {static_cast<int>(i), tactics[i].priority};
  }
  return analysis;
}

std::vector<std::string> GuardAnalysis::tactic_ids() const {
  std::vector<std::string> ids;
  for (const auto& d : module_->decls) {
    if (d.kind == check::DeclKind::Tactic) ids.push_back(d.decl->name);
  }
  return ids;
}

Texts GuardAnalysis::label(const std::string& rule) const {
  Texts out;
  const check::DeclInfo* d = decl(rule);
  if (d == nullptr) return out;
  const ast::Property* p = prop(*d, "label");
  if (p == nullptr || !p->text) return out;
  for (const auto& part : p->text->parts) out[part.lang.empty() ? "und" : part.lang] = part.value;
  return out;
}

ConditionPart GuardAnalysis::part(int index,
                                  const std::map<std::string, ConditionPart>& probes) const {
  const Node& node = nodes_[static_cast<std::size_t>(index)];
  ConditionPart out;
  auto it = probes.find(node.text);
  if (it != probes.end()) out = it->second;
  out.text = node.text;
  if (out.outcome == "true") return out;
  for (int child : node.children) {
    ConditionPart c = part(child, probes);
    // A true operand of a failed `and` did not block it; a failed `or` failed in every branch.
    if ((node.is_and || node.is_or) && c.outcome == "true") continue;
    out.parts.push_back(std::move(c));
  }
  return out;
}

std::vector<WhyNot> GuardAnalysis::explain(const v1::CustomerProfile& profile,
                                           const PopulationStats* stats,
                                           const v1::Decision& decision,
                                           const std::string& only) const {
  // One traced evaluation of the probe copy decides every part of every condition.
  EvalOptions options;
  options.trace = true;
  options.explanations = false;
  const v1::Decision probed = decide(*probes_, profile, stats, options);
  std::map<std::string, ConditionPart> probes;  // condition text -> outcome and values
  for (const auto& entry : probed.trace()) {
    const std::string& rule = entry.rule();
    if (entry.kind() != "segment" || rule.rfind(probe_prefix_, 0) != 0) continue;
    std::size_t index = 0;
    const char* digits = rule.data() + probe_prefix_.size();
    const char* end = rule.data() + rule.size();
    const auto [stop, ec] = std::from_chars(digits, end, index);
    if (ec != std::errc() || stop != end || index >= probe_texts_.size()) continue;
    ConditionPart p;
    p.text = probe_texts_[index];
    p.outcome = outcome_word(entry.outcome());
    p.values.insert(entry.values().begin(), entry.values().end());
    probes[p.text] = std::move(p);
  }

  std::map<std::string, std::string> traced;  // rule id -> trace outcome
  for (const auto& entry : decision.trace()) traced[entry.rule()] = entry.outcome();
  std::set<std::string> fired;
  for (const auto& c : decision.causes()) fired.insert(c.id());
  std::vector<std::string> proposed;
  for (const auto& t : decision.tactics()) proposed.push_back(t.id());

  std::vector<WhyNot> out;
  for (const auto& d : module_->decls) {
    if (d.kind != check::DeclKind::Tactic) continue;
    const std::string& id = d.decl->name;
    if (!only.empty() && id != only) continue;
    const std::string outcome = traced.count(id) ? traced[id] : std::string("not_fired");
    if (outcome == "fired") continue;

    WhyNot w;
    w.tactic = id;
    w.label = label(id);
    auto rank = ranks_.find(id);
    if (rank != ranks_.end()) w.priority = rank->second.priority;
    w.cooldown_days = cooldown_days(d);
    if (w.cooldown_days > 0) {
      // The cooldown counts from the latest time the action was taken.
      int latest = -1;
      for (const auto& action : profile.recent_actions()) {
        if (action.action_id() != id || action.days_ago() >= w.cooldown_days) continue;
        if (latest < 0 || action.days_ago() < latest) latest = action.days_ago();
      }
      if (latest >= 0) {
        w.action = id;
        w.days_ago = latest;
      }
    }

    if (outcome == "dropped") {
      w.blocked = Blocked::Cap;
      w.max_tactics = module_->max_tactics;
      w.ranked_before = proposed;
      out.push_back(std::move(w));
      continue;
    }
    if (outcome == "suppressed") {
      w.blocked = Blocked::Cooldown;
      out.push_back(std::move(w));
      continue;
    }

    std::vector<std::string> answered;
    if (const ast::Property* answers = prop(d, "answers")) {
      if (answers->any) {
        for (const auto& c : module_->decls) {
          if (c.kind == check::DeclKind::Cause) answered.push_back(c.decl->name);
        }
      } else {
        for (const auto& ident : answers->ids) answered.push_back(ident.name);
      }
    }
    const bool cause_fired = std::any_of(answered.begin(), answered.end(),
                                         [&](const std::string& c) { return fired.count(c) > 0; });
    if (!answered.empty() && !cause_fired) {
      w.blocked = Blocked::NoCause;
      for (const auto& cause : answered) {
        AnsweredCause a;
        a.id = cause;
        a.label = label(cause);
        a.outcome = outcome_word(traced.count(cause) ? traced[cause] : std::string("not_fired"));
        auto root = roots_.find(cause);
        if (root != roots_.end()) a.condition = part(root->second, probes);
        w.causes.push_back(std::move(a));
      }
    } else {
      w.blocked = Blocked::WhenFalse;
    }
    auto root = roots_.find(id);
    if (root != roots_.end()) {
      ConditionPart when = part(root->second, probes);
      // With no cause fired the `when` matters only when it fails too.
      if (w.blocked != Blocked::NoCause || when.outcome != "true") w.when = std::move(when);
    }
    if (outcome == "unknown") w.blocked = Blocked::Unknown;

    std::set<std::string> unknown;
    for (const auto& a : w.causes) collect_unknown(a.condition, unknown);
    if (w.when) collect_unknown(*w.when, unknown);
    w.unknown.assign(unknown.begin(), unknown.end());
    out.push_back(std::move(w));
  }
  // In the order the decision ranks tactics, so the most urgent missing ones come first.
  auto rank_of = [&](const WhyNot& w) {
    auto it = ranks_.find(w.tactic);
    return it == ranks_.end() ? static_cast<int>(ranks_.size()) : it->second.index;
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const WhyNot& a, const WhyNot& b) { return rank_of(a) < rank_of(b); });
  return out;
}

}  // namespace retain::analyst
