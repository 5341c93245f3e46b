// Every ```rules block of docs/language.md is a complete rule file that parses and checks.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/support/rules_fixture.hpp"

namespace retain {
namespace {

std::vector<std::string> rules_blocks(const std::string& markdown) {
  std::vector<std::string> blocks;
  std::istringstream in(markdown);
  std::string line, block;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```rules") {
      inside = true;
      block.clear();
    } else if (inside && line == "```") {
      inside = false;
      blocks.push_back(block);
    } else if (inside) {
      block += line + "\n";
    }
  }
  return blocks;
}

TEST(LanguageDocTest, EveryRulesExampleChecksWithoutErrors) {
  std::ifstream file(RETAIN_SOURCE_DIR "/docs/language.md");
  ASSERT_TRUE(file) << "docs/language.md not found";
  std::stringstream text;
  text << file.rdbuf();
  const auto blocks = rules_blocks(text.str());
  ASSERT_GE(blocks.size(), 5u);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::string name = "docs/language.md#example" + std::to_string(i + 1);
    auto loaded = load_rules_from_memory({{name, blocks[i]}});
    EXPECT_TRUE(loaded.value.has_value()) << name << ":\n"
                                          << blocks[i] << "\n"
                                          << testing::rendered(loaded.diagnostics);
  }
}

TEST(LanguageDocTest, FirstExampleDecidesAsTheDocSays) {
  std::ifstream file(RETAIN_SOURCE_DIR "/docs/language.md");
  std::stringstream text;
  text << file.rdbuf();
  auto rules = testing::rules_from(rules_blocks(text.str()).at(0));
  ASSERT_TRUE(rules);
  const auto d = decide(*rules, testing::profile_from(R"({"quality_complaints_90d": 4})"));
  EXPECT_EQ(testing::ids(d.causes()), std::vector<std::string>{"QUALITY_UNSTABLE"});
  EXPECT_NEAR(d.churn_risk(), 0.35, 1e-12);
  EXPECT_EQ(testing::ids(d.tactics()), std::vector<std::string>{"QUALITY_MARKETING"});
  const auto cooled = decide(*rules, testing::profile_from(R"({"quality_complaints_90d": 4,
      "recent_actions": [{"action_id": "QUALITY_MARKETING", "days_ago": 12}]})"));
  EXPECT_EQ(cooled.tactics_size(), 0);
}

}  // namespace
}  // namespace retain
