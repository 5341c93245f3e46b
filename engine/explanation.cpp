#include "engine/explanation.hpp"

#include <map>
#include <vector>

#include <fmt/format.h>

#include "engine/value_format.hpp"

namespace retain {

std::string pick_text(const google::protobuf::Map<std::string, std::string>& texts,
                      const std::string& lang) {
  for (const std::string& key : {lang, std::string("und"), std::string("en")}) {
    auto it = texts.find(key);
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
  std::string out = fmt::format(
      "{}  tier {} · credit grade {} · churn risk {}%\n",
      d.customer_id().empty() ? "(no id)" : d.customer_id(), d.tier().empty() ? "-" : d.tier(),
      d.credit_grade().empty() ? "-" : d.credit_grade(), format_number(d.churn_risk() * 100.0, 1));
  for (const auto& c : d.causes()) {
    out += fmt::format("  cause    {} ({})\n", c.id(), pick_text(c.label(), lang));
    const std::string why = pick_text(c.because(), lang);
    if (!why.empty()) out += fmt::format("           {}\n", why);
  }
  int rank = 0;
  for (const auto& t : d.tactics()) {
    out += fmt::format("  tactic   {}. {} ({})\n", ++rank, t.id(), pick_text(t.label(), lang));
  }
  auto list = [&](const char* title, const auto& findings) {
    for (const auto& f : findings) {
      out += fmt::format("  {:<8} {} ({})\n", title, f.id(), pick_text(f.label(), lang));
    }
  };
  list("segment", d.segments());
  list("account", d.account_actions());
  list("credit", d.credit_checks());
  if (!d.unknowns().empty()) {
    std::vector<std::string> rules;
    for (const auto& u : d.unknowns()) rules.push_back(u.rule());
    out += fmt::format("  undecided (missing data): {}\n", fmt::join(rules, ", "));
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
