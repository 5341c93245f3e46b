#include "batch/stats_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <simdjson.h>

#include "batch/decision_writer.hpp"
#include "batch/number_arrays.hpp"
#include "engine/huge_pages.hpp"
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

namespace {

namespace od = simdjson::ondemand;

// The file is read with simdjson's On-Demand API, straight into the columns (a DOM of a
// million-customer file took a 48 MB tape and a padded copy), after the "values" arrays have
// been parsed in parallel and cut out of `data`, which is overwritten (number_arrays.hpp).
bool parse_padded(char* data, std::size_t size, std::size_t capacity, StatsFile* s,
                  std::string* error) {
  std::vector<NumberArray> arrays =
      cut_number_arrays(data, size, "values", std::max(1u, std::thread::hardware_concurrency()));
  const simdjson::padded_string_view text(data, size, capacity);
  const auto invalid = [&](simdjson::error_code e) {
    *error = fmt::format("not valid JSON: {}", simdjson::error_message(e));
    return false;
  };
  od::parser parser;
  od::document doc;
  od::object root;
  if (auto e = parser.iterate(text).get(doc)) return invalid(e);
  if (auto e = doc.get_object().get(root)) return invalid(e);
  std::string_view format;
  if (root["format"].get_string().get(format) || format != kStatsFormat) {
    *error = fmt::format("not a retain statistics file (\"format\" is not \"{}\")", kStatsFormat);
    return false;
  }
  std::int64_t version = 0;
  if (root["version"].get_int64().get(version) || version != kStatsVersion) {
    *error =
        fmt::format("unsupported statistics file version (this retain reads {})", kStatsVersion);
    return false;
  }
  *s = StatsFile{};
  std::string_view sv;
  od::object ruleset;
  if (!root["ruleset"].get_object().get(ruleset)) {
    if (!ruleset["name"].get_string().get(sv)) s->ruleset_name = sv;
    if (!ruleset["version"].get_string().get(sv)) s->ruleset_version = sv;
    if (!ruleset["content_hash"].get_string().get(sv)) s->ruleset_hash = sv;
  }
  if (!root["source"].get_string().get(sv)) s->source = sv;
  std::uint64_t rows = 0;
  if (!root["rows"].get_uint64().get(rows)) s->rows = rows;
  od::object tiers;
  if (root["tiers"].get_object().get(tiers)) {
    *error = "missing \"tiers\" object";
    return false;
  }
  for (auto field_result : tiers) {
    od::field field;
    std::string_view key;
    if (auto e = std::move(field_result).get(field)) return invalid(e);
    if (auto e = field.unescaped_key().get(key)) return invalid(e);
    const std::string id(key);
    od::object entry;
    od::value values_value;
    od::array values;
    if (field.value().get_object().get(entry)) {
      *error = fmt::format("tiers '{}' is not an object", id);
      return false;
    }
    // Written before the values: read first, without rewinding. Optional.
    std::uint64_t count = 0;
    if (entry["count"].get_uint64().get(count)) count = 0;
    if (entry["values"].get(values_value) || values_value.get_array().get(values)) {
      *error = fmt::format("tiers '{}' has no \"values\" array", id);
      return false;
    }
    auto& column = s->columns[id];
    const auto open = static_cast<std::size_t>(values_value.raw_json_token().data() - data);
    const auto cut =
        std::lower_bound(arrays.begin(), arrays.end(), open,
                         [](const NumberArray& a, std::size_t offset) { return a.open < offset; });
    if (cut != arrays.end() && cut->open == open) {
      column = std::move(cut->values);  // parsed already; simdjson sees the array empty
    } else {
      // A reservation, not a check: a wrong count must not allocate without bound.
      column.reserve(std::min<std::uint64_t>(count, std::uint64_t{1} << 27));
      advise_huge_pages(column.data(), column.capacity() * sizeof(double));
      for (auto value : values) {
        double d = 0;
        if (value.get_double().get(d)) {
          *error = fmt::format("tiers '{}': a value is not a number", id);
          return false;
        }
        column.push_back(d);
      }
    }
    if (!std::is_sorted(column.begin(), column.end(), std::greater<>())) {
      std::sort(column.begin(), column.end(), std::greater<>());
    }
  }
  return true;
}

}  // namespace

bool parse_stats_file(std::string_view text, StatsFile* s, std::string* error) {
  simdjson::padded_string padded(text);
  return parse_padded(padded.data(), padded.size(), padded.size() + simdjson::SIMDJSON_PADDING, s,
                      error);
}

bool load_stats_file(const std::string& path, StatsFile* stats, std::string* error) {
  // Read into a buffer of our own (rather than padded_string::load) to advise huge pages
  // before the read writes it.
  std::error_code size_error;
  const auto size = std::filesystem::file_size(path, size_error);
  std::ifstream in(path, std::ios::binary);
  if (size_error || !in) {
    *error = fmt::format("{}: cannot read: {}", path,
                         size_error ? size_error.message() : std::strerror(errno));
    return false;
  }
  const std::size_t capacity = size + simdjson::SIMDJSON_PADDING;
  std::unique_ptr<char[]> buffer(new char[capacity]);
  advise_huge_pages(buffer.get(), capacity);
  if (!in.read(buffer.get(), static_cast<std::streamsize>(size)) ||
      static_cast<std::uint64_t>(in.gcount()) != size) {
    *error = fmt::format(
        "{}: cannot read the whole file (it changed while being read, or an I/O error)", path);
    return false;
  }
  std::memset(buffer.get() + size, 0, simdjson::SIMDJSON_PADDING);
  if (!parse_padded(buffer.get(), size, capacity, stats, error)) {
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
