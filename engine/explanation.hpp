// A readable account of one decision built from its trace: which rules fired or did not, and
// why, with the values read. Pure function over a Decision that carries a trace.
#pragma once

#include <string>
#include <vector>

#include "retain/v1/decision.pb.h"

namespace retain {

// lang picks the label/because language ("en", "zh"); other languages are the fallback.
std::string render_explanation(const v1::Decision& decision, const std::string& lang = "en");

// A short business summary of one decision: tier, grade, risk, then each cause with its
// explanation and each tactic, segment, measure and credit check with its label.
std::string render_summary(const v1::Decision& decision, const std::string& lang = "en");

// What render_summary adds for readers who need more than a glance (`retain explain`). The
// defaults give render_summary(decision, lang) exactly.
struct SummaryOptions {
  // Each label in these languages, joined by " / ", and each because text once per language.
  std::vector<std::string> langs = {"en"};
  bool bands = false;     // every tiers band with its label, not only tier and credit grade
  bool evidence = false;  // the values each cause read
  bool answers = false;   // which fired causes each tactic answers
};
std::string render_summary(const v1::Decision& decision, const SummaryOptions& options);

// The text of a language map: lang if present, else "und", else "en", else any.
std::string pick_text(const google::protobuf::Map<std::string, std::string>& texts,
                      const std::string& lang);

}  // namespace retain
