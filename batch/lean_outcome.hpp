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

// The outcome of one evaluation as a lean decision lists it, read from the frame once per row
// for both the writer and the summary: indices of the fired and of the undecided rules of
// each list, the risk, and each tiers' band. Reused from row to row (no allocation once grown).
struct Outcome {
  std::vector<std::uint32_t> fired[kListCount];
  std::vector<std::uint32_t> undecided[kListCount];
  std::vector<const compile::BandPlan*> bands;  // per tiers; null: the band is not known
  double churn_risk = 0;
  bool any_undecided = false;  // a rule or a tiers

  void read(const Slots& s, const compile::Program& p, const eval::EvalFrame& frame) {
    double keep = 1.0;  // multiplied in render_decision's order: the same risk to the last digit
    any_undecided = false;
    for (int l = 0; l < kListCount; ++l) {
      const auto& slots = s.of[l];
      fired[l].clear();
      undecided[l].clear();
      for (std::uint32_t i = 0; i < slots.size(); ++i) {
        const eval::Value& v = frame.slots[slots[i]];
        if (v.is_true()) {
          fired[l].push_back(i);
          if (l == kCauses) keep *= 1.0 - s.weights[i];
        } else if (!v.known()) {
          undecided[l].push_back(i);
        }
      }
      any_undecided = any_undecided || !undecided[l].empty();
    }
    churn_risk = 1.0 - keep;
    bands.resize(p.tiers.size());
    for (std::size_t t = 0; t < p.tiers.size(); ++t) {
      const auto& band = frame.slots[p.tiers[t].band_slot];
      bands[t] = band.known() ? &p.tiers[t].bands[static_cast<std::size_t>(band.number)] : nullptr;
      any_undecided = any_undecided || bands[t] == nullptr;
    }
  }

  // The band of a `sets` tiers (tier_index, credit_grade_index), or null.
  const compile::BandPlan* band(int tiers) const {
    return tiers < 0 ? nullptr : bands[static_cast<std::size_t>(tiers)];
  }
};

}  // namespace retain::batch::lean
