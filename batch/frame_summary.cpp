#include "batch/frame_summary.hpp"

#include "batch/lean_outcome.hpp"

namespace retain::batch {

namespace {

std::size_t band_count(const compile::Program& p, int tiers) {
  return tiers < 0 ? 0 : p.tiers[static_cast<std::size_t>(tiers)].bands.size();
}

template <class Named>
void fold(const std::vector<Named>& named, std::vector<std::uint64_t>& counts,
          Summary::Counts& into) {
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0) continue;
    into[named[i].id] += counts[i];
    counts[i] = 0;
  }
}

}  // namespace

FrameSummary::FrameSummary(const compile::RuleSet& rules, Summary* into)
    : program_(&rules.program()), into_(into) {
  const compile::Program& p = *program_;
  tiers_.assign(band_count(p, p.tier_index), 0);
  grades_.assign(band_count(p, p.credit_grade_index), 0);
  for (int l = 0; l < lean::kListCount; ++l) fired_[l].assign(lean::rules_of(p, l).size(), 0);
  tactics_.assign(p.tactics.size(), 0);
}

void FrameSummary::add(const v1::CustomerProfile& profile, const eval::EvalFrame& frame,
                       const lean::Outcome& outcome, std::uint64_t line) {
  const compile::Program& p = *program_;
  Summary& s = *into_;
  ++s.decisions;
  // The band index of a `sets` tiers, or -1; an empty band id is no tier, as in the Decision.
  const auto band_index = [&](int tiers) -> std::ptrdiff_t {
    const auto* plan = outcome.band(tiers);
    if (plan == nullptr || plan->id.empty()) return -1;
    return plan - p.tiers[static_cast<std::size_t>(tiers)].bands.data();
  };
  const std::ptrdiff_t tier = band_index(p.tier_index);
  if (tier >= 0) ++tiers_[static_cast<std::size_t>(tier)];
  const std::ptrdiff_t grade = band_index(p.credit_grade_index);
  if (grade >= 0) ++grades_[static_cast<std::size_t>(grade)];
  for (int l = 0; l < lean::kListCount; ++l) {
    for (std::uint32_t i : outcome.fired[l]) ++fired_[l][i];
  }
  for (std::uint32_t index : frame.proposed_tactics) ++tactics_[index];
  if (!outcome.fired[lean::kCauses].empty()) ++s.with_cause;
  if (outcome.any_undecided) ++s.with_unknowns;

  const double risk = outcome.churn_risk;
  ++s.risk_histogram[Summary::risk_bin(risk)];
  const double revenue = profile.revenue_12m();
  s.revenue_total += revenue;
  s.expected_revenue_loss += risk * revenue;
  if (risk >= s.options().risk_threshold && risk > 0) {
    ++s.at_risk;
    s.revenue_at_risk += revenue;
    if (s.would_keep(revenue, line)) {
      TopCustomer c;
      c.customer_id = profile.customer_id();
      c.revenue_12m = revenue;
      c.churn_risk = risk;
      if (tier >= 0) {
        c.tier = p.tiers[static_cast<std::size_t>(p.tier_index)]
                     .bands[static_cast<std::size_t>(tier)]
                     .id;
      }
      for (std::uint32_t i : outcome.fired[lean::kCauses]) {
        if (!c.causes.empty()) c.causes += ", ";
        c.causes += p.causes[i].id;
      }
      if (!frame.proposed_tactics.empty()) c.top_tactic = p.tactics[frame.proposed_tactics[0]].id;
      c.line = line;
      s.offer_top(std::move(c));
    }
  }
}

void FrameSummary::flush() {
  const compile::Program& p = *program_;
  Summary& s = *into_;
  if (p.tier_index >= 0)
    fold(p.tiers[static_cast<std::size_t>(p.tier_index)].bands, tiers_, s.tiers);
  if (p.credit_grade_index >= 0) {
    fold(p.tiers[static_cast<std::size_t>(p.credit_grade_index)].bands, grades_, s.credit_grades);
  }
  fold(p.causes, fired_[lean::kCauses], s.causes);
  fold(p.tactics, tactics_, s.tactics);
  fold(p.segments, fired_[lean::kSegments], s.segments);
  fold(p.accounts, fired_[lean::kAccounts], s.account_actions);
  fold(p.credit_checks, fired_[lean::kCreditChecks], s.credit_checks);
}

}  // namespace retain::batch
