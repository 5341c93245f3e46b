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
    : program_(&rules.program()), slots_(rules.program()), into_(into) {
  const compile::Program& p = *program_;
  tiers_.assign(band_count(p, p.tier_index), 0);
  grades_.assign(band_count(p, p.credit_grade_index), 0);
  for (int l = 0; l < lean::kListCount; ++l) fired_[l].assign(slots_.of[l].size(), 0);
  tactics_.assign(p.tactics.size(), 0);
}

void FrameSummary::add(const v1::CustomerProfile& profile, const eval::EvalFrame& frame,
                       std::uint64_t line) {
  const compile::Program& p = *program_;
  Summary& s = *into_;
  ++s.decisions;
  // The band index of a `sets` tiers, or -1; an empty band id is no tier, as in the Decision.
  const auto band_index = [&](int tiers) -> std::ptrdiff_t {
    if (tiers < 0) return -1;
    const auto t = static_cast<std::size_t>(tiers);
    const auto* plan = lean::band_of(p, frame, t);
    if (plan == nullptr || plan->id.empty()) return -1;
    return plan - p.tiers[t].bands.data();
  };
  const std::ptrdiff_t tier = band_index(p.tier_index);
  if (tier >= 0) ++tiers_[static_cast<std::size_t>(tier)];
  const std::ptrdiff_t grade = band_index(p.credit_grade_index);
  if (grade >= 0) ++grades_[static_cast<std::size_t>(grade)];

  bool any_cause = false, any_unknown = false;
  for (int l = 0; l < lean::kListCount; ++l) {
    const auto& slots = slots_.of[l];
    auto& counts = fired_[l];
    for (std::size_t i = 0; i < slots.size(); ++i) {
      if (lean::fired(frame, slots[i])) {
        ++counts[i];
        if (l == lean::kCauses) any_cause = true;
      } else if (lean::undecided(frame, slots[i])) {
        any_unknown = true;
      }
    }
  }
  for (std::uint32_t index : frame.proposed_tactics) ++tactics_[index];
  for (std::size_t t = 0; t < p.tiers.size() && !any_unknown; ++t) {
    if (lean::band_of(p, frame, t) == nullptr) any_unknown = true;
  }
  if (any_cause) ++s.with_cause;
  if (any_unknown) ++s.with_unknowns;

  const double risk = lean::churn_risk(slots_, frame);
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
      for (std::size_t i = 0; i < p.causes.size(); ++i) {
        if (!lean::fired(frame, slots_.of[lean::kCauses][i])) continue;
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
