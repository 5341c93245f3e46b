// Condition folding: a pass over a compiled Program that turns the and/or/not trees of the
// decision region into branching tests (OpCode::Branch), so that evaluation stops reading a
// condition as soon as its outcome is decided, as hand-written `&&` and `||` would.
//
// Only nodes read by nothing but their parent in the tree are folded; a node shared with
// another rule, a definition, a because text, evidence or a trace (hash-consing makes sharing
// common) keeps its instruction and is tested through its slot, so every slot that anyone
// reads after evaluation still holds its value. Three-valued logic is kept exactly: each node
// gets the three places to go for true, false and unknown.
#pragma once

#include "engine/compile/program.hpp"

namespace retain::compile {

// Rewrites p.instrs[0, p.main_end) in place and fills p.tests and p.conditions.
void fold_conditions(Program& p);

}  // namespace retain::compile
