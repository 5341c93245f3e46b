// retain diff: decide every customer with two rule sets and count what changed.
#include "analyst/diff.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "batch/profile_from_row.hpp"
#include "engine/profile_json.hpp"

namespace retain::analyst {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// CSV records: lines, joined while a quoted cell spans a line break. Line numbers of starts.
std::vector<std::pair<std::size_t, std::string>> csv_records(const std::string& text) {
  std::vector<std::pair<std::size_t, std::string>> records;
  std::string current;
  bool quoted = false, open = false;
  std::size_t line = 1, start_line = 1;
  for (char c : text) {
    if (c == '\n' && !quoted) {
      if (!current.empty() && current.back() == '\r') current.pop_back();
      if (!current.empty()) records.emplace_back(start_line, current);
      current.clear();
      open = false;
      ++line;
      continue;
    }
    if (!open) {
      start_line = line;
      open = true;
    }
    if (c == '"') quoted = !quoted;
    if (c == '\n') ++line;
    current += c;
  }
  if (!current.empty() && current.back() == '\r') current.pop_back();
  if (!current.empty()) records.emplace_back(start_line, current);
  return records;
}

template <class Findings>
std::vector<std::string> ids(const Findings& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.id());
  return out;
}

std::string or_none(const std::string& s) {
  return s.empty() ? "(none)" : s;
}

}  // namespace

const char* risk_band(double risk) {
  if (risk <= 0) return "none";
  if (risk < 0.4) return "low";
  if (risk < 0.6) return "medium";
  return "high";
}

std::vector<v1::CustomerProfile> read_customers(const std::string& path, const std::string& text,
                                                std::vector<std::string>* errors) {
  std::vector<v1::CustomerProfile> out;
  if (!ends_with(path, ".csv")) {
    auto parsed = parse_profiles_json(text);
    errors->insert(errors->end(), parsed.errors.begin(), parsed.errors.end());
    return std::move(parsed.profiles);
  }
  const auto records = csv_records(text);
  if (records.empty()) return out;
  std::string error;
  auto header = batch::CsvHeader::parse(records[0].second, /*ignore_unknown=*/false, &error);
  if (!header) {
    errors->push_back(fmt::format("line 1: {}", error));
    return out;
  }
  batch::CsvRowParser parser(*header);
  for (std::size_t i = 1; i < records.size(); ++i) {
    v1::CustomerProfile profile;
    batch::RowError row_error;
    if (!parser.parse(records[i].second, &profile, &row_error)) {
      errors->push_back(fmt::format("line {}: {}{}{}", records[i].first, row_error.field,
                                    row_error.field.empty() ? "" : ": ", row_error.reason));
      continue;
    }
    out.push_back(std::move(profile));
  }
  return out;
}

DiffReport diff_decisions(const compile::RuleSet& old_rules, const compile::RuleSet& new_rules,
                          const std::vector<v1::CustomerProfile>& customers,
                          std::size_t max_examples) {
  DiffReport report;
  const std::vector<std::string> names = {
      "tier",    "credit_grade", "churn_risk_band", "causes",
      "tactics", "segments",     "account_actions", "credit_checks"};
  for (const auto& n : names) report.kinds.push_back({n, 0, {}, {}});
  auto kind = [&](const std::string& n) -> ChangeKind& {
    return *std::find_if(report.kinds.begin(), report.kinds.end(),
                         [&](const ChangeKind& k) { return k.name == n; });
  };
  eval::EvalFrame frame;
  v1::Decision a, b;
  EvalOptions lean;
  lean.explanations = false;
  double risk_old = 0, risk_new = 0;
  for (const auto& profile : customers) {
    if (validate_profile(profile)) {
      ++report.rejected;
      continue;
    }
    ++report.customers;
    decide(old_rules, profile, nullptr, frame, &a, lean);
    decide(new_rules, profile, nullptr, frame, &b, lean);
    risk_old += a.churn_risk();
    risk_new += b.churn_risk();
    bool any = false;
    auto note = [&](ChangeKind& k) {
      ++k.changed;
      any = true;
      if (k.examples.size() < max_examples) k.examples.push_back(profile.customer_id());
    };
    auto scalar = [&](const std::string& n, const std::string& x, const std::string& y) {
      if (x == y) return;
      auto& k = kind(n);
      note(k);
      ++k.details[or_none(x) + " -> " + or_none(y)];
    };
    scalar("tier", a.tier(), b.tier());
    scalar("credit_grade", a.credit_grade(), b.credit_grade());
    scalar("churn_risk_band", risk_band(a.churn_risk()), risk_band(b.churn_risk()));
    auto sets = [&](const std::string& n, std::vector<std::string> x, std::vector<std::string> y,
                    bool ordered) {
      if (x == y) return;
      auto& k = kind(n);
      note(k);
      std::sort(x.begin(), x.end());
      std::sort(y.begin(), y.end());
      std::vector<std::string> added, removed;
      std::set_difference(y.begin(), y.end(), x.begin(), x.end(), std::back_inserter(added));
      std::set_difference(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(removed));
      for (const auto& id : added) ++k.details["+" + id];
      for (const auto& id : removed) ++k.details["-" + id];
      if (ordered && added.empty() && removed.empty()) ++k.details["(order)"];
    };
    sets("causes", ids(a.causes()), ids(b.causes()), false);
    sets("tactics", ids(a.tactics()), ids(b.tactics()), true);
    sets("segments", ids(a.segments()), ids(b.segments()), false);
    sets("account_actions", ids(a.account_actions()), ids(b.account_actions()), false);
    sets("credit_checks", ids(a.credit_checks()), ids(b.credit_checks()), false);
    if (!any) ++report.unchanged;
  }
  if (report.customers > 0) {
    report.mean_risk_old = risk_old / static_cast<double>(report.customers);
    report.mean_risk_new = risk_new / static_cast<double>(report.customers);
  }
  return report;
}

std::string render_diff(const DiffReport& r) {
  std::string out = fmt::format("{} customers, {} unchanged, {} changed", r.customers, r.unchanged,
                                r.customers - r.unchanged);
  if (r.rejected) out += fmt::format(", {} rejected (invalid profile)", r.rejected);
  out += fmt::format("\nmean churn risk: {:.3f} -> {:.3f}\n", r.mean_risk_old, r.mean_risk_new);
  for (const auto& k : r.kinds) {
    const double pct =
        r.customers ? 100.0 * static_cast<double>(k.changed) / static_cast<double>(r.customers)
                    : 0.0;
    out += fmt::format("{:<16} {:>8} changed ({:.1f}%)\n", k.name, k.changed, pct);
    if (k.changed == 0) continue;
    std::vector<std::pair<std::string, std::size_t>> details(k.details.begin(), k.details.end());
    std::stable_sort(details.begin(), details.end(),
                     [](const auto& x, const auto& y) { return x.second > y.second; });
    for (const auto& [what, n] : details) out += fmt::format("    {:<40} {:>8}\n", what, n);
    out += fmt::format("    e.g. {}\n", fmt::join(k.examples, ", "));
  }
  return out;
}

}  // namespace retain::analyst
