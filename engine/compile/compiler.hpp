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
  // Translate the folded conditions to machine code (native_conditions.hpp) where this
  // machine allows. Off to compare native and interpreted conditions in tests and benchmarks.
  bool native_conditions = true;
  // Native code reads fields at their verified offsets (profile_layout.hpp); off, it calls
  // the fields' readers, as it does for a field whose offset is not known. Off only in tests.
  bool native_field_offsets = true;
};

std::shared_ptr<const RuleSet> compile(const check::CheckedModule& module, std::string content_hash,
                                       const CompileOptions& options = {});

}  // namespace retain::compile
