// What a lean decision holds, read straight from an evaluated frame (eval::evaluate) instead of
// from the v1::Decision that render_decision builds: the batch's lean writer and summary read
// these per row, and building and clearing a Decision (strings, repeated messages) cost more
// than the evaluation itself. Must agree with render_decision without explanations; the
// lean writer's test compares the two on the shipped rules.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/compile/program.hpp"
#include "engine/eval/frame.hpp"

namespace retain::batch::lean {

// The rule lists a lean decision reports fired and undecided rules of, in Decision order.
enum List { kCauses, kSegments, kAccounts, kCreditChecks, kListCount };

inline const std::vector<compile::Rule>& rules_of(const compile::Program& p, int list) {
  switch (list) {
    case kCauses:
      return p.causes;
    case kSegments:
      return p.segments;
    case kAccounts:
      return p.accounts;
    default:
      return p.credit_checks;
  }
}

// The outcome slots of those rules, packed: read from the Rule structs (a few hundred bytes
// each) they cost a cache line per rule per row.
struct Slots {
  explicit Slots(const compile::Program& p) {
    for (int l = 0; l < kListCount; ++l) {
      for (const auto& rule : rules_of(p, l)) of[l].push_back(rule.slot);
    }
    for (const auto& cause : p.causes) weights.push_back(cause.weight);
  }
  std::vector<std::uint32_t> of[kListCount];
  std::vector<double> weights;  // of the causes
};

inline bool fired(const eval::EvalFrame& frame, std::uint32_t slot) {
  return frame.slots[slot].is_true();
}

inline bool undecided(const eval::EvalFrame& frame, std::uint32_t slot) {
  return !frame.slots[slot].known();
}

// 1 - prod(1 - weight) over the fired causes, multiplied in the order render_decision uses, so
// that the printed risk is the same to the last digit.
inline double churn_risk(const Slots& s, const eval::EvalFrame& frame) {
  double keep = 1.0;
  const auto& causes = s.of[kCauses];
  for (std::size_t i = 0; i < causes.size(); ++i) {
    if (fired(frame, causes[i])) keep *= 1.0 - s.weights[i];
  }
  return 1.0 - keep;
}

// The band plan tiers `t` put the profile in, or null when its band is not known.
inline const compile::BandPlan* band_of(const compile::Program& p, const eval::EvalFrame& frame,
                                        std::size_t t) {
  const auto& band = frame.slots[p.tiers[t].band_slot];
  if (!band.known()) return nullptr;
  return &p.tiers[t].bands[static_cast<std::size_t>(band.number)];
}

}  // namespace retain::batch::lean
