// compile: CheckedModule -> RuleSet. Emits straight-line instructions in dependency order,
// compiling each shared sub-expression once. Failing on a checked module is a bug (asserted).
// Pure function; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/check/checked_module.hpp"
#include "engine/compile/rule_set.hpp"

namespace retain::compile {

struct CompileOptions {
  // Run and/or/not trees as branching tests (condition_folding.hpp). Off only to compare the
  // folded program with the plain one in tests.
  bool fold_conditions = true;
};

std::shared_ptr<const RuleSet> compile(const check::CheckedModule& module, std::string content_hash,
                                       const CompileOptions& options = {});

}  // namespace retain::compile
