// The population statistics file (`retain stats --out stats.json`, read by `retain score
// --stats` and `retain serve --stats`): for each percentile tiers (`tiers X { rank EXPR }`) the
// value of EXPR for every scored customer, sorted largest first, so that ranks computed from
// the file equal ranks computed over the population itself. Shard files merge by
// concatenating columns. Format: docs/batch.md, "Statistics file". Pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace retain::batch {

inline constexpr std::string_view kStatsFormat = "retain.population_stats";
inline constexpr int kStatsVersion = 1;

struct StatsFile {
  std::string ruleset_name, ruleset_version, ruleset_hash;
  std::uint64_t rows = 0;  // profiles that contributed (the scored rows)
  std::string source;      // informational: input file and shard
  std::map<std::string, std::vector<double>> columns;  // tiers id -> values, descending
};

std::string render_stats_file(const StatsFile& stats);
bool parse_stats_file(std::string_view text, StatsFile* stats, std::string* error);
// Reads and parses a file; false with a message naming the file.
bool load_stats_file(const std::string& path, StatsFile* stats, std::string* error);

// Merges shard files: every input must come from the same rule set (content hash). The
// result is what one pass over all the shards' rows gives.
bool merge_stats_files(const std::vector<StatsFile>& parts, StatsFile* merged, std::string* error);

}  // namespace retain::batch
