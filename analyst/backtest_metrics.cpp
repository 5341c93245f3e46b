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

Interval lift_interval(const SignalCounts& counts, std::uint64_t population, std::uint64_t churned,
                       double z) {
  const std::uint64_t n1 = counts.fired, a = counts.fired_churned;
  if (n1 == 0 || churned == 0 || population == 0 || a > churned || n1 > population) return {0, 0};
  // Everybody fired: the precision is the base rate, the lift exactly 1, with no uncertainty.
  if (n1 == population) return {1, 1};
  const std::uint64_t n0 = population - n1, c = churned - a;
  // Katz's log interval of the risk ratio RR = (a / n1) / (c / n0), fired against not fired.
  // A zero cell makes log(RR) or its variance infinite; 0.5 is then added to every cell
  // (Haldane-Anscombe) for the bound that stays finite.
  const bool zero_cell = a == 0 || c == 0 || a == n1 || c == n0;
  const double h = zero_cell ? 0.5 : 0.0;
  const double ca = static_cast<double>(a) + h, cn1 = static_cast<double>(n1) + 2 * h;
  const double cc = static_cast<double>(c) + h, cn0 = static_cast<double>(n0) + 2 * h;
  const double log_rr = std::log((ca / cn1) / (cc / cn0));
  const double se = std::sqrt(1 / ca - 1 / cn1 + 1 / cc - 1 / cn0);
  // lift = p1 / (w p1 + (1 - w) p0) = RR / (w RR + 1 - w) with w = n1 / population: increasing
  // in RR, 1 exactly where RR is 1, so the lift interval is the RR interval mapped through it
  // and "lift clearly above 1" is "RR clearly above 1". w is the share that fired, known
  // without sampling error given the population.
  const double w = static_cast<double>(n1) / static_cast<double>(population);
  auto lift_of = [w](double rr) { return rr / (w * rr + 1 - w); };
  Interval out{lift_of(std::exp(log_rr - z * se)), lift_of(std::exp(log_rr + z * se))};
  // No churner fired: RR and lift are 0 and the low bound is 0. Every churner fired: RR is
  // infinite and the lift at its ceiling 1 / w.
  if (a == 0) out.low = 0;
  if (c == 0) out.high = 1 / w;
  return out;
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
  if (base > 0) m.lift = m.precision / base;
  m.lift_ci = lift_interval(counts, population, churned);
  if (counts.fired < min_support || counts.fired == 0) {
    m.verdict = Verdict::TooRare;
  } else if (base > 0 && m.lift_ci.low > 1.0) {
    m.verdict = Verdict::Predictive;
  } else {
    m.verdict = Verdict::Noise;
  }
  return m;
}

double roc_auc(std::span<const Scored> scored) {
  std::uint64_t positives = 0;
  for (const auto& s : scored) positives += s.second ? 1 : 0;
  const std::uint64_t negatives = scored.size() - positives;
  if (positives == 0 || negatives == 0) return -1;
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

std::vector<GainsRow> gains_table(std::span<const Scored> ascending, std::size_t bins) {
  std::vector<GainsRow> rows;
  if (ascending.empty() || bins == 0) return rows;
  // Highest risk first, without copying: index from the end.
  auto at = [&](std::size_t i) -> const Scored& { return ascending[ascending.size() - 1 - i]; };
  const std::uint64_t total = ascending.size();
  std::uint64_t total_churned = 0;
  for (const auto& s : ascending) total_churned += s.second ? 1 : 0;
  const double base = static_cast<double>(total_churned) / static_cast<double>(total);
  // Row k closes once the customers so far reach (k + 1) / bins of the population, i.e.
  // ceil(total * (k + 1) / bins). Split as total = q * bins + r so that no product can
  // overflow 64 bits and the result stays exact, with neither a 128-bit type nor rounding.
  const std::uint64_t q = total / bins, r = total % bins;
  auto boundary = [&](std::size_t k) { return q * (k + 1) + (r * (k + 1) + bins - 1) / bins; };
  std::size_t k = 0;
  std::uint64_t so_far = 0, churned_so_far = 0;
  GainsRow row;
  bool open = false;
  for (std::size_t i = 0; i < ascending.size();) {
    std::size_t j = i;
    std::uint64_t group_churned = 0;
    while (j < ascending.size() && at(j).first == at(i).first) {
      group_churned += at(j).second ? 1 : 0;
      ++j;
    }
    if (!open) {
      row = GainsRow{};
      row.max_score = at(i).first;
      row.first_decile = k + 1;
      open = true;
    }
    row.min_score = at(i).first;
    row.customers += j - i;
    row.churned += group_churned;
    so_far += j - i;
    churned_so_far += group_churned;
    i = j;
    if (so_far >= boundary(k) || i == ascending.size()) {
      while (k < bins && so_far >= boundary(k)) ++k;
      row.last_decile = std::max(row.first_decile, k);
      row.churn_rate = static_cast<double>(row.churned) / static_cast<double>(row.customers);
      row.lift = base > 0 ? row.churn_rate / base : 0;
      row.cumulative_share = static_cast<double>(so_far) / static_cast<double>(total);
      row.cumulative_churned =
          total_churned ? static_cast<double>(churned_so_far) / static_cast<double>(total_churned)
                        : 0;
      rows.push_back(row);
      open = false;
    }
  }
  return rows;
}

}  // namespace retain::analyst
