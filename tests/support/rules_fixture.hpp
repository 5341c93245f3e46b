// Test helpers: compile rule text held in a string, and build profiles from JSON.
#pragma once

#include <map>
#include <sstream>
#include <string>

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "engine/engine.hpp"

namespace retain::testing {

inline std::string rendered(const Diagnostics& diagnostics) {
  std::ostringstream out;
  render_text(diagnostics, out);
  return out.str();
}

// Compiles one in-memory rule file; fails the test (with the diagnostics) on errors.
inline RuleSetPtr rules_from(const std::string& text, const std::string& path = "test.rules") {
  auto loaded = load_rules_from_memory({{path, text}});
  EXPECT_TRUE(loaded.value.has_value()) << rendered(loaded.diagnostics);
  return loaded.value.value_or(nullptr);
}

// The diagnostics of an in-memory rule file (expected to have errors).
inline Diagnostics diagnostics_of(const std::string& text, const std::string& path = "test.rules") {
  return load_rules_from_memory({{path, text}}).diagnostics;
}

inline v1::CustomerProfile profile_from(const std::string& json) {
  v1::CustomerProfile profile;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &profile);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return profile;
}

template <class List>
std::vector<std::string> ids(const List& list) {
  std::vector<std::string> out;
  for (const auto& item : list) out.push_back(item.id());
  return out;
}

}  // namespace retain::testing
