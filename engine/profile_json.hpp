// Profiles from JSON (protobuf JSON mapping) and decisions to JSON. Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "engine/diagnostics.hpp"
#include "retain/v1/decision.pb.h"
#include "retain/v1/profile.pb.h"

namespace retain {

struct ParsedProfiles {
  std::vector<v1::CustomerProfile> profiles;
  std::vector<std::size_t> lines;   // the line each profile starts on (1-based), as profiles
  std::vector<std::string> errors;  // "line 3: ..." for each input that could not be read
};

// One JSON object (possibly spread over lines), or JSON lines: one object per line.
ParsedProfiles parse_profiles_json(std::string_view text);

// Protobuf JSON with the proto field names; pretty adds newlines and indentation.
std::string decision_to_json(const v1::Decision& decision, bool pretty);

}  // namespace retain
