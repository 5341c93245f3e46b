// Lean decisions (`retain score --lean`) written straight from an evaluated frame into the
// output buffer, byte for byte what DecisionWriter writes for the v1::Decision render_decision
// builds without explanations (tests/unit/batch/lean_decision_writer_test.cpp compares them).
// Building, clearing and then walking that Decision cost more per row than evaluating it. The
// constant text of every rule (its quoted id, weight, priority) is rendered once here.
// One writer per worker thread (it keeps scratch buffers); the rule set must outlive it.
#pragma once

#include <string>
#include <vector>

#include "batch/decision_writer.hpp"
#include "batch/lean_outcome.hpp"
#include "batch/row_cursor.hpp"
#include "engine/compile/rule_set.hpp"
#include "engine/eval/frame.hpp"
#include "retain/v1/profile.pb.h"

namespace retain::batch {

class LeanDecisionWriter {
 public:
  // JSON Lines: the layout of JsonEngine::Fast.
  LeanDecisionWriter(const compile::RuleSet& rules, OutputFormat format);

  // The same text as make_decision_writer(format)->header().
  std::string header() const;
  // Appends the decision for `profile`, which eval::evaluate left in `frame` and `outcome` read
  // from it, and a line break.
  void write(const v1::CustomerProfile& profile, const eval::EvalFrame& frame,
             const lean::Outcome& outcome, std::string& out);

 private:
  void write_json(const v1::CustomerProfile& profile, const eval::EvalFrame& frame,
                  const lean::Outcome& outcome, std::string& out);
  void write_csv(const v1::CustomerProfile& profile, const eval::EvalFrame& frame,
                 const lean::Outcome& outcome, std::string& out);

  using Text = FragmentPool::Text;
  // An object whose members are all known up front, or the opening of one that gets more.
  struct Fragment {
    Text text;
    bool has_members = false;  // a later member needs a comma first
  };

  const compile::Program* program_;
  OutputFormat format_;
  // JSON: the constant text of each rule, tiers and band, in pool_.
  FragmentPool pool_;
  Text ruleset_;                                 // "ruleset":{...}
  std::vector<Text> listed_[lean::kListCount];   // {"id":..,"weight"|"priority":..}
  std::vector<Text> unknown_[lean::kListCount];  // {"rule":..}
  std::vector<Fragment> tactics_;                // {"id":..,"priority":.. (open)
  std::vector<Text> quoted_cause_ids_;           // "id", for answers
  std::vector<std::vector<Fragment>> bands_;     // {"tiers":..,"band":.. (open), per tiers
  std::vector<std::vector<Text>> tier_fields_;   // ,"tier":"..", per tiers and band
  std::vector<std::vector<Text>> grade_fields_;  // ,"credit_grade":".."
  std::vector<Text> tiers_unknowns_;             // {"rule":..,"reason":..}
  // The row after its customer id, written with a RowCursor: sized for the longest one.
  std::vector<char> row_;
  // CSV: no id needs quoting, so cells of joined ids are written as they are.
  bool plain_ids_ = true;
  std::string cell_;
};

}  // namespace retain::batch
