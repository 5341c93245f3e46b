// The engine facade for cli/, service/ and batch/: load rules, evaluate profiles.
// A RuleSet is immutable once loaded and safe to share between threads; evaluation is a pure
// function of (RuleSet, profile, population statistics). An EvalFrame is per thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/check/checked_module.hpp"
#include "engine/compile/rule_set.hpp"
#include "engine/diagnostics.hpp"
#include "engine/eval/frame.hpp"
#include "engine/eval/population_stats.hpp"
#include "retain/v1/decision.pb.h"
#include "retain/v1/profile.pb.h"

namespace retain {

using RuleSetPtr = std::shared_ptr<const compile::RuleSet>;

// Loads a rule set from files or directories (a directory contributes its *.rules files,
// except *_test.rules), following imports. value is set only when there are no errors;
// diagnostics holds every error and warning of every file.
PhaseResult<RuleSetPtr> load_rules(const std::vector<std::string>& paths);

// The first two phases only (parse and check), for tools that inspect the checked rules
// (lint). value is set when there are no errors.
using CheckedModulePtr = std::shared_ptr<const check::CheckedModule>;
PhaseResult<CheckedModulePtr> check_rules(const std::vector<std::string>& paths);
PhaseResult<CheckedModulePtr> check_rules_from_memory(
    const std::map<std::string, std::string>& files);

// Compiles a module check_rules returned, as load_rules does: for tools that need both the
// checked rules and the rule set and must not read the sources twice (they may change between
// the reads).
RuleSetPtr compile_checked(const check::CheckedModule& module);

// The same from in-memory sources (path -> text), as ValidateRules receives them. Imports
// resolve among the given paths. With no entry, every given file is loaded.
PhaseResult<RuleSetPtr> load_rules_from_memory(const std::map<std::string, std::string>& files);

struct EvalOptions {
  bool trace = false;  // fill Decision.trace
  // Labels, because texts and evidence. Without them a decision holds ids, weights,
  // priorities, bands, risk and the ids of undecided rules: several times cheaper, for bulk
  // scoring that needs no explanations.
  bool explanations = true;
  // With explanations: labels and because texts in this language only (a BCP 47 tag as the
  // rules write it, "en", "zh"), falling back to the untagged, English or first text where a
  // rule has none in it. Empty: every language the rules give.
  std::string language;
};

// Evaluates one profile into the frame (no heap allocation once the frame has grown), then
// renders the decision. stats may be null: percentile tiers then use their `fallback`.
void decide(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
            const PopulationStats* stats, eval::EvalFrame& frame, v1::Decision* decision,
            const EvalOptions& options = {});

// The decision decide() makes, as the protobuf wire bytes of the v1::Decision
// (render_decision_wire): for callers that only send it on. Never with a trace (options.trace
// must be false). `out` is overwritten.
void decide_wire(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
                 const PopulationStats* stats, eval::EvalFrame& frame, const EvalOptions& options,
                 std::string* out);

// Convenience for one-off calls: allocates its own frame.
v1::Decision decide(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
                    const PopulationStats* stats = nullptr, const EvalOptions& options = {});

// Checks a profile for values the schema's units forbid (a negative count, a fraction above 1,
// expectation <= 0). Returns the dotted name of the first bad field and why, or nothing.
struct ProfileProblem {
  std::string field;
  std::string message;
};
std::optional<ProfileProblem> validate_profile(const v1::CustomerProfile& profile);

}  // namespace retain
