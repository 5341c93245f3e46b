// The framing words of `retain explain`'s text output, in English and Simplified Chinese. Rule
// labels and because texts come from the rules in their languages; these phrases are the rest,
// so that an account manager can read `--lang zh` without English around the rule texts.
//
// With several languages (`--lang both`: zh, en) every phrase is rendered once per language
// and the renderings are joined by " / ", zh first: the convention the labels already follow.
// A phrase is therefore a whole unit of meaning (a line's framing, not a single word of it), so
// that the joined form reads as two parallel sentences rather than interleaved fragments.
#pragma once

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "engine/explanation.hpp"

namespace retain::analyst {

enum class Phrase {
  // Summary (engine/explanation.cpp's render_summary)
  NoId,
  Tier,
  CreditGrade,
  ChurnRisk,
  Band,
  Cause,
  When,
  Tactic,
  Answers,
  Segment,
  Account,
  Credit,
  Undecided,
  // Why not: heading
  WhyNotOne,
  WhyNotMany,        // {n}
  WhyNotIsProposed,  // {tactic} {rank}
  WhyNotAllProposed,
  Priority,  // {priority}
  // Why not: what blocked a tactic
  BlockedNoCauseOne,
  BlockedNoCauseMany,
  BlockedWhenFalse,
  BlockedUnknown,  // {names}
  SeeBelow,
  BlockedCooldown,  // {action} {days} {cooldown}
  BlockedCap,       // {max} {n} {before}
  // Why not: the conditions
  CauseNotFired,
  CauseUndecided,
  WhenHeading,
  PartTrue,
  PartFalse,
  PartUnknown,
  ValueUnknown,
  ValueUnset,
  // Why not: the smallest change ({field} {from} {to} {tactic}, and {step})
  SmallestChange,
  SmallestChangeStep,
  OrChange,
  OrChangeStep,
  NoChangeCooldown,  // {action} {days} {cooldown} {left}
  NoChangeCap,       // {max}
  NoChangeNoField,
  NoChangeNotFound,      // {tried} {fields}
  NoChangeAlsoCooldown,  // {action} {days} {cooldown}
  NoChangeBudget,        // {tried}
  BudgetNote,            // {tried}
};

struct PhraseText {
  Phrase id;
  const char* en;  // fmt format strings with named arguments
  const char* zh;
};

// Every phrase, in the order of Phrase. Exposed so that tests can check each one.
std::span<const PhraseText> phrase_table();

// The format string of a phrase in a language; English for a language without a table.
std::string_view phrase(Phrase id, std::string_view lang);

using Langs = std::vector<std::string>;

// render(lang) for each language, joined as the header describes; a rendering equal to an
// earlier one (a language without its own table) is not repeated.
template <typename Render>
std::string in_each(const Langs& langs, Render render) {
  std::vector<std::string> parts;
  for (const auto& lang : langs) {
    std::string text = render(std::string_view(lang));
    if (std::find(parts.begin(), parts.end(), text) == parts.end()) parts.push_back(text);
  }
  return fmt::format("{}", fmt::join(parts, " / "));
}

// One phrase in each language; args are fmt::arg("name", value).
template <typename... Args>
std::string say(const Langs& langs, Phrase id, const Args&... args) {
  return in_each(langs, [&](std::string_view lang) {
    return fmt::vformat(phrase(id, lang), fmt::make_format_args(args...));
  });
}

// The words render_summary frames a decision with, in these languages.
SummaryWords summary_words(const Langs& langs);

}  // namespace retain::analyst
