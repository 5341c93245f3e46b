// Reads the population statistics file that `retain stats` writes (format: docs/batch.md,
// "Percentile tiers and the statistics file"), for `retain serve --stats`: percentile tiers
// then rank a customer among that population instead of using their `fallback`.
// Pure functions; the result is immutable and shared between threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compile/rule_set.hpp"
#include "engine/eval/population_stats.hpp"

namespace retain::service {

struct LoadedStats {
  std::shared_ptr<const PopulationStats> stats;
  std::string ruleset_hash;  // of the rules the statistics were computed with
  std::uint64_t rows = 0;
};

// Parses the file's text; false and a message on a malformed file.
bool parse_stats(std::string_view text, LoadedStats* out, std::string* error);
bool load_stats(const std::string& path, LoadedStats* out, std::string* error);

// The percentile tiers of `rules` that the statistics lack (an error when serving).
std::vector<std::string> missing_tiers(const compile::RuleSet& rules, const PopulationStats& stats);

}  // namespace retain::service
