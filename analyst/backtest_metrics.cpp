#include "analyst/backtest_metrics.hpp"

#include <algorithm>
#include <cmath>

namespace retain::analyst {

Interval wilson_interval(std::uint64_t k, std::uint64_t n, double z) {
  if (n == 0) return {0, 1};
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(k) / nn;
  const double z2 = z * z;
  const double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
  const double half = z * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn);
  // At k = 0 or k = n the bound is exactly 0 or 1; rounding must not push it past.
  return {k == 0 ? 0.0 : std::max(0.0, centre - half), k == n ? 1.0 : std::min(1.0, centre + half)};
}

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Predictive:
      return "predictive";
    case Verdict::Noise:
      return "noise";
    case Verdict::TooRare:
      return "too rare";
  }
  return "?";
}

SignalMetrics signal_metrics(const SignalCounts& counts, std::uint64_t population,
                             std::uint64_t churned, std::uint64_t min_support) {
  SignalMetrics m;
  m.counts = counts;
  const double base =
      population ? static_cast<double>(churned) / static_cast<double>(population) : 0.0;
  if (counts.fired > 0) {
    m.precision = static_cast<double>(counts.fired_churned) / static_cast<double>(counts.fired);
  }
  if (churned > 0) {
    m.recall = static_cast<double>(counts.fired_churned) / static_cast<double>(churned);
  }
  m.precision_ci = wilson_interval(counts.fired_churned, counts.fired);
  if (base > 0) {
    m.lift = m.precision / base;
    m.lift_ci = {m.precision_ci.low / base, m.precision_ci.high / base};
  } else {
    m.lift_ci = {0, 0};
  }
  if (counts.fired < min_support || counts.fired == 0) {
    m.verdict = Verdict::TooRare;
  } else if (base > 0 && m.lift_ci.low > 1.0) {
    m.verdict = Verdict::Predictive;
  } else {
    m.verdict = Verdict::Noise;
  }
  return m;
}

double roc_auc(std::vector<Scored> scored) {
  std::uint64_t positives = 0;
  for (const auto& s : scored) positives += s.second ? 1 : 0;
  const std::uint64_t negatives = scored.size() - positives;
  if (positives == 0 || negatives == 0) return -1;
  std::sort(scored.begin(), scored.end(),
            [](const Scored& a, const Scored& b) { return a.first < b.first; });
  // Sum of the (1-based, tie-averaged) ranks of the churners.
  double rank_sum = 0;
  for (std::size_t i = 0; i < scored.size();) {
    std::size_t j = i;
    std::uint64_t group_positives = 0;
    while (j < scored.size() && scored[j].first == scored[i].first) {
      group_positives += scored[j].second ? 1 : 0;
      ++j;
    }
    const double average_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    rank_sum += average_rank * static_cast<double>(group_positives);
    i = j;
  }
  const double p = static_cast<double>(positives), n = static_cast<double>(negatives);
  return (rank_sum - p * (p + 1) / 2) / (p * n);
}

std::vector<GainsRow> gains_table(std::vector<Scored> scored, std::size_t bins) {
  std::vector<GainsRow> rows;
  if (scored.empty() || bins == 0) return rows;
  std::sort(scored.begin(), scored.end(),
            [](const Scored& a, const Scored& b) { return a.first > b.first; });
  const std::uint64_t total = scored.size();
  std::uint64_t total_churned = 0;
  for (const auto& s : scored) total_churned += s.second ? 1 : 0;
  const double base = static_cast<double>(total_churned) / static_cast<double>(total);
  // Row k closes once the customers so far reach (k + 1) / bins of the population.
  auto boundary = [&](std::size_t k) {
    return (static_cast<unsigned __int128>(total) * (k + 1) + bins - 1) / bins;
  };
  std::size_t k = 0;
  std::uint64_t so_far = 0, churned_so_far = 0;
  GainsRow row;
  bool open = false;
  for (std::size_t i = 0; i < scored.size();) {
    std::size_t j = i;
    std::uint64_t group_churned = 0;
    while (j < scored.size() && scored[j].first == scored[i].first) {
      group_churned += scored[j].second ? 1 : 0;
      ++j;
    }
    if (!open) {
      row = GainsRow{};
      row.max_score = scored[i].first;
      open = true;
    }
    row.min_score = scored[i].first;
    row.customers += j - i;
    row.churned += group_churned;
    so_far += j - i;
    churned_so_far += group_churned;
    i = j;
    if (so_far >= boundary(k) || i == scored.size()) {
      row.churn_rate = static_cast<double>(row.churned) / static_cast<double>(row.customers);
      row.lift = base > 0 ? row.churn_rate / base : 0;
      row.cumulative_share = static_cast<double>(so_far) / static_cast<double>(total);
      row.cumulative_churned =
          total_churned ? static_cast<double>(churned_so_far) / static_cast<double>(total_churned)
                        : 0;
      rows.push_back(row);
      open = false;
      while (k < bins && so_far >= boundary(k)) ++k;
    }
  }
  return rows;
}

}  // namespace retain::analyst
