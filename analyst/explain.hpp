// `retain explain`: one customer's decision in business language, and for every tactic the
// rules declare that the decision does not propose, why not (why_not.hpp) and the smallest
// verified change of one profile field that would make it fire (smallest_change.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "analyst/why_not.hpp"

namespace retain::analyst {

struct ExplainOptions {
  std::string tactic;           // explain only this tactic's absence; empty = every tactic
  std::size_t max_changes = 3;  // single-field changes reported per tactic
  // Re-evaluations the change search of one tactic may spend: bounds the work for rule sets
  // with many fields behind one tactic (answers any), so that a search stays interactive (one
  // lean evaluation is a few microseconds).
  int max_evaluations = 20000;
};

struct Explanation {
  v1::Decision decision;  // with its trace
  std::vector<WhyNot> why_not;
  std::string tactic;  // ExplainOptions::tactic
};

// Built once per rule set; explain() is const and may run on many threads.
class Explainer {
 public:
  // rules and module must come from the same sources (load_rules / check_rules of the same
  // paths). Null and error set when the conditions cannot be analysed.
  static std::shared_ptr<const Explainer> create(RuleSetPtr rules, CheckedModulePtr module,
                                                 std::string* error);

  std::vector<std::string> tactic_ids() const { return guards_->tactic_ids(); }
  Explanation explain(const v1::CustomerProfile& profile, const PopulationStats* stats,
                      const ExplainOptions& options = {}) const;

 private:
  RuleSetPtr rules_;
  std::shared_ptr<const GuardAnalysis> guards_;
};

// langs: the languages of labels and because texts, in order ({"zh", "en"} for both).
std::string render_explanation_text(const Explanation& explanation,
                                    const std::vector<std::string>& langs);
// One JSON object, on one line: {"decision": <the decision as `retain eval` prints it>,
// "why_not": [...]}. docs/analyst.md describes the fields.
std::string render_explanation_json(const Explanation& explanation);

}  // namespace retain::analyst
