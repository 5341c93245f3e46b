// decide_wire writes the Decision's wire bytes by hand, mirroring render_decision. Parsed back,
// they must be exactly the message decide() builds, for every generated customer, with and
// without explanations, with and without population statistics (ranked tiers then unknown).
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace {

const std::string kSourceDir = RETAIN_SOURCE_DIR;

std::vector<retain::v1::CustomerProfile> customers() {
  std::vector<retain::v1::CustomerProfile> out;
  std::ifstream in(kSourceDir + "/examples/customers.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    retain::v1::CustomerProfile profile;
    if (google::protobuf::util::JsonStringToMessage(line, &profile).ok()) {
      out.push_back(std::move(profile));
    }
  }
  return out;
}

TEST(DecisionWireTest, ParsesBackToTheRenderedDecisionForEveryCustomer) {
  auto loaded = retain::load_rules({kSourceDir + "/rules"});
  ASSERT_TRUE(loaded.value);
  const auto& rules = **loaded.value;
  const auto profiles = customers();
  ASSERT_GT(profiles.size(), 1000u);
  retain::StatsBuilder builder(rules);
  for (const auto& profile : profiles) builder.add(profile);
  const auto stats = builder.finish();

  retain::eval::EvalFrame frame;
  retain::v1::Decision expected;
  retain::v1::Decision parsed;
  std::string wire;
  std::size_t fired = 0;
  std::size_t unknowns = 0;
  for (const retain::PopulationStats* population :
       std::vector<const retain::PopulationStats*>{&stats, nullptr}) {
    // Every language, one language, and one no rule is written in (the fallbacks).
    for (const auto& [explanations, language] : std::vector<std::pair<bool, std::string>>{
             {true, ""}, {true, "zh"}, {true, "fr"}, {false, ""}}) {
      retain::EvalOptions options;
      options.explanations = explanations;
      options.language = language;
      for (const auto& profile : profiles) {
        retain::decide(rules, profile, population, frame, &expected, options);
        retain::decide_wire(rules, profile, population, frame, options, &wire);
        ASSERT_TRUE(parsed.ParseFromString(wire)) << profile.customer_id();
        ASSERT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, expected))
            << profile.customer_id() << " explanations " << explanations << " language '"
            << language << "'\nwire:\n"
            << parsed.DebugString() << "\nrendered:\n"
            << expected.DebugString();
        // proto3 leaves out what is empty or zero: so must the hand-written bytes.
        ASSERT_EQ(wire.size(), expected.ByteSizeLong()) << profile.customer_id();
        fired += static_cast<std::size_t>(expected.causes_size() + expected.segments_size() +
                                          expected.account_actions_size() +
                                          expected.credit_checks_size());
        unknowns += static_cast<std::size_t>(expected.unknowns_size());
      }
    }
  }
  // The comparison covered texts and the reasons of undecided rules, not only empty decisions.
  EXPECT_GT(fired, profiles.size());
  EXPECT_GT(unknowns, 0u);
}

}  // namespace
