#include "service/stats_file.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <simdjson.h>

namespace retain::service {

namespace {
constexpr std::string_view kFormat = "retain.population_stats";
}

bool parse_stats(std::string_view text, LoadedStats* out, std::string* error) {
  namespace dom = simdjson::dom;
  dom::parser parser;
  const simdjson::padded_string padded(text);
  dom::element root;
  if (auto e = parser.parse(padded).get(root)) {
    *error = fmt::format("not valid JSON: {}", simdjson::error_message(e));
    return false;
  }
  std::string_view format;
  int64_t version = 0;
  if (root["format"].get(format) || format != kFormat) {
    *error = fmt::format("not a statistics file (\"format\" is not \"{}\")", kFormat);
    return false;
  }
  if (root["version"].get(version) || version != 1) {
    *error = "unsupported statistics file version (this retain reads version 1)";
    return false;
  }
  std::string_view hash;
  if (!root["ruleset"]["content_hash"].get(hash)) out->ruleset_hash = std::string(hash);
  uint64_t rows = 0;
  if (!root["rows"].get(rows)) out->rows = rows;
  dom::object tiers;
  if (root["tiers"].get(tiers)) {
    *error = "\"tiers\" is missing or not an object";
    return false;
  }
  std::map<std::string, std::vector<double>> columns;
  for (auto [id, column] : tiers) {
    dom::array values;
    if (column["values"].get(values)) {
      *error = fmt::format("tiers {}: \"values\" is missing or not an array", id);
      return false;
    }
    auto& out_column = columns[std::string(id)];
    out_column.reserve(values.size());
    for (auto v : values) {
      double d = 0;
      if (v.get(d)) {
        *error = fmt::format("tiers {}: a value is not a number", id);
        return false;
      }
      out_column.push_back(d);
    }
  }
  out->stats = std::make_shared<const PopulationStats>(std::move(columns));
  return true;
}

bool load_stats(const std::string& path, LoadedStats* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = fmt::format("cannot read {}", path);
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (!parse_stats(text.str(), out, error)) {
    *error = fmt::format("{}: {}", path, *error);
    return false;
  }
  return true;
}

std::vector<std::string> missing_tiers(const compile::RuleSet& rules,
                                       const PopulationStats& stats) {
  std::vector<std::string> missing;
  for (const auto& tiers : rules.program().tiers) {
    if (tiers.ranked && stats.column(tiers.id) == nullptr) missing.push_back(tiers.id);
  }
  return missing;
}

}  // namespace retain::service
