// check: names, types, properties, tiers and the rule graph, with every error reported at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/rules_fixture.hpp"

namespace retain {
namespace {

using testing::diagnostics_of;
using ::testing::HasSubstr;
using testing::rendered;

std::vector<std::string> codes(const Diagnostics& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(d.code);
  return out;
}

const Diagnostic* find_code(const Diagnostics& ds, const std::string& code) {
  for (const auto& d : ds) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

TEST(CheckerTest, UnknownFieldGetsPositionCaretAndSuggestion) {
  const auto ds = diagnostics_of(
      "cause LOYALTY_DROP {\n"
      "  label en \"x\"\n"
      "  weight 0.5\n"
      "  when tenure_monts > 24\n"
      "}\n");
  const Diagnostic* d = find_code(ds, "check.unknown-field");
  ASSERT_NE(d, nullptr) << rendered(ds);
  EXPECT_EQ(d->line, 4);
  EXPECT_EQ(d->column, 8);
  EXPECT_THAT(render_text(*d), HasSubstr("test.rules:4:8: error: unknown field 'tenure_monts'"));
  EXPECT_THAT(render_text(*d), HasSubstr("         ^~~~~~~~~~~~"));
  EXPECT_THAT(d->notes, ::testing::Contains("did you mean 'tenure_months'?"));
}

TEST(CheckerTest, ReportsEveryErrorOfAFileAtOnce) {
  const auto ds = diagnostics_of(
      "cause A {\n"
      "  label en \"a\"\n"
      "  weight 1.5\n"
      "  when customer_id > 3\n"
      "}\n"
      "cause A {\n"
      "  label en \"again\"\n"
      "  weight 0.2\n"
      "  when is_lost\n"
      "}\n"
      "tactic T {\n"
      "  label en \"t\"\n"
      "  answers A, NOT_A_CAUSE\n"
      "}\n");
  EXPECT_THAT(codes(ds), ::testing::IsSupersetOf({"check.bad-value", "check.type-mismatch",
                                                  "check.duplicate-id", "check.unknown-cause"}))
      << rendered(ds);
}

TEST(CheckerTest, ComparingAStringWithANumberIsATypeError) {
  const auto ds = diagnostics_of("segment S { label en \"s\" when customer_id > 3 }\n");
  const Diagnostic* d = find_code(ds, "check.type-mismatch");
  ASSERT_NE(d, nullptr) << rendered(ds);
  EXPECT_THAT(d->message, HasSubstr("string"));
  EXPECT_THAT(d->message, HasSubstr("number"));
}

TEST(CheckerTest, ConditionsMustBeBool) {
  const auto ds = diagnostics_of("segment S { label en \"s\" when orders_90d + 1 }\n");
  EXPECT_NE(find_code(ds, "check.type-mismatch"), nullptr) << rendered(ds);
}

TEST(CheckerTest, CyclesAmongDefinitionsAreReportedWithTheirPath) {
  const auto ds = diagnostics_of(
      "let a = b and is_lost\n"
      "let b = c\n"
      "let c = a\n"
      "segment S { label en \"s\" when a }\n");
  const Diagnostic* d = find_code(ds, "check.cycle");
  ASSERT_NE(d, nullptr) << rendered(ds);
  EXPECT_THAT(d->message, HasSubstr("a -> b -> c -> a"));
}

TEST(CheckerTest, RulesReferringToEachOtherInACycleAreReported) {
  const auto ds = diagnostics_of(
      "segment X { label en \"x\" when Y }\n"
      "segment Y { label en \"y\" when X }\n");
  EXPECT_NE(find_code(ds, "check.cycle"), nullptr) << rendered(ds);
}

TEST(CheckerTest, AnswersMustNameCausesWithASuggestion) {
  const auto ds = diagnostics_of(
      "cause QUALITY_UNSTABLE { label en \"q\" weight 0.3 when quality_complaints_90d >= 3 }\n"
      "tactic QM { label en \"m\" answers QUALITY_UNSTABEL }\n");
  const Diagnostic* d = find_code(ds, "check.unknown-cause");
  ASSERT_NE(d, nullptr) << rendered(ds);
  EXPECT_THAT(d->notes, ::testing::Contains("did you mean 'QUALITY_UNSTABLE'?"));
}

TEST(CheckerTest, UnreachableTacticAndUnusedDefinitionAreWarnings) {
  auto loaded = load_rules_from_memory({{"w.rules",
                                         "let unused = orders_90d > 1\n"
                                         "cause NEVER { label en \"n\" weight 0.1 when 1 > 2 }\n"
                                         "tactic T { label en \"t\" answers NEVER }\n"}});
  ASSERT_TRUE(loaded.value.has_value()) << rendered(loaded.diagnostics);
  EXPECT_NE(find_code(loaded.diagnostics, "check.unreachable-tactic"), nullptr)
      << rendered(loaded.diagnostics);
  EXPECT_NE(find_code(loaded.diagnostics, "check.unused-definition"), nullptr);
}

TEST(CheckerTest, PropertiesAreCheckedPerKind) {
  const auto ds = diagnostics_of(
      "cause C { label en \"c\" when is_lost priority 2 }\n"  // no weight; priority not allowed
      "tactic T { label en \"t\" }\n");                       // neither answers nor when
  EXPECT_NE(find_code(ds, "check.missing-property"), nullptr) << rendered(ds);
  EXPECT_NE(find_code(ds, "check.unexpected-property"), nullptr) << rendered(ds);
  const auto all = codes(ds);
  EXPECT_EQ(std::count(all.begin(), all.end(), "check.missing-property"), 2) << rendered(ds);
}

TEST(CheckerTest, TiersBandsMustBeOrderedAndEndWithRest) {
  const auto ds = diagnostics_of(
      "tiers P {\n"
      "  rank revenue_12m\n"
      "  band VIP top 5%\n"
      "  band MAJOR top 1%\n"
      "  band SMALL below 3\n"
      "}\n");
  const auto all = codes(ds);
  EXPECT_GE(std::count(all.begin(), all.end(), "check.tiers"), 3) << rendered(ds);
}

TEST(CheckerTest, BandsAndEnumValuesResolveAgainstTheOtherSide) {
  auto loaded = load_rules_from_memory({{"ok.rules",
                                         "tiers P { by revenue_12m band BIG at_least 100 band "
                                         "SMALL rest }\n"
                                         "segment S { label en \"s\" when P == BIG and "
                                         "consumption_level in [HEAVY, LIGHT] }\n"}});
  EXPECT_TRUE(loaded.value.has_value()) << rendered(loaded.diagnostics);
  const auto ds = diagnostics_of(
      "tiers P { by revenue_12m band BIG at_least 100 band SMALL rest }\n"
      "segment S { label en \"s\" when P == BGI or consumption_level == HEAVVY or BIG }\n");
  const auto all = codes(ds);
  EXPECT_EQ(std::count(all.begin(), all.end(), "check.unknown-name"), 3) << rendered(ds);
  EXPECT_THAT(rendered(ds), HasSubstr("did you mean 'BIG'?"));
  EXPECT_THAT(rendered(ds), HasSubstr("did you mean 'HEAVY'?"));
  EXPECT_THAT(rendered(ds), HasSubstr("write: P == BIG"));
}

TEST(CheckerTest, ActionFieldsOnlyInsideCount) {
  const auto ds = diagnostics_of("segment S { label en \"s\" when days_ago < 3 }\n");
  EXPECT_NE(find_code(ds, "check.unknown-field"), nullptr) << rendered(ds);
  auto ok = load_rules_from_memory(
      {{"ok.rules",
        "segment S { label en \"s\" when count(recent_actions where days_ago < 3) > 0 }\n"}});
  EXPECT_TRUE(ok.value.has_value()) << rendered(ok.diagnostics);
}

TEST(CheckerTest, ALetCannotShadowAProfileField) {
  const auto ds = diagnostics_of("let tenure_months = 3\n");
  EXPECT_NE(find_code(ds, "check.duplicate-id"), nullptr) << rendered(ds);
}

TEST(CheckerTest, ImportsAreFollowedAndMissingImportsReported) {
  auto loaded = load_rules_from_memory({{"rules/main.rules",
                                         "ruleset r version \"1\"\nimport \"common.rules\"\n"
                                         "segment S { label en \"s\" when lost }\n"},
                                        {"rules/common.rules", "let lost = is_lost\n"}});
  EXPECT_TRUE(loaded.value.has_value()) << rendered(loaded.diagnostics);
  EXPECT_EQ((*loaded.value)->name(), "r");
  const auto ds = load_rules_from_memory({{"main.rules", "import \"nope.rules\"\n"}}).diagnostics;
  EXPECT_NE(find_code(ds, "load.import"), nullptr) << rendered(ds);
}

}  // namespace
}  // namespace retain
