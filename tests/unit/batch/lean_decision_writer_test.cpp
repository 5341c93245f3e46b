// The direct paths of `retain score` against the path they replace (render_decision,
// DecisionWriter, Summary::add): compact decisions (LeanDecisionWriter, FrameSummary) and full
// ones (FullDecisionWriter, in every language and in one) for the shipped rules over
// examples/customers.csv, with and without population statistics, and profiles with most values
// missing, must give the same bytes and the same summary.
#include "batch/lean_decision_writer.hpp"

#include <gtest/gtest.h>

#include <array>

#include "batch/frame_summary.hpp"
#include "batch/full_decision_writer.hpp"
#include "batch/io.hpp"
#include "batch/profile_from_row.hpp"
#include "batch/record_reader.hpp"
#include "batch/summary.hpp"
#include "engine/engine.hpp"
#include "engine/eval/evaluator.hpp"

namespace retain::batch {
namespace {

RuleSetPtr shipped_rules() {
  auto loaded = load_rules({std::string(RETAIN_SOURCE_DIR) + "/rules"});
  EXPECT_TRUE(loaded.value.has_value());
  return loaded.value ? *loaded.value : nullptr;
}

// The profiles of examples/customers.csv, then each again with only its id (most rules
// undecided, tiers without a fallback), and one without even an id.
std::vector<v1::CustomerProfile> profiles() {
  ByteSource source(std::string(RETAIN_SOURCE_DIR) + "/examples/customers.csv");
  RecordReader reader(source, InputFormat::Csv);
  std::string error;
  auto header = CsvHeader::parse(*reader.read_header(), false, &error);
  EXPECT_TRUE(header.has_value()) << error;
  CsvRowParser parser(*header);
  std::vector<v1::CustomerProfile> out;
  while (auto chunk = reader.next_chunk()) {
    for (const Record& r : chunk->records) {
      v1::CustomerProfile p;
      RowError e;
      if (parser.parse(chunk->text(r), &p, &e) && !validate_profile(p)) out.push_back(p);
    }
  }
  EXPECT_GT(out.size(), 9000u);
  const std::size_t n = out.size();
  for (std::size_t i = 0; i < n; i += 97) {
    v1::CustomerProfile bare;
    bare.set_customer_id(out[i].customer_id() + ",\"quoted\"");
    bare.set_revenue_12m(out[i].revenue_12m());
    out.push_back(bare);
  }
  out.emplace_back();
  return out;
}

// The shipped rules, the profiles above and their population statistics (the last profile,
// without an id, left out of them).
struct Examples {
  Examples() : rules(shipped_rules()), profiles(batch::profiles()) {
    if (!rules) return;
    StatsBuilder builder(*rules);
    for (std::size_t i = 0; i + 1 < profiles.size(); ++i) builder.add(profiles[i]);
    population = builder.finish();
  }
  // Each test runs with the statistics and without them (tiers then use their fallback).
  std::array<const PopulationStats*, 2> stats_or_none() const { return {&population, nullptr}; }

  RuleSetPtr rules;
  std::vector<v1::CustomerProfile> profiles;
  PopulationStats population;
};

struct Outputs {
  std::string reference, lean;
};

Outputs write_both(const compile::RuleSet& rules, const std::vector<v1::CustomerProfile>& all,
                   const PopulationStats* stats, OutputFormat format, Summary* reference_summary,
                   Summary* lean_summary) {
  Outputs o;
  auto reference = make_decision_writer(format, JsonEngine::Fast);
  LeanDecisionWriter lean(rules, format);
  EXPECT_EQ(lean.header(), reference->header());
  FrameSummary tally(rules, lean_summary);
  const lean::Slots slots(rules.program());
  lean::Outcome outcome;
  eval::EvalFrame frame, lean_frame;
  v1::Decision decision;
  EvalOptions options;
  options.explanations = false;
  std::uint64_t line = 2;
  for (const auto& p : all) {
    decide(rules, p, stats, frame, &decision, options);
    reference->write(decision, o.reference);
    reference_summary->add(decision, p, line);
    eval::evaluate(rules, p, stats, lean_frame);
    outcome.read(slots, rules.program(), lean_frame);
    lean.write(p, lean_frame, outcome, o.lean);
    tally.add(p, lean_frame, outcome, line);
    ++line;
  }
  tally.flush();
  return o;
}

// Line by line, so that a failure shows the first row that differs rather than megabytes.
void expect_same_lines(const std::string& a, const std::string& b) {
  std::size_t pa = 0, pb = 0, line = 1;
  while (pa < a.size() && pb < b.size()) {
    const std::size_t ea = a.find('\n', pa), eb = b.find('\n', pb);
    ASSERT_EQ(a.substr(pa, ea - pa), b.substr(pb, eb - pb)) << "output line " << line;
    pa = ea + 1;
    pb = eb + 1;
    ++line;
  }
  EXPECT_EQ(a.size(), b.size());
}

void expect_same_summary(const Summary& a, const Summary& b) {
  EXPECT_EQ(a.decisions, b.decisions);
  EXPECT_EQ(a.tiers, b.tiers);
  EXPECT_EQ(a.credit_grades, b.credit_grades);
  EXPECT_EQ(a.causes, b.causes);
  EXPECT_EQ(a.tactics, b.tactics);
  EXPECT_EQ(a.segments, b.segments);
  EXPECT_EQ(a.account_actions, b.account_actions);
  EXPECT_EQ(a.credit_checks, b.credit_checks);
  EXPECT_EQ(a.with_cause, b.with_cause);
  EXPECT_EQ(a.with_unknowns, b.with_unknowns);
  EXPECT_EQ(a.risk_histogram, b.risk_histogram);
  EXPECT_EQ(a.revenue_total, b.revenue_total);
  EXPECT_EQ(a.revenue_at_risk, b.revenue_at_risk);
  EXPECT_EQ(a.expected_revenue_loss, b.expected_revenue_loss);
  EXPECT_EQ(a.at_risk, b.at_risk);
  const auto ta = a.top_at_risk(), tb = b.top_at_risk();
  ASSERT_EQ(ta.size(), tb.size());
  for (std::size_t i = 0; i < ta.size(); ++i) {
    EXPECT_EQ(ta[i].customer_id, tb[i].customer_id);
    EXPECT_EQ(ta[i].churn_risk, tb[i].churn_risk);
    EXPECT_EQ(ta[i].tier, tb[i].tier);
    EXPECT_EQ(ta[i].causes, tb[i].causes);
    EXPECT_EQ(ta[i].top_tactic, tb[i].top_tactic);
    EXPECT_EQ(ta[i].line, tb[i].line);
  }
}

class LeanDecisionWriterTest : public ::testing::TestWithParam<OutputFormat> {};

TEST_P(LeanDecisionWriterTest, SameBytesAndSummaryAsTheDecisionPath) {
  const Examples examples;
  ASSERT_TRUE(examples.rules);
  const auto& rules = examples.rules;
  const auto& all = examples.profiles;
  for (const PopulationStats* stats : examples.stats_or_none()) {
    SCOPED_TRACE(stats ? "with population statistics" : "without statistics");
    Summary reference_summary, lean_summary;
    const Outputs o = write_both(*rules, all, stats, GetParam(), &reference_summary, &lean_summary);
    expect_same_lines(o.lean, o.reference);
    expect_same_summary(lean_summary, reference_summary);
    EXPECT_GT(reference_summary.with_unknowns, 0u);
    EXPECT_GT(reference_summary.at_risk, 0u);
  }
}

class FullDecisionWriterTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FullDecisionWriterTest, SameBytesAsTheDecisionPath) {
  const Examples examples;
  ASSERT_TRUE(examples.rules);
  const auto& rules = examples.rules;
  const auto& all = examples.profiles;
  for (const PopulationStats* stats : examples.stats_or_none()) {
    SCOPED_TRACE(stats ? "with population statistics" : "without statistics");
    auto reference = make_decision_writer(OutputFormat::Jsonl, JsonEngine::Fast);
    FullDecisionWriter full(*rules, GetParam());
    const lean::Slots slots(rules->program());
    lean::Outcome outcome;
    eval::EvalFrame frame, full_frame;
    v1::Decision decision;
    EvalOptions options;
    options.language = GetParam();
    std::string expected, got;
    for (const auto& p : all) {
      decide(*rules, p, stats, frame, &decision, options);
      reference->write(decision, expected);
      eval::evaluate(*rules, p, stats, full_frame);
      eval::evaluate_render(*rules, p, full_frame);
      outcome.read(slots, rules->program(), full_frame);
      full.write(p, full_frame, outcome, got);
    }
    expect_same_lines(got, expected);
    EXPECT_NE(expected.find("\"because\":{"), std::string::npos);
    EXPECT_NE(expected.find("\"reason\":"), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Languages, FullDecisionWriterTest, ::testing::Values("", "zh", "en", "fr"),
                         [](const auto& info) {
                           return info.param.empty() ? std::string("Every") : info.param;
                         });

INSTANTIATE_TEST_SUITE_P(Formats, LeanDecisionWriterTest,
                         ::testing::Values(OutputFormat::Csv, OutputFormat::Jsonl),
                         [](const auto& info) {
                           return info.param == OutputFormat::Csv ? "Csv" : "Jsonl";
                         });

}  // namespace
}  // namespace retain::batch
