// retain diff: how a new version of the rules changes the decisions of a customer file.
// Every customer is decided with both rule sets (lean decisions, no population statistics:
// percentile tiers use their `fallback`), and the changes are counted by kind with a few
// example customer ids. Pure functions over loaded rule sets.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace retain::analyst {

// Customers from CSV (docs/batch.md columns) or JSON lines, chosen by the file extension
// (.csv; anything else is read as JSON/JSON lines). Rows that cannot be read are listed in
// *errors as "line N: why".
std::vector<v1::CustomerProfile> read_customers(const std::string& path, const std::string& text,
                                                std::vector<std::string>* errors);

// The churn risk band used to count risk changes: none (0), low (< 0.4), medium (< 0.6),
// high (>= 0.6). One cause gives 0.20-0.40, two strong ones about 0.6 (docs/domain.md).
const char* risk_band(double churn_risk);

struct ChangeKind {
  std::string name;  // tier, causes, tactics, ...
  std::size_t changed = 0;
  std::vector<std::string> examples;           // customer ids, at most `examples`
  std::map<std::string, std::size_t> details;  // "VIP -> MAJOR", "+CAUSE", "-TACTIC" -> count
};

struct DiffReport {
  std::size_t customers = 0;
  std::size_t rejected = 0;       // profiles that fail validate_profile
  std::size_t unchanged = 0;      // no kind of change at all
  std::vector<ChangeKind> kinds;  // tier, credit_grade, causes, tactics, segments,
                                  // account_actions, credit_checks, churn_risk_band
  double mean_risk_old = 0;
  double mean_risk_new = 0;
};

DiffReport diff_decisions(const compile::RuleSet& old_rules, const compile::RuleSet& new_rules,
                          const std::vector<v1::CustomerProfile>& customers,
                          std::size_t max_examples);

std::string render_diff(const DiffReport& report);

}  // namespace retain::analyst
