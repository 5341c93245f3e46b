#include "engine/decision_text.hpp"

#include <vector>

#include <fmt/format.h>

#include "engine/value_format.hpp"

namespace retain {

void append_because(std::string& text, const std::vector<compile::TemplatePiece>& pieces,
                    const compile::Program& p, const eval::EvalFrame& frame) {
  for (const auto& piece : pieces) {
    if (piece.slot == compile::kNone) {
      text += piece.literal;
    } else {
      append_value(text, frame.slots[piece.slot], p, piece.display);
    }
  }
}

std::string unknown_reason(const compile::Rule& rule, const eval::EvalFrame& frame) {
  std::vector<std::string> names;
  for (const auto& item : rule.evidence) {
    if (!frame.slots[item.slot].known()) names.push_back(item.name);
  }
  if (names.empty()) return "a value it needs is not known";
  return fmt::format("not known: {}", fmt::join(names, ", "));
}

}  // namespace retain
