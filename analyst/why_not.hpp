// Why a tactic declared in the rules is not in a customer's decision: the guard that blocked
// it (no answered cause fired, its `when` is false or unknown, a cooldown, the max_tactics cap)
// and, for a condition, the parts of it that failed with the values read.
//
// The parts are decided by the engine, not re-evaluated here: every boolean sub-condition of
// every cause and tactic (through `let` definitions and segments they name) becomes a probe
// segment in a copy of the rule set, and one traced evaluation of that copy gives each part's
// outcome and the values it read.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace retain::analyst {

// A text in several languages: "en", "zh", or "und" when untagged.
using Texts = std::map<std::string, std::string>;

// A condition or a part of one, and how it came out for this customer.
struct ConditionPart {
  std::string text;                           // as written, on one line
  std::string outcome;                        // "true", "false", "unknown"
  std::map<std::string, std::string> values;  // name -> value read ("unknown" if unset)
  // What made it false or unknown: the failing operands of an `and`, the branches of an `or`,
  // the definition or segment a name stands for. Empty when it is true.
  std::vector<ConditionPart> parts;
};

enum class Blocked {
  NoCause,    // none of the causes it answers fired
  WhenFalse,  // its `when` is false
  Unknown,    // undecided: a value its guard needs is not known
  Cooldown,   // eligible, but the same action was taken less than `cooldown` days ago
  Cap,        // eligible, but ranked below the first max_tactics
};

const char* blocked_name(Blocked blocked);

// Why no single-field change is reported. A code, not a sentence, so that the JSON stays
// language-neutral and the text output can say it in the reader's language.
enum class NoChange {
  None,             // changes were found (or not searched)
  Cooldown,         // held back by a cooldown: no field change lifts it
  Cap,              // eligible but over max_tactics: no change to its own guard lifts it
  NoField,          // its guard reads no profile field
  NotFound,         // every single-field candidate was tried; it needs more than one
  BudgetExhausted,  // the search stopped at its evaluation budget before trying every field
};

const char* no_change_name(NoChange reason);

struct AnsweredCause {
  std::string id;
  Texts label;
  std::string outcome;  // "false" or "unknown" (a cause that fired does not block)
  ConditionPart condition;
};

struct FieldChange {
  std::string field;  // profile path: tenure_months, metrics.nps, attributes.region
  std::string from;   // "unset" for an optional field without a value
  std::string to;
  double size = 0;  // |to - from| / max(|from|, 1) for numbers; 1 for flags, names and unset
  // The decision for the changed profile, re-evaluated, proposes the tactic. Only verified
  // changes are reported; the flag is in the output so a reader need not take it on trust.
  bool verified = false;
  std::string checked_step;  // the value one step closer to `from` that did not make it fire
};

struct WhyNot {
  std::string tactic;
  Texts label;
  int priority = 0;
  Blocked blocked = Blocked::WhenFalse;
  std::vector<AnsweredCause> causes;       // NoCause: each cause it answers
  std::optional<ConditionPart> when;       // WhenFalse, Unknown (and NoCause when it has one)
  std::vector<std::string> unknown;        // names read as unknown by the failing parts
  std::string action;                      // Cooldown: the action taken ...
  int days_ago = 0;                        // ... this many days ago,
  int cooldown_days = 0;                   // ... and the tactic's cooldown
  int max_tactics = 0;                     // Cap
  std::vector<std::string> ranked_before;  // Cap: the proposed tactics ranked before it
  std::vector<FieldChange> changes;        // smallest verified single-field changes, smallest first
  NoChange no_change = NoChange::None;     // why no single-field change is reported
  std::vector<std::string> fields_tried;   // NotFound: the fields the search changed
  int candidates_tried = 0;
  bool budget_exhausted = false;  // the search stopped early: a smaller change may exist
};

// Prepared once per rule set; immutable afterwards and safe to share.
class GuardAnalysis {
 public:
  // Builds the probe rule set. error is set (and nothing returned) when it cannot be built.
  static std::shared_ptr<const GuardAnalysis> build(CheckedModulePtr module, std::string* error);

  const check::CheckedModule& module() const { return *module_; }
  std::vector<std::string> tactic_ids() const;  // in declaration order
  Texts label(const std::string& rule) const;

  // Why each tactic of `only` (every tactic when empty) that is not in `decision` is absent.
  // decision must carry a trace. The changes are left empty (smallest_change.hpp fills them).
  std::vector<WhyNot> explain(const v1::CustomerProfile& profile, const PopulationStats* stats,
                              const v1::Decision& decision, const std::string& only = {}) const;

 private:
  struct Node {
    std::string text;
    int probe = -1;
    bool is_and = false, is_or = false;
    std::vector<int> children;
  };
  int add_node(const ast::Expr& expr, int depth, std::vector<std::string>& expanding);
  int probe_for(const std::string& text);
  ConditionPart part(int node, const std::map<std::string, ConditionPart>& probes) const;
  const check::DeclInfo* decl(const std::string& name) const;

  CheckedModulePtr module_;
  RuleSetPtr probes_;
  std::vector<Node> nodes_;
  std::map<std::string, int> roots_;  // cause or tactic id -> node of its `when`
  std::map<std::string, int> probe_ids_;
  std::vector<std::string> probe_texts_;
  std::string probe_prefix_;  // no declaration of the rules starts with it
  struct Rank {
    int index;     // in the compiled ranking (priority, then id)
    int priority;  // as compiled
  };
  std::map<std::string, Rank> ranks_;  // by tactic id
};

}  // namespace retain::analyst
