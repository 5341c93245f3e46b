#include "engine/explanation.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "engine/decision_text.hpp"
#include "engine/value_format.hpp"

namespace retain {

std::string pick_text(const google::protobuf::Map<std::string, std::string>& texts,
                      const std::string& lang) {
  for (const std::string_view key : language_preference(lang)) {
    auto it = texts.find(std::string(key));
    if (it != texts.end()) return it->second;
  }
  return texts.empty() ? std::string() : texts.begin()->second;
}

namespace {

const char* mark(const std::string& outcome) {
  if (outcome == "fired") return "+";
  if (outcome == "unknown") return "?";
  if (outcome == "suppressed" || outcome == "dropped") return "~";
  if (outcome == "value") return "=";
  return "-";
}

std::string values_line(const v1::TraceEntry& entry) {
  std::vector<std::string> parts;
  // Sorted for a stable display: protobuf maps have no order.
  std::map<std::string, std::string> sorted(entry.values().begin(), entry.values().end());
  for (const auto& [name, value] : sorted) parts.push_back(fmt::format("{} = {}", name, value));
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace

std::string render_summary(const v1::Decision& d, const std::string& lang) {
  SummaryOptions options;
  options.langs = {lang};
  return render_summary(d, options);
}

std::string render_summary(const v1::Decision& d, const SummaryOptions& options) {
  auto label = [&](const google::protobuf::Map<std::string, std::string>& texts) {
    std::vector<std::string> parts;
    for (const auto& lang : options.langs) {
      std::string text = pick_text(texts, lang);
      // A label given in one language only would otherwise repeat itself.
      if (std::find(parts.begin(), parts.end(), text) == parts.end()) parts.push_back(text);
    }
    return fmt::format("{}", fmt::join(parts, " / "));
  };
  const SummaryWords& w = options.words;
  std::string out = fmt::format("{}  {} {} · {} {} · {} {}%\n",
                                d.customer_id().empty() ? w.no_id : d.customer_id(), w.tier,
                                d.tier().empty() ? "-" : d.tier(), w.credit_grade,
                                d.credit_grade().empty() ? "-" : d.credit_grade(), w.churn_risk,
                                format_number(d.churn_risk() * 100.0, 1));
  // fmt pads by display width, so a Chinese title of four characters lines up with "tactic".
  auto title = [&](const std::string& word) { return fmt::format("  {:<8} ", word); };
  const std::string continued(11, ' ');
  if (options.bands) {
    for (const auto& b : d.bands()) {
      out += fmt::format("{}{} = {} ({})\n", title(w.band), b.tiers(), b.band(), label(b.label()));
    }
  }
  for (const auto& c : d.causes()) {
    out += fmt::format("{}{} ({})\n", title(w.cause), c.id(), label(c.label()));
    std::vector<std::string> shown;
    for (const auto& lang : options.langs) {
      const std::string why = pick_text(c.because(), lang);
      if (why.empty() || std::find(shown.begin(), shown.end(), why) != shown.end()) continue;
      shown.push_back(why);
      out += fmt::format("{}{}\n", continued, why);
    }
    if (options.evidence && !c.evidence().values().empty()) {
      std::map<std::string, std::string> sorted(c.evidence().values().begin(),
                                                c.evidence().values().end());
      std::vector<std::string> parts;
      for (const auto& [name, value] : sorted)
        parts.push_back(fmt::format("{} = {}", name, value == "unknown" ? w.unknown : value));
      out += fmt::format("{}{} {}  [{}]\n", continued, w.when, c.evidence().condition(),
                         fmt::join(parts, ", "));
    }
  }
  int rank = 0;
  for (const auto& t : d.tactics()) {
    out += fmt::format("{}{}. {} ({})", title(w.tactic), ++rank, t.id(), label(t.label()));
    if (options.answers && !t.answers().empty()) {
      out += fmt::format(" {} {}", w.answers, fmt::join(t.answers(), ", "));
    }
    out += "\n";
  }
  auto list = [&](const std::string& word, const auto& findings) {
    for (const auto& f : findings) {
      out += fmt::format("{}{} ({})\n", title(word), f.id(), label(f.label()));
    }
  };
  list(w.segment, d.segments());
  list(w.account, d.account_actions());
  list(w.credit, d.credit_checks());
  if (!d.unknowns().empty()) {
    std::vector<std::string> rules;
    for (const auto& u : d.unknowns()) rules.push_back(u.rule());
    out += fmt::format("  {}: {}\n", w.undecided, fmt::join(rules, ", "));
  }
  return out;
}

std::string render_explanation(const v1::Decision& d, const std::string& lang) {
  std::string out;
  out += fmt::format("customer {}  (rule set {} {}, {})\n", d.customer_id(), d.ruleset().name(),
                     d.ruleset().version(), d.ruleset().content_hash().substr(0, 12));
  out += fmt::format(
      "tier {}   credit grade {}   churn risk {}\n", d.tier().empty() ? "-" : d.tier(),
      d.credit_grade().empty() ? "-" : d.credit_grade(), format_number(d.churn_risk(), 3));

  std::map<std::string, std::string> because;  // rule id -> rendered because
  for (const auto& c : d.causes()) because[c.id()] = pick_text(c.because(), lang);
  for (const auto& t : d.tactics()) because[t.id()] = pick_text(t.because(), lang);
  for (const auto* list : {&d.segments(), &d.account_actions(), &d.credit_checks()}) {
    for (const auto& f : *list) because[f.id()] = pick_text(f.because(), lang);
  }

  static const std::vector<std::pair<std::string, std::string>> sections = {
      {"cause", "Causes"},
      {"tactic", "Tactics"},
      {"segment", "Segments"},
      {"account", "Key-account measures"},
      {"credit_check", "Credit checks"},
      {"tiers", "Tiers"},
      {"let", "Definitions"}};
  for (const auto& [kind, title] : sections) {
    bool any = false;
    for (const auto& entry : d.trace()) {
      if (entry.kind() != kind) continue;
      if (!any) out += fmt::format("\n{}\n", title);
      any = true;
      out += fmt::format("  {} {:<28} {:<10} {}\n", mark(entry.outcome()), entry.rule(),
                         entry.outcome(), entry.location());
      if (!entry.detail().empty()) out += fmt::format("      {}\n", entry.detail());
      if (!entry.values().empty()) out += fmt::format("      {}\n", values_line(entry));
      auto it = because.find(entry.rule());
      if (it != because.end() && !it->second.empty())
        out += fmt::format("      because: {}\n", it->second);
    }
  }
  if (!d.unknowns().empty()) {
    out += "\nUndecided (missing data)\n";
    for (const auto& u : d.unknowns()) out += fmt::format("  ? {:<28} {}\n", u.rule(), u.reason());
  }
  out += "\n+ fired   - did not fire   ? unknown (missing data)   ~ suppressed or dropped\n";
  return out;
}

}  // namespace retain
