// evaluate: RuleSet x profile x population statistics -> outcomes in an EvalFrame.
// Pure: the result depends only on the inputs. Thread-safe for distinct frames; allocates
// nothing once the frame has been sized for the rule set.
#pragma once

#include <vector>

#include "engine/compile/rule_set.hpp"
#include "engine/eval/frame.hpp"
#include "engine/eval/population_stats.hpp"
#include "retain/v1/profile.pb.h"

namespace retain::eval {

// Runs the decision program: every rule's outcome lands in its slot, and the proposed tactics
// (after cooldowns, ranking and max_tactics) in frame.proposed_tactics.
void evaluate(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
              const PopulationStats* stats, EvalFrame& frame);

// Runs the render program (the placeholders of because texts) after evaluate().
void evaluate_render(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
                     EvalFrame& frame);

// Reads a (possibly nested) scalar field by protobuf reflection: unknown when an optional field
// or an enclosing message is unset, or an enum is 0. The generated readers
// (profile_loaders.hpp) are the fast path for top-level fields; this is the general one.
Value read_field_by_reflection(const v1::CustomerProfile& profile,
                               const std::vector<const google::protobuf::FieldDescriptor*>& chain);

// One instruction of the decision program run on an evaluation's machine: what native code
// (compile/native_conditions.hpp) calls for each instruction it does not translate.
using Step = void (*)(void* machine, const compile::Instr& in);
Step step_function(compile::OpCode op);

// 1 - prod(1 - weight) over the causes that fired in the frame.
double churn_risk(const compile::RuleSet& rules, const EvalFrame& frame);

}  // namespace retain::eval
