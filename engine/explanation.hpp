// A readable account of one decision built from its trace: which rules fired or did not, and
// why, with the values read. Pure function over a Decision that carries a trace.
#pragma once

#include <string>

#include "retain/v1/decision.pb.h"

namespace retain {

// lang picks the label/because language ("en", "zh"); other languages are the fallback.
std::string render_explanation(const v1::Decision& decision, const std::string& lang = "en");

// A short business summary of one decision: tier, grade, risk, then each cause with its
// explanation and each tactic, segment, measure and credit check with its label.
std::string render_summary(const v1::Decision& decision, const std::string& lang = "en");

// The text of a language map: lang if present, else "und", else "en", else any.
std::string pick_text(const google::protobuf::Map<std::string, std::string>& texts,
                      const std::string& lang);

}  // namespace retain
