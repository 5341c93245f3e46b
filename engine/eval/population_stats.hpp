// Population statistics for percentile tiers (`tiers ... rank EXPR`): for each such tiers, the
// ranked values of the population. Immutable once built; safe to share between threads.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/compile/rule_set.hpp"
#include "engine/eval/frame.hpp"
#include "engine/eval/rank_index.hpp"
#include "retain/v1/profile.pb.h"

namespace retain {

class PopulationStats {
 public:
  // tiers id -> every known value of its rank expression in the population.
  // Values need not be sorted; the constructor sorts them, largest first. Tiers whose columns
  // are equal (the pyramid and the ABC classes both rank revenue_12m) share one index, and an
  // evaluation ranks a value in it once (eval::EvalFrame).
  explicit PopulationStats(std::map<std::string, std::vector<double>> columns = {});

  // Rank percentile of value among the population of `tiers`: 100 * (number of values
  // strictly greater) / N, so tied customers share the better rank (OI-4). 0 is the best.
  // Returns a negative number when there are no statistics for that tiers.
  double rank_pct(const std::string& tiers, double value) const;
  // The values of `tiers`, largest first, with their rank index; null without statistics.
  const eval::RankIndex* index(const std::string& tiers) const;
  std::size_t population(const std::string& tiers) const;

 private:
  std::map<std::string, std::shared_ptr<const eval::RankIndex>> columns_;
};

// Collects the rank-expression values of a population, one profile at a time.
// Not thread-safe: one builder per thread, then merge().
class StatsBuilder {
 public:
  explicit StatsBuilder(const compile::RuleSet& rules);
  void add(const v1::CustomerProfile& profile);
  void merge(const StatsBuilder& other);
  PopulationStats finish() const;
  // The columns, each sorted largest first (as a statistics file holds them), moved out.
  std::map<std::string, std::vector<double>> take_sorted_columns();

 private:
  const compile::RuleSet* rules_;
  eval::EvalFrame frame_;
  std::map<std::string, std::vector<double>> columns_;
};

}  // namespace retain
