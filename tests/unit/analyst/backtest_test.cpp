// retain backtest: the statistics on hand-made cases, a small history whose confusion matrix is
// counted by hand, rejected rows, and the shipped history over the shipped rules.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "analyst/backtest.hpp"
#include "analyst/backtest_metrics.hpp"
#include "analyst/backtest_report.hpp"
#include "batch/profile_from_row.hpp"
#include "test_support.hpp"

namespace retain::analyst {
namespace {

using namespace retain::analyst::testing;
using ::testing::HasSubstr;

// --- Statistics ---------------------------------------------------------------------------

TEST(BacktestMetrics, WilsonIntervalMatchesPublishedValues) {
  // Newcombe (1998), table I: 0/10 -> 0-0.2775, 5/10 -> 0.2366-0.7634.
  auto i = wilson_interval(0, 10);
  EXPECT_DOUBLE_EQ(i.low, 0.0);
  EXPECT_NEAR(i.high, 0.2775, 5e-5);
  i = wilson_interval(5, 10);
  EXPECT_NEAR(i.low, 0.2366, 5e-5);
  EXPECT_NEAR(i.high, 0.7634, 5e-5);
  i = wilson_interval(10, 10);
  EXPECT_DOUBLE_EQ(i.high, 1.0);
  i = wilson_interval(0, 0);
  EXPECT_DOUBLE_EQ(i.low, 0.0);
  EXPECT_DOUBLE_EQ(i.high, 1.0);
}

// roc_auc and gains_table take the pairs sorted, as run_backtest sorts them once for both.
std::vector<Scored> sorted(std::vector<Scored> s) {
  std::sort(s.begin(), s.end());
  return s;
}

TEST(BacktestMetrics, AucOfPerfectInvertedAndTiedRankings) {
  EXPECT_DOUBLE_EQ(roc_auc(sorted({{0.9, true}, {0.8, true}, {0.2, false}, {0.1, false}})), 1.0);
  EXPECT_DOUBLE_EQ(roc_auc(sorted({{0.9, false}, {0.8, false}, {0.2, true}, {0.1, true}})), 0.0);
  EXPECT_DOUBLE_EQ(roc_auc(sorted({{0.5, false}, {0.5, true}, {0.5, false}, {0.5, true}})), 0.5);
  // Churners 0.9 and 0.5 against stayers 0.5 and 0.1: pairs 1 + 1 + 1/2 (tie) + 1 of 4.
  EXPECT_DOUBLE_EQ(roc_auc(sorted({{0.9, true}, {0.5, false}, {0.5, true}, {0.1, false}})),
                   3.5 / 4);
  EXPECT_LT(roc_auc(sorted({{0.9, true}, {0.1, true}})), 0);  // nobody stayed: undefined
}

TEST(BacktestMetrics, VerdictNeedsSupportAndALiftIntervalAboveOne) {
  // Base rate 10% (100 of 1000). 40 of 50 is far above it; 6 of 50 is not; 3 of 3 is rare.
  EXPECT_EQ(signal_metrics({50, 40, 0}, 1000, 100, 30).verdict, Verdict::Predictive);
  EXPECT_EQ(signal_metrics({50, 6, 0}, 1000, 100, 30).verdict, Verdict::Noise);
  EXPECT_EQ(signal_metrics({50, 0, 0}, 1000, 100, 30).verdict, Verdict::Noise);
  const auto rare = signal_metrics({3, 3, 0}, 1000, 100, 30);
  EXPECT_EQ(rare.verdict, Verdict::TooRare);
  EXPECT_DOUBLE_EQ(rare.lift, 10.0);  // a lift of 10 on 3 customers is still not judged
  // 15 of 100 at a base rate of 10%: lift 1.5, but the interval (Wilson ~9.3%-23.4%) holds 1.
  const auto weak = signal_metrics({100, 15, 0}, 1000, 100, 30);
  EXPECT_DOUBLE_EQ(weak.lift, 1.5);
  EXPECT_EQ(weak.verdict, Verdict::Noise);
}

TEST(BacktestMetrics, LiftIntervalIsKatzRiskRatioIntervalCarriedToTheLift) {
  // 40 of 50 fired churned, 60 of the other 950: RR = 0.8 / (60/950) = 12.667,
  // SE(ln RR) = sqrt(1/40 - 1/50 + 1/60 - 1/950) = 0.143576, RR in exp(ln RR -+ 1.96 SE) =
  // [9.559784, 16.783271]; with w = 50/1000, lift = RR / (0.05 RR + 0.95) = [6.694577, 9.380512].
  const auto m = signal_metrics({50, 40, 0}, 1000, 100, 30);
  EXPECT_DOUBLE_EQ(m.lift, 8.0);
  EXPECT_NEAR(m.lift_ci.low, 6.694577, 1e-6);
  EXPECT_NEAR(m.lift_ci.high, 9.380512, 1e-6);
  EXPECT_LT(m.lift_ci.low, m.lift);
  EXPECT_GT(m.lift_ci.high, m.lift);
  // Half the customers fired, 12% of them churned against 8% of the others (z = 2.1): a real
  // difference. Dividing the precision's interval [9.5%, 15.1%] by the base rate 10% said
  // [0.95, 1.51], noise, because it took the base rate, half made of these very customers,
  // as exact. RR's low end exp(ln 1.5 - 1.96 * 0.194079) = 1.025387 gives lift 1.012534.
  const auto half = signal_metrics({500, 60, 0}, 1000, 100, 30);
  EXPECT_DOUBLE_EQ(half.lift, 1.2);
  EXPECT_NEAR(half.lift_ci.low, 1.012534, 1e-6);
  EXPECT_EQ(half.verdict, Verdict::Predictive);
  // Zero cells: no fired churner gives a low end of 0; every churner fired, the ceiling 1 / w.
  const auto none = signal_metrics({50, 0, 0}, 1000, 100, 30);
  EXPECT_DOUBLE_EQ(none.lift_ci.low, 0.0);
  EXPECT_GT(none.lift_ci.high, 0.0);
  const auto all = signal_metrics({200, 100, 0}, 1000, 100, 30);
  EXPECT_DOUBLE_EQ(all.lift, 5.0);
  EXPECT_DOUBLE_EQ(all.lift_ci.high, 5.0);
  EXPECT_GT(all.lift_ci.low, 1.0);
  // Fired for everybody: the precision is the base rate.
  const auto everybody = signal_metrics({1000, 100, 0}, 1000, 100, 30);
  EXPECT_DOUBLE_EQ(everybody.lift, 1.0);
  EXPECT_EQ(everybody.verdict, Verdict::Noise);
}

TEST(BacktestMetrics, GainsTableNeverSplitsTiedScores) {
  std::vector<Scored> s;
  for (int i = 0; i < 10; ++i) s.push_back({0.9, i < 8});   // top tenth, 8 churners
  for (int i = 0; i < 90; ++i) s.push_back({0.0, i < 12});  // one tied lump, 12 churners
  const auto rows = gains_table(sorted(s));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].customers, 10u);
  EXPECT_EQ(rows[0].churned, 8u);
  EXPECT_DOUBLE_EQ(rows[0].lift, 0.8 / 0.2);
  EXPECT_DOUBLE_EQ(rows[0].cumulative_churned, 8.0 / 20);
  EXPECT_EQ(rows[1].customers, 90u);
  EXPECT_DOUBLE_EQ(rows[1].cumulative_share, 1.0);
}

// The decile labels of the gains table in a report over these (risk, label) pairs.
std::vector<std::string> decile_labels(const std::vector<Scored>& s) {
  BacktestResult r;
  r.gains = gains_table(sorted(s));
  const std::string md = render_backtest_markdown(r);
  std::vector<std::string> labels;
  const auto table = md.find("| deciles |");
  std::size_t at = md.find('\n', md.find('\n', table) + 1);  // past the header and rule
  while (at != std::string::npos && md.compare(at + 1, 2, "| ") == 0) {
    const auto end = md.find(" |", at + 3);
    labels.push_back(md.substr(at + 3, end - at - 3));
    at = md.find('\n', at + 1);
  }
  return labels;
}

TEST(BacktestMetrics, GainsRowsAreLabelledWithTheDecileBoundariesTheyCross) {
  auto pattern = [](std::initializer_list<std::pair<double, int>> groups) {
    std::vector<Scored> s;
    for (const auto& [risk, n] : groups) {
      for (int i = 0; i < n; ++i) s.push_back({risk, i % 3 == 0});
    }
    return s;
  };
  // A tie from 10% to 95%: boundaries 2..9, and the last 5% is decile 10, not "11".
  const auto big_tie = pattern({{0.9, 10}, {0.5, 85}, {0.1, 5}});
  const auto rows = gains_table(sorted(big_tie));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].first_decile, 2u);
  EXPECT_EQ(rows[1].last_decile, 9u);
  EXPECT_EQ(rows[2].first_decile, 10u);
  EXPECT_EQ(rows[2].last_decile, 10u);
  EXPECT_THAT(decile_labels(big_tie), ::testing::ElementsAre("1", "2–9", "10"));
  // A tie of 2.5 deciles (10% to 35%) crosses boundaries 2 and 3; the next row starts at 4.
  EXPECT_THAT(decile_labels(pattern({{0.9, 10}, {0.5, 25}, {0.1, 65}})),
              ::testing::ElementsAre("1", "2–3", "4–10"));
  // Everybody tied: one row, all ten deciles.
  EXPECT_THAT(decile_labels(pattern({{0.0, 7}})), ::testing::ElementsAre("1–10"));
}

TEST(BacktestReport, SaysNothingOfReconciliationItCannotShow) {
  // run_backtest returns 2 rather than counts that do not add up; the report does not check.
  BacktestResult r;
  r.read = 5;
  r.used = 3;
  EXPECT_THAT(render_backtest_markdown(r), ::testing::Not(HasSubstr("RECONCILE")));
}

TEST(BacktestLabel, AcceptsTheDocumentedSpellingsOnly) {
  auto flag = [](const char* t) -> std::optional<bool> {
    bool v = false;
    if (!batch::parse_flag(t, &v)) return std::nullopt;
    return v;
  };
  for (const char* t : {"1", "true", "TRUE", "yes", "Yes", " 1 ", "\ttrue"}) {
    EXPECT_EQ(flag(t), true) << t;
  }
  for (const char* t : {"0", "false", "No", "no "}) EXPECT_EQ(flag(t), false) << t;
  // ASCII only: no locale may fold a non-ASCII byte into a letter of "yes".
  for (const char* t : {"", "2", "y", "churned", "1.0",
                        "\xd9"
                        "es",
                        "ye\xd3"}) {
    EXPECT_FALSE(flag(t)) << t;
  }
}

// --- A history counted by hand -----------------------------------------------------------

// Cause A: three quality complaints (weight 0.5). Cause B: two channel issues (weight 0.2).
const char* kRules = R"(ruleset hand version "1"

cause A_QUALITY {
  label en "Quality"
  weight 0.5
  when quality_complaints_90d >= 3
}

cause B_CHANNEL {
  label en "Channel"
  weight 0.2
  when channel_issues_90d >= 2
}

tactic ANSWER_A {
  label en "Answer A"
  answers A_QUALITY
}
)";

// Groups of identical customers: (quality complaints, channel issues, churned, how many).
struct Group {
  int quality, channel, churned, n;
};
const std::vector<Group> kGroups = {
    {5, 2, 1, 10}, {5, 2, 0, 2},    // A and B: risk 1 - 0.5 * 0.8 = 0.6
    {5, 0, 1, 30}, {5, 0, 0, 8},    // A only: 0.5
    {0, 2, 1, 5},  {0, 2, 0, 45},   // B only: 0.2
    {0, 0, 1, 15}, {0, 0, 0, 85}};  // none: 0

std::string hand_history(const std::string& label_yes = "1", const std::string& label_no = "0") {
  std::string csv = "customer_id,quality_complaints_90d,channel_issues_90d,churned\n";
  int id = 0;
  for (const auto& g : kGroups) {
    for (int i = 0; i < g.n; ++i) {
      csv += fmt::format("K{},{},{},{}\n", ++id, g.quality, g.channel,
                         g.churned ? label_yes : label_no);
    }
  }
  return csv;
}

RuleSetPtr hand_rules() {
  auto loaded = load_rules_from_memory({{"hand.rules", kRules}});
  EXPECT_TRUE(loaded.value) << "hand rules do not load";
  return loaded.value ? *loaded.value : nullptr;
}

const SignalResult& signal(const BacktestResult& r, const std::string& id) {
  for (const auto& s : r.signals) {
    if (s.id == id) return s;
  }
  ADD_FAILURE() << "no signal " << id;
  static const SignalResult none;
  return none;
}

class BacktestRun : public TempDirTest {
 protected:
  BacktestResult run(const std::string& history_path, BacktestOptions o = {}) {
    o.input.path = history_path;
    o.quiet = true;
    BacktestResult r;
    std::ostringstream err;
    code_ = run_backtest(*rules_, o, &r, err);
    err_ = err.str();
    return r;
  }
  RuleSetPtr rules_ = hand_rules();
  int code_ = -1;
  std::string err_;
};

TEST_F(BacktestRun, ConfusionMatrixOfEachCauseAsCountedByHand) {
  const auto r = run(write("history.csv", hand_history()));
  ASSERT_EQ(code_, 0) << err_;
  EXPECT_EQ(r.read, 200u);
  EXPECT_EQ(r.used, 200u);
  EXPECT_EQ(r.churned, 10u + 30 + 5 + 15);
  EXPECT_DOUBLE_EQ(r.base_rate, 60.0 / 200);

  // A fired for the 12 + 38 customers with complaints; 10 + 30 of them churned.
  const auto& a = signal(r, "A_QUALITY").metrics;
  EXPECT_EQ(a.counts.fired, 50u);
  EXPECT_EQ(a.counts.fired_churned, 40u);
  EXPECT_DOUBLE_EQ(a.precision, 40.0 / 50);
  EXPECT_DOUBLE_EQ(a.recall, 40.0 / 60);
  EXPECT_DOUBLE_EQ(a.lift, (40.0 / 50) / (60.0 / 200));
  EXPECT_EQ(a.verdict, Verdict::Predictive);

  // B fired for 12 + 50; 10 + 5 churned: 24% against a 30% base rate.
  const auto& b = signal(r, "B_CHANNEL").metrics;
  EXPECT_EQ(b.counts.fired, 62u);
  EXPECT_EQ(b.counts.fired_churned, 15u);
  EXPECT_DOUBLE_EQ(b.recall, 15.0 / 60);
  EXPECT_LT(b.lift, 1.0);
  EXPECT_EQ(b.verdict, Verdict::Noise);

  // The tactic answering A is proposed exactly where A fired.
  EXPECT_EQ(signal(r, "ANSWER_A").metrics.counts.fired, 50u);

  // Ranked causes: A predictive, B noise.
  ASSERT_EQ(ranked(r, SignalKind::Cause, Verdict::Predictive).size(), 1u);
  EXPECT_EQ(ranked(r, SignalKind::Cause, Verdict::Predictive)[0]->id, "A_QUALITY");
  EXPECT_EQ(ranked(r, SignalKind::Cause, Verdict::Noise)[0]->id, "B_CHANNEL");
}

TEST_F(BacktestRun, RiskScoreAucThresholdAndGainsAsCountedByHand) {
  const auto r = run(write("history.csv", hand_history()));
  ASSERT_EQ(code_, 0) << err_;
  // Each churner against the 140 stayers: those strictly below count 1, ties 1/2.
  //   10 churners at 0.6: 138 below, 2 tied; 30 at 0.5: 130 below, 8 tied;
  //   5 at 0.2: 85 below, 45 tied; 15 at 0: 85 tied.
  const double pairs = 10 * (138 + 1.0) + 30 * (130 + 4.0) + 5 * (85 + 22.5) + 15 * 42.5;
  EXPECT_NEAR(r.auc, pairs / (60 * 140), 1e-12);
  // Risk >= 0.5 flags exactly the customers with cause A.
  EXPECT_EQ(r.at_threshold.counts.fired, 50u);
  EXPECT_EQ(r.at_threshold.counts.fired_churned, 40u);
  EXPECT_NEAR(r.mean_risk_churned, (10 * 0.6 + 30 * 0.5 + 5 * 0.2) / 60, 1e-12);
  // Deciles of 20: the 0.6 and 0.5 customers (50) fill rows 1-2, the 0.2 ones (50) the next,
  // the 100 at 0 the rest, since equal risks are not split.
  ASSERT_EQ(r.gains.size(), 3u);
  EXPECT_EQ(r.gains[0].customers, 50u);
  EXPECT_EQ(r.gains[0].churned, 40u);
  EXPECT_EQ(r.gains[1].customers, 50u);
  EXPECT_EQ(r.gains[1].churned, 5u);
  EXPECT_EQ(r.gains[2].customers, 100u);
  EXPECT_DOUBLE_EQ(r.gains[1].cumulative_churned, 45.0 / 60);
}

TEST_F(BacktestRun, MinimumSupportMakesCausesTooRare) {
  BacktestOptions o;
  o.min_support = 51;  // A fired for 50, B for 62
  const auto r = run(write("history.csv", hand_history()), o);
  ASSERT_EQ(code_, 0) << err_;
  EXPECT_EQ(signal(r, "A_QUALITY").metrics.verdict, Verdict::TooRare);
  EXPECT_EQ(signal(r, "B_CHANNEL").metrics.verdict, Verdict::Noise);
}

TEST_F(BacktestRun, LabelSpellingsGiveTheSameCounts) {
  const auto numeric = run(write("a.csv", hand_history("1", "0")));
  const auto words = run(write("b.csv", hand_history("Yes", "no")));
  const auto booleans = run(write("c.csv", hand_history("true", "FALSE")));
  EXPECT_EQ(words.churned, numeric.churned);
  EXPECT_EQ(booleans.churned, numeric.churned);
  ASSERT_EQ(words.signals.size(), numeric.signals.size());
  for (std::size_t i = 0; i < numeric.signals.size(); ++i) {
    EXPECT_EQ(words.signals[i].metrics.counts.fired_churned,
              numeric.signals[i].metrics.counts.fired_churned);
    EXPECT_EQ(booleans.signals[i].metrics.counts.fired_churned,
              numeric.signals[i].metrics.counts.fired_churned);
  }
}

TEST_F(BacktestRun, ResultsDoNotDependOnThreadsOrChunks) {
  const std::string path = write("history.csv", hand_history());
  BacktestOptions one;
  one.threads = 1;
  BacktestOptions many;
  many.threads = 4;
  many.input.chunk_records = 7;
  EXPECT_EQ(render_backtest_json(run(path, one)), render_backtest_json(run(path, many)));
}

TEST_F(BacktestRun, BadRowsAreRejectedWithLineNumbersAndAccountedFor) {
  const std::string csv =
      "customer_id,quality_complaints_90d,channel_issues_90d,churned\n"  // line 1
      "K1,5,0,1\n"                                                       // 2 used
      "K2,0,0,maybe\n"                                                   // 3 bad label
      "K3,0,0,\n"                                                        // 4 missing label
      "\n"                                                               // 5 blank
      "K4,lots,0,1\n"                                                    // 6 bad profile
      "K5,-1,0,0\n"                                                      // 7 validate_profile
      "K6,0,2,0\n";                                                      // 8 used
  BacktestOptions o;
  o.rejects = (dir_ / "rejects.csv").string();
  const auto r = run(write("history.csv", csv), o);
  ASSERT_EQ(code_, 0) << err_;
  EXPECT_EQ(r.read, 6u);
  EXPECT_EQ(r.used, 2u);
  EXPECT_EQ(r.rejected, 4u);
  EXPECT_EQ(r.blank_lines, 1u);
  ASSERT_EQ(r.first_rejects.size(), 4u);
  EXPECT_EQ(r.first_rejects[0].line, 3u);
  EXPECT_EQ(r.first_rejects[0].field, "churned");
  EXPECT_THAT(r.first_rejects[0].reason, HasSubstr("'maybe' is not a label"));
  EXPECT_EQ(r.first_rejects[1].line, 4u);
  EXPECT_THAT(r.first_rejects[1].reason, HasSubstr("missing"));
  EXPECT_EQ(r.first_rejects[2].line, 6u);
  EXPECT_EQ(r.first_rejects[2].field, "quality_complaints_90d");
  EXPECT_EQ(r.first_rejects[3].line, 7u);
  // The rejects file holds the header and the original rows, ready to fix and run again.
  EXPECT_EQ(read_text(dir_ / "rejects.csv"),
            "customer_id,quality_complaints_90d,channel_issues_90d,churned\n"
            "K2,0,0,maybe\nK3,0,0,\nK4,lots,0,1\nK5,-1,0,0\n");
  const std::string md = render_backtest_markdown(r);
  EXPECT_THAT(md, HasSubstr("6 rows read = 2 used + 4 rejected"));
  EXPECT_THAT(md, HasSubstr("| 3 | churned | 'maybe' is not a label"));
}

TEST_F(BacktestRun, JsonLinesTakeTheLabelAsAnExtraField) {
  const std::string jsonl = R"({"customer_id":"J1","quality_complaints_90d":5,"churned":true})"
                            "\n"
                            R"({"customer_id":"J2","churned":0})"
                            "\n"
                            R"({"customer_id":"J3","quality_complaints_90d":4,"churned":"yes"})"
                            "\n"
                            R"({"customer_id":"J4","churned":null})"
                            "\n"
                            R"({"customer_id":"J5","churned":{"x":1}})"
                            "\n"
                            R"({"customer_id":"J6","churnd":1})"
                            "\n";
  const auto r = run(write("history.jsonl", jsonl));
  ASSERT_EQ(code_, 0) << err_;
  EXPECT_EQ(r.used, 3u);
  EXPECT_EQ(r.churned, 2u);
  EXPECT_EQ(signal(r, "A_QUALITY").metrics.counts.fired_churned, 2u);
  ASSERT_EQ(r.first_rejects.size(), 3u);
  EXPECT_EQ(r.first_rejects[0].line, 4u);  // null: missing
  EXPECT_EQ(r.first_rejects[1].line, 5u);  // an object
  EXPECT_EQ(r.first_rejects[2].line, 6u);  // a typo is an unknown field, not a label
  EXPECT_THAT(r.first_rejects[2].reason, HasSubstr("unknown field 'churnd'"));
}

TEST_F(BacktestRun, ALabelGivenTwiceInAJsonLineIsRejectedNamingIt) {
  const auto r = run(write("history.jsonl", R"({"customer_id":"J1","churned":1,"churned":0})"
                                            "\n"
                                            R"({"customer_id":"J2","churned":null,"churned":1})"
                                            "\n"
                                            R"({"customer_id":"J3","churned":1})"
                                            "\n"));
  ASSERT_EQ(code_, 0) << err_;
  EXPECT_EQ(r.used, 1u);
  ASSERT_EQ(r.first_rejects.size(), 2u);
  for (const auto& reject : r.first_rejects) {
    EXPECT_EQ(reject.field, "churned");
    EXPECT_THAT(reject.reason, HasSubstr("appears twice"));
  }
}

TEST_F(BacktestRun, RejectsInJsonLinesHoldLineFieldReasonAndText) {
  BacktestOptions o;
  o.rejects = (dir_ / "rejects.jsonl").string();
  run(write("history.csv",
            "customer_id,quality_complaints_90d,channel_issues_90d,churned\n"
            "K1,5,0,1\nK2,0,0,\"may\"\"be\"\nK3,lots,0,1\n"),
      o);
  ASSERT_EQ(code_, 0) << err_;
  EXPECT_EQ(read_text(dir_ / "rejects.jsonl"),
            R"x({"line":3,"field":"churned","reason":"'may\"be' is not a label (1/0, )x"
            R"x(true/false, yes/no)","text":"K2,0,0,\"may\"\"be\""})x"
            "\n"
            R"x({"line":4,"field":"quality_complaints_90d","reason":"'lots' is not an )x"
            R"x(integer (32-bit)","text":"K3,lots,0,1"})x"
            "\n");
}

// Percentile tiers (rank) need population statistics: a first pass, a file, or a spill of stdin.
const char* kRankedRules = R"(ruleset ranked version "1"

cause A_QUALITY {
  label en "Quality"
  weight 0.5
  when quality_complaints_90d >= 3
}

tiers VALUE {
  label en "Value"
  rank revenue_12m
  band TOP top 20%
  band REST rest
}
)";

// Ten customers, revenue 1..10; the two of highest revenue (the top 20%) churned, and K1.
std::string ranked_history(const std::string& extra_column = "") {
  std::string csv = "customer_id,quality_complaints_90d,revenue_12m,churned" +
                    (extra_column.empty() ? "" : "," + extra_column) + "\n";
  for (int i = 1; i <= 10; ++i) {
    csv += fmt::format("K{},{},{},{}{}\n", i, i == 1 ? 4 : 0, i, i >= 9 || i == 1 ? 1 : 0,
                       extra_column.empty() ? "" : ",x");
  }
  return csv;
}

class BacktestRanked : public BacktestRun {
 protected:
  void SetUp() override {
    BacktestRun::SetUp();
    auto loaded = load_rules_from_memory({{"ranked.rules", kRankedRules}});
    ASSERT_TRUE(loaded.value);
    rules_ = *loaded.value;
  }
  void expect_top_band(const BacktestResult& r) {
    EXPECT_EQ(r.used, 10u);
    EXPECT_EQ(signal(r, "VALUE=TOP").metrics.counts.fired, 2u);
    EXPECT_EQ(signal(r, "VALUE=TOP").metrics.counts.fired_churned, 2u);
    EXPECT_EQ(signal(r, "VALUE=REST").metrics.counts.fired, 8u);
  }
};

TEST_F(BacktestRanked, StdinIsSpilledForTheSecondPass) {
  const std::string path = write("history.csv", ranked_history());
  // Give the file as fd 0 for the run, then put the real stdin back.
  const int saved = ::dup(0);
  ASSERT_GE(saved, 0);
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::dup2(fd, 0), 0);
  ::close(fd);
  BacktestOptions o;
  o.input.chunk_records = 3;
  const auto r = run("-", o);
  ::dup2(saved, 0);
  ::close(saved);
  ASSERT_EQ(code_, 0) << err_;
  EXPECT_EQ(r.input, "stdin");
  EXPECT_THAT(r.stats_source, HasSubstr("stdin spilled"));
  expect_top_band(r);
  // The same figures as from the file itself.
  const auto from_file = run(path);
  ASSERT_EQ(code_, 0) << err_;
  EXPECT_EQ(signal(from_file, "VALUE=TOP").metrics.counts.fired, 2u);
  EXPECT_THAT(from_file.stats_source, HasSubstr("a first pass"));
}

TEST_F(BacktestRanked, StatsFromAFileAndAFileWithoutTheTiers) {
  const std::string rules = write("r/ranked.rules", kRankedRules);
  const std::string history = write("history.csv", ranked_history());
  auto s = retain({"stats", "--rules", rules, "--in", history, "--ignore-unknown-columns", "--out",
                   (dir_ / "stats.json").string(), "-q"});
  ASSERT_EQ(s.code, 0) << s.err;
  BacktestOptions o;
  o.stats = (dir_ / "stats.json").string();
  auto r = run(history, o);
  ASSERT_EQ(code_, 0) << err_;
  EXPECT_EQ(r.stats_source, o.stats);
  expect_top_band(r);

  // Statistics of other rules, whose percentile tiers are not VALUE: refused before reading.
  std::string other = kRankedRules;
  other.replace(other.find("tiers VALUE"), 11, "tiers WORTH");
  s = retain({"stats", "--rules", write("o/other.rules", other), "--in", history,
              "--ignore-unknown-columns", "--out", (dir_ / "other.json").string(), "-q"});
  ASSERT_EQ(s.code, 0) << s.err;
  o.stats = (dir_ / "other.json").string();
  run(history, o);
  EXPECT_EQ(code_, 1);
  EXPECT_THAT(err_, HasSubstr("has no values for the percentile tiers 'VALUE'"));
}

TEST_F(BacktestRanked, IgnoredColumnsAreReportedOnceForTwoPasses) {
  BacktestOptions o;
  o.input.path = write("history.csv", ranked_history("notes"));
  o.input.ignore_unknown_columns = true;
  BacktestResult r;
  std::ostringstream err;
  ASSERT_EQ(run_backtest(*rules_, o, &r, err), 0) << err.str();
  expect_top_band(r);
  const std::string text = err.str();
  const auto first = text.find("ignoring unknown columns: notes");
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find("ignoring unknown columns", first + 1), std::string::npos) << text;
}

TEST_F(BacktestRun, MissingDataCountsAsUndecidedAndNotFired) {
  auto loaded = load_rules_from_memory({{"silent.rules", R"(ruleset silent version "1"

cause SILENT {
  label en "Silent"
  weight 0.3
  when days_since_last_order > 90
}

tiers RECENCY {
  label en "Recency"
  by days_since_last_order
  band OLD at_least 90
  band RECENT rest
}
)"}});
  ASSERT_TRUE(loaded.value);
  rules_ = *loaded.value;
  // days_since_last_order is optional: an empty cell leaves the cause and the tiers undecided.
  const auto r = run(write("history.csv",
                           "customer_id,days_since_last_order,churned\n"
                           "S1,,1\nS2,,0\nS3,,1\nS4,120,1\nS5,100,0\nS6,10,0\n"));
  ASSERT_EQ(code_, 0) << err_;
  const auto& silent = signal(r, "SILENT").metrics;
  EXPECT_EQ(silent.counts.fired, 2u);
  EXPECT_EQ(silent.counts.fired_churned, 1u);
  EXPECT_EQ(silent.counts.undecided, 3u);
  EXPECT_EQ(signal(r, "RECENCY=OLD").metrics.counts.fired, 2u);
  EXPECT_EQ(signal(r, "RECENCY=OLD").metrics.counts.undecided, 3u);
  EXPECT_EQ(signal(r, "RECENCY=RECENT").metrics.counts.fired, 1u);
}

TEST_F(BacktestRun, HeaderWithoutTheLabelOrALabelThatIsAProfileFieldIsAnError) {
  run(write("h.csv", "customer_id,quality_complaints_90d\nK1,3\n"));
  EXPECT_EQ(code_, 1);
  EXPECT_THAT(err_, HasSubstr("no label column 'churned'"));
  BacktestOptions o;
  o.label = "is_lost";
  run(write("h2.csv", "customer_id,is_lost\nK1,true\n"), o);
  EXPECT_EQ(code_, 1);
  EXPECT_THAT(err_, HasSubstr("is a profile field"));
  // Any other unknown column is still an error, as in retain score.
  run(write("h3.csv", "customer_id,tenure_monts,churned\nK1,3,1\n"));
  EXPECT_EQ(code_, 1);
  EXPECT_THAT(err_, HasSubstr("'tenure_monts' is not a profile field"));
}

// --- The verb and the shipped history ------------------------------------------------------

class BacktestCli : public TempDirTest {};

TEST_F(BacktestCli, WritesReportsAndJsonAndExitsLikeTheOtherVerbs) {
  const std::string rules = write("r/hand.rules", kRules);
  const std::string history = write("history.csv", hand_history());
  auto r = retain({"backtest", "--rules", rules, "--in", history, "-q"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("# Backtest of hand 1"));
  EXPECT_THAT(r.out, HasSubstr("**Predictive** (lift clearly above 1), best first: `A_QUALITY`"));

  r = retain({"backtest", "--rules", rules, "--in", history, "--report", (dir_ / "r.html").string(),
              "--out", (dir_ / "r.json").string()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");  // files replace stdout
  EXPECT_THAT(r.err,
              HasSubstr("read 200 rows = 200 used + 0 rejected; 60 churned (base rate 30.0%)"));
  EXPECT_THAT(read_text(dir_ / "r.html"),
              HasSubstr("<tr class=\"predictive\"><td><code>A_QUALITY"));
  EXPECT_THAT(read_text(dir_ / "r.json"), HasSubstr("\"format\":\"retain.backtest\""));

  r = retain({"backtest", "--rules", write("bad.rules", "cause {"), "--in", history});
  EXPECT_EQ(r.code, 2);
  r = retain({"backtest", "--rules", rules, "--in", history, "--report", "r.txt"});
  EXPECT_EQ(r.code, 1);
  r = retain({"backtest", "--rules", rules, "--in", (dir_ / "missing.csv").string()});
  EXPECT_EQ(r.code, 1);
}

TEST_F(BacktestCli, ThresholdIsAChurnRiskFromZeroToOne) {
  const std::string rules = write("r/hand.rules", kRules);
  const std::string history = write("history.csv", hand_history());
  for (const char* bad : {"nan", "NaN", "-0.1", "1.5", "inf"}) {
    const auto r = retain({"backtest", "--rules", rules, "--in", history, "--threshold", bad});
    EXPECT_EQ(r.code, 1) << bad;
    EXPECT_THAT(r.err, HasSubstr("--threshold")) << bad;
  }
  for (const char* good : {"0", "1", "0.25"}) {
    const auto r =
        retain({"backtest", "--rules", rules, "--in", history, "--threshold", good, "-q"});
    EXPECT_EQ(r.code, 0) << good << ": " << r.err;
  }
}

TEST(BacktestShipped, HistoryRanksTheGeneratorsDriversAboveItsNoise) {
  // scripts/gen_history.py draws churn from quality, account-manager change, rival offers and
  // channel problems; service complaints, stale offers and promotions do not enter its model.
  auto loaded = load_rules({(kSourceDir / "rules").string()});
  ASSERT_TRUE(loaded.value);
  BacktestOptions o;
  o.input.path = (kSourceDir / "examples" / "history.csv").string();
  o.quiet = true;
  BacktestResult r;
  std::ostringstream err;
  ASSERT_EQ(run_backtest(**loaded.value, o, &r, err), 0) << err.str();
  EXPECT_EQ(r.rejected, 0u);
  EXPECT_EQ(r.used, 10000u);
  for (const char* id : {"QUALITY_UNSTABLE", "STAFF_TURNOVER", "COMPETITOR_TEMPTATION"}) {
    EXPECT_EQ(signal(r, id).metrics.verdict, Verdict::Predictive) << id;
  }
  for (const char* id : {"WEAK_SERVICE_AWARENESS", "LACK_OF_INNOVATION", "SHORT_TERM_BEHAVIOUR"}) {
    EXPECT_EQ(signal(r, id).metrics.verdict, Verdict::Noise) << id;
  }
  const auto predictive = ranked(r, SignalKind::Cause, Verdict::Predictive);
  ASSERT_GE(predictive.size(), 3u);
  for (const auto* noise : ranked(r, SignalKind::Cause, Verdict::Noise)) {
    EXPECT_LT(noise->metrics.lift, predictive.back()->metrics.lift_ci.low) << noise->id;
  }
  EXPECT_GT(r.auc, 0.6);
  EXPECT_GT(r.gains.front().lift, 2.0);
}

TEST(BacktestShipped, SameBytesWhateverTheThreadsAndChunks) {
  // Real risks (sums of many inexact decimals) would expose an order-dependent sum.
  auto loaded = load_rules({(kSourceDir / "rules").string()});
  ASSERT_TRUE(loaded.value);
  auto run = [&](unsigned threads, std::size_t chunk) {
    BacktestOptions o;
    o.input.path = (kSourceDir / "examples" / "history.csv").string();
    o.input.chunk_records = chunk;
    o.threads = threads;
    o.quiet = true;
    BacktestResult r;
    std::ostringstream err;
    EXPECT_EQ(run_backtest(**loaded.value, o, &r, err), 0) << err.str();
    return render_backtest_json(r);
  };
  EXPECT_EQ(run(1, 1024), run(3, 37));
}

}  // namespace
}  // namespace retain::analyst
