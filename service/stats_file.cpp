#include "service/stats_file.hpp"

#include <map>
#include <utility>

#include "batch/stats_file.hpp"

namespace retain::service {

// The file format has one reader, batch/stats_file (it also writes and merges the files); the
// service only turns what it read into the engine's PopulationStats.
namespace {
void adopt(batch::StatsFile&& file, LoadedStats* out) {
  out->ruleset_hash = std::move(file.ruleset_hash);
  out->rows = file.rows;
  out->stats = std::make_shared<const PopulationStats>(std::move(file.columns));
}
}  // namespace

bool parse_stats(std::string_view text, LoadedStats* out, std::string* error) {
  batch::StatsFile file;
  if (!batch::parse_stats_file(text, &file, error)) return false;
  adopt(std::move(file), out);
  return true;
}

bool load_stats(const std::string& path, LoadedStats* out, std::string* error) {
  batch::StatsFile file;
  if (!batch::load_stats_file(path, &file, error)) return false;
  adopt(std::move(file), out);
  return true;
}

std::vector<std::string> missing_tiers(const compile::RuleSet& rules,
                                       const PopulationStats& stats) {
  std::vector<std::string> missing;
  for (const auto& tiers : rules.program().tiers) {
    if (tiers.ranked && stats.index(tiers.id) == nullptr) missing.push_back(tiers.id);
  }
  return missing;
}

}  // namespace retain::service
