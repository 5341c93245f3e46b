#include "batch/stats_file.hpp"

#include <algorithm>
#include <functional>
#include <iterator>

#include <fmt/format.h>
#include <simdjson.h>

#include "batch/decision_writer.hpp"
#include "batch/io.hpp"
#include "engine/json_text.hpp"

namespace retain::batch {

std::string render_stats_file(const StatsFile& s) {
  std::string out;
  out += "{\"format\":";
  append_json_quoted(out, kStatsFormat);
  fmt::format_to(std::back_inserter(out),
                 ",\"version\":{},\n\"ruleset\":{{\"name\":", kStatsVersion);
  append_json_quoted(out, s.ruleset_name);
  out += ",\"version\":";
  append_json_quoted(out, s.ruleset_version);
  out += ",\"content_hash\":";
  append_json_quoted(out, s.ruleset_hash);
  fmt::format_to(std::back_inserter(out), "}},\n\"rows\":{},\n\"source\":", s.rows);
  append_json_quoted(out, s.source);
  out += ",\n\"tiers\":{";
  bool first = true;
  for (const auto& [id, values] : s.columns) {
    if (!first) out += ",";
    first = false;
    out += "\n";
    append_json_quoted(out, id);
    fmt::format_to(std::back_inserter(out), ":{{\"count\":{},\"values\":[", values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) {
        out.push_back(',');
        if (i % 16 == 0) out.push_back('\n');
      }
      append_json_number(out, values[i]);
    }
    out += "]}";
  }
  out += "\n}}\n";
  return out;
}

bool parse_stats_file(std::string_view text, StatsFile* s, std::string* error) {
  namespace dom = simdjson::dom;
  dom::parser parser;
  dom::element root;
  if (auto e = parser.parse(text.data(), text.size()).get(root)) {
    *error = fmt::format("not valid JSON: {}", simdjson::error_message(e));
    return false;
  }
  std::string_view format;
  if (root["format"].get(format) || format != kStatsFormat) {
    *error = fmt::format("not a retain statistics file (\"format\" is not \"{}\")", kStatsFormat);
    return false;
  }
  std::int64_t version = 0;
  if (root["version"].get(version) || version != kStatsVersion) {
    *error =
        fmt::format("unsupported statistics file version (this retain reads {})", kStatsVersion);
    return false;
  }
  *s = StatsFile{};
  std::string_view sv;
  if (!root["ruleset"]["name"].get(sv)) s->ruleset_name = sv;
  if (!root["ruleset"]["version"].get(sv)) s->ruleset_version = sv;
  if (!root["ruleset"]["content_hash"].get(sv)) s->ruleset_hash = sv;
  if (!root["source"].get(sv)) s->source = sv;
  std::uint64_t rows = 0;
  if (!root["rows"].get(rows)) s->rows = rows;
  dom::object tiers;
  if (root["tiers"].get(tiers)) {
    *error = "missing \"tiers\" object";
    return false;
  }
  for (auto [key, value] : tiers) {
    dom::array values;
    if (value["values"].get(values)) {
      *error = fmt::format("tiers '{}' has no \"values\" array", key);
      return false;
    }
    auto& column = s->columns[std::string(key)];
    column.reserve(values.size());
    for (dom::element v : values) {
      double d = 0;
      if (v.get(d)) {
        *error = fmt::format("tiers '{}': a value is not a number", key);
        return false;
      }
      column.push_back(d);
    }
    if (!std::is_sorted(column.begin(), column.end(), std::greater<>())) {
      std::sort(column.begin(), column.end(), std::greater<>());
    }
  }
  return true;
}

bool load_stats_file(const std::string& path, StatsFile* stats, std::string* error) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const IoError& e) {
    *error = e.message;
    return false;
  }
  if (!parse_stats_file(text, stats, error)) {
    *error = fmt::format("{}: {}", path, *error);
    return false;
  }
  return true;
}

bool merge_stats_files(const std::vector<StatsFile>& parts, StatsFile* merged, std::string* error) {
  if (parts.empty()) {
    *error = "no statistics files to merge";
    return false;
  }
  *merged = StatsFile{};
  merged->ruleset_name = parts[0].ruleset_name;
  merged->ruleset_version = parts[0].ruleset_version;
  merged->ruleset_hash = parts[0].ruleset_hash;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const StatsFile& p = parts[i];
    if (p.ruleset_hash != merged->ruleset_hash) {
      *error = fmt::format(
          "statistics file {} comes from another rule set ({} {} {}) than the "
          "first ({} {} {})",
          i + 1, p.ruleset_name, p.ruleset_version, p.ruleset_hash.substr(0, 12),
          merged->ruleset_name, merged->ruleset_version, merged->ruleset_hash.substr(0, 12));
      return false;
    }
    merged->rows += p.rows;
    if (!merged->source.empty()) merged->source += " + ";
    merged->source += p.source;
    for (const auto& [id, values] : p.columns) {
      auto& column = merged->columns[id];
      column.insert(column.end(), values.begin(), values.end());
    }
  }
  for (auto& [id, values] : merged->columns) {
    std::sort(values.begin(), values.end(), std::greater<>());
  }
  return true;
}

}  // namespace retain::batch
