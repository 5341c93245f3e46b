// Turns the outcomes in an EvalFrame into a v1::Decision: fired rules with labels, rendered
// because texts and evidence, bands, churn risk, unknowns, and (when asked) the trace.
// Pure; thread-safe for distinct frames and decisions.
#pragma once

#include <string>

#include "engine/compile/rule_set.hpp"
#include "engine/eval/frame.hpp"
#include "retain/v1/decision.pb.h"
#include "retain/v1/profile.pb.h"

namespace retain {

struct RenderOptions {
  bool trace = false;
  bool explanations = true;  // labels, because texts, evidence, reasons of unknowns
  std::string language;      // labels and because texts in this one only (decision_text.hpp)
};

// With explanations, evaluate_render() must have run on the frame first.
void render_decision(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
                     const eval::EvalFrame& frame, const RenderOptions& options,
                     v1::Decision* decision);

}  // namespace retain
