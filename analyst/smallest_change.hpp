// The smallest change of one profile field that makes a tactic fire. Candidates come from the
// fields its guard and the causes it answers read (through definitions, segments and tiers)
// and the constants they compare with; each candidate is checked by re-evaluating a modified
// copy of the profile with the engine, so every change reported is verified, never inferred.
#pragma once

#include <cstddef>

#include "analyst/why_not.hpp"

namespace retain::analyst {

// Fills why.changes (at most max_changes, one per field, smallest first), why.no_change and
// why.candidates_tried. Cooldowns and the max_tactics cap are not searched: changing the
// tactic's own guard cannot lift them.
void find_smallest_changes(const compile::RuleSet& rules, const check::CheckedModule& module,
                           const v1::CustomerProfile& profile, const PopulationStats* stats,
                           WhyNot& why, std::size_t max_changes = 3, int max_evaluations = 20000);

}  // namespace retain::analyst
