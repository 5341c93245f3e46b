// Full decisions (`retain score --view full`) written as JSON straight from an evaluated frame:
// byte for byte what the JSON DecisionWriter (JsonEngine::Fast) writes for the v1::Decision that
// render_decision builds with explanations (tests/unit/batch/full_decision_writer_test.cpp
// compares them). Building that Decision, with a map, strings and nested messages per rule,
// then walking and freeing it took about a third of a full row's time (allocation 18%,
// protobuf maps 10% of the samples). The constant part of every rule (its quoted id, labels,
// weight or priority, evidence location and condition), with map keys already in the order
// the JSON writer sorts them into, is rendered once here; because texts, evidence values and
// the reasons of undecided rules are formatted per row.
// One writer per worker thread (it keeps scratch buffers); the rule set must outlive it.
#pragma once

#include <string>
#include <vector>

#include "batch/lean_outcome.hpp"
#include "engine/compile/rule_set.hpp"
#include "engine/eval/frame.hpp"
#include "retain/v1/profile.pb.h"

namespace retain::batch {

class FullDecisionWriter {
 public:
  // `language`: as EvalOptions.language ("" = every language the rules give).
  FullDecisionWriter(const compile::RuleSet& rules, std::string language);

  // Appends the decision for `profile`, which eval::evaluate and eval::evaluate_render left in
  // `frame` and `outcome` read from it (the fired and undecided rules, the risk, the bands),
  // and a line break.
  void write(const v1::CustomerProfile& profile, const eval::EvalFrame& frame,
             const lean::Outcome& outcome, std::string& out);

 private:
  // What a fired rule writes that does not depend on the profile.
  struct RuleText {
    std::string head;  // {"id":..,"label":{..},"weight"|"priority":.. — still open
    bool head_members = false;
    std::string tail;           // a finding's ,"priority":..}, or "}"
    std::string evidence_head;  // "evidence":{"rule":..,"condition":..
    bool evidence_members = false;
    std::vector<std::size_t> because;        // indexes into rule.because, in key order
    std::vector<std::string> because_keys;   // "lang": for each of them
    std::vector<std::size_t> evidence;       // indexes into rule.evidence, in key order
    std::vector<std::string> evidence_keys;  // "name": for each of them
    std::string quoted_id;                   // "ID", for a tactic's answers and unknowns
  };

  RuleText rule_text(const compile::Rule& rule) const;
  // Because texts and evidence; `members`: the rule's object has members before them.
  void write_explanation(const compile::Rule& rule, const RuleText& text, bool members,
                         const eval::EvalFrame& frame, std::string& out);

  const compile::Program* program_;
  std::string language_;
  std::string ruleset_;                            // "ruleset":{..}
  std::vector<RuleText> texts_[lean::kListCount];  // causes and findings, per lean::List
  std::vector<RuleText> tactics_;
  // Per tiers: per band, {"tiers":..,"band":..,"label":{..} (open), and the tiers' unknown.
  std::vector<std::vector<std::string>> bands_;
  std::vector<std::string> tiers_unknowns_;
  std::string text_;  // scratch: one because text or evidence value
};

}  // namespace retain::batch
