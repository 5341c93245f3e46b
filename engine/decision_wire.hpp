// A decision written straight in protobuf wire format: the bytes of the v1::Decision that
// render_decision (decision_renderer.hpp) builds with {trace = false, explanations}, without
// the message, maps and strings to build, serialise and free. For callers that only send the
// decision on (the service). Field numbers come from the generated classes; a test parses the
// bytes back and compares them with render_decision's message (tests/domain/decision_wire_test).
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "engine/compile/rule_set.hpp"
#include "engine/eval/frame.hpp"
#include "retain/v1/decision.pb.h"
#include "retain/v1/profile.pb.h"

namespace retain {

// With explanations, evaluate_render() must have run on the frame first. `language`: as
// RenderOptions.language. `out` is overwritten.
void render_decision_wire(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
                          const eval::EvalFrame& frame, bool explanations,
                          std::string_view language, std::string* out);

}  // namespace retain
