#include "engine/decision_renderer.hpp"

#include <fmt/format.h>

#include "engine/decision_text.hpp"
#include "engine/value_format.hpp"

namespace retain {

namespace {

using compile::Program;
using compile::Rule;
using compile::RuleKind;
using eval::EvalFrame;

void fill_texts(const compile::Texts& texts, std::string_view language,
                google::protobuf::Map<std::string, std::string>* out) {
  for (const auto& [lang, text] : in_language(texts, language)) (*out)[lang] = text;
}

void fill_because(const Rule& rule, const Program& p, const EvalFrame& frame,
                  std::string_view language, google::protobuf::Map<std::string, std::string>* out) {
  for (const auto& [lang, pieces] : in_language(rule.because, language)) {
    // Formatted straight into the map's string: no temporary per piece or per text.
    std::string& text = (*out)[lang];
    text.clear();
    append_because(text, pieces, p, frame);
  }
}

void fill_evidence(const Rule& rule, const Program& p, const EvalFrame& frame, v1::Evidence* out) {
  out->set_rule(rule.location);
  out->set_condition(rule.condition);
  auto& values = *out->mutable_values();
  for (const auto& item : rule.evidence) {
    std::string& text = values[item.name];
    text.clear();
    append_value(text, frame.slots[item.slot], p, item.display);
  }
}

void fill_finding(const Rule& rule, const Program& p, const EvalFrame& frame,
                  std::string_view language, v1::Finding* out) {
  out->set_id(rule.id);
  fill_texts(rule.label, language, out->mutable_label());
  fill_because(rule, p, frame, language, out->mutable_because());
  fill_evidence(rule, p, frame, out->mutable_evidence());
  out->set_priority(rule.priority);
}

const char* kind_name(RuleKind kind) {
  switch (kind) {
    case RuleKind::Cause:
      return "cause";
    case RuleKind::Tactic:
      return "tactic";
    case RuleKind::Segment:
      return "segment";
    case RuleKind::Account:
      return "account";
    case RuleKind::CreditCheck:
      return "credit_check";
  }
  return "rule";
}

void note_unknown(const Rule& rule, const EvalFrame& frame, bool explain, v1::Decision* decision) {
  auto* unknown = decision->add_unknowns();
  unknown->set_rule(rule.id);
  if (explain) unknown->set_reason(unknown_reason(rule, frame));
}

void trace_rule(const Rule& rule, const Program& p, const EvalFrame& frame, const char* outcome,
                const std::string& detail, v1::Decision* decision) {
  auto* entry = decision->add_trace();
  entry->set_rule(rule.id);
  entry->set_kind(kind_name(rule.kind));
  entry->set_location(rule.location);
  entry->set_outcome(outcome);
  entry->set_detail(detail);
  for (const auto& item : rule.evidence) {
    (*entry->mutable_values())[item.name] = format_value(frame.slots[item.slot], p, item.display);
  }
}

const char* outcome_of(const eval::Value& value) {
  if (!value.known()) return "unknown";
  return value.boolean ? "fired" : "not_fired";
}

}  // namespace

void render_decision(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
                     const EvalFrame& frame, const RenderOptions& options, v1::Decision* decision) {
  const Program& p = rules.program();
  const bool trace = options.trace;
  const bool explain = options.explanations;
  const std::string_view language = options.language;
  decision->Clear();
  decision->set_customer_id(profile.customer_id());
  auto* info = decision->mutable_ruleset();
  info->set_name(rules.name());
  info->set_version(rules.version());
  info->set_content_hash(rules.content_hash());

  double keep = 1.0;
  for (const auto& cause : p.causes) {
    const auto& value = frame.slots[cause.slot];
    if (value.is_true()) {
      keep *= 1.0 - cause.weight;
      auto* out = decision->add_causes();
      out->set_id(cause.id);
      out->set_weight(cause.weight);
      if (explain) {
        fill_texts(cause.label, language, out->mutable_label());
        fill_because(cause, p, frame, language, out->mutable_because());
        fill_evidence(cause, p, frame, out->mutable_evidence());
      }
    } else if (!value.known()) {
      note_unknown(cause, frame, explain, decision);
    }
    if (trace) trace_rule(cause, p, frame, outcome_of(value), cause.condition, decision);
  }
  decision->set_churn_risk(1.0 - keep);

  for (std::uint32_t index : frame.proposed_tactics) {
    const Rule& tactic = p.tactics[index];
    auto* out = decision->add_tactics();
    out->set_id(tactic.id);
    if (explain) fill_texts(tactic.label, language, out->mutable_label());
    out->set_priority(tactic.priority);
    auto answered = [&](const Rule& cause) {
      if (frame.slots[cause.slot].is_true()) out->add_answers(cause.id);
    };
    if (tactic.answers_any) {
      for (const auto& cause : p.causes) answered(cause);
    } else {
      for (std::uint32_t c : tactic.answers) answered(p.causes[c]);
    }
    if (explain) {
      fill_because(tactic, p, frame, language, out->mutable_because());
      fill_evidence(tactic, p, frame, out->mutable_evidence());
    }
  }
  if (trace) {
    std::vector<const char*> outcome(p.tactics.size(), nullptr);
    for (std::uint32_t i : frame.proposed_tactics) outcome[i] = "fired";
    for (std::uint32_t i : frame.dropped_tactics) outcome[i] = "dropped";
    for (std::size_t i = 0; i < p.tactics.size(); ++i) {
      const Rule& tactic = p.tactics[i];
      std::string detail = tactic.condition;
      const char* result = outcome[i];
      if (result == nullptr) {
        const bool eligible =
            tactic.eligible_slot != compile::kNone && frame.slots[tactic.eligible_slot].is_true();
        if (eligible && tactic.cooldown_slot != compile::kNone &&
            frame.slots[tactic.cooldown_slot].is_true()) {
          result = "suppressed";
          detail += " (cooling down: taken recently)";
        } else {
          result = outcome_of(
              frame.slots[tactic.eligible_slot == compile::kNone ? tactic.slot
                                                                 : tactic.eligible_slot]);
        }
      } else if (std::string(result) == "dropped") {
        detail += fmt::format(" (beyond max_tactics {})", p.max_tactics);
      }
      trace_rule(tactic, p, frame, result, detail, decision);
    }
  }

  auto findings = [&](const std::vector<Rule>& list, auto add) {
    for (const auto& rule : list) {
      const auto& value = frame.slots[rule.slot];
      if (value.is_true()) {
        auto* out = add();
        if (explain) {
          fill_finding(rule, p, frame, language, out);
        } else {
          out->set_id(rule.id);
          out->set_priority(rule.priority);
        }
      } else if (!value.known()) {
        note_unknown(rule, frame, explain, decision);
      }
      if (trace) trace_rule(rule, p, frame, outcome_of(value), rule.condition, decision);
    }
  };
  findings(p.segments, [&] { return decision->add_segments(); });
  findings(p.accounts, [&] { return decision->add_account_actions(); });
  findings(p.credit_checks, [&] { return decision->add_credit_checks(); });

  for (std::size_t t = 0; t < p.tiers.size(); ++t) {
    const auto& tiers = p.tiers[t];
    const auto& band = frame.slots[tiers.band_slot];
    const auto& score = frame.slots[tiers.score_slot];
    if (band.known()) {
      const auto& plan = tiers.bands[static_cast<std::size_t>(band.number)];
      auto* out = decision->add_bands();
      out->set_tiers(tiers.id);
      out->set_band(plan.id);
      if (explain) fill_texts(plan.label, language, out->mutable_label());
      out->set_score(score.number);
      if (static_cast<int>(t) == p.tier_index) decision->set_tier(plan.id);
      if (static_cast<int>(t) == p.credit_grade_index) decision->set_credit_grade(plan.id);
    } else {
      auto* unknown = decision->add_unknowns();
      unknown->set_rule(tiers.id);
      unknown->set_reason(std::string(tiers_unknown_reason(tiers)));
    }
    if (trace) {
      auto* entry = decision->add_trace();
      entry->set_rule(tiers.id);
      entry->set_kind("tiers");
      entry->set_location(tiers.location);
      entry->set_outcome(band.known() ? "fired" : "unknown");
      entry->set_detail(band.known()
                            ? fmt::format("band {} ({} {})",
                                          tiers.bands[static_cast<std::size_t>(band.number)].id,
                                          tiers.ranked ? "rank percentile" : "value",
                                          format_number(score.number, 2))
                            : std::string("no band"));
    }
  }
  if (trace) {
    for (const auto& let : p.lets) {
      auto* entry = decision->add_trace();
      entry->set_rule(let.name);
      entry->set_kind("let");
      entry->set_location(let.location);
      const auto& value = frame.slots[let.slot];
      entry->set_outcome(value.known() ? "value" : "unknown");
      entry->set_detail(format_value(value, p, compile::Display{}));
    }
  }
}

}  // namespace retain
