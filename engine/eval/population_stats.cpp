#include "engine/eval/population_stats.hpp"

#include <algorithm>
#include <functional>
#include <utility>

#include "engine/eval/evaluator.hpp"

namespace retain {

PopulationStats::PopulationStats(std::map<std::string, std::vector<double>> columns) {
  for (auto& [tiers, values] : columns) {
    // Statistics files and StatsBuilder hold their columns sorted already: a linear check
    // spares `retain score --stats` an O(n log n) sort of every column on every run.
    if (!std::is_sorted(values.begin(), values.end(), std::greater<>())) {
      std::sort(values.begin(), values.end(), std::greater<>());
    }
    std::shared_ptr<const eval::RankIndex> shared;
    for (const auto& [other, index] : columns_) {
      if (std::ranges::equal(index->values(), values)) shared = index;
    }
    columns_.emplace(tiers, shared ? shared : std::make_shared<eval::RankIndex>(values));
    // The index holds its own copy: free this one before the next column's is made.
    std::vector<double>().swap(values);
  }
}

const eval::RankIndex* PopulationStats::index(const std::string& tiers) const {
  auto it = columns_.find(tiers);
  return it == columns_.end() ? nullptr : it->second.get();
}

std::size_t PopulationStats::population(const std::string& tiers) const {
  const auto* found = index(tiers);
  return found != nullptr ? found->size() : 0;
}

double PopulationStats::rank_pct(const std::string& tiers, double value) const {
  const auto* values = index(tiers);
  if (values == nullptr || values->size() == 0) return -1;
  return 100.0 * static_cast<double>(values->count_greater(value)) /
         static_cast<double>(values->size());
}

StatsBuilder::StatsBuilder(const compile::RuleSet& rules) : rules_(&rules) {
  for (const auto& tiers : rules.program().tiers) {
    if (tiers.ranked) columns_[tiers.id];
  }
}

void StatsBuilder::add(const v1::CustomerProfile& profile) {
  eval::evaluate(*rules_, profile, nullptr, frame_);
  for (const auto& tiers : rules_->program().tiers) {
    if (!tiers.ranked) continue;
    const auto& value = frame_.slots[tiers.value_slot];
    if (value.known()) columns_[tiers.id].push_back(value.number);
  }
}

void StatsBuilder::merge(const StatsBuilder& other) {
  for (const auto& [tiers, values] : other.columns_) {
    auto& mine = columns_[tiers];
    mine.insert(mine.end(), values.begin(), values.end());
  }
}

PopulationStats StatsBuilder::finish() const {
  return PopulationStats(columns_);
}

std::map<std::string, std::vector<double>> StatsBuilder::take_sorted_columns() {
  for (auto& [tiers, values] : columns_) std::sort(values.begin(), values.end(), std::greater<>());
  return std::move(columns_);
}

}  // namespace retain
