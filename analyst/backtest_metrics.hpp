// The statistics of `retain backtest`: how well a yes/no signal (a cause fired, a tactic was
// proposed, risk above a threshold) and a score (the churn risk) predict a 1/0 label. Pure
// functions of counts and (score, label) pairs; docs/analyst.md, "Backtest", says how each
// figure is computed and where the cut-offs are.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace retain::analyst {

// A proportion's 95% Wilson score interval (z = 1.96). Unlike the normal approximation it stays
// inside [0, 1] and is honest for small n and for k = 0 or k = n. n = 0 gives [0, 1].
struct Interval {
  double low = 0;
  double high = 1;
};
Interval wilson_interval(std::uint64_t k, std::uint64_t n, double z = 1.96);

// Where a signal stands, given its support and its lift interval.
enum class Verdict {
  Predictive,  // the whole 95% interval of the lift is above 1
  Noise,       // the interval includes 1, or lies below it
  TooRare,     // fired for fewer customers than the minimum support: not judged
};
const char* verdict_name(Verdict v);  // "predictive", "noise", "too rare"

// Counts for one signal over the labelled population.
struct SignalCounts {
  std::uint64_t fired = 0;          // customers for whom the signal held
  std::uint64_t fired_churned = 0;  // ... and who churned
  std::uint64_t undecided = 0;      // customers for whom the rule could not be decided
};

// The 95% interval of a signal's lift (precision / base rate). The base rate includes the
// customers the signal fired for, so the lift is a function of the risk ratio of fired against
// not-fired customers: RR / (w RR + 1 - w), with w the share that fired. The interval is Katz's
// log interval of that risk ratio, exp(log RR ± z sqrt(1/a - 1/n1 + 1/c - 1/n0)), mapped through
// the same function (a of n1 fired customers churned, c of the n0 others). Zero cells: see the
// definition and docs/analyst.md, "Backtest". {0, 0} when undefined (nobody fired or churned).
Interval lift_interval(const SignalCounts& counts, std::uint64_t population, std::uint64_t churned,
                       double z = 1.96);

struct SignalMetrics {
  SignalCounts counts;
  double precision = 0;  // P(churned | fired); 0 when it never fired
  double recall = 0;     // P(fired | churned); 0 when nobody churned
  double lift = 0;       // precision / base rate; 0 when either is undefined
  Interval precision_ci;
  Interval lift_ci;  // lift_interval()
  Verdict verdict = Verdict::TooRare;
};

// population: labelled customers; churned: those with label 1. min_support: the fewest
// customers a signal must have fired for to be judged at all.
SignalMetrics signal_metrics(const SignalCounts& counts, std::uint64_t population,
                             std::uint64_t churned, std::uint64_t min_support);

// A (score, label) pair: the churn risk of a customer and whether the customer churned.
using Scored = std::pair<double, bool>;

// The area under the ROC curve: the probability that a random churner scores above a random
// stayer, ties counting one half (the Mann-Whitney statistic). 1 = perfect ranking, 0.5 = no
// better than chance, 0 = exactly inverted. Negative when there are no churners or no stayers.
// `sorted` is in ascending score order (std::sort of the pairs gives it).
double roc_auc(std::span<const Scored> sorted);

// One row of the gains table: about a tenth of the customers, highest risk first.
struct GainsRow {
  std::uint64_t customers = 0;
  std::uint64_t churned = 0;
  double min_score = 0, max_score = 0;
  double churn_rate = 0;          // churned / customers
  double lift = 0;                // churn_rate / base rate
  double cumulative_share = 0;    // customers in this row and above / all customers
  double cumulative_churned = 0;  // churners caught in this row and above / all churners (gains)
  // The deciles (1-based, at most `bins`) whose upper boundary this row reaches or crosses: a
  // row that ends exactly on a decile boundary is that decile; a tied group spanning several
  // boundaries is first_decile..last_decile; the next row starts at last_decile + 1.
  std::size_t first_decile = 0, last_decile = 0;
};

// Rows of about population/bins customers by descending score. Customers with equal scores are
// never split between rows (a score shared by many customers, like a risk of 0, makes one large
// row), so that a row's churn rate does not depend on the input order. `sorted` is in ascending
// score order, as for roc_auc, so that the caller sorts once for both.
std::vector<GainsRow> gains_table(std::span<const Scored> sorted, std::size_t bins = 10);

}  // namespace retain::analyst
