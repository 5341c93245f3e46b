// Condition folding (engine/compile/condition_folding.hpp) must change how fast a rule set
// decides, never what it decides: folded and plain programs are compared on the shipped rules
// over the example profiles and a random population with many unknowns.
#include <random>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "engine/compile/compiler.hpp"
#include "tests/support/random_profiles.hpp"
#include "tests/support/rules_fixture.hpp"

namespace retain {
namespace {

namespace pb = google::protobuf;
using testing::profile_from;

struct Pair {
  RuleSetPtr folded;
  RuleSetPtr plain;
};

Pair compile_both(const PhaseResult<CheckedModulePtr>& checked) {
  EXPECT_TRUE(checked.value.has_value()) << testing::rendered(checked.diagnostics);
  if (!checked.value) return {};
  // The folded tests interpreted: native_conditions_test compares machine code with them.
  return {compile::compile(**checked.value, "h", compile::CompileOptions{true, false}),
          compile::compile(**checked.value, "h", compile::CompileOptions{false, false})};
}

Pair compile_both(const std::string& text) {
  return compile_both(check_rules_from_memory({{"test.rules", text}}));
}

std::size_t count_op(const compile::Program& p, compile::OpCode op) {
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < p.main_end; ++i) n += p.instrs[i].op == op;
  return n;
}

void expect_same_decisions(const Pair& rules, const std::vector<v1::CustomerProfile>& people) {
  ASSERT_TRUE(rules.folded && rules.plain);
  EvalOptions options;
  options.trace = true;
  eval::EvalFrame folded_frame, plain_frame;
  for (const auto& profile : people) {
    v1::Decision folded, plain;
    decide(*rules.folded, profile, nullptr, folded_frame, &folded, options);
    decide(*rules.plain, profile, nullptr, plain_frame, &plain, options);
    ASSERT_TRUE(pb::util::MessageDifferencer::Equals(folded, plain))
        << profile.DebugString() << "\nfolded:\n"
        << folded.DebugString() << "\nplain:\n"
        << plain.DebugString();
  }
}

TEST(ConditionFoldingTest, ShippedRulesDecideAsThePlainProgram) {
  const Pair rules = compile_both(check_rules({RETAIN_SOURCE_DIR "/rules"}));
  ASSERT_TRUE(rules.folded);
  // The shipped rules have and/or trees, so folding must have happened.
  EXPECT_GT(count_op(rules.folded->program(), compile::OpCode::Branch), 0u);
  EXPECT_LT(rules.folded->program().main_end, rules.plain->program().main_end);

  std::vector<v1::CustomerProfile> people = testing::example_profiles();
  ASSERT_GT(people.size(), 10u);
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) people.push_back(testing::random_profile(rng));
  expect_same_decisions(rules, people);
}

TEST(ConditionFoldingTest, ThreeValuedLogicIsKeptForEveryCombination) {
  // Optional fields, each true, false or unknown (unset) in every combination.
  const std::string a = "account_manager_changed_days > 5";
  const std::string b = "satisfaction < 3";
  const std::string c = "price_sensitivity != 0.5";
  const Pair rules = compile_both(
      "segment AND_OR { label en \"x\" when " + a + " and (" + b + " or not " + c + ") }\n" +
      "segment OR_AND { label en \"x\" when not (" + b + " and " + a + ") or " + c + " }\n" +
      "segment NOT_NOT { label en \"x\" when not (not " + a + " or not " + c + ") }\n");
  std::vector<v1::CustomerProfile> people;
  for (const char* days :
       {"", "\"account_manager_changed_days\": 9,", "\"account_manager_changed_days\": 2,"}) {
    for (const char* satisfaction : {"", "\"satisfaction\": 1,", "\"satisfaction\": 4,"}) {
      for (const char* price : {"", "\"price_sensitivity\": 0.5,", "\"price_sensitivity\": 0.9,"}) {
        people.push_back(profile_from(std::string("{") + days + satisfaction + price +
                                      "\"customer_id\": \"c\"}"));
      }
    }
  }
  expect_same_decisions(rules, people);
}

TEST(ConditionFoldingTest, SharedNodesKeepTheirInstructionAndValue) {
  // `risky` is read by two rules and traced as a definition: it is folded as a tree of its
  // own whose slot is written, and the two rules test that slot.
  const auto rules = testing::rules_from(
      "let risky = quality_complaints_90d >= 3 and satisfaction < 5\n"
      "segment A { label en \"a\" when risky and is_lost }\n"
      "segment B { label en \"b\" when risky or tenure_months > 100 }\n");
  ASSERT_TRUE(rules);
  const auto& p = rules->program();
  EXPECT_EQ(count_op(p, compile::OpCode::And), 0u);  // risky's And is folded as a root
  EvalOptions options;
  options.trace = true;
  const auto d = decide(
      *rules, profile_from(R"({"quality_complaints_90d": 4, "satisfaction": 2, "is_lost": true})"),
      nullptr, options);
  EXPECT_EQ(testing::ids(d.segments()), (std::vector<std::string>{"A", "B"}));
  bool traced = false;
  for (const auto& entry : d.trace()) {
    if (entry.rule() == "risky") {
      traced = true;
      EXPECT_EQ(entry.detail(), "true") << entry.DebugString();
    }
  }
  EXPECT_TRUE(traced);
}

TEST(ConditionFoldingTest, HugeConditionsFallBackToInstructions) {
  // 200 conjuncts need more tests than a tree may have: the plain instructions remain, and
  // decide the same way.
  std::string when;
  for (int i = 0; i < 200; ++i) {
    if (i > 0) when += " and ";
    when += "tenure_months != " + std::to_string(1000 + i);
  }
  const Pair rules = compile_both("segment LONG { label en \"l\" when " + when + " }\n");
  ASSERT_TRUE(rules.folded);
  EXPECT_EQ(count_op(rules.folded->program(), compile::OpCode::Branch), 0u);
  expect_same_decisions(rules, {profile_from(R"({"tenure_months": 3})"),
                                profile_from(R"({"tenure_months": 1005})"), profile_from("{}")});
}

}  // namespace
}  // namespace retain
