// retain backtest: run the rules over a labelled customer history and measure how well each
// churn cause (and tactic, segment, tier band) and the churn risk predict the label. Reads the
// input with batch/'s readers and ordered parallel pipeline, as `retain score` does, with the
// label as an extra column; decisions are lean. The metrics are backtest_metrics.hpp, the
// report backtest_report.hpp. Format and figures: docs/analyst.md, "Backtest".
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "analyst/backtest_metrics.hpp"
#include "batch/chunk.hpp"
#include "batch/runner.hpp"
#include "engine/engine.hpp"

namespace retain::analyst {

struct BacktestOptions {
  batch::InputOptions input;      // path ("-" = stdin), format, chunk size
  std::string label = "churned";  // its values: batch::parse_flag
  std::string stats;       // population statistics file; "" = a first pass when the rules need it
  std::string rejects;     // "" = none; .csv (CSV input: header and original rows) or JSON lines
  double threshold = 0.5;  // churn risk from which a customer is predicted to churn
  std::uint64_t min_support = 30;  // fewest customers a signal must fire for to be judged
  unsigned threads = 0;            // 0 = all cores
  bool quiet = false;
  std::size_t rejects_on_stderr = 20;
};

enum class SignalKind { Cause, Tactic, Segment, Band };
const char* signal_kind_name(SignalKind kind);  // cause, tactic, segment, band

struct SignalResult {
  SignalKind kind = SignalKind::Cause;
  std::string id;  // rule id; for a band "TIERS=BAND"
  SignalMetrics metrics;
};

struct BacktestResult {
  std::string ruleset_name, ruleset_version, ruleset_hash;
  std::string input, label, stats_source;
  std::uint64_t read = 0, used = 0, rejected = 0, blank_lines = 0;
  std::uint64_t churned = 0;
  double base_rate = 0;                      // churned / used
  std::vector<batch::Reject> first_rejects;  // at most 20, in input order
  std::uint64_t min_support = 0;
  std::vector<SignalResult> signals;  // causes, tactics, segments, bands; rule order in each

  // The churn risk as a score.
  double auc = -1;  // negative when undefined (nobody churned, or everybody did)
  std::vector<GainsRow> gains;
  double threshold = 0.5;
  SignalMetrics at_threshold;  // "risk >= threshold" as a signal
  double mean_risk_churned = 0, mean_risk_stayed = 0;

  unsigned threads = 0;
  double seconds = 0;
};

// The signals of one kind with one verdict, best first: predictive by the low end of the lift
// interval (so that a rare cause with a wide interval does not top a well-supported one), noise
// by lift, too rare by support.
std::vector<const SignalResult*> ranked(const BacktestResult& result, SignalKind kind,
                                        Verdict verdict);

// Runs the backtest. Returns the exit code: 0 done (rows may have been rejected), 1 usage or
// I/O error, no label column, a label that names a profile field, or no usable row.
int run_backtest(const compile::RuleSet& rules, const BacktestOptions& options,
                 BacktestResult* result, std::ostream& err);

}  // namespace retain::analyst
