// evaluate: semantics of expressions, missing values, rules, ranking, tiers and rendering.
#include <algorithm>
#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <google/protobuf/util/message_differencer.h>

#include "engine/compile/compiler.hpp"
#include "engine/eval/evaluator.hpp"
#include "tests/support/rules_fixture.hpp"

namespace retain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ids;
using testing::profile_from;
using testing::rules_from;

// Evaluates `expr` as the condition of a segment: "true", "false" or "unknown".
std::string truth(const std::string& expr, const std::string& profile_json,
                  const std::string& lets = "") {
  auto rules = rules_from(lets + "segment S { label en \"s\" when " + expr + " }\n");
  if (!rules) return "compile error";
  const auto decision = decide(*rules, profile_from(profile_json));
  if (decision.segments_size() == 1) return "true";
  for (const auto& u : decision.unknowns()) {
    if (u.rule() == "S") return "unknown";
  }
  return "false";
}

TEST(EvaluatorTest, ArithmeticComparisonAndPercentages) {
  EXPECT_EQ(
      truth("orders_90d < 50% * orders_prev_90d", R"({"orders_90d": 4, "orders_prev_90d": 10})"),
      "true");
  EXPECT_EQ(
      truth("orders_90d < 50% * orders_prev_90d", R"({"orders_90d": 5, "orders_prev_90d": 10})"),
      "false");
  EXPECT_EQ(truth("(orders_90d + 2) * 3 - 1 == 20", R"({"orders_90d": 5})"), "true");
  EXPECT_EQ(truth("-orders_90d < -4", R"({"orders_90d": 5})"), "true");
  EXPECT_EQ(truth("revenue_12m >= 1_000_000", R"({"revenue_12m": 1000000})"), "true");
}

TEST(EvaluatorTest, InBetweenAndFunctions) {
  EXPECT_EQ(truth("orders_90d in [1, 3, 5]", R"({"orders_90d": 3})"), "true");
  EXPECT_EQ(truth("orders_90d not in [1, 3, 5]", R"({"orders_90d": 3})"), "false");
  EXPECT_EQ(truth("orders_90d between 3 and 5", R"({"orders_90d": 5})"), "true");
  EXPECT_EQ(truth("orders_90d between 3 and 5", R"({"orders_90d": 6})"), "false");
  EXPECT_EQ(truth("abs(orders_90d - orders_prev_90d) == 7",
                  R"({"orders_90d": 3, "orders_prev_90d": 10})"),
            "true");
  EXPECT_EQ(truth("min(orders_90d, 2, orders_prev_90d) == 2 and max(orders_90d, 9) == 9",
                  R"({"orders_90d": 3, "orders_prev_90d": 10})"),
            "true");
  EXPECT_EQ(truth("pct_change(revenue_12m, revenue_prev_12m) == -0.25",
                  R"({"revenue_12m": 75, "revenue_prev_12m": 100})"),
            "true");
  EXPECT_EQ(truth("ratio(orders_90d, orders_prev_90d) == 0.5",
                  R"({"orders_90d": 5, "orders_prev_90d": 10})"),
            "true");
  EXPECT_EQ(truth("days(30) == 30", "{}"), "true");
}

TEST(EvaluatorTest, MissingValuesFollowThreeValuedLogic) {
  // satisfaction is optional: unset means unknown.
  EXPECT_EQ(truth("satisfaction < 5", "{}"), "unknown");
  EXPECT_EQ(truth("satisfaction < 5 and is_lost", "{}"), "false");  // false and unknown
  EXPECT_EQ(truth("satisfaction < 5 or is_lost", R"({"is_lost": true})"), "true");
  EXPECT_EQ(truth("satisfaction < 5 or is_lost", "{}"), "unknown");
  EXPECT_EQ(truth("not (satisfaction < 5)", "{}"), "unknown");
  EXPECT_EQ(truth("not known(satisfaction)", "{}"), "true");
  EXPECT_EQ(truth("coalesce(satisfaction, 3) < 5", "{}"), "true");
  EXPECT_EQ(truth("coalesce(satisfaction, 3) < 5", R"({"satisfaction": 8})"), "false");
  // Plain counts are never unknown: absent means 0.
  EXPECT_EQ(truth("orders_90d == 0", "{}"), "true");
  // Division by zero is unknown, not infinity.
  EXPECT_EQ(truth("orders_90d / orders_prev_90d > 1", R"({"orders_90d": 3})"), "unknown");
  // Enumerations at UNSPECIFIED are unknown.
  EXPECT_EQ(truth("consumption_level == HEAVY", "{}"), "unknown");
  EXPECT_EQ(truth("consumption_level == HEAVY", R"({"consumption_level": "HEAVY"})"), "true");
  EXPECT_EQ(truth("metrics.nps < 0", "{}"), "unknown");
  EXPECT_EQ(truth("metrics.nps < 0", R"({"metrics": {"nps": -20}})"), "true");
  EXPECT_EQ(truth("attributes.region == \"north\"", R"({"attributes": {"region": "north"}})"),
            "true");
}

TEST(EvaluatorTest, CountOverRecentActions) {
  const std::string profile = R"({"recent_actions": [
      {"action_id": "CALL", "days_ago": 5, "outcome": "declined"},
      {"action_id": "CALL", "days_ago": 50, "outcome": "declined"},
      {"action_id": "VISIT", "days_ago": 2, "outcome": "accepted"}]})";
  EXPECT_EQ(truth("count(recent_actions) == 3", profile), "true");
  EXPECT_EQ(
      truth("count(recent_actions where outcome == \"declined\" and days_ago <= 30) == 1", profile),
      "true");
  EXPECT_EQ(truth("count(recent_actions where action_id == \"CALL\") == 2", profile), "true");
}

TEST(EvaluatorTest, LetsAndRuleReferences) {
  EXPECT_EQ(truth("drop and Q",
                  R"({"orders_90d": 1, "orders_prev_90d": 10, "quality_complaints_90d": 4})",
                  "let drop = orders_90d < 50% * orders_prev_90d\n"
                  "cause Q { label en \"q\" weight 0.2 when quality_complaints_90d >= 3 }\n"),
            "true");
}

const char* kCauses = R"(
ruleset test version "7"
cause A { label en "a" zh "甲" weight 0.5 when quality_complaints_90d >= 3
          because en "{quality_complaints_90d} complaints, defects {defect_rate:%}" zh "投诉{quality_complaints_90d}次" }
cause B { label en "b" weight 0.2 when service_complaints_90d >= 2 }
cause C { label en "c" weight 0.4 when competitor_offer_seen }
tactic FIX_A { label en "fix a" answers A priority 2 }
tactic FIX_AB { label en "fix a or b" answers A, B priority 1 cooldown 30 days }
tactic ANY { label en "any" answers any priority 3 }
tactic LOST { label en "lost" when is_lost priority 3 }
settings { max_tactics 3 }
)";

TEST(EvaluatorTest, ChurnRiskIsOneMinusProductOfComplements) {
  auto rules = rules_from(kCauses);
  ASSERT_TRUE(rules);
  const auto d = decide(*rules, profile_from(R"({"customer_id": "c1", "quality_complaints_90d": 3,
                                                "service_complaints_90d": 2})"));
  EXPECT_NEAR(d.churn_risk(), 1 - (1 - 0.5) * (1 - 0.2), 1e-12);
  EXPECT_THAT(ids(d.causes()), ElementsAre("A", "B"));  // strongest first
  const auto none = decide(*rules, profile_from("{}"));
  EXPECT_EQ(none.churn_risk(), 0.0);
  EXPECT_EQ(none.causes_size(), 0);
  const auto all = decide(
      *rules,
      profile_from(
          R"({"quality_complaints_90d": 9, "service_complaints_90d": 9, "competitor_offer_seen": true})"));
  EXPECT_NEAR(all.churn_risk(), 1 - 0.5 * 0.8 * 0.6, 1e-12);
}

TEST(EvaluatorTest, TacticsRankedByPriorityThenIdAndCappedByMaxTactics) {
  auto rules = rules_from(kCauses);
  ASSERT_TRUE(rules);
  const auto d = decide(*rules, profile_from(R"({"quality_complaints_90d": 3, "is_lost": true})"));
  // FIX_AB(1), FIX_A(2), then ANY and LOST tie at 3: ANY first by id; max_tactics 3 drops LOST.
  EXPECT_THAT(ids(d.tactics()), ElementsAre("FIX_AB", "FIX_A", "ANY"));
  EXPECT_THAT(d.tactics(0).answers(), ElementsAre("A"));
  EXPECT_EQ(d.tactics(0).priority(), 1);
}

TEST(EvaluatorTest, CooldownSuppressesARecentlyTakenTactic) {
  auto rules = rules_from(kCauses);
  ASSERT_TRUE(rules);
  EvalOptions traced_options;
  traced_options.trace = true;
  const auto recent = decide(*rules, profile_from(R"({"quality_complaints_90d": 3,
      "recent_actions": [{"action_id": "FIX_AB", "days_ago": 10}]})"),
                             nullptr, traced_options);
  EXPECT_THAT(ids(recent.tactics()), ElementsAre("FIX_A", "ANY"));
  bool traced = false;
  for (const auto& t : recent.trace()) {
    if (t.rule() == "FIX_AB") {
      EXPECT_EQ(t.outcome(), "suppressed");
      traced = true;
    }
  }
  EXPECT_TRUE(traced);
  const auto old = decide(*rules, profile_from(R"({"quality_complaints_90d": 3,
      "recent_actions": [{"action_id": "FIX_AB", "days_ago": 30}]})"));
  EXPECT_THAT(ids(old.tactics()), ElementsAre("FIX_AB", "FIX_A", "ANY"));
}

TEST(EvaluatorTest, BecauseTextsAndEvidenceShowTheValues) {
  auto rules = rules_from(kCauses);
  ASSERT_TRUE(rules);
  const auto d =
      decide(*rules, profile_from(R"({"quality_complaints_90d": 4, "defect_rate": 0.025})"));
  ASSERT_EQ(d.causes_size(), 1);
  EXPECT_EQ(d.causes(0).because().at("en"), "4 complaints, defects 2.5%");
  EXPECT_EQ(d.causes(0).because().at("zh"), "投诉4次");
  EXPECT_EQ(d.causes(0).label().at("zh"), "甲");
  EXPECT_EQ(d.causes(0).evidence().rule(), "test.rules:3:7");
  EXPECT_EQ(d.causes(0).evidence().condition(), "quality_complaints_90d >= 3");
  EXPECT_EQ(d.causes(0).evidence().values().at("quality_complaints_90d"), "4");
  EXPECT_EQ(d.ruleset().name(), "test");
  EXPECT_EQ(d.ruleset().version(), "7");
  EXPECT_EQ(d.ruleset().content_hash().size(), 64u);
}

// EvalOptions.language keeps one text per label and because: the one asked for, else the
// untagged, English or first one, never none.
TEST(EvaluatorTest, ALanguageKeepsOneTextOfEachLabelAndBecause) {
  auto rules = rules_from(R"(
ruleset test version "7"
cause A { label en "a" zh "甲" weight 0.5 when quality_complaints_90d >= 3
          because en "{quality_complaints_90d} complaints" zh "投诉{quality_complaints_90d}次" }
cause B { label "b" fr "b fr" weight 0.2 when quality_complaints_90d >= 3 }
cause C { label de "c" weight 0.2 when quality_complaints_90d >= 3 }
)");
  ASSERT_TRUE(rules);
  const auto profile = profile_from(R"({"quality_complaints_90d": 4})");
  auto in = [&](const std::string& language) {
    EvalOptions options;
    options.language = language;
    return decide(*rules, profile, nullptr, options);
  };
  auto keys = [](const google::protobuf::Map<std::string, std::string>& texts) {
    std::vector<std::string> out;
    for (const auto& [lang, text] : texts) out.push_back(lang + "=" + text);
    std::sort(out.begin(), out.end());
    return out;
  };
  const auto zh = in("zh");
  ASSERT_EQ(zh.causes_size(), 3);
  EXPECT_THAT(keys(zh.causes(0).label()), ElementsAre("zh=甲"));
  EXPECT_THAT(keys(zh.causes(0).because()), ElementsAre("zh=投诉4次"));
  EXPECT_THAT(keys(zh.causes(1).label()), ElementsAre("und=b"));  // untagged before English
  EXPECT_THAT(keys(zh.causes(2).label()), ElementsAre("de=c"));   // the only one there is
  EXPECT_THAT(keys(in("fr").causes(0).label()), ElementsAre("en=a"));
  EXPECT_THAT(keys(in("fr").causes(1).label()), ElementsAre("fr=b fr"));
  // No language: all of them.
  EXPECT_THAT(keys(in("").causes(0).label()), ElementsAre("en=a", "zh=甲"));
  EXPECT_THAT(keys(in("").causes(1).label()), ElementsAre("fr=b fr", "und=b"));
}

TEST(EvaluatorTest, UnknownConditionsAreListedWithTheMissingField) {
  auto rules = rules_from("segment LOW { label en \"low\" when satisfaction < 5 }\n");
  ASSERT_TRUE(rules);
  const auto d = decide(*rules, profile_from("{}"));
  ASSERT_EQ(d.unknowns_size(), 1);
  EXPECT_EQ(d.unknowns(0).rule(), "LOW");
  EXPECT_THAT(d.unknowns(0).reason(), HasSubstr("satisfaction"));
}

const char* kTiers = R"(
tiers PYRAMID {
  rank revenue_12m
  fallback revenue_rank_pct
  sets tier
  band VIP top 1%
  band MAJOR top 5%
  band ORDINARY top 20%
  band SMALL rest
}
tiers GRADE {
  by (systemic_risk + financial_risk) / 2
  sets credit_grade
  band AAA below 10
  band BB below 60
  band F rest
}
segment TOP { label en "top" when PYRAMID in [VIP, MAJOR] }
)";

TEST(EvaluatorTest, PercentileTiersUsePopulationStatistics) {
  auto rules = rules_from(kTiers);
  ASSERT_TRUE(rules);
  std::vector<double> revenues;
  for (int i = 1; i <= 200; ++i) revenues.push_back(i * 1000.0);  // 200 customers
  const PopulationStats stats({{"PYRAMID", revenues}});
  auto tier_of = [&](double revenue) {
    v1::CustomerProfile p;
    p.set_revenue_12m(revenue);
    return decide(*rules, p, &stats).tier();
  };
  // Rank percentile = 100 * (customers with more revenue) / 200.
  EXPECT_EQ(tier_of(200000), "VIP");       // 0 above: 0%
  EXPECT_EQ(tier_of(199000), "VIP");       // 1 above: 0.5%
  EXPECT_EQ(tier_of(198000), "MAJOR");     // 2 above: 1% -> not < 1
  EXPECT_EQ(tier_of(191000), "MAJOR");     // 9 above: 4.5%
  EXPECT_EQ(tier_of(190000), "ORDINARY");  // 10 above: 5%
  EXPECT_EQ(tier_of(161000), "ORDINARY");  // 39 above: 19.5%
  EXPECT_EQ(tier_of(160000), "SMALL");     // 40 above: 20%
  EXPECT_EQ(tier_of(1000), "SMALL");
}

TEST(EvaluatorTest, SmallPopulationStillHasAVip) {
  auto rules = rules_from(kTiers);
  ASSERT_TRUE(rules);
  const PopulationStats stats({{"PYRAMID", {10, 20, 30}}});
  v1::CustomerProfile p;
  p.set_revenue_12m(30);
  EXPECT_EQ(decide(*rules, p, &stats).tier(), "VIP");
}

TEST(EvaluatorTest, PercentileTiersFallBackToTheSuppliedRankWithoutStatistics) {
  auto rules = rules_from(kTiers);
  ASSERT_TRUE(rules);
  const auto d = decide(
      *rules,
      profile_from(R"({"revenue_rank_pct": 3.5, "systemic_risk": 5, "financial_risk": 10})"));
  EXPECT_EQ(d.tier(), "MAJOR");
  EXPECT_EQ(d.credit_grade(), "AAA");  // mean 7.5 < 10
  EXPECT_THAT(ids(d.segments()), ElementsAre("TOP"));
  const auto unknown = decide(*rules, profile_from("{}"));
  EXPECT_EQ(unknown.tier(), "");
  EXPECT_EQ(unknown.credit_grade(), "");
}

TEST(EvaluatorTest, ThresholdTiersTakeTheFirstBandThatHolds) {
  auto rules = rules_from(kTiers);
  ASSERT_TRUE(rules);
  auto grade = [&](double a, double b) {
    v1::CustomerProfile p;
    p.set_systemic_risk(a);
    p.set_financial_risk(b);
    return decide(*rules, p).credit_grade();
  };
  EXPECT_EQ(grade(10, 10), "BB");
  EXPECT_EQ(grade(59, 60), "BB");
  EXPECT_EQ(grade(60, 60), "F");
}

TEST(EvaluatorTest, AccountCadenceIsDueWhenNeverDoneOrOverdue) {
  auto rules = rules_from(
      "segment KEY { label en \"k\" when is_key_account }\n"
      "account VISIT { label en \"v\" when KEY every 180 days since last_executive_visit_days }\n");
  ASSERT_TRUE(rules);
  auto due = [&](const std::string& json) {
    return decide(*rules, profile_from(json)).account_actions_size() == 1;
  };
  EXPECT_TRUE(due(R"({"is_key_account": true})"));
  EXPECT_TRUE(due(R"({"is_key_account": true, "last_executive_visit_days": 180})"));
  EXPECT_FALSE(due(R"({"is_key_account": true, "last_executive_visit_days": 179})"));
  EXPECT_FALSE(due(R"({"last_executive_visit_days": 400})"));
}

TEST(EvaluatorTest, SharedSubExpressionsAreCompiledOnce) {
  // Plain programs (no condition folding), so that instructions count expressions.
  auto plain = [](const std::string& text) {
    auto checked = check_rules_from_memory({{"test.rules", text}});
    EXPECT_TRUE(checked.value) << testing::rendered(checked.diagnostics);
    return compile::compile(**checked.value, "h", compile::CompileOptions{false});
  };
  auto once = plain("segment A { label en \"a\" when orders_90d * 2 > 3 }\n");
  auto twice = plain(
      "segment A { label en \"a\" when orders_90d * 2 > 3 }\n"
      "segment B { label en \"b\" when orders_90d * 2 > 3 and is_lost }\n");
  // On the decision path, B adds only the is_lost load and one And.
  EXPECT_EQ(twice->program().main_end, once->program().main_end + 2);
  EXPECT_EQ(twice->program().direct_fields.size(), 2u);  // orders_90d and is_lost
}

TEST(EvaluatorTest, EvaluationIsDeterministicAcrossFrames) {
  auto rules = rules_from(kCauses);
  ASSERT_TRUE(rules);
  const auto profile =
      profile_from(R"({"quality_complaints_90d": 3, "competitor_offer_seen": true})");
  eval::EvalFrame frame;
  v1::Decision first, again;
  decide(*rules, profile, nullptr, frame, &first);
  decide(*rules, profile_from("{}"), nullptr, frame, &again);  // reuse with another profile
  decide(*rules, profile, nullptr, frame, &again);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(first, again))
      << first.DebugString() << "\n---\n"
      << again.DebugString();
}

TEST(EvaluatorTest, ValidateProfileNamesTheField) {
  v1::CustomerProfile p;
  EXPECT_FALSE(validate_profile(p).has_value());
  p.set_satisfaction(11);
  auto problem = validate_profile(p);
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->field, "satisfaction");
  p.clear_satisfaction();
  p.set_orders_90d(-1);
  ASSERT_TRUE(validate_profile(p).has_value());
  EXPECT_EQ(validate_profile(p)->field, "orders_90d");
  p.set_orders_90d(1);
  p.set_expectation(0);
  ASSERT_TRUE(validate_profile(p).has_value());
  EXPECT_EQ(validate_profile(p)->field, "expectation");
}

// validate_profile screens profiles with direct reads of a hand-kept list of fields before it
// walks them in order: every field it checks must still be refused, and with the same words.
TEST(EvaluatorTest, ValidateProfileRefusesEveryBadFieldAlone) {
  namespace pb = google::protobuf;
  const pb::Descriptor* d = v1::CustomerProfile::descriptor();
  const pb::Reflection* r = v1::CustomerProfile::GetReflection();
  int counts = 0, numbers = 0;
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) continue;
    v1::CustomerProfile p;
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32) {
      ++counts;
      r->SetInt32(&p, f, 0);
      EXPECT_FALSE(validate_profile(p).has_value()) << f->name();
      r->SetInt32(&p, f, -1);
      const auto problem = validate_profile(p);
      ASSERT_TRUE(problem.has_value()) << f->name();
      EXPECT_EQ(problem->field, f->name());
      EXPECT_EQ(problem->message, "must be >= 0, got -1");
    } else if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE) {
      ++numbers;
      for (const double bad : {std::nan(""), -0.5, 1e9}) {
        r->SetDouble(&p, f, bad);
        const auto problem = validate_profile(p);
        if (bad == 1e9 && (f->name() == "revenue_12m" || f->name() == "revenue_prev_12m" ||
                           f->name() == "avg_response_hours")) {
          EXPECT_FALSE(problem.has_value()) << f->name() << " has no upper bound";
          continue;
        }
        ASSERT_TRUE(problem.has_value()) << f->name() << " = " << bad;
        EXPECT_EQ(problem->field, f->name());
      }
    }
  }
  EXPECT_EQ(counts, 19);
  EXPECT_EQ(numbers, 18);

  v1::CustomerProfile p;
  p.set_revenue_12m(-1);
  EXPECT_EQ(validate_profile(p)->message, "must be >= 0, got -1");
  p.set_revenue_12m(INFINITY);  // no upper bound
  EXPECT_FALSE(validate_profile(p).has_value());
  p.set_satisfaction(std::nan(""));
  EXPECT_EQ(validate_profile(p)->message, "must be between 0 and 10, got nan");
  p.set_satisfaction(10);
  p.set_expectation(0);
  EXPECT_EQ(validate_profile(p)->message, "must be between 0 and 10 (and above 0), got 0");
  p.set_expectation(0.1);
  EXPECT_FALSE(validate_profile(p).has_value());
  // Cleared fields read as unset, whatever they held: expectation 0 would be refused.
  p.set_expectation(0);
  p.clear_expectation();
  EXPECT_FALSE(validate_profile(p).has_value());
  // The first bad field in the fixed order is named: counts, then ranges in their order.
  p.set_defect_rate(2);
  p.set_potential_score(-3);
  EXPECT_EQ(validate_profile(p)->field, "potential_score");
  p.set_last_executive_visit_days(-2);
  EXPECT_EQ(validate_profile(p)->field, "last_executive_visit_days");
  p.set_orders_90d(-1);
  EXPECT_EQ(validate_profile(p)->field, "orders_90d");
  // recent_actions and metrics are checked after the fields.
  v1::CustomerProfile q;
  q.add_recent_actions()->set_days_ago(-1);
  EXPECT_EQ(validate_profile(q)->field, "recent_actions[0].action_id");
  q.mutable_recent_actions(0)->set_action_id("CALL");
  EXPECT_EQ(validate_profile(q)->field, "recent_actions[0].days_ago");
  q.mutable_recent_actions(0)->set_days_ago(1);
  (*q.mutable_metrics())["nps"] = std::nan("");
  EXPECT_EQ(validate_profile(q)->field, "metrics.nps");
  EXPECT_EQ(validate_profile(q)->message, "must be a number, got NaN");
}

}  // namespace
}  // namespace retain

namespace retain {
namespace {

TEST(EvaluatorRuleReferenceTest, AnUndecidedRuleCountsAsNotFiredWhereItIsNamed) {
  auto rules = testing::rules_from(
      "segment LOW { label en \"low\" when satisfaction < 5 }\n"
      "segment CONTENT { label en \"content\" when not LOW }\n");
  ASSERT_TRUE(rules);
  const auto d = decide(*rules, testing::profile_from("{}"));
  EXPECT_EQ(testing::ids(d.segments()), std::vector<std::string>{"CONTENT"});
  ASSERT_EQ(d.unknowns_size(), 1);
  EXPECT_EQ(d.unknowns(0).rule(), "LOW");
}

TEST(EvaluatorRuleReferenceTest, SmallFractionsKeepTheirDigitsInEvidence) {
  auto rules = testing::rules_from("segment D { label en \"d\" when defect_rate >= 0 }\n");
  ASSERT_TRUE(rules);
  const auto d = decide(*rules, testing::profile_from(R"({"defect_rate": 0.004})"));
  ASSERT_EQ(d.segments_size(), 1);
  EXPECT_EQ(d.segments(0).evidence().values().at("defect_rate"), "0.004");
}

}  // namespace
}  // namespace retain

namespace retain {
namespace {

TEST(EvaluatorLeanTest, WithoutExplanationsTheDecisionKeepsIdsRiskAndBandsOnly) {
  auto rules = testing::rules_from(kCauses);
  ASSERT_TRUE(rules);
  const auto profile =
      testing::profile_from(R"({"quality_complaints_90d": 4, "defect_rate": 0.03})");
  const auto full = decide(*rules, profile);
  EvalOptions lean_options;
  lean_options.explanations = false;
  const auto lean = decide(*rules, profile, nullptr, lean_options);
  EXPECT_EQ(testing::ids(lean.causes()), testing::ids(full.causes()));
  EXPECT_EQ(testing::ids(lean.tactics()), testing::ids(full.tactics()));
  EXPECT_EQ(lean.churn_risk(), full.churn_risk());
  ASSERT_GT(lean.causes_size(), 0);
  EXPECT_TRUE(lean.causes(0).label().empty());
  EXPECT_TRUE(lean.causes(0).because().empty());
  EXPECT_FALSE(lean.causes(0).has_evidence());
  EXPECT_FALSE(full.causes(0).because().empty());
}

}  // namespace
}  // namespace retain
