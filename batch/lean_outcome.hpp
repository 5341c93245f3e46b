// What a lean decision holds, read straight from an evaluated frame (eval::evaluate) instead of
// from the v1::Decision that render_decision builds: the batch's lean writer and summary read
// these per row, and building and clearing a Decision (strings, repeated messages) cost more
// than the evaluation itself. Must agree with render_decision without explanations; the
// lean writer's test compares the two on the shipped rules.
#pragma once

#include "engine/compile/program.hpp"
#include "engine/eval/frame.hpp"

namespace retain::batch::lean {

inline bool fired(const eval::EvalFrame& frame, const compile::Rule& rule) {
  return frame.slots[rule.slot].is_true();
}

inline bool undecided(const eval::EvalFrame& frame, const compile::Rule& rule) {
  return !frame.slots[rule.slot].known();
}

// 1 - prod(1 - weight) over the fired causes, multiplied in the order render_decision uses, so
// that the printed risk is the same to the last digit.
inline double churn_risk(const compile::Program& p, const eval::EvalFrame& frame) {
  double keep = 1.0;
  for (const auto& cause : p.causes) {
    if (fired(frame, cause)) keep *= 1.0 - cause.weight;
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
