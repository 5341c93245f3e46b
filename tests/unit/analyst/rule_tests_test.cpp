// retain test: *_test.json cases against real rules, failures with expected vs actual and the
// explanation, coverage and its threshold, and the shipped rules/retention_test.json.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "analyst/rule_tests.hpp"
#include "test_support.hpp"

namespace retain::analyst {
namespace {

using namespace retain::analyst::testing;
using ::testing::HasSubstr;
using ::testing::Not;

const char* kRules = R"(ruleset small version "1"

cause STAFF_TURNOVER {
  label en "Account manager left"
  weight 0.4
  when account_manager_changed_days <= 90
}

cause QUALITY_UNSTABLE {
  label en "Unstable quality"
  weight 0.35
  when quality_complaints_90d >= 3
}

tactic BUILD_CUSTOMER_TIES {
  label en "Tie the customer to the company"
  answers STAFF_TURNOVER
  priority 1
}

tactic CALL_THEM {
  label en "Call"
  answers any
  priority 2
}
)";

class RuleTestCli : public TempDirTest {
 protected:
  std::string test_file(const std::string& cases) {
    write("rules/small.rules", kRules);
    return write("rules/small_test.json", R"({"rules": ".", "cases": [)" + cases + "]}");
  }
};

const char* kManagerLeft =
    R"({"name": "manager left", "profile": {"customer_id": "C1", "account_manager_changed_days": 30},
        "expect": %s})";

std::string manager_left(const std::string& expect) {
  std::string s = kManagerLeft;
  return s.replace(s.find("%s"), 2, expect);
}

TEST_F(RuleTestCli, ShippedRuleTestsPass) {
  const auto r = retain({"test", (kSourceDir / "rules").string()});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("22 passed, 0 failed"));
  EXPECT_THAT(r.out, HasSubstr("PASS  "));
  EXPECT_THAT(r.out, Not(HasSubstr("FAIL")));
}

TEST_F(RuleTestCli, PassingCaseComparesOnlyListedFields) {
  const auto path = test_file(manager_left(
      R"({"causes": ["STAFF_TURNOVER"], "tactics": ["BUILD_CUSTOMER_TIES", "CALL_THEM"],
          "churn_risk": 0.4005})"));
  const auto r = retain({"test", path});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS  " + path + ": manager left"));
  EXPECT_THAT(r.out, HasSubstr("1 passed, 0 failed"));
}

TEST_F(RuleTestCli, FailureShowsExpectedActualAndExplanation) {
  const auto path =
      test_file(manager_left(R"({"causes": ["QUALITY_UNSTABLE"], "churn_risk": 0.35})") + "," +
                manager_left(R"({"causes": ["STAFF_TURNOVER"]})"));
  const auto r = retain({"test", path});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.out, HasSubstr("FAIL  " + path + ": manager left"));
  EXPECT_THAT(r.out, HasSubstr("causes: expected [QUALITY_UNSTABLE], got [STAFF_TURNOVER]"));
  EXPECT_THAT(r.out, HasSubstr("churn_risk: expected 0.350, got 0.400"));
  EXPECT_THAT(r.out, HasSubstr("explanation:"));
  EXPECT_THAT(r.out, HasSubstr("STAFF_TURNOVER"));
  EXPECT_THAT(r.out, HasSubstr("1 passed, 1 failed"));
}

TEST_F(RuleTestCli, TacticsAreComparedInOrderOtherListsAsSets) {
  auto path = test_file(manager_left(R"({"tactics": ["CALL_THEM", "BUILD_CUSTOMER_TIES"]})"));
  auto r = retain({"test", path});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.out, HasSubstr("tactics: expected [CALL_THEM, BUILD_CUSTOMER_TIES], got "
                               "[BUILD_CUSTOMER_TIES, CALL_THEM]"));
  path = test_file(R"({"name": "two causes", "profile": {"customer_id": "C2",
      "account_manager_changed_days": 30, "quality_complaints_90d": 4},
      "expect": {"causes": ["STAFF_TURNOVER", "QUALITY_UNSTABLE"], "churn_risk": 0.61}})");
  r = retain({"test", path});
  EXPECT_EQ(r.code, 0) << r.out;
}

TEST_F(RuleTestCli, BadExpectationsAndProfilesAreErrors) {
  auto path = test_file(manager_left(R"({"cuases": []})"));
  auto r = retain({"test", path});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.out, HasSubstr("unknown expect field 'cuases'"));
  path = test_file(R"({"name": "x", "profile": {"tenure_monts": 3}, "expect": {}})");
  r = retain({"test", path});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.out, HasSubstr("bad profile"));
  EXPECT_EQ(retain({"test", (dir_ / "nope_test.json").string()}).code, 1);
}

TEST_F(RuleTestCli, CoverageListsWhatNeverFiredAndThresholdFails) {
  const auto path = test_file(manager_left(R"({"causes": ["STAFF_TURNOVER"]})"));
  auto r = retain({"test", "--coverage", path});
  EXPECT_EQ(r.code, 0) << r.out;
  // 2 causes + 2 tactics; QUALITY_UNSTABLE never fired.
  EXPECT_THAT(r.out, HasSubstr(": 3/4 (75.0%)"));
  EXPECT_THAT(r.out, HasSubstr("never fired: cause        QUALITY_UNSTABLE"));
  EXPECT_THAT(r.out, Not(HasSubstr("never fired: cause        STAFF_TURNOVER")));
  r = retain({"test", "--coverage", "--threshold", "80", path});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.out, HasSubstr("below the threshold"));
  EXPECT_EQ(retain({"test", "--coverage", "--threshold", "70", path}).code, 0);
}

TEST(RuleTestLibrary, ShippedCoverageIsReported) {
  const auto files = collect_test_files({(kSourceDir / "rules").string()}, nullptr);
  ASSERT_EQ(files.size(), 1u);
  const auto run = run_rule_tests(files);
  ASSERT_EQ(run.coverage.size(), 1u);
  EXPECT_GT(run.coverage[0].items.size(), 40u);
  EXPECT_GT(run.coverage_percent(), 50.0);
  EXPECT_LT(run.coverage_percent(), 100.1);
}

}  // namespace
}  // namespace retain::analyst
