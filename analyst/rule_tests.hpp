// retain test: rule tests in `*_test.json` files (docs/testing.md). Each file names a rule set
// and lists cases: a profile and the parts of the decision expected for it. Listed fields are
// compared, absent ones are not. Coverage lists the rules and bands no case made fire.
#pragma once

#include <string>
#include <vector>

#include "engine/diagnostics.hpp"

namespace retain::analyst {

struct CaseResult {
  std::string file;  // the test file
  std::string name;
  bool passed = false;
  std::vector<std::string> mismatches;  // "causes: expected [..], got [..]"
  std::string explanation;              // render_explanation of the traced decision (failures)
};

// What one rule set offers to fire, and what the cases made fire.
struct Coverage {
  std::string rules;  // the rule path as resolved
  struct Item {
    std::string kind;  // cause, tactic, segment, account, credit_check, band
    std::string id;    // rule id, or TIERS.BAND
    bool covered = false;
  };
  std::vector<Item> items;
  std::size_t covered() const;
};

struct TestRun {
  std::vector<CaseResult> cases;
  std::vector<std::string> errors;  // unreadable test files, bad cases, rules that do not load
  Diagnostics diagnostics;          // of rule sets that failed to load
  std::vector<Coverage> coverage;
  int passed() const;
  int failed() const;
  // Covered items over all items of every rule set, in percent (100 when there are none).
  double coverage_percent() const;
};

// Expands files and directories (searched recursively) into *_test.json files, sorted.
std::vector<std::string> collect_test_files(const std::vector<std::string>& paths,
                                            std::vector<std::string>* missing);

TestRun run_rule_tests(const std::vector<std::string>& test_files);

// PASS/FAIL lines, failure details, errors and the `N passed, M failed` summary.
std::string render_test_report(const TestRun& run, bool verbose);
// The coverage section: per rule set, the percentage and what never fired.
std::string render_coverage(const TestRun& run);

}  // namespace retain::analyst
