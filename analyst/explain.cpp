#include "analyst/explain.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "analyst/explain_phrases.hpp"
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
    find_smallest_changes(*rules_, guards_->module(), profile, stats, why, options.max_changes,
                          options.max_evaluations);
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

// "unknown" and "unset" are how the engine and the search mark a missing value, not values
// from the profile, so they are said in the reader's language.
std::string shown_value(const std::string& value, const Langs& langs) {
  if (value == "unknown") return say(langs, Phrase::ValueUnknown);
  if (value == "unset") return say(langs, Phrase::ValueUnset);
  return value;
}

std::string values_of(const ConditionPart& part, const Langs& langs) {
  std::vector<std::string> shown;
  for (const auto& [name, value] : part.values)
    shown.push_back(fmt::format("{} = {}", name, shown_value(value, langs)));
  return fmt::format("{}", fmt::join(shown, ", "));
}

Phrase outcome_phrase(const std::string& outcome) {
  if (outcome == "true") return Phrase::PartTrue;
  if (outcome == "unknown") return Phrase::PartUnknown;
  return Phrase::PartFalse;
}

void render_part(const ConditionPart& part, int indent, const Langs& langs, std::string& out) {
  out +=
      fmt::format("{:{}}{}  {}", "", indent, part.text, say(langs, outcome_phrase(part.outcome)));
  // Values are shown where they decide: at the parts that read them, not again above.
  if (part.parts.empty() && !part.values.empty())
    out += fmt::format("  [{}]", values_of(part, langs));
  out += "\n";
  for (const auto& child : part.parts) render_part(child, indent + 2, langs, out);
}

std::string blocked_text(const WhyNot& w, const Langs& langs) {
  switch (w.blocked) {
    case Blocked::NoCause:
      return say(langs,
                 w.causes.size() == 1 ? Phrase::BlockedNoCauseOne : Phrase::BlockedNoCauseMany);
    case Blocked::WhenFalse:
      return say(langs, Phrase::BlockedWhenFalse);
    case Blocked::Unknown:
      return in_each(langs, [&](std::string_view lang) {
        const std::string names = w.unknown.empty() ? std::string(phrase(Phrase::SeeBelow, lang))
                                                    : fmt::format("{}", fmt::join(w.unknown, ", "));
        return fmt::format(fmt::runtime(phrase(Phrase::BlockedUnknown, lang)),
                           fmt::arg("names", names));
      });
    case Blocked::Cooldown:
      return say(langs, Phrase::BlockedCooldown, fmt::arg("action", w.action),
                 fmt::arg("days", w.days_ago), fmt::arg("cooldown", w.cooldown_days));
    case Blocked::Cap:
      return say(langs, Phrase::BlockedCap, fmt::arg("max", w.max_tactics),
                 fmt::arg("n", w.ranked_before.size()),
                 fmt::arg("before", fmt::format("{}", fmt::join(w.ranked_before, ", "))));
  }
  return "";
}

std::string no_change_text(const WhyNot& w, const Langs& langs) {
  return in_each(langs, [&](std::string_view lang) {
    auto in = [&](Phrase id) { return fmt::runtime(phrase(id, lang)); };
    std::string text;
    switch (w.no_change) {
      case NoChange::None:
        return text;
      case NoChange::Cooldown:
        return fmt::format(in(Phrase::NoChangeCooldown), fmt::arg("action", w.action),
                           fmt::arg("days", w.days_ago), fmt::arg("cooldown", w.cooldown_days),
                           fmt::arg("left", w.cooldown_days - w.days_ago));
      case NoChange::Cap:
        return fmt::format(in(Phrase::NoChangeCap), fmt::arg("max", w.max_tactics));
      case NoChange::NoField:
        text = phrase(Phrase::NoChangeNoField, lang);
        break;
      case NoChange::NotFound:
        text = fmt::format(in(Phrase::NoChangeNotFound), fmt::arg("tried", w.candidates_tried),
                           fmt::arg("fields", fmt::format("{}", fmt::join(w.fields_tried, ", "))));
        break;
      case NoChange::BudgetExhausted:
        text = fmt::format(in(Phrase::NoChangeBudget), fmt::arg("tried", w.candidates_tried));
        break;
    }
    // Eligible or not, a cooldown would still hold it back: say so, or the change misleads.
    if (!w.action.empty()) {
      text += fmt::format(in(Phrase::NoChangeAlsoCooldown), fmt::arg("action", w.action),
                          fmt::arg("days", w.days_ago), fmt::arg("cooldown", w.cooldown_days));
    }
    return text;
  });
}

void render_why_not(const WhyNot& w, const Langs& langs, std::string& out) {
  out += fmt::format("  {} ({}), {}\n", w.tactic, texts(w.label, langs),
                     say(langs, Phrase::Priority, fmt::arg("priority", w.priority)));
  out += fmt::format("    {}\n", blocked_text(w, langs));
  for (const auto& cause : w.causes) {
    out += fmt::format(
        "    {} {} ({}) → {}\n", say(langs, Phrase::Cause), cause.id, texts(cause.label, langs),
        say(langs, cause.outcome == "unknown" ? Phrase::CauseUndecided : Phrase::CauseNotFired));
    render_part(cause.condition, 6, langs, out);
  }
  if (w.when) {
    out += fmt::format("    {}\n", say(langs, Phrase::WhenHeading));
    render_part(*w.when, 6, langs, out);
  }
  bool first = true;
  for (const auto& c : w.changes) {
    const bool step = !c.checked_step.empty();
    const Phrase id = first ? (step ? Phrase::SmallestChangeStep : Phrase::SmallestChange)
                            : (step ? Phrase::OrChangeStep : Phrase::OrChange);
    out += fmt::format(
        "    {}\n",
        say(langs, id, fmt::arg("field", c.field), fmt::arg("from", shown_value(c.from, langs)),
            fmt::arg("to", shown_value(c.to, langs)), fmt::arg("tactic", w.tactic),
            fmt::arg("step", c.checked_step)));
    first = false;
  }
  if (w.changes.empty() && w.no_change != NoChange::None) {
    out += fmt::format("    {}\n", no_change_text(w, langs));
  } else if (w.budget_exhausted) {
    out += fmt::format("    {}\n",
                       say(langs, Phrase::BudgetNote, fmt::arg("tried", w.candidates_tried)));
  }
}

}  // namespace

std::string render_explanation_text(const Explanation& e, const std::vector<std::string>& langs) {
  SummaryOptions summary;
  summary.langs = langs;
  summary.bands = true;
  summary.evidence = true;
  summary.answers = true;
  summary.words = summary_words(langs);
  std::string out = render_summary(e.decision, summary);
  if (e.why_not.empty()) {
    int rank = 0;
    for (const auto& t : e.decision.tactics()) {
      ++rank;
      if (t.id() == e.tactic) {
        out += fmt::format("\n{}\n", say(langs, Phrase::WhyNotIsProposed,
                                         fmt::arg("tactic", t.id()), fmt::arg("rank", rank)));
      }
    }
    if (e.tactic.empty()) out += fmt::format("\n{}\n", say(langs, Phrase::WhyNotAllProposed));
    return out;
  }
  out += fmt::format("\n{}\n", e.why_not.size() == 1 ? say(langs, Phrase::WhyNotOne)
                                                     : say(langs, Phrase::WhyNotMany,
                                                           fmt::arg("n", e.why_not.size())));
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
  if (w.no_change != NoChange::None) {
    out += ",\"no_change\":";
    append_json_quoted(out, no_change_name(w.no_change));
    if (w.no_change == NoChange::NotFound) {
      out += ",\"fields_tried\":";
      json_strings(w.fields_tried, out);
    }
  }
  if (w.budget_exhausted) out += ",\"search_budget_exhausted\":true";
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
