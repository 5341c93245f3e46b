// The texts of a decision that both renderers write (decision_renderer.hpp, decision_wire.hpp)
// and that must read the same in both: a rule's `because` text, and why a rule could not be
// decided.
#pragma once

#include <string>
#include <vector>

#include "engine/compile/program.hpp"
#include "engine/eval/frame.hpp"

namespace retain {

// Appends the `because` template `pieces` with the values in `frame` to `text`.
void append_because(std::string& text, const std::vector<compile::TemplatePiece>& pieces,
                    const compile::Program& p, const eval::EvalFrame& frame);

// The evidence values that were not known, for a decision's `unknowns`.
std::string unknown_reason(const compile::Rule& rule, const eval::EvalFrame& frame);

}  // namespace retain
