// retain lint: each warning on a small rule set made to trigger it, and not on a clean one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "analyst/lint.hpp"
#include "test_support.hpp"

namespace retain::analyst {
namespace {

using namespace retain::analyst::testing;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kClean = R"(ruleset lint_rules version "1"

cause STAFF_TURNOVER {
  label en "Account manager left"
  weight 0.4
  when account_manager_changed_days <= 90 and days_since_last_contact > 30
}

tactic BUILD_CUSTOMER_TIES {
  label en "Tie the customer to the company"
  answers STAFF_TURNOVER
  cooldown 60 days
}
)";

std::vector<std::string> codes(const LintResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) out.push_back(d.code);
  return out;
}

LintResult lint_text(const std::string& text) {
  return lint_rules_from_memory({{"r.rules", text}});
}

TEST(Lint, CleanRulesHaveNoWarnings) {
  const auto r = lint_text(kClean);
  EXPECT_TRUE(r.loaded);
  EXPECT_TRUE(r.diagnostics.empty()) << codes(r).front();
}

TEST(Lint, UnansweredCause) {
  const auto r = lint_text(kClean + R"(
cause QUALITY_UNSTABLE {
  label en "Unstable quality"
  weight 0.35
  when quality_complaints_90d >= 3
}
)");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  const auto& d = r.diagnostics[0];
  EXPECT_EQ(d.code, "lint.unanswered-cause");
  EXPECT_EQ(d.severity, Severity::Warning);
  EXPECT_EQ(d.line, 15);
  EXPECT_EQ(d.column, 7);
  EXPECT_THAT(d.message, HasSubstr("QUALITY_UNSTABLE"));
}

TEST(Lint, CauseAnsweredByAnyOrByWhenIsAnswered) {
  const std::string cause = R"(
cause QUALITY_UNSTABLE {
  label en "Unstable quality"
  weight 0.35
  when quality_complaints_90d >= 3
}
)";
  EXPECT_TRUE(lint_text(kClean + cause + R"(
tactic T { label en "t" answers any }
)")
                  .diagnostics.empty());
  EXPECT_TRUE(lint_text(kClean + cause + R"(
tactic T { label en "t" when QUALITY_UNSTABLE and is_key_account }
)")
                  .diagnostics.empty());
}

TEST(Lint, ContradictoryBoundsNeverFireAndMakeTheirTacticsUnreachable) {
  const auto r = lint_text(R"(
cause ODD {
  label en "odd"
  weight 0.3
  when orders_90d > 10 and tenure_months > 1 and orders_90d < 5
}

tactic FOR_ODD {
  label en "for odd"
  answers ODD
}

segment EDGE {
  label en "edge"
  when tenure_months >= 12 and 12 > tenure_months
}

segment FINE {
  label en "fine"
  when tenure_months >= 12 and tenure_months <= 12 and satisfaction between 1 and 5
}

segment BETWEEN {
  label en "between"
  when satisfaction between 6 and 9 and satisfaction < 20%
}
)");
  EXPECT_THAT(codes(r),
              ::testing::UnorderedElementsAre("lint.never-fires", "lint.never-fires",
                                              "lint.never-fires", "lint.unreachable-tactic"));
  for (const auto& d : r.diagnostics) {
    if (d.code == "lint.never-fires" && d.line == 5) {
      EXPECT_THAT(d.message, HasSubstr("cause ODD can never fire"));
      EXPECT_THAT(d.message, HasSubstr("'orders_90d'"));
      EXPECT_EQ(d.column, 8);
    }
    EXPECT_THAT(d.message, Not(HasSubstr("FINE")));
  }
}

TEST(Lint, LongCooldown) {
  std::string text = kClean;
  text.replace(text.find("cooldown 60 days"), 16, "cooldown 400 days");
  const auto r = lint_text(text);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "lint.long-cooldown");
  EXPECT_EQ(r.diagnostics[0].line, 12);
  EXPECT_THAT(r.diagnostics[0].message, HasSubstr("400 days"));
  text.replace(text.find("cooldown 400 days"), 17, "cooldown 365 days");
  EXPECT_TRUE(lint_text(text).diagnostics.empty());
}

TEST(Lint, CheckerWarningsAreIncluded) {
  const auto r = lint_text(kClean + "\nlet unused_thing = tenure_months * 2\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "check.unused-definition");
}

TEST(Lint, ErrorsMeanNotLoaded) {
  const auto r = lint_text("segment A { label en \"a\" when tenure_monts > 1 }\n");
  EXPECT_FALSE(r.loaded);
  EXPECT_TRUE(has_errors(r.diagnostics));
}

class LintCli : public TempDirTest {};

TEST_F(LintCli, PrintsWarningsWithCaretsAndFailExitsOne) {
  std::string text = kClean;
  text.replace(text.find("cooldown 60 days"), 16, "cooldown 400 days");
  const std::string path = write("r.rules", text);
  auto r = retain({"lint", path});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr(path + ":12:3: warning: "));
  EXPECT_THAT(r.out, HasSubstr("[lint.long-cooldown]"));
  EXPECT_THAT(r.out, HasSubstr("  cooldown 400 days\n"));
  EXPECT_THAT(r.out, HasSubstr("^"));
  EXPECT_THAT(r.out, HasSubstr("1 warning\n"));
  EXPECT_EQ(retain({"lint", "--fail", path}).code, 1);
  EXPECT_EQ(retain({"lint", "--fail", write("ok.rules", kClean)}).code, 0);
  EXPECT_EQ(retain({"lint", write("bad.rules", "segment A { when nope }\n")}).code, 2);
}

TEST_F(LintCli, ShippedRulesHaveNoWarnings) {
  const auto r = retain({"lint", (kSourceDir / "rules").string()});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(retain({"lint", "--fail", (kSourceDir / "rules").string()}).code, 0);
}

}  // namespace
}  // namespace retain::analyst
