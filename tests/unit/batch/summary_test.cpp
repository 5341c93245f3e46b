#include "batch/summary.hpp"

#include <gtest/gtest.h>

#include "batch/report.hpp"

namespace retain::batch {
namespace {

v1::Decision decision(const std::string& id, double risk, const std::string& tier,
                      std::vector<std::string> causes) {
  v1::Decision d;
  d.set_customer_id(id);
  d.set_churn_risk(risk);
  d.set_tier(tier);
  for (const auto& c : causes) d.add_causes()->set_id(c);
  if (!causes.empty()) d.add_tactics()->set_id("BUILD_CUSTOMER_TIES");
  return d;
}

v1::CustomerProfile revenue(double r) {
  v1::CustomerProfile p;
  p.set_revenue_12m(r);
  return p;
}

TEST(SummaryTest, BinsRisk) {
  EXPECT_EQ(Summary::risk_bin(0), 0u);
  EXPECT_EQ(Summary::risk_bin(0.05), 1u);
  EXPECT_EQ(Summary::risk_bin(0.1), 2u);
  EXPECT_EQ(Summary::risk_bin(0.99), 10u);
  EXPECT_EQ(Summary::risk_bin(1.0), 10u);
}

TEST(SummaryTest, MergeDoesNotDependOnHowRowsWereSplit) {
  SummaryOptions options;
  options.top_n = 3;
  Summary one(options), a(options), b(options);
  for (int i = 0; i < 100; ++i) {
    const auto d = decision(
        "c" + std::to_string(i), (i % 10) / 10.0, i < 5 ? "VIP" : "SMALL",
        i % 10 >= 5 ? std::vector<std::string>{"STAFF_TURNOVER"} : std::vector<std::string>{});
    const auto p = revenue(i % 7 == 0 ? 1000.0 : i);  // ties on revenue: line breaks them
    one.add(d, p, i + 2);
    (i % 3 == 0 ? a : b).add(d, p, i + 2);
  }
  a.merge(b);
  for (const Summary* s : {&one, &a}) {
    EXPECT_EQ(s->decisions, 100u);
    EXPECT_EQ(s->tiers.at("VIP"), 5u);
    EXPECT_EQ(s->causes.at("STAFF_TURNOVER"), 50u);
    EXPECT_EQ(s->at_risk, 50u);
    EXPECT_EQ(s->risk_histogram[0], 10u);
  }
  const auto t1 = one.top_at_risk(), t2 = a.top_at_risk();
  ASSERT_EQ(t1.size(), 3u);
  ASSERT_EQ(t2.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(t1[i].customer_id, t2[i].customer_id);
  EXPECT_EQ(t1[0].revenue_12m, 1000.0);
  EXPECT_EQ(t1[0].customer_id, "c7") << "the earliest line among equal revenues";
}

TEST(SummaryTest, ReportsShowCountsAndRejects) {
  Summary s;
  s.add(decision("big", 0.8, "VIP", {"QUALITY_UNSTABLE"}), revenue(5e6), 2);
  s.add(decision("small", 0, "SMALL", {}), revenue(10), 3);
  s.read = 3;
  s.scored = 2;
  s.rejected = 1;
  s.add_reject(Reject{4, "tenure_months", "'x' is not an integer (32-bit)", "c,x"});
  ReportInfo info;
  info.ruleset_name = "test";
  info.input = "in.csv";
  const std::string md = render_report_markdown(s, info);
  EXPECT_NE(md.find("| read | 3 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| rejected | 1 |"), std::string::npos);
  EXPECT_NE(md.find("read = scored + rejected: **yes**"), std::string::npos);
  EXPECT_NE(md.find("| VIP | 1 | 50.0% |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 1 | big | 5,000,000 | 0.80 | VIP | QUALITY_UNSTABLE |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| 4 | tenure_months |"), std::string::npos);
  const std::string html = render_report_html(s, info);
  EXPECT_NE(html.find("id=\"read\">3<"), std::string::npos);
  EXPECT_NE(html.find("<td>QUALITY_UNSTABLE</td>"), std::string::npos);
}

}  // namespace
}  // namespace retain::batch
