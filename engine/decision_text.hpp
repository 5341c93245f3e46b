// The texts of a decision that both renderers write (decision_renderer.hpp, decision_wire.hpp)
// and that must read the same in both: a rule's `because` text, and why a rule could not be
// decided.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compile/program.hpp"
#include "engine/eval/frame.hpp"

namespace retain {

// Which text to show a reader of `language`, best first: theirs, the untagged one ("und"),
// the English one; failing all three, the first there is. Decisions asked for in one language
// (in_language) and the summaries (pick_text) choose alike.
inline std::array<std::string_view, 3> language_preference(std::string_view language) {
  return {language, "und", "en"};
}

// The entries of a per-language list (a label's texts, a because template) a decision carries:
// all of them when no language is asked for (`language` empty); else the one
// language_preference picks, so that no text goes missing.
template <typename Entry>
std::span<const Entry> in_language(const std::vector<Entry>& entries, std::string_view language) {
  if (language.empty() || entries.size() <= 1) return entries;
  for (const std::string_view wanted : language_preference(language)) {
    for (const auto& entry : entries) {
      if (entry.first == wanted) return {&entry, 1};
    }
  }
  return {entries.data(), 1};
}

// Appends the `because` template `pieces` with the values in `frame` to `text`.
void append_because(std::string& text, const std::vector<compile::TemplatePiece>& pieces,
                    const compile::Program& p, const eval::EvalFrame& frame);

// The evidence values that were not known, for a decision's `unknowns`.
std::string unknown_reason(const compile::Rule& rule, const eval::EvalFrame& frame);

// Why a tiers has no band, for a decision's `unknowns`.
inline std::string_view tiers_unknown_reason(const compile::TiersPlan& tiers) {
  return tiers.ranked ? "no population statistics and no fallback value"
                      : "the value it is cut on is not known";
}

}  // namespace retain
