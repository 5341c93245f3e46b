#include "analyst/explain.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "analyst/smallest_change.hpp"
#include "engine/explanation.hpp"
#include "engine/json_text.hpp"
#include "engine/profile_json.hpp"

namespace retain::analyst {

std::shared_ptr<const Explainer> Explainer::create(RuleSetPtr rules, CheckedModulePtr module,
                                                   std::string* error) {
  auto guards = GuardAnalysis::build(std::move(module), error);
  if (!guards) return nullptr;
  auto explainer = std::make_shared<Explainer>();
  explainer->rules_ = std::move(rules);
  explainer->guards_ = std::move(guards);
  return explainer;
}

Explanation Explainer::explain(const v1::CustomerProfile& profile, const PopulationStats* stats,
                               const ExplainOptions& options) const {
  Explanation out;
  EvalOptions traced;
  traced.trace = true;
  out.decision = decide(*rules_, profile, stats, traced);
  out.tactic = options.tactic;
  out.why_not = guards_->explain(profile, stats, out.decision, options.tactic);
  for (auto& why : out.why_not) {
    find_smallest_changes(*rules_, guards_->module(), profile, stats, why, options.max_changes);
  }
  return out;
}

namespace {

// The text of each language, joined; a text given in one language only is not repeated.
std::string texts(const Texts& t, const std::vector<std::string>& langs,
                  const char* separator = " / ") {
  std::vector<std::string> parts;
  for (const auto& lang : langs) {
    std::string text;
    for (const std::string& key : {lang, std::string("und"), std::string("en")}) {
      auto it = t.find(key);
      if (it != t.end()) {
        text = it->second;
        break;
      }
    }
    if (text.empty() && !t.empty()) text = t.begin()->second;
    if (!text.empty() && std::find(parts.begin(), parts.end(), text) == parts.end()) {
      parts.push_back(std::move(text));
    }
  }
  return fmt::format("{}", fmt::join(parts, separator));
}

std::string values_of(const ConditionPart& part) {
  std::vector<std::string> shown;
  for (const auto& [name, value] : part.values)
    shown.push_back(fmt::format("{} = {}", name, value));
  return fmt::format("{}", fmt::join(shown, ", "));
}

void render_part(const ConditionPart& part, int indent, std::string& out) {
  out += fmt::format("{:{}}{}  → {}", "", indent, part.text, part.outcome);
  // Values are shown where they decide: at the parts that read them, not again above.
  if (part.parts.empty() && !part.values.empty()) out += fmt::format("  [{}]", values_of(part));
  out += "\n";
  for (const auto& child : part.parts) render_part(child, indent + 2, out);
}

std::string blocked_text(const WhyNot& w) {
  switch (w.blocked) {
    case Blocked::NoCause:
      return w.causes.size() == 1 ? "the cause it answers did not fire"
                                  : "none of the causes it answers fired";
    case Blocked::WhenFalse:
      return "its condition (when) is false";
    case Blocked::Unknown:
      return fmt::format("undecided: a value it needs is not known ({})",
                         w.unknown.empty() ? std::string("see below")
                                           : fmt::format("{}", fmt::join(w.unknown, ", ")));
    case Blocked::Cooldown:
      return fmt::format("cooling down: {} was taken {} days ago, cooldown {} days", w.action,
                         w.days_ago, w.cooldown_days);
    case Blocked::Cap:
      return fmt::format(
          "eligible, but dropped by the cap: at most {} tactics (max_tactics), and {} rank before "
          "it by priority: {}",
          w.max_tactics, w.ranked_before.size(), fmt::join(w.ranked_before, ", "));
  }
  return "";
}

void render_why_not(const WhyNot& w, const std::vector<std::string>& langs, std::string& out) {
  out += fmt::format("  {} ({}), priority {}\n", w.tactic, texts(w.label, langs), w.priority);
  out += fmt::format("    blocked: {}\n", blocked_text(w));
  for (const auto& cause : w.causes) {
    out += fmt::format("    cause {} ({}) → {}\n", cause.id, texts(cause.label, langs),
                       cause.outcome == "unknown" ? "undecided (missing data)" : "did not fire");
    render_part(cause.condition, 6, out);
  }
  if (w.when) {
    out += "    when:\n";
    render_part(*w.when, 6, out);
  }
  if (!w.changes.empty()) {
    bool first = true;
    for (const auto& c : w.changes) {
      out += fmt::format("    {} {} {} → {}  (verified: re-evaluated, {} is proposed{})\n",
                         first ? "smallest change:" : "or:             ", c.field, c.from, c.to,
                         w.tactic,
                         c.checked_step.empty() ? std::string()
                                                : fmt::format("; at {} it is not", c.checked_step));
      first = false;
    }
  } else if (!w.no_change.empty()) {
    out += fmt::format("    {}\n", w.no_change);
  }
}

}  // namespace

std::string render_explanation_text(const Explanation& e, const std::vector<std::string>& langs) {
  SummaryOptions summary;
  summary.langs = langs;
  summary.bands = true;
  summary.evidence = true;
  summary.answers = true;
  std::string out = render_summary(e.decision, summary);
  if (e.why_not.empty()) {
    int rank = 0;
    for (const auto& t : e.decision.tactics()) {
      ++rank;
      if (t.id() == e.tactic)
        out += fmt::format("\nWhy not: {} is proposed (rank {})\n", t.id(), rank);
    }
    if (e.tactic.empty()) out += "\nWhy not: every tactic of the rules is proposed\n";
    return out;
  }
  out += fmt::format("\nWhy not: {} tactic{} not proposed\n", e.why_not.size(),
                     e.why_not.size() == 1 ? "" : "s");
  for (const auto& w : e.why_not) render_why_not(w, langs, out);
  return out;
}

namespace {

void json_map(const std::map<std::string, std::string>& m, std::string& out) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out += ',';
    first = false;
    append_json_quoted(out, k);
    out += ':';
    append_json_quoted(out, v);
  }
  out += '}';
}

void json_strings(const std::vector<std::string>& list, std::string& out) {
  out += '[';
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i) out += ',';
    append_json_quoted(out, list[i]);
  }
  out += ']';
}

void json_part(const ConditionPart& p, std::string& out) {
  out += "{\"text\":";
  append_json_quoted(out, p.text);
  out += ",\"outcome\":";
  append_json_quoted(out, p.outcome);
  out += ",\"values\":";
  json_map(p.values, out);
  out += ",\"parts\":[";
  for (std::size_t i = 0; i < p.parts.size(); ++i) {
    if (i) out += ',';
    json_part(p.parts[i], out);
  }
  out += "]}";
}

void json_why_not(const WhyNot& w, std::string& out) {
  out += "{\"tactic\":";
  append_json_quoted(out, w.tactic);
  out += ",\"label\":";
  json_map(w.label, out);
  out += fmt::format(",\"priority\":{},\"blocked\":", w.priority);
  append_json_quoted(out, blocked_name(w.blocked));
  out += ",\"causes\":[";
  for (std::size_t i = 0; i < w.causes.size(); ++i) {
    const auto& c = w.causes[i];
    if (i) out += ',';
    out += "{\"id\":";
    append_json_quoted(out, c.id);
    out += ",\"label\":";
    json_map(c.label, out);
    out += ",\"outcome\":";
    append_json_quoted(out, c.outcome);
    out += ",\"condition\":";
    json_part(c.condition, out);
    out += '}';
  }
  out += ']';
  if (w.when) {
    out += ",\"when\":";
    json_part(*w.when, out);
  }
  out += ",\"unknown\":";
  json_strings(w.unknown, out);
  if (!w.action.empty()) {
    out += ",\"cooldown\":{\"action\":";
    append_json_quoted(out, w.action);
    out += fmt::format(",\"days_ago\":{},\"cooldown_days\":{}}}", w.days_ago, w.cooldown_days);
  }
  if (w.blocked == Blocked::Cap) {
    out += fmt::format(",\"max_tactics\":{},\"ranked_before\":", w.max_tactics);
    json_strings(w.ranked_before, out);
  }
  out += ",\"changes\":[";
  for (std::size_t i = 0; i < w.changes.size(); ++i) {
    const auto& c = w.changes[i];
    if (i) out += ',';
    out += "{\"field\":";
    append_json_quoted(out, c.field);
    out += ",\"from\":";
    append_json_quoted(out, c.from);
    out += ",\"to\":";
    append_json_quoted(out, c.to);
    out += fmt::format(",\"size\":{},\"verified\":{}", c.size, c.verified ? "true" : "false");
    if (!c.checked_step.empty()) {
      out += ",\"checked_step\":";
      append_json_quoted(out, c.checked_step);
    }
    out += '}';
  }
  out += ']';
  if (!w.no_change.empty()) {
    out += ",\"no_change\":";
    append_json_quoted(out, w.no_change);
  }
  out += fmt::format(",\"candidates_tried\":{}}}", w.candidates_tried);
}

}  // namespace

std::string render_explanation_json(const Explanation& e) {
  // The trace is for `retain eval --explain`; the why_not entries carry what it showed.
  v1::Decision decision = e.decision;
  decision.clear_trace();
  std::string out = "{\"decision\":";
  out += decision_to_json(decision, false);
  out += ",\"why_not\":[";
  for (std::size_t i = 0; i < e.why_not.size(); ++i) {
    if (i) out += ',';
    json_why_not(e.why_not[i], out);
  }
  out += "]}";
  return out;
}

}  // namespace retain::analyst
