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

// The framing words of a summary. The engine has no phrase book of its own: `retain explain`
// passes its localised words (analyst/explain_phrases.hpp), and the defaults are the English
// of `retain eval --summary`, which must not change under its users.
struct SummaryWords {
  std::string no_id = "(no id)";
  std::string tier = "tier";
  std::string credit_grade = "credit grade";
  std::string churn_risk = "churn risk";
  std::string band = "band";
  std::string cause = "cause";
  std::string when = "when";
  std::string tactic = "tactic";
  std::string answers = "answers";
  std::string segment = "segment";
  std::string account = "account";
  std::string credit = "credit";
  std::string undecided = "undecided (missing data)";
  std::string unknown = "unknown";  // a value read as unknown, in the evidence
};

// What render_summary adds for readers who need more than a glance (`retain explain`). The
// defaults give render_summary(decision, lang) exactly.
struct SummaryOptions {
  // Each label in these languages, joined by " / ", and each because text once per language.
  std::vector<std::string> langs = {"en"};
  bool bands = false;     // every tiers band with its label, not only tier and credit grade
  bool evidence = false;  // the values each cause read
  bool answers = false;   // which fired causes each tactic answers
  SummaryWords words;
};
std::string render_summary(const v1::Decision& decision, const SummaryOptions& options);

// The text of a language map: lang if present, else "und", else "en", else any.
std::string pick_text(const google::protobuf::Map<std::string, std::string>& texts,
                      const std::string& lang);

}  // namespace retain
