// retain diff: two small rule versions over a handful of customers (CSV and JSON lines).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "analyst/diff.hpp"
#include "test_support.hpp"

namespace retain::analyst {
namespace {

using namespace retain::analyst::testing;
using ::testing::HasSubstr;

const char* kOld = R"(ruleset diffed version "1"

cause STAFF_TURNOVER {
  label en "Account manager left"
  weight 0.4
  when account_manager_changed_days <= 90
}

tactic BUILD_CUSTOMER_TIES {
  label en "Ties"
  answers STAFF_TURNOVER
}

tiers PYRAMID {
  label en "Pyramid"
  by revenue_12m
  sets tier
  band BIG   at_least 1000
  band SMALL rest
}
)";

// Version 2: the cause reaches back 120 days, a second cause, the big band starts at 2000.
const char* kNew = R"(ruleset diffed version "2"

cause STAFF_TURNOVER {
  label en "Account manager left"
  weight 0.4
  when account_manager_changed_days <= 120
}

cause QUALITY_UNSTABLE {
  label en "Quality"
  weight 0.35
  when quality_complaints_90d >= 3
}

tactic BUILD_CUSTOMER_TIES {
  label en "Ties"
  answers STAFF_TURNOVER, QUALITY_UNSTABLE
}

tiers PYRAMID {
  label en "Pyramid"
  by revenue_12m
  sets tier
  band BIG   at_least 2000
  band SMALL rest
}
)";

const char* kCustomersCsv =
    "customer_id,account_manager_changed_days,quality_complaints_90d,revenue_12m\n"
    "A,30,0,500\n"   // unchanged: turnover both times, SMALL both times
    "B,100,0,500\n"  // turnover only in v2: causes, tactics, risk band none -> medium
    "C,,5,1500\n"    // quality only in v2, tier BIG -> SMALL
    "D,,0,5000\n";   // unchanged

class DiffCli : public TempDirTest {};

TEST_F(DiffCli, CountsEveryKindOfChangeWithExamples) {
  const auto r =
      retain({"diff", "--old", write("v1/r.rules", kOld), "--new", write("v2/r.rules", kNew),
              "--in", write("c.csv", kCustomersCsv), "--examples", "1"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("old: diffed 1  new: diffed 2"));
  EXPECT_THAT(r.out, HasSubstr("4 customers, 2 unchanged, 2 changed"));
  EXPECT_THAT(r.out, HasSubstr("tier                    1 changed (25.0%)"));
  EXPECT_THAT(r.out, HasSubstr("BIG -> SMALL"));
  EXPECT_THAT(r.out, HasSubstr("causes                  2 changed (50.0%)"));
  EXPECT_THAT(r.out, HasSubstr("+STAFF_TURNOVER"));
  EXPECT_THAT(r.out, HasSubstr("+QUALITY_UNSTABLE"));
  EXPECT_THAT(r.out, HasSubstr("tactics                 2 changed"));
  EXPECT_THAT(r.out, HasSubstr("churn_risk_band         2 changed"));
  EXPECT_THAT(r.out, HasSubstr("none -> medium"));
  EXPECT_THAT(r.out, HasSubstr("none -> low"));
  EXPECT_THAT(r.out, HasSubstr("credit_checks           0 changed"));
  EXPECT_THAT(r.out, HasSubstr("e.g. B\n"));  // one example only
  EXPECT_THAT(r.out, HasSubstr("mean churn risk: 0.100 -> 0.28"));
}

TEST_F(DiffCli, ReadsJsonLinesToo) {
  const std::string jsonl =
      "{\"customer_id\": \"B\", \"account_manager_changed_days\": 100}\n"
      "{\"customer_id\": \"D\", \"revenue_12m\": 5000}\n";
  const auto r = retain({"diff", "--old", write("v1/r.rules", kOld), "--new",
                         write("v2/r.rules", kNew), "--in", write("c.jsonl", jsonl)});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("2 customers, 1 unchanged, 1 changed"));
  EXPECT_THAT(r.out, HasSubstr("e.g. B\n"));
}

TEST_F(DiffCli, BadRowsAndBadRules) {
  auto r = retain({"diff", "--old", write("v1/r.rules", kOld), "--new", write("v2/r.rules", kNew),
                   "--in", write("c.csv", "customer_id,tenure_monts\nA,3\n")});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("tenure_monts"));
  r = retain({"diff", "--old", write("v1/r.rules", kOld), "--new",
              write("v3/r.rules", "segment A { when nope }\n"), "--in",
              write("c2.csv", kCustomersCsv)});
  EXPECT_EQ(r.code, 2);
}

TEST(DiffLibrary, RiskBands) {
  EXPECT_STREQ(risk_band(0), "none");
  EXPECT_STREQ(risk_band(0.35), "low");
  EXPECT_STREQ(risk_band(0.4), "medium");
  EXPECT_STREQ(risk_band(0.61), "high");
}

}  // namespace
}  // namespace retain::analyst
