// retain lint: warnings about rules that check cleanly but are probably not what the author
// meant. Every warning is a Diagnostic (`file:line:col: warning: ... [lint.code]`):
//   lint.unanswered-cause   a cause that no tactic answers (by id, `answers any`, or in `when`)
//   lint.never-fires        a `when` whose conjunction bounds one name both ways with nothing
//                           in between: `x > 10 and x < 5`
//   lint.unreachable-tactic a tactic whose answered causes all never fire (by the above)
//   lint.long-cooldown      a cooldown above 365 days: recent_actions rarely go back that far
// plus every warning of the checker (check.*). Pure function; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/diagnostics.hpp"

namespace retain::analyst {

struct LintResult {
  bool loaded = false;      // false when the rules have errors (in diagnostics)
  Diagnostics diagnostics;  // sorted; errors only when !loaded
};

// Lints the rule set made of these files and directories (as load_rules reads them).
LintResult lint_rules(const std::vector<std::string>& paths);
// The same over in-memory files (path -> text), as load_rules_from_memory.
LintResult lint_rules_from_memory(const std::map<std::string, std::string>& files);

}  // namespace retain::analyst
