#include "engine/decision_wire.hpp"

#include <string_view>

#include "engine/decision_text.hpp"
#include "engine/value_format.hpp"
#include "engine/wire_writer.hpp"

namespace retain {

namespace {

using compile::Program;
using compile::Rule;
using eval::EvalFrame;

// Buffers for the nested messages, kept per thread so their capacity is reused.
struct WireScratch {
  std::string rule;      // the Cause, Tactic or Finding being written
  std::string evidence;  // its Evidence
  std::string text;      // one because text or evidence value
  std::string small;     // an Unknown or a Band
  std::string unknowns;  // every Unknown, appended to the decision last (their order is kept)
};

void wire_texts(const compile::Texts& texts, std::string_view language, int field, WireWriter& w) {
  for (const auto& [lang, text] : in_language(texts, language)) w.map_entry(field, lang, text);
}

void wire_because(const Rule& rule, const Program& p, const EvalFrame& frame,
                  std::string_view language, int field, WireScratch& scratch, WireWriter& w) {
  for (const auto& [lang, pieces] : in_language(rule.because, language)) {
    std::string& text = scratch.text;
    text.clear();
    append_because(text, pieces, p, frame);
    w.map_entry(field, lang, text);
  }
}

void wire_evidence(const Rule& rule, const Program& p, const EvalFrame& frame, int field,
                   WireScratch& scratch, WireWriter& w) {
  scratch.evidence.clear();
  WireWriter e(scratch.evidence);
  e.string(v1::Evidence::kRuleFieldNumber, rule.location);
  e.string(v1::Evidence::kConditionFieldNumber, rule.condition);
  for (const auto& item : rule.evidence) {
    scratch.text.clear();
    append_value(scratch.text, frame.slots[item.slot], p, item.display);
    e.map_entry(v1::Evidence::kValuesFieldNumber, item.name, scratch.text);
  }
  w.bytes(field, scratch.evidence);
}

void wire_unknown(std::string_view rule, std::string_view reason, WireScratch& scratch) {
  scratch.small.clear();
  WireWriter u(scratch.small);
  u.string(v1::Unknown::kRuleFieldNumber, rule);
  u.string(v1::Unknown::kReasonFieldNumber, reason);
  WireWriter(scratch.unknowns).bytes(v1::Decision::kUnknownsFieldNumber, scratch.small);
}

}  // namespace

void render_decision_wire(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
                          const EvalFrame& frame, bool explanations, std::string_view language,
                          std::string* out) {
  thread_local WireScratch scratch;
  const Program& p = rules.program();
  const bool explain = explanations;
  out->clear();
  scratch.unknowns.clear();
  WireWriter w(*out);
  w.string(v1::Decision::kCustomerIdFieldNumber, profile.customer_id());
  {
    scratch.small.clear();
    WireWriter info(scratch.small);
    info.string(v1::RuleSetInfo::kNameFieldNumber, rules.name());
    info.string(v1::RuleSetInfo::kVersionFieldNumber, rules.version());
    info.string(v1::RuleSetInfo::kContentHashFieldNumber, rules.content_hash());
    w.bytes(v1::Decision::kRulesetFieldNumber, scratch.small);
  }

  double keep = 1.0;
  for (const auto& cause : p.causes) {
    const auto& value = frame.slots[cause.slot];
    if (value.is_true()) {
      keep *= 1.0 - cause.weight;
      scratch.rule.clear();
      WireWriter r(scratch.rule);
      r.string(v1::Cause::kIdFieldNumber, cause.id);
      r.number(v1::Cause::kWeightFieldNumber, cause.weight);
      if (explain) {
        wire_texts(cause.label, language, v1::Cause::kLabelFieldNumber, r);
        wire_because(cause, p, frame, language, v1::Cause::kBecauseFieldNumber, scratch, r);
        wire_evidence(cause, p, frame, v1::Cause::kEvidenceFieldNumber, scratch, r);
      }
      w.bytes(v1::Decision::kCausesFieldNumber, scratch.rule);
    } else if (!value.known()) {
      wire_unknown(cause.id, explain ? unknown_reason(cause, frame) : std::string(), scratch);
    }
  }
  w.number(v1::Decision::kChurnRiskFieldNumber, 1.0 - keep);

  for (std::uint32_t index : frame.proposed_tactics) {
    const Rule& tactic = p.tactics[index];
    scratch.rule.clear();
    WireWriter r(scratch.rule);
    r.string(v1::Tactic::kIdFieldNumber, tactic.id);
    if (explain) wire_texts(tactic.label, language, v1::Tactic::kLabelFieldNumber, r);
    r.int32(v1::Tactic::kPriorityFieldNumber, tactic.priority);
    auto answered = [&](const Rule& cause) {
      if (frame.slots[cause.slot].is_true()) r.bytes(v1::Tactic::kAnswersFieldNumber, cause.id);
    };
    if (tactic.answers_any) {
      for (const auto& cause : p.causes) answered(cause);
    } else {
      for (std::uint32_t c : tactic.answers) answered(p.causes[c]);
    }
    if (explain) {
      wire_because(tactic, p, frame, language, v1::Tactic::kBecauseFieldNumber, scratch, r);
      wire_evidence(tactic, p, frame, v1::Tactic::kEvidenceFieldNumber, scratch, r);
    }
    w.bytes(v1::Decision::kTacticsFieldNumber, scratch.rule);
  }

  auto findings = [&](const std::vector<Rule>& list, int field) {
    for (const auto& rule : list) {
      const auto& value = frame.slots[rule.slot];
      if (value.is_true()) {
        scratch.rule.clear();
        WireWriter r(scratch.rule);
        r.string(v1::Finding::kIdFieldNumber, rule.id);
        if (explain) {
          wire_texts(rule.label, language, v1::Finding::kLabelFieldNumber, r);
          wire_because(rule, p, frame, language, v1::Finding::kBecauseFieldNumber, scratch, r);
          wire_evidence(rule, p, frame, v1::Finding::kEvidenceFieldNumber, scratch, r);
        }
        r.int32(v1::Finding::kPriorityFieldNumber, rule.priority);
        w.bytes(field, scratch.rule);
      } else if (!value.known()) {
        wire_unknown(rule.id, explain ? unknown_reason(rule, frame) : std::string(), scratch);
      }
    }
  };
  findings(p.segments, v1::Decision::kSegmentsFieldNumber);
  findings(p.accounts, v1::Decision::kAccountActionsFieldNumber);
  findings(p.credit_checks, v1::Decision::kCreditChecksFieldNumber);

  for (std::size_t t = 0; t < p.tiers.size(); ++t) {
    const auto& tiers = p.tiers[t];
    const auto& band = frame.slots[tiers.band_slot];
    if (band.known()) {
      const auto& plan = tiers.bands[static_cast<std::size_t>(band.number)];
      scratch.small.clear();
      WireWriter b(scratch.small);
      b.string(v1::Band::kTiersFieldNumber, tiers.id);
      b.string(v1::Band::kBandFieldNumber, plan.id);
      if (explain) wire_texts(plan.label, language, v1::Band::kLabelFieldNumber, b);
      b.number(v1::Band::kScoreFieldNumber, frame.slots[tiers.score_slot].number);
      w.bytes(v1::Decision::kBandsFieldNumber, scratch.small);
      if (static_cast<int>(t) == p.tier_index) w.string(v1::Decision::kTierFieldNumber, plan.id);
      if (static_cast<int>(t) == p.credit_grade_index)
        w.string(v1::Decision::kCreditGradeFieldNumber, plan.id);
    } else {
      wire_unknown(tiers.id, tiers_unknown_reason(tiers), scratch);
    }
  }
  out->append(scratch.unknowns);
}

}  // namespace retain
