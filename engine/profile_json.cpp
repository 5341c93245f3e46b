#include "engine/profile_json.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

namespace retain {

namespace {

bool parse_one(std::string_view json, v1::CustomerProfile* profile, std::string* error) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), profile, options);
  if (!status.ok()) {
    *error = std::string(status.message());
    return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

ParsedProfiles parse_profiles_json(std::string_view text) {
  ParsedProfiles out;
  v1::CustomerProfile single;
  std::string error;
  if (parse_one(trim(text), &single, &error)) {
    out.profiles.push_back(std::move(single));
    const std::size_t first = text.find_first_not_of(" \t\r\n");
    out.lines.push_back(
        1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + first, '\n')));
    return out;
  }
  // Not one object: read JSON lines, reporting each bad line by number.
  std::size_t line_number = 0;
  std::size_t start = 0;
  bool several_lines = false;
  while (start <= text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string_view line = trim(
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    ++line_number;
    if (end != std::string_view::npos) several_lines = true;
    if (!line.empty()) {
      v1::CustomerProfile profile;
      std::string line_error;
      if (parse_one(line, &profile, &line_error)) {
        out.profiles.push_back(std::move(profile));
        out.lines.push_back(line_number);
      } else {
        out.errors.push_back(fmt::format("line {}: {}", line_number, line_error));
      }
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (!several_lines || out.profiles.empty()) {
    // A single (multi-line) object that failed: report the whole-text error once.
    out.profiles.clear();
    out.lines.clear();
    out.errors.assign(1, error.empty() ? "empty input" : error);
  }
  return out;
}

std::string decision_to_json(const v1::Decision& decision, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = pretty;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(decision, &json, options);
  return json;
}

}  // namespace retain
