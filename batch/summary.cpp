#include "batch/summary.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace retain::batch {

namespace {

// "Better" = more revenue, then earlier line. The heap keeps the worst on top.
bool better(const TopCustomer& a, const TopCustomer& b) {
  if (a.revenue_12m != b.revenue_12m) return a.revenue_12m > b.revenue_12m;
  return a.line < b.line;
}

void bump(Summary::Counts& counts, const std::string& key) {
  auto it = counts.find(key);
  if (it == counts.end()) {
    counts.emplace(key, 1);
  } else {
    ++it->second;
  }
}

void merge_counts(Summary::Counts& into, const Summary::Counts& from) {
  for (const auto& [k, v] : from) into[k] += v;
}

}  // namespace

std::size_t Summary::risk_bin(double risk) {
  if (!(risk > 0)) return 0;
  const auto b = static_cast<std::size_t>(std::floor(risk * 10));
  return std::min<std::size_t>(b, 9) + 1;
}

std::string Summary::risk_bin_label(std::size_t bin) {
  if (bin == 0) return "0 (no cause)";
  if (bin == 1) return "(0.0, 0.1)";
  if (bin == 10) return "[0.9, 1.0]";
  return fmt::format("[{:.1f}, {:.1f})", (bin - 1) / 10.0, bin / 10.0);
}

void Summary::add(const v1::Decision& d, const v1::CustomerProfile& p, std::uint64_t line) {
  ++decisions;
  if (!d.tier().empty()) bump(tiers, d.tier());
  if (!d.credit_grade().empty()) bump(credit_grades, d.credit_grade());
  for (const auto& c : d.causes()) bump(causes, c.id());
  for (const auto& t : d.tactics()) bump(tactics, t.id());
  for (const auto& s : d.segments()) bump(segments, s.id());
  for (const auto& a : d.account_actions()) bump(account_actions, a.id());
  for (const auto& c : d.credit_checks()) bump(credit_checks, c.id());
  if (d.causes_size() > 0) ++with_cause;
  if (d.unknowns_size() > 0) ++with_unknowns;
  ++risk_histogram[risk_bin(d.churn_risk())];
  const double revenue = p.revenue_12m();
  revenue_total += revenue;
  expected_revenue_loss += d.churn_risk() * revenue;
  if (d.churn_risk() >= options_.risk_threshold && d.churn_risk() > 0) {
    ++at_risk;
    revenue_at_risk += revenue;
    if (would_keep(revenue, line)) {
      TopCustomer c;
      c.customer_id = d.customer_id();
      c.revenue_12m = revenue;
      c.churn_risk = d.churn_risk();
      c.tier = d.tier();
      for (const auto& cause : d.causes()) {
        if (!c.causes.empty()) c.causes += ", ";
        c.causes += cause.id();
      }
      if (d.tactics_size() > 0) c.top_tactic = d.tactics(0).id();
      c.line = line;
      offer_top(std::move(c));
    }
  }
}

bool Summary::would_keep(double revenue_12m, std::uint64_t line) const {
  return options_.top_n > 0 &&
         (top_.size() < options_.top_n ||
          better(TopCustomer{{}, revenue_12m, 0, {}, {}, {}, line}, top_.front()));
}

void Summary::offer_top(TopCustomer c) {
  if (top_.size() < options_.top_n) {
    top_.push_back(std::move(c));
    std::push_heap(top_.begin(), top_.end(), better);
  } else if (better(c, top_.front())) {
    std::pop_heap(top_.begin(), top_.end(), better);
    top_.back() = std::move(c);
    std::push_heap(top_.begin(), top_.end(), better);
  }
}

void Summary::add_reject(const Reject& reject) {
  if (rejects_.size() < options_.rejects_kept) {
    rejects_.push_back(reject);
    if (rejects_.back().text.size() > 200) {
      rejects_.back().text.resize(200);
      rejects_.back().text += "...";
    }
  }
}

void Summary::merge(const Summary& o) {
  read += o.read;
  scored += o.scored;
  rejected += o.rejected;
  blank_lines += o.blank_lines;
  merge_counts(tiers, o.tiers);
  merge_counts(causes, o.causes);
  merge_counts(tactics, o.tactics);
  merge_counts(segments, o.segments);
  merge_counts(account_actions, o.account_actions);
  merge_counts(credit_checks, o.credit_checks);
  merge_counts(credit_grades, o.credit_grades);
  decisions += o.decisions;
  with_cause += o.with_cause;
  with_unknowns += o.with_unknowns;
  for (std::size_t i = 0; i < kRiskBins; ++i) risk_histogram[i] += o.risk_histogram[i];
  revenue_total += o.revenue_total;
  revenue_at_risk += o.revenue_at_risk;
  expected_revenue_loss += o.expected_revenue_loss;
  at_risk += o.at_risk;
  for (const auto& c : o.top_) offer_top(c);
  for (const auto& r : o.rejects_) rejects_.push_back(r);
  std::sort(rejects_.begin(), rejects_.end(),
            [](const Reject& a, const Reject& b) { return a.line < b.line; });
  if (rejects_.size() > options_.rejects_kept) rejects_.resize(options_.rejects_kept);
}

std::vector<TopCustomer> Summary::top_at_risk() const {
  std::vector<TopCustomer> sorted = top_;
  std::sort(sorted.begin(), sorted.end(), better);
  return sorted;
}

}  // namespace retain::batch
