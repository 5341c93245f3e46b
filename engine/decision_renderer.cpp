#include "engine/decision_renderer.hpp"

#include <cstdint>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "engine/value_format.hpp"

namespace retain {

namespace {

using compile::Program;
using compile::Rule;
using compile::RuleKind;
using eval::EvalFrame;

void fill_texts(const compile::Texts& texts, google::protobuf::Map<std::string, std::string>* out) {
  for (const auto& [lang, text] : texts) (*out)[lang] = text;
}

void fill_because(const Rule& rule, const Program& p, const EvalFrame& frame,
                  google::protobuf::Map<std::string, std::string>* out) {
  for (const auto& [lang, pieces] : rule.because) {
    // Formatted straight into the map's string: no temporary per piece or per text.
    std::string& text = (*out)[lang];
    text.clear();
    for (const auto& piece : pieces) {
      if (piece.slot == compile::kNone) {
        text += piece.literal;
      } else {
        append_value(text, frame.slots[piece.slot], p, piece.display);
      }
    }
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

void fill_finding(const Rule& rule, const Program& p, const EvalFrame& frame, v1::Finding* out) {
  out->set_id(rule.id);
  fill_texts(rule.label, out->mutable_label());
  fill_because(rule, p, frame, out->mutable_because());
  fill_evidence(rule, p, frame, out->mutable_evidence());
  out->set_priority(rule.priority);
}

// Lists the evidence values that were unknown, to say why a rule could not be decided.
std::string missing_values(const Rule& rule, const EvalFrame& frame) {
  std::vector<std::string> names;
  for (const auto& item : rule.evidence) {
    if (!frame.slots[item.slot].known()) names.push_back(item.name);
  }
  if (names.empty()) return "a value it needs is not known";
  return fmt::format("not known: {}", fmt::join(names, ", "));
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
  if (explain) unknown->set_reason(missing_values(rule, frame));
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
        fill_texts(cause.label, out->mutable_label());
        fill_because(cause, p, frame, out->mutable_because());
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
    if (explain) fill_texts(tactic.label, out->mutable_label());
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
      fill_because(tactic, p, frame, out->mutable_because());
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
          fill_finding(rule, p, frame, out);
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
      if (explain) fill_texts(plan.label, out->mutable_label());
      out->set_score(score.number);
      if (static_cast<int>(t) == p.tier_index) decision->set_tier(plan.id);
      if (static_cast<int>(t) == p.credit_grade_index) decision->set_credit_grade(plan.id);
    } else {
      auto* unknown = decision->add_unknowns();
      unknown->set_rule(tiers.id);
      unknown->set_reason(tiers.ranked ? "no population statistics and no fallback value"
                                       : "the value it is cut on is not known");
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

namespace retain {

namespace {

// Protobuf wire format, written by hand for render_decision_wire. Field numbers are those of
// proto/retain/v1/decision.proto; proto3 leaves out empty strings and zero numbers, so this
// does too, and parsing gives back exactly the message render_decision builds (tested).
class Wire {
 public:
  explicit Wire(std::string& buffer) : s_(buffer) {}

  void varint(std::uint64_t v) {
    if (v < 0x80) {  // tags and most lengths
      s_.push_back(static_cast<char>(v));
      return;
    }
    char bytes[10];
    std::size_t n = 0;
    while (v >= 0x80) {
      bytes[n++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    bytes[n++] = static_cast<char>(v);
    s_.append(bytes, n);
  }
  void tag(int field, int wire_type) {
    varint(static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(wire_type));
  }
  void bytes(int field, std::string_view value) {
    tag(field, 2);
    varint(value.size());
    s_.append(value);
  }
  void string(int field, std::string_view value) {
    if (!value.empty()) bytes(field, value);
  }
  void number(int field, double value) {
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    if (bits == 0) return;
    tag(field, 1);
    char bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(bits >> (8 * i));
    s_.append(bytes, 8);
  }
  void int32(int field, std::int32_t value) {
    if (value == 0) return;
    tag(field, 0);
    varint(static_cast<std::uint64_t>(static_cast<std::int64_t>(value)));  // as protobuf does
  }
  void map_entry(int field, std::string_view key, std::string_view value) {
    tag(field, 2);
    varint(2 + varint_size(key.size()) + key.size() + varint_size(value.size()) + value.size());
    bytes(1, key);
    bytes(2, value);
  }

 private:
  static std::size_t varint_size(std::size_t v) {
    std::size_t n = 1;
    while (v >= 0x80) {
      v >>= 7;
      ++n;
    }
    return n;
  }
  std::string& s_;
};

// Buffers for the nested messages, kept per thread so their capacity is reused.
struct WireScratch {
  std::string rule;      // the Cause, Tactic or Finding being written
  std::string evidence;  // its Evidence
  std::string text;      // one because text or evidence value
  std::string small;     // an Unknown or a Band
  std::string unknowns;  // every Unknown, appended to the decision last (their order is kept)
};

void wire_texts(const compile::Texts& texts, int field, Wire& w) {
  for (const auto& [lang, text] : texts) w.map_entry(field, lang, text);
}

void wire_because(const Rule& rule, const Program& p, const EvalFrame& frame, int field,
                  WireScratch& scratch, Wire& w) {
  for (const auto& [lang, pieces] : rule.because) {
    std::string& text = scratch.text;
    text.clear();
    for (const auto& piece : pieces) {
      if (piece.slot == compile::kNone) {
        text += piece.literal;
      } else {
        append_value(text, frame.slots[piece.slot], p, piece.display);
      }
    }
    w.map_entry(field, lang, text);
  }
}

void wire_evidence(const Rule& rule, const Program& p, const EvalFrame& frame, int field,
                   WireScratch& scratch, Wire& w) {
  scratch.evidence.clear();
  Wire e(scratch.evidence);
  e.string(1, rule.location);
  e.string(2, rule.condition);
  for (const auto& item : rule.evidence) {
    scratch.text.clear();
    append_value(scratch.text, frame.slots[item.slot], p, item.display);
    e.map_entry(3, item.name, scratch.text);
  }
  w.bytes(field, scratch.evidence);
}

void wire_unknown(std::string_view rule, std::string_view reason, WireScratch& scratch) {
  scratch.small.clear();
  Wire u(scratch.small);
  u.string(1, rule);
  u.string(2, reason);
  Wire(scratch.unknowns).bytes(12, scratch.small);
}

}  // namespace

void render_decision_wire(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
                          const EvalFrame& frame, bool explanations, std::string* out) {
  thread_local WireScratch scratch;
  const Program& p = rules.program();
  const bool explain = explanations;
  out->clear();
  scratch.unknowns.clear();
  Wire w(*out);
  w.string(1, profile.customer_id());
  {
    scratch.small.clear();
    Wire info(scratch.small);
    info.string(1, rules.name());
    info.string(2, rules.version());
    info.string(3, rules.content_hash());
    w.bytes(2, scratch.small);
  }

  double keep = 1.0;
  for (const auto& cause : p.causes) {
    const auto& value = frame.slots[cause.slot];
    if (value.is_true()) {
      keep *= 1.0 - cause.weight;
      scratch.rule.clear();
      Wire r(scratch.rule);
      r.string(1, cause.id);
      r.number(3, cause.weight);
      if (explain) {
        wire_texts(cause.label, 2, r);
        wire_because(cause, p, frame, 4, scratch, r);
        wire_evidence(cause, p, frame, 5, scratch, r);
      }
      w.bytes(5, scratch.rule);
    } else if (!value.known()) {
      wire_unknown(cause.id, explain ? missing_values(cause, frame) : std::string(), scratch);
    }
  }
  w.number(4, 1.0 - keep);

  for (std::uint32_t index : frame.proposed_tactics) {
    const Rule& tactic = p.tactics[index];
    scratch.rule.clear();
    Wire r(scratch.rule);
    r.string(1, tactic.id);
    if (explain) wire_texts(tactic.label, 2, r);
    r.int32(3, tactic.priority);
    auto answered = [&](const Rule& cause) {
      if (frame.slots[cause.slot].is_true()) r.bytes(4, cause.id);
    };
    if (tactic.answers_any) {
      for (const auto& cause : p.causes) answered(cause);
    } else {
      for (std::uint32_t c : tactic.answers) answered(p.causes[c]);
    }
    if (explain) {
      wire_because(tactic, p, frame, 5, scratch, r);
      wire_evidence(tactic, p, frame, 6, scratch, r);
    }
    w.bytes(6, scratch.rule);
  }

  auto findings = [&](const std::vector<Rule>& list, int field) {
    for (const auto& rule : list) {
      const auto& value = frame.slots[rule.slot];
      if (value.is_true()) {
        scratch.rule.clear();
        Wire r(scratch.rule);
        r.string(1, rule.id);
        if (explain) {
          wire_texts(rule.label, 2, r);
          wire_because(rule, p, frame, 3, scratch, r);
          wire_evidence(rule, p, frame, 4, scratch, r);
        }
        r.int32(5, rule.priority);
        w.bytes(field, scratch.rule);
      } else if (!value.known()) {
        wire_unknown(rule.id, explain ? missing_values(rule, frame) : std::string(), scratch);
      }
    }
  };
  findings(p.segments, 7);
  findings(p.accounts, 8);
  findings(p.credit_checks, 9);

  for (std::size_t t = 0; t < p.tiers.size(); ++t) {
    const auto& tiers = p.tiers[t];
    const auto& band = frame.slots[tiers.band_slot];
    if (band.known()) {
      const auto& plan = tiers.bands[static_cast<std::size_t>(band.number)];
      scratch.small.clear();
      Wire b(scratch.small);
      b.string(1, tiers.id);
      b.string(2, plan.id);
      if (explain) wire_texts(plan.label, 3, b);
      b.number(4, frame.slots[tiers.score_slot].number);
      w.bytes(11, scratch.small);
      if (static_cast<int>(t) == p.tier_index) w.string(3, plan.id);
      if (static_cast<int>(t) == p.credit_grade_index) w.string(10, plan.id);
    } else {
      wire_unknown(tiers.id,
                   tiers.ranked ? "no population statistics and no fallback value"
                                : "the value it is cut on is not known",
                   scratch);
    }
  }
  out->append(scratch.unknowns);
}

}  // namespace retain
