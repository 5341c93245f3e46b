// check: parsed files + the profile schema -> CheckedModule. Resolves every name, checks
// types, properties, bands and the dependency graph, and reports every problem of every file
// as a Diagnostic. Pure function; thread-safe.
#pragma once

#include <memory>
#include <vector>

#include "engine/check/checked_module.hpp"
#include "engine/diagnostics.hpp"

namespace retain::check {

// value is set when there are no errors (warnings may be present).
PhaseResult<std::shared_ptr<const CheckedModule>> check(
    std::vector<std::unique_ptr<ParsedFile>> files, const Schema& schema = Schema::profile());

}  // namespace retain::check
