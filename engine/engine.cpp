#include "engine/engine.hpp"

#include <cmath>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "engine/decision_renderer.hpp"
#include "engine/decision_wire.hpp"
#include "engine/eval/evaluator.hpp"
#include "engine/eval/profile_loaders.hpp"

namespace retain {

void decide(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
            const PopulationStats* stats, eval::EvalFrame& frame, v1::Decision* decision,
            const EvalOptions& options) {
  eval::evaluate(rules, profile, stats, frame);
  // The trace shows evidence values, which the render program computes.
  const bool explain = options.explanations || options.trace;
  if (explain) eval::evaluate_render(rules, profile, frame);
  render_decision(rules, profile, frame, RenderOptions{options.trace, explain}, decision);
}

void decide_wire(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
                 const PopulationStats* stats, eval::EvalFrame& frame, bool explanations,
                 std::string* out) {
  eval::evaluate(rules, profile, stats, frame);
  if (explanations) eval::evaluate_render(rules, profile, frame);
  render_decision_wire(rules, profile, frame, explanations, out);
}

v1::Decision decide(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
                    const PopulationStats* stats, const EvalOptions& options) {
  eval::EvalFrame frame;
  v1::Decision decision;
  decide(rules, profile, stats, frame, &decision, options);
  return decision;
}

namespace {

namespace pb = google::protobuf;

struct Range {
  const char* field;
  double low;
  double high;
  bool low_open;  // low itself is not allowed
};

// The units of DOMAIN.md §0 that a value must respect, as (field, low, high, low_open). Integer
// fields (counts, days, months) must never be negative; those are checked generically below.
#define RETAIN_RANGED_FIELDS(X)             \
  X(revenue_12m, 0, INFINITY, false)        \
  X(revenue_prev_12m, 0, INFINITY, false)   \
  X(revenue_rank_pct, 0, 100, false)        \
  X(potential_score, 0, 100, false)         \
  X(potential_rank_pct, 0, 100, false)      \
  X(defect_rate, 0, 1, false)               \
  X(avg_response_hours, 0, INFINITY, false) \
  X(price_sensitivity, 0, 1, false)         \
  X(promo_revenue_share, 0, 1, false)       \
  X(satisfaction, 0, 10, false)             \
  X(perceived_effect, 0, 10, false)         \
  X(expectation, 0, 10, true)               \
  X(ideal_score, 0, 10, false)              \
  X(actual_score, 0, 10, false)             \
  X(systemic_risk, 0, 100, false)           \
  X(financial_risk, 0, 100, false)          \
  X(credit_standing_risk, 0, 100, false)    \
  X(fundamentals_risk, 0, 100, false)

// Every non-repeated int32 field of CustomerProfile, for the quick screen below. Reading them
// through the generated accessors costs a load each; validation() checks this list
// against the descriptor and turns the screen off if a field is missing from it.
// clang-format off
#define RETAIN_COUNT_FIELDS(X)                                                      \
  X(tenure_months) X(orders_lifetime) X(orders_90d) X(orders_prev_90d)              \
  X(days_since_last_order) X(repeat_purchase_12m) X(quality_complaints_90d)         \
  X(service_complaints_90d) X(unresolved_complaints) X(days_since_new_offer)        \
  X(product_count) X(channel_issues_90d) X(account_manager_changed_days)            \
  X(days_since_last_contact) X(broken_promises_90d) X(credit_record_age_days)       \
  X(payment_overdue_days) X(last_return_visit_days) X(last_executive_visit_days)
// clang-format on

const Range kRanges[] = {
#define RETAIN_RANGE_ENTRY(name, low, high, open) {#name, low, high, open},
    RETAIN_RANGED_FIELDS(RETAIN_RANGE_ENTRY)
#undef RETAIN_RANGE_ENTRY
};

// The fields validation reads, resolved once to their generated readers: the service and the
// batch readers validate every profile, and reflection (or finding fields by name) cost more
// than the checks.
struct ValidatedField {
  const pb::FieldDescriptor* field;
  eval::ProfileLoader read;
  const Range* range;  // null: a count, never negative
};

struct Validation {
  std::vector<ValidatedField> fields;
  bool screen = false;  // RETAIN_COUNT_FIELDS and RETAIN_RANGED_FIELDS cover `fields`
};

const Validation& validation() {
  static const Validation v = [] {
    Validation out;
    const pb::Descriptor* descriptor = v1::CustomerProfile::descriptor();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const pb::FieldDescriptor* field = descriptor->field(i);
      if (!field->is_repeated() && field->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32) {
        out.fields.push_back({field, eval::profile_loader(field->number()), nullptr});
      }
    }
    std::vector<std::string> counts;
#define RETAIN_COUNT_NAME(name) counts.push_back(#name);
    RETAIN_COUNT_FIELDS(RETAIN_COUNT_NAME)
#undef RETAIN_COUNT_NAME
    out.screen = counts.size() == out.fields.size();
    for (std::size_t i = 0; out.screen && i < counts.size(); ++i) {
      out.screen = counts[i] == out.fields[i].field->name();
    }
    for (const Range& range : kRanges) {
      const auto* field = descriptor->FindFieldByName(range.field);
      if (field == nullptr) {
        out.screen = false;
        continue;
      }
      out.fields.push_back({field, eval::profile_loader(field->number()), &range});
    }
    return out;
  }();
  return v;
}

// Whether any field of the profile may break its range: a few compares on the fields read
// straight from the message, instead of a generated reader per field. It never misses a bad
// value (a set field's stored value is the one checked; NaN fails every `>=`) and may flag a
// good profile only when an unset optional field keeps a stale value, so the exact field and
// message always come from the ordered walk in validate_profile.
bool may_break_ranges(const v1::CustomerProfile& p) {
  bool bad = false;
#define RETAIN_SCREEN_COUNT(name) bad |= p.name() < 0;
  RETAIN_COUNT_FIELDS(RETAIN_SCREEN_COUNT)
#undef RETAIN_SCREEN_COUNT
  // `!(v >= low)` rather than `v < low`, so that NaN counts as out of range. A low-open bound
  // (expectation > 0) needs the has-bit: an unset optional field reads as 0.
#define RETAIN_IS_SET(p, name)                    \
  [](const auto& q) {                             \
    if constexpr (requires { q.has_##name(); }) { \
      return q.has_##name();                      \
    } else {                                      \
      return true;                                \
    }                                             \
  }(p)
#define RETAIN_SCREEN_RANGE(name, low, high, open)     \
  bad |= !(p.name() >= (low) && p.name() <= (high)) || \
         ((open) && p.name() <= (low) && RETAIN_IS_SET(p, name));
  RETAIN_RANGED_FIELDS(RETAIN_SCREEN_RANGE)
#undef RETAIN_SCREEN_RANGE
#undef RETAIN_IS_SET
  return bad;
}

#undef RETAIN_COUNT_FIELDS
#undef RETAIN_RANGED_FIELDS

}  // namespace

std::optional<ProfileProblem> validate_profile(const v1::CustomerProfile& profile) {
  const Validation& checks = validation();
  // Most profiles are good: the screen clears them without the walk through every field's
  // reader, which names the first bad field in a fixed order.
  if (!checks.screen || may_break_ranges(profile)) {
    for (const ValidatedField& f : checks.fields) {
      const eval::Value v = f.read(profile);
      if (!v.known()) continue;  // an unset optional field
      const double value = v.number;
      if (f.range == nullptr) {
        if (value < 0) {
          return ProfileProblem{f.field->name(), fmt::format("must be >= 0, got {}", value)};
        }
        continue;
      }
      const Range& range = *f.range;
      const bool below = range.low_open ? value <= range.low : value < range.low;
      if (std::isnan(value) || below || value > range.high) {
        const std::string bound =
            std::isinf(range.high)
                ? fmt::format("must be {} {}", range.low_open ? ">" : ">=", range.low)
                : fmt::format("must be between {} and {}{}", range.low, range.high,
                              range.low_open ? " (and above 0)" : "");
        return ProfileProblem{f.field->name(), fmt::format("{}, got {}", bound, value)};
      }
    }
  }
  for (int i = 0; i < profile.recent_actions_size(); ++i) {
    const auto& action = profile.recent_actions(i);
    if (action.action_id().empty()) {
      return ProfileProblem{fmt::format("recent_actions[{}].action_id", i), "must not be empty"};
    }
    if (action.days_ago() < 0) {
      return ProfileProblem{fmt::format("recent_actions[{}].days_ago", i),
                            fmt::format("must be >= 0, got {}", action.days_ago())};
    }
  }
  for (const auto& [name, value] : profile.metrics()) {
    if (std::isnan(value)) return ProfileProblem{"metrics." + name, "must be a number, got NaN"};
  }
  return std::nullopt;
}

}  // namespace retain
