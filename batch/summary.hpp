// The run summary: row accounting (read = scored + rejected), counts by tier, cause, tactic,
// segment, account action and credit check, the churn-risk histogram, revenue at risk and the
// top customers at risk by revenue. Each worker fills its own Summary; merge() combines them.
// The result does not depend on how rows were spread over threads.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "batch/chunk.hpp"
#include "retain/v1/decision.pb.h"
#include "retain/v1/profile.pb.h"

namespace retain::batch {

struct TopCustomer {
  std::string customer_id;
  double revenue_12m = 0;
  double churn_risk = 0;
  std::string tier;
  std::string causes;      // ids joined with ", "
  std::string top_tactic;  // the first proposed tactic
  std::uint64_t line = 0;
};

struct SummaryOptions {
  double risk_threshold = 0.5;  // "at risk" means churn_risk >= this
  std::size_t top_n = 20;
  std::size_t rejects_kept = 20;  // rejects listed in the report
};

class Summary {
 public:
  using Counts = std::map<std::string, std::uint64_t, std::less<>>;
  static constexpr std::size_t kRiskBins = 11;  // [0] = exactly 0, then (0,.1) [.1,.2) ... [.9,1]

  explicit Summary(SummaryOptions options = {}) : options_(options) {}

  void add(const v1::Decision& decision, const v1::CustomerProfile& profile, std::uint64_t line);
  void add_reject(const Reject& reject);  // keeps the first rejects_kept, by line
  void merge(const Summary& other);

  // The top customers at risk, for callers that count without a v1::Decision (the lean
  // FrameSummary): whether a customer at risk would enter the list, then the offer itself.
  // Asking first spares building a TopCustomer (strings) for most rows.
  bool would_keep(double revenue_12m, std::uint64_t line) const;
  void offer_top(TopCustomer c);

  static std::size_t risk_bin(double risk);
  static std::string risk_bin_label(std::size_t bin);

  // Row accounting, set by the runner.
  std::uint64_t read = 0;
  std::uint64_t scored = 0;
  std::uint64_t rejected = 0;
  std::uint64_t blank_lines = 0;

  Counts tiers, causes, tactics, segments, account_actions, credit_checks, credit_grades;
  std::uint64_t decisions = 0;  // decisions counted in the fields below
  std::uint64_t with_cause = 0;
  std::uint64_t with_unknowns = 0;
  std::array<std::uint64_t, kRiskBins> risk_histogram{};
  double revenue_total = 0;
  double revenue_at_risk = 0;        // revenue_12m of customers at risk
  double expected_revenue_loss = 0;  // sum of churn_risk * revenue_12m
  std::uint64_t at_risk = 0;
  std::vector<TopCustomer> top_at_risk() const;  // sorted: revenue desc, then line
  const std::vector<Reject>& first_rejects() const { return rejects_; }
  const SummaryOptions& options() const { return options_; }

 private:
  SummaryOptions options_;
  std::vector<TopCustomer> top_;  // a min-heap on (revenue, -line), at most top_n
  std::vector<Reject> rejects_;
};

}  // namespace retain::batch
