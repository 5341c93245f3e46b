#include "engine/eval/population_stats.hpp"

#include <algorithm>
#include <functional>

#include "engine/eval/evaluator.hpp"

namespace retain {

PopulationStats::PopulationStats(std::map<std::string, std::vector<double>> columns)
    : columns_(std::move(columns)) {
  // Statistics files and StatsBuilder hold their columns sorted already: a linear check spares
  // `retain score --stats` an O(n log n) sort of every column on every run.
  for (auto& [tiers, values] : columns_) {
    if (!std::is_sorted(values.begin(), values.end(), std::greater<>())) {
      std::sort(values.begin(), values.end(), std::greater<>());
    }
  }
}

const std::vector<double>* PopulationStats::column(const std::string& tiers) const {
  auto it = columns_.find(tiers);
  return it == columns_.end() ? nullptr : &it->second;
}

std::size_t PopulationStats::population(const std::string& tiers) const {
  const auto* values = column(tiers);
  return values ? values->size() : 0;
}

double PopulationStats::rank_pct(const std::string& tiers, double value) const {
  const auto* values = column(tiers);
  if (values == nullptr || values->empty()) return -1;
  const auto greater = std::partition_point(values->begin(), values->end(),
                                            [value](double x) { return x > value; }) -
                       values->begin();
  return 100.0 * static_cast<double>(greater) / static_cast<double>(values->size());
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

}  // namespace retain
