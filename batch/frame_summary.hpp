// Summary::add for lean decisions, read from evaluated frames instead of a v1::Decision. Rules
// and bands are counted by their index in the program and folded into the Summary's counts
// by id only at the end: a map lookup by id string for every fired rule of every row cost
// about as much as writing the decision. The result equals Summary::add over the decisions
// render_decision would build without explanations. One per worker thread; the rule set and
// the Summary must outlive it.
#pragma once

#include <cstdint>
#include <vector>

#include "batch/lean_outcome.hpp"
#include "batch/summary.hpp"
#include "engine/compile/rule_set.hpp"
#include "engine/eval/frame.hpp"
#include "retain/v1/profile.pb.h"

namespace retain::batch {

class FrameSummary {
 public:
  FrameSummary(const compile::RuleSet& rules, Summary* into);

  // Counts the decision eval::evaluate left in `frame` for `profile` (read from `line`), whose
  // `outcome` was read from that frame.
  void add(const v1::CustomerProfile& profile, const eval::EvalFrame& frame,
           const lean::Outcome& outcome, std::uint64_t line);
  // Adds the counts so far to the Summary and starts again from zero.
  void flush();

 private:
  const compile::Program* program_;
  Summary* into_;
  std::vector<std::uint64_t> tiers_, grades_;           // by band of the tier / credit grade tiers
  std::vector<std::uint64_t> fired_[lean::kListCount];  // by rule
  std::vector<std::uint64_t> tactics_;
};

}  // namespace retain::batch
