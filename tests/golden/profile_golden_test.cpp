// Golden decisions for the example profiles: for every examples/profiles/X.json, the shipped
// rule set (rules/) decides the profile, and a compact summary of the decision must equal
// tests/golden/profiles/X.expect. Each .expect was reviewed by hand against DOMAIN.md.
//
// RETAIN_UPDATE_GOLDEN=1 rewrites the .expect files from the current decisions; review the diff
// before committing it.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kSourceDir = RETAIN_SOURCE_DIR;
const std::string kProfilesDir = kSourceDir + "/examples/profiles";
const std::string kExpectDir = kSourceDir + "/tests/golden/profiles";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> profile_names() {
  std::vector<std::string> names;
  if (!fs::exists(kProfilesDir)) return names;
  for (const auto& entry : fs::directory_iterator(kProfilesDir)) {
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

const retain::RuleSetPtr& rules() {
  static const retain::RuleSetPtr loaded = [] {
    auto result = retain::load_rules({kSourceDir + "/rules"});
    if (!result.value) {
      std::ostringstream out;
      retain::render_text(result.diagnostics, out);
      ADD_FAILURE() << "rules/ does not load:\n" << out.str();
      return retain::RuleSetPtr{};
    }
    return *result.value;
  }();
  return loaded;
}

template <class Items, class Fn>
std::string ids(const Items& items, Fn fn) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += " ";
    out += fn(item);
  }
  return out.empty() ? "-" : out;
}

// A compact, stable summary: one line per part of the decision. Texts and evidence are left
// out on purpose (they are reviewed with `retain eval`); the ids and numbers are what the
// business decision is.
std::string summarize(const retain::v1::Decision& d) {
  std::ostringstream out;
  char risk[32];
  std::snprintf(risk, sizeof risk, "%.3f", d.churn_risk());
  out << "customer: " << d.customer_id() << "\n";
  out << "tier: " << (d.tier().empty() ? "-" : d.tier()) << "\n";
  out << "credit_grade: " << (d.credit_grade().empty() ? "-" : d.credit_grade()) << "\n";
  out << "churn_risk: " << risk << "\n";
  out << "causes: " << ids(d.causes(), [](const auto& c) { return c.id(); }) << "\n";
  out << "tactics: " << ids(d.tactics(), [](const auto& t) {
    std::string s = t.id();
    if (t.answers_size() > 0) {
      s += "[";
      for (int i = 0; i < t.answers_size(); ++i) s += (i ? "," : "") + t.answers(i);
      s += "]";
    }
    return s;
  }) << "\n";
  out << "segments: " << ids(d.segments(), [](const auto& f) { return f.id(); }) << "\n";
  out << "account_actions: " << ids(d.account_actions(), [](const auto& f) { return f.id(); })
      << "\n";
  out << "credit_checks: " << ids(d.credit_checks(), [](const auto& f) { return f.id(); }) << "\n";
  std::map<std::string, std::string> bands;
  for (const auto& b : d.bands()) bands[b.tiers()] = b.band();
  out << "bands: " << ids(bands, [](const auto& b) { return b.first + "=" + b.second; }) << "\n";
  std::set<std::string> unknown;
  for (const auto& u : d.unknowns()) unknown.insert(u.rule());
  out << "unknowns: " << ids(unknown, [](const auto& u) { return u; }) << "\n";
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// A line diff (longest common subsequence): "-" expected only, "+" actual only.
std::string diff(const std::string& expected, const std::string& actual) {
  const auto a = lines_of(expected);
  const auto b = lines_of(actual);
  std::vector<std::vector<int>> lcs(a.size() + 1, std::vector<int>(b.size() + 1, 0));
  for (std::size_t i = a.size(); i-- > 0;) {
    for (std::size_t j = b.size(); j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::ostringstream out;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out << "  " << a[i] << "\n";
      ++i;
      ++j;
    } else if (j < b.size() && (i == a.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out << "+ " << b[j++] << "\n";
    } else {
      out << "- " << a[i++] << "\n";
    }
  }
  return out.str();
}

bool update_mode() {
  const char* env = std::getenv("RETAIN_UPDATE_GOLDEN");
  return env != nullptr && std::string(env) == "1";
}

class ProfileGoldenTest : public testing::TestWithParam<std::string> {};

TEST_P(ProfileGoldenTest, DecisionMatchesExpect) {
  ASSERT_TRUE(rules()) << "rules/ does not load";
  const std::string name = GetParam();
  const std::string json = read_file(kProfilesDir + "/" + name + ".json");
  retain::v1::CustomerProfile profile;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(json, &profile, options);
  ASSERT_TRUE(status.ok()) << "examples/profiles/" << name << ".json: " << status.ToString();
  const auto problem = retain::validate_profile(profile);
  EXPECT_FALSE(problem.has_value())
      << "examples/profiles/" << name << ".json: " << problem->field << ": " << problem->message;

  const auto decision = retain::decide(*rules(), profile);
  const std::string actual = summarize(decision);
  const std::string expect_path = kExpectDir + "/" + name + ".expect";
  if (update_mode()) {
    fs::create_directories(kExpectDir);
    std::ofstream(expect_path, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote tests/golden/profiles/" << name << ".expect";
  }
  ASSERT_TRUE(fs::exists(expect_path))
      << "tests/golden/profiles/" << name
      << ".expect is missing; run with RETAIN_UPDATE_GOLDEN=1 and review it. Decision:\n"
      << actual;
  const std::string expected = read_file(expect_path);
  EXPECT_EQ(expected, actual) << "tests/golden/profiles/" << name << ".expect differs:\n"
                              << diff(expected, actual);
}

std::string test_name(const testing::TestParamInfo<std::string>& info) {
  std::string out;
  for (char c : info.param) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

INSTANTIATE_TEST_SUITE_P(Profiles, ProfileGoldenTest, testing::ValuesIn(profile_names()),
                         test_name);

TEST(ProfileGoldenSetTest, AtLeastTwentyProfilesEachWithAnExpect) {
  const auto names = profile_names();
  EXPECT_GE(names.size(), 20u);
  std::vector<std::string> orphans;
  if (fs::exists(kExpectDir)) {
    for (const auto& entry : fs::directory_iterator(kExpectDir)) {
      if (entry.path().extension() != ".expect") continue;
      const auto stem = entry.path().stem().string();
      if (!std::binary_search(names.begin(), names.end(), stem)) orphans.push_back(stem);
    }
  }
  EXPECT_TRUE(orphans.empty()) << "expect files without a profile: " << orphans.size();
}

}  // namespace
