#include "batch/report.hpp"

#include <algorithm>
#include <iterator>
#include <vector>

#include <fmt/format.h>

namespace retain::batch {

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

namespace {

std::string pct(std::uint64_t n, std::uint64_t total) {
  if (total == 0) return "–";
  return fmt::format("{:.1f}%", 100.0 * static_cast<double>(n) / static_cast<double>(total));
}

std::string money(double v) {
  // 1234567.8 -> "1,234,568"
  std::string digits = fmt::format("{:.0f}", std::abs(v));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return v < 0 ? "-" + out : out;
}

std::string count(std::uint64_t n) {
  return money(static_cast<double>(n));
}

// Counts sorted by count (descending), then id.
std::vector<std::pair<std::string, std::uint64_t>> by_count(const Summary::Counts& counts) {
  std::vector<std::pair<std::string, std::uint64_t>> v(counts.begin(), counts.end());
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return v;
}

// Tiers in their natural order when known (pyramid, credit grades), else by count.
std::vector<std::pair<std::string, std::uint64_t>> ordered(const Summary::Counts& counts,
                                                           std::vector<std::string> order) {
  std::vector<std::pair<std::string, std::uint64_t>> v;
  for (const auto& id : order) {
    auto it = counts.find(id);
    if (it != counts.end()) v.emplace_back(*it);
  }
  for (const auto& kv : by_count(counts)) {
    if (std::find(order.begin(), order.end(), kv.first) == order.end()) v.push_back(kv);
  }
  return v;
}

const std::vector<std::string> kPyramid = {"VIP", "MAJOR", "ORDINARY", "SMALL"};
const std::vector<std::string> kGrades = {"AAA", "AA", "A", "BBB", "BB", "B", "F"};

std::string md_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out.push_back(' ');
    else
      out.push_back(c);
  }
  return out;
}

struct Section {
  std::string title;
  std::string what;  // column header
  std::vector<std::pair<std::string, std::uint64_t>> rows;
  std::string empty_note;
};

std::vector<Section> sections(const Summary& s) {
  return {
      {"Customers by tier", "tier", ordered(s.tiers, kPyramid), "No rule sets a tier."},
      {"Churn causes", "cause", by_count(s.causes), "No cause fired."},
      {"Proposed tactics", "tactic", by_count(s.tactics), "No tactic was proposed."},
      {"Segments", "segment", by_count(s.segments), "No segment matched."},
      {"Key-account measures", "measure", by_count(s.account_actions), "No measure is due."},
      {"Credit checks", "credit check", by_count(s.credit_checks), "No credit check fired."},
      {"Credit grades", "grade", ordered(s.credit_grades, kGrades), "No rule sets a credit grade."},
  };
}

}  // namespace

std::string render_report_markdown(const Summary& s, const ReportInfo& info) {
  std::string o;
  auto out = std::back_inserter(o);
  fmt::format_to(out, "# Retention scoring report\n\n");
  fmt::format_to(out, "Rule set **{}** version {} (`{}`)  \n", info.ruleset_name,
                 info.ruleset_version, info.ruleset_hash.substr(0, 12));
  fmt::format_to(out, "Input `{}`{} → output `{}`  \n", info.input,
                 info.shard.empty() ? "" : fmt::format(" (shard {})", info.shard), info.output);
  fmt::format_to(out, "Population statistics: {}  \n", info.stats_source);
  fmt::format_to(out, "{} threads, {:.2f} s ({} rows/s), finished {}\n\n", info.threads,
                 info.seconds,
                 count(info.seconds > 0 ? static_cast<std::uint64_t>(s.read / info.seconds) : 0),
                 info.finished_at);

  fmt::format_to(out, "## Rows\n\n| | rows |\n|---|---:|\n");
  fmt::format_to(out, "| read | {} |\n| scored | {} |\n| rejected | {} |\n\n", count(s.read),
                 count(s.scored), count(s.rejected));
  fmt::format_to(out, "read = scored + rejected: **{}**",
                 s.read == s.scored + s.rejected ? "yes" : "NO");
  if (s.blank_lines > 0) fmt::format_to(out, " ({} blank lines skipped)", count(s.blank_lines));
  o += "\n\n";

  fmt::format_to(out, "## Churn risk\n\n");
  fmt::format_to(out,
                 "{} customers ({}) have at least one churn cause; {} ({}) are at risk "
                 "(churn risk ≥ {}).  \n",
                 count(s.with_cause), pct(s.with_cause, s.decisions), count(s.at_risk),
                 pct(s.at_risk, s.decisions), s.options().risk_threshold);
  fmt::format_to(
      out,
      "Revenue (12 months) of customers at risk: **{} CNY** of {} CNY ({}); "
      "expected loss Σ risk × revenue: **{} CNY**.\n\n",
      money(s.revenue_at_risk), money(s.revenue_total),
      s.revenue_total > 0 ? fmt::format("{:.1f}%", 100 * s.revenue_at_risk / s.revenue_total) : "–",
      money(s.expected_revenue_loss));
  std::uint64_t max_bin = 1;
  for (auto n : s.risk_histogram) max_bin = std::max(max_bin, n);
  fmt::format_to(out, "| churn risk | customers | share | |\n|---|---:|---:|---|\n");
  for (std::size_t b = 0; b < Summary::kRiskBins; ++b) {
    const auto n = s.risk_histogram[b];
    const std::size_t width = n == 0 ? 0 : std::max<std::size_t>(1, n * 40 / max_bin);
    std::string bar;
    for (std::size_t i = 0; i < width; ++i) bar += "█";
    fmt::format_to(out, "| {} | {} | {} | {} |\n", Summary::risk_bin_label(b), count(n),
                   pct(n, s.decisions), bar);
  }
  o += "\n";

  const auto top = s.top_at_risk();
  fmt::format_to(out, "## Top customers at risk by revenue\n\n");
  if (top.empty()) {
    fmt::format_to(out, "No customer is at risk.\n\n");
  } else {
    fmt::format_to(
        out,
        "| # | customer | revenue 12m (CNY) | churn risk | tier | causes | first tactic | line |\n"
        "|---:|---|---:|---:|---|---|---|---:|\n");
    int i = 0;
    for (const auto& c : top) {
      fmt::format_to(out, "| {} | {} | {} | {:.2f} | {} | {} | {} | {} |\n", ++i,
                     md_escape(c.customer_id), money(c.revenue_12m), c.churn_risk, c.tier, c.causes,
                     c.top_tactic, c.line);
    }
    o += "\n";
  }

  for (const auto& sec : sections(s)) {
    fmt::format_to(out, "## {}\n\n", sec.title);
    if (sec.rows.empty()) {
      fmt::format_to(out, "{}\n\n", sec.empty_note);
      continue;
    }
    fmt::format_to(out, "| {} | customers | share |\n|---|---:|---:|\n", sec.what);
    for (const auto& [id, n] : sec.rows) {
      fmt::format_to(out, "| {} | {} | {} |\n", id, count(n), pct(n, s.decisions));
    }
    o += "\n";
  }
  fmt::format_to(out,
                 "{} customers ({}) had a rule that could not be decided for missing data "
                 "(`unknowns`).\n\n",
                 count(s.with_unknowns), pct(s.with_unknowns, s.decisions));

  fmt::format_to(out, "## Rejected rows\n\n");
  if (s.rejected == 0) {
    fmt::format_to(out, "None.\n");
  } else {
    fmt::format_to(
        out, "{} rows rejected{}. The first {}:\n\n| line | field | reason |\n|---:|---|---|\n",
        count(s.rejected),
        info.rejects_path.empty() ? "" : fmt::format(" (all in `{}`)", info.rejects_path),
        s.first_rejects().size());
    for (const auto& r : s.first_rejects()) {
      fmt::format_to(out, "| {} | {} | {} |\n", r.line, md_escape(r.field), md_escape(r.reason));
    }
  }
  return o;
}

std::string render_report_html(const Summary& s, const ReportInfo& info) {
  std::string o;
  auto out = std::back_inserter(o);
  o += R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Retention scoring report</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222;line-height:1.4}
h1{margin-bottom:.2em} h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0} td,th{padding:.25em .7em;border-bottom:1px solid #eee;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{background:#c0392b;height:.9em;display:inline-block;vertical-align:middle}
.bar.b{background:#2c7bb6}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:9em}
.card .v{font-size:1.5em;font-weight:600}.ok{color:#1a7f37}.bad{color:#c0392b}.muted{color:#777}
</style></head><body>
)";
  fmt::format_to(
      out,
      "<h1>Retention scoring report</h1>\n<p class=\"muted\">Rule set <b>{}</b> version {} "
      "(<code>{}</code>) · input <code>{}</code>{} → <code>{}</code><br>"
      "Population statistics: {} · {} threads · {:.2f} s · finished {}</p>\n",
      html_escape(info.ruleset_name), html_escape(info.ruleset_version),
      html_escape(info.ruleset_hash.substr(0, 12)), html_escape(info.input),
      info.shard.empty() ? "" : fmt::format(" (shard {})", html_escape(info.shard)),
      html_escape(info.output), html_escape(info.stats_source), info.threads, info.seconds,
      html_escape(info.finished_at));
  const bool balanced = s.read == s.scored + s.rejected;
  fmt::format_to(
      out,
      "<div class=\"cards\">"
      "<div class=\"card\"><div>read</div><div class=\"v\" id=\"read\">{}</div></div>"
      "<div class=\"card\"><div>scored</div><div class=\"v\" id=\"scored\">{}</div></div>"
      "<div class=\"card\"><div>rejected</div><div class=\"v {}\" id=\"rejected\">{}</div></div>"
      "<div class=\"card\"><div>at risk (≥ {})</div><div class=\"v\">{}</div><div>{}</div></div>"
      "<div class=\"card\"><div>revenue at risk</div><div class=\"v\">{}</div><div>CNY, "
      "{}</div></div>"
      "</div>\n<p class=\"{}\">read = scored + rejected: {}</p>\n",
      count(s.read), count(s.scored), s.rejected > 0 ? "bad" : "", count(s.rejected),
      s.options().risk_threshold, count(s.at_risk), pct(s.at_risk, s.decisions),
      money(s.revenue_at_risk),
      s.revenue_total > 0 ? fmt::format("{:.1f}% of all", 100 * s.revenue_at_risk / s.revenue_total)
                          : "–",
      balanced ? "ok" : "bad", balanced ? "yes" : "NO");

  o += "<h2>Churn risk</h2>\n<table><tr><th>churn risk</th><th class=\"n\">customers</th><th "
       "class=\"n\">share</th><th></th></tr>\n";
  std::uint64_t max_bin = 1;
  for (auto n : s.risk_histogram) max_bin = std::max(max_bin, n);
  for (std::size_t b = 0; b < Summary::kRiskBins; ++b) {
    const auto n = s.risk_histogram[b];
    fmt::format_to(out,
                   "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
                   "<td><span class=\"bar\" style=\"width:{:.1f}em\"></span></td></tr>\n",
                   html_escape(Summary::risk_bin_label(b)), count(n), pct(n, s.decisions),
                   20.0 * static_cast<double>(n) / static_cast<double>(max_bin));
  }
  fmt::format_to(
      out, "</table>\n<p>Expected loss Σ risk × revenue: <b>{} CNY</b> of {} CNY revenue.</p>\n",
      money(s.expected_revenue_loss), money(s.revenue_total));

  o += "<h2>Top customers at risk by revenue</h2>\n";
  const auto top = s.top_at_risk();
  if (top.empty()) {
    o += "<p>No customer is at risk.</p>\n";
  } else {
    o += "<table><tr><th class=\"n\">#</th><th>customer</th><th class=\"n\">revenue 12m (CNY)</th>"
         "<th class=\"n\">churn risk</th><th>tier</th><th>causes</th><th>first tactic</th><th "
         "class=\"n\">line</th></tr>\n";
    int i = 0;
    for (const auto& c : top) {
      fmt::format_to(
          out,
          "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{:.2f}</td>"
          "<td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>\n",
          ++i, html_escape(c.customer_id), money(c.revenue_12m), c.churn_risk, html_escape(c.tier),
          html_escape(c.causes), html_escape(c.top_tactic), c.line);
    }
    o += "</table>\n";
  }

  for (const auto& sec : sections(s)) {
    fmt::format_to(out, "<h2>{}</h2>\n", sec.title);
    if (sec.rows.empty()) {
      fmt::format_to(out, "<p class=\"muted\">{}</p>\n", sec.empty_note);
      continue;
    }
    std::uint64_t max_n = 1;
    for (const auto& r : sec.rows) max_n = std::max(max_n, r.second);
    fmt::format_to(out,
                   "<table><tr><th>{}</th><th class=\"n\">customers</th><th "
                   "class=\"n\">share</th><th></th></tr>\n",
                   sec.what);
    for (const auto& [id, n] : sec.rows) {
      fmt::format_to(out,
                     "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
                     "<td><span class=\"bar b\" style=\"width:{:.1f}em\"></span></td></tr>\n",
                     html_escape(id), count(n), pct(n, s.decisions),
                     15.0 * static_cast<double>(n) / static_cast<double>(max_n));
    }
    o += "</table>\n";
  }
  fmt::format_to(
      out, "<p>{} customers ({}) had a rule that could not be decided for missing data.</p>\n",
      count(s.with_unknowns), pct(s.with_unknowns, s.decisions));

  o += "<h2>Rejected rows</h2>\n";
  if (s.rejected == 0) {
    o += "<p>None.</p>\n";
  } else {
    fmt::format_to(out,
                   "<p>{} rows rejected{}. The first {}:</p>\n<table><tr><th class=\"n\">line</th>"
                   "<th>field</th><th>reason</th></tr>\n",
                   count(s.rejected),
                   info.rejects_path.empty()
                       ? ""
                       : fmt::format(" (all in <code>{}</code>)", html_escape(info.rejects_path)),
                   s.first_rejects().size());
    for (const auto& r : s.first_rejects()) {
      fmt::format_to(out, "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>\n", r.line,
                     html_escape(r.field), html_escape(r.reason));
    }
    o += "</table>\n";
  }
  o += "</body></html>\n";
  return o;
}

}  // namespace retain::batch
