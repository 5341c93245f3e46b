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
  render_decision(rules, profile, frame, RenderOptions{options.trace, explain, options.language},
                  decision);
}

void decide_wire(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
                 const PopulationStats* stats, eval::EvalFrame& frame, const EvalOptions& options,
                 std::string* out) {
  eval::evaluate(rules, profile, stats, frame);
  if (options.explanations) eval::evaluate_render(rules, profile, frame);
  render_decision_wire(rules, profile, frame, options.explanations, options.language, out);
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

// The units of DOMAIN.md §0 that a value must respect. Integer fields (counts, days, months)
// must never be negative; those are checked generically below.
const Range kRanges[] = {
    {"revenue_12m", 0, INFINITY, false},
    {"revenue_prev_12m", 0, INFINITY, false},
    {"revenue_rank_pct", 0, 100, false},
    {"potential_score", 0, 100, false},
    {"potential_rank_pct", 0, 100, false},
    {"defect_rate", 0, 1, false},
    {"avg_response_hours", 0, INFINITY, false},
    {"price_sensitivity", 0, 1, false},
    {"promo_revenue_share", 0, 1, false},
    {"satisfaction", 0, 10, false},
    {"perceived_effect", 0, 10, false},
    {"expectation", 0, 10, true},
    {"ideal_score", 0, 10, false},
    {"actual_score", 0, 10, false},
    {"systemic_risk", 0, 100, false},
    {"financial_risk", 0, 100, false},
    {"credit_standing_risk", 0, 100, false},
    {"fundamentals_risk", 0, 100, false},
};

// The fields validation reads, resolved once to their generated readers: the service and the
// batch readers validate every profile, and reflection (or finding fields by name) cost more
// than the checks.
struct ValidatedField {
  const pb::FieldDescriptor* field;
  eval::ProfileLoader read;
  const Range* range;  // null: a count, never negative
};

const std::vector<ValidatedField>& validated_fields() {
  static const std::vector<ValidatedField> fields = [] {
    std::vector<ValidatedField> out;
    const pb::Descriptor* descriptor = v1::CustomerProfile::descriptor();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const pb::FieldDescriptor* field = descriptor->field(i);
      if (!field->is_repeated() && field->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32) {
        out.push_back({field, eval::profile_loader(field->number()), nullptr});
      }
    }
    for (const Range& range : kRanges) {
      if (const auto* field = descriptor->FindFieldByName(range.field)) {
        out.push_back({field, eval::profile_loader(field->number()), &range});
      }
    }
    return out;
  }();
  return fields;
}

}  // namespace

std::optional<ProfileProblem> validate_profile(const v1::CustomerProfile& profile) {
  for (const ValidatedField& f : validated_fields()) {
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
