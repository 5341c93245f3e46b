// Per-thread evaluation state, sized by the rule set and reused across evaluations: reset()
// never frees, so evaluating a profile allocates nothing once the frame has grown.
// Not thread-safe: one frame per thread or batch worker.
#pragma once

#include <string>
#include <vector>

#include "engine/eval/rank_index.hpp"
#include "engine/eval/value.hpp"

namespace retain {
class PopulationStats;
}

namespace retain::compile {
class RuleSet;
}

namespace retain::eval {

class EvalFrame {
 public:
  EvalFrame() = default;

  std::vector<Value> slots;
  // Stats bound to the tiers of the current rule set: columns[i] for tiers i, or null.
  const compile::RuleSet* bound_rules = nullptr;
  const PopulationStats* bound_stats = nullptr;
  std::vector<const RankIndex*> columns;
  // The last rank looked up in this evaluation: tiers that rank the same expression over the
  // same population (equal columns share an index) look it up once. Reset by every evaluation.
  const RankIndex* ranked_in = nullptr;
  double ranked_value = 0;
  std::size_t ranked_greater = 0;
  // Per tiers: where this evaluation located its value at the start (Program::rank_prefetch).
  struct Located {
    const RankIndex* in = nullptr;
    double value = 0;
    std::size_t position = 0;
  };
  std::vector<Located> located;
  // Current action index inside count(... where ...).
  int action = -1;
  // Outcome of the last evaluation: proposed tactic indices after max_tactics.
  std::vector<std::uint32_t> proposed_tactics;
  std::vector<std::uint32_t> dropped_tactics;
};

}  // namespace retain::eval
