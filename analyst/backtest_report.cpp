// The backtest report. Markdown and HTML are rendered from one small document model (headings,
// paragraphs, tables), so the two cannot drift apart; JSON is written directly.
#include "analyst/backtest_report.hpp"

#include <fmt/format.h>

#include "batch/report.hpp"
#include "engine/json_text.hpp"

namespace retain::analyst {

namespace {

struct Table {
  std::vector<std::string> head;
  std::vector<std::vector<std::string>> rows;
  std::size_t text_columns = 1;  // the first columns are text (left); the rest numbers (right)
  bool last_is_text = false;     // ... but for a verdict in the last column
};

struct Block {
  enum class Kind { Heading, Paragraph, Table } kind;
  int level = 2;
  std::string text;  // may hold `code`
  Table table;
};

using Doc = std::vector<Block>;

void heading(Doc& d, int level, std::string text) {
  d.push_back({Block::Kind::Heading, level, std::move(text), {}});
}
void para(Doc& d, std::string text) {
  d.push_back({Block::Kind::Paragraph, 0, std::move(text), {}});
}
void table(Doc& d, Table t) {
  d.push_back({Block::Kind::Table, 0, "", std::move(t)});
}

std::string count(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}
std::string pct(double x) {
  return fmt::format("{:.1f}%", 100 * x);
}
std::string ratio(double x) {
  return fmt::format("{:.2f}", x);
}
std::string pct_ci(const Interval& i) {
  return fmt::format("{:.1f}–{:.1f}%", 100 * i.low, 100 * i.high);
}
std::string ratio_ci(const Interval& i) {
  return fmt::format("{:.2f}–{:.2f}", i.low, i.high);
}

std::vector<std::string> signal_head(const std::string& what) {
  return {what,     "fired", "churned",     "precision", "precision 95% CI",
          "recall", "lift",  "lift 95% CI", "undecided"};
}
std::vector<std::string> signal_row(const SignalResult& s) {
  const auto& m = s.metrics;
  return {"`" + s.id + "`",
          count(m.counts.fired),
          count(m.counts.fired_churned),
          m.counts.fired ? pct(m.precision) : "–",
          m.counts.fired ? pct_ci(m.precision_ci) : "–",
          pct(m.recall),
          m.counts.fired ? ratio(m.lift) : "–",
          m.counts.fired ? ratio_ci(m.lift_ci) : "–",
          count(m.counts.undecided)};
}

// A kind's signals as one table: predictive, then noise, then too rare, each ranked.
Table signal_table(const BacktestResult& r, SignalKind kind, const std::string& what) {
  Table t{signal_head(what), {}, 1, true};
  t.head.push_back("verdict");
  for (Verdict v : {Verdict::Predictive, Verdict::Noise, Verdict::TooRare}) {
    for (const SignalResult* s : ranked(r, kind, v)) {
      auto row = signal_row(*s);
      // Noise that is clearly below 1 is worth a word: those customers churn less than most.
      const bool below = v == Verdict::Noise && s->metrics.lift_ci.high < 1.0;
      row.push_back(below ? "noise (below 1)" : verdict_name(v));
      t.rows.push_back(std::move(row));
    }
  }
  return t;
}

std::string id_list(const std::vector<const SignalResult*>& v) {
  std::string out;
  for (const auto* s : v) out += fmt::format("{}`{}`", out.empty() ? "" : ", ", s->id);
  return out;
}

Doc build(const BacktestResult& r) {
  Doc d;
  heading(d, 1, fmt::format("Backtest of {} {} on {}", r.ruleset_name, r.ruleset_version, r.input));
  para(d, fmt::format(
              "Rule set `{}` {} (`{}`), label column `{}`, population statistics: {}. {} threads, "
              "{:.2f} s.",
              r.ruleset_name, r.ruleset_version, r.ruleset_hash.substr(0, 12), r.label,
              r.stats_source, r.threads, r.seconds));
  // run_backtest refuses to return counts that do not reconcile, so the sum is not re-checked.
  para(d, fmt::format("**{} rows read = {} used + {} rejected**. {} of the {} customers used "
                      "churned: the **base churn rate is {}**.",
                      count(r.read), count(r.used), count(r.rejected), count(r.churned),
                      count(r.used), pct(r.base_rate)));

  heading(d, 2, "Causes: which predict churn");
  const auto predictive = ranked(r, SignalKind::Cause, Verdict::Predictive);
  const auto noise = ranked(r, SignalKind::Cause, Verdict::Noise);
  const auto rare = ranked(r, SignalKind::Cause, Verdict::TooRare);
  para(d, predictive.empty()
              ? "**Predictive**: none — no cause's churn rate is clearly above the base rate."
              : fmt::format("**Predictive** (lift clearly above 1), best first: {}.",
                            id_list(predictive)));
  para(d, noise.empty() ? "**Noise**: none."
                        : fmt::format("**Noise** (lift not distinguishable from 1, or below): {}.",
                                      id_list(noise)));
  if (!rare.empty()) {
    para(d, fmt::format("**Too rare to judge** (fired for fewer than {} customers): {}.",
                        r.min_support, id_list(rare)));
  }
  table(d, signal_table(r, SignalKind::Cause, "cause"));

  heading(d, 2, "Churn risk as a score");
  para(d, fmt::format(
              "ROC AUC **{}** (1 = churners always score higher, 0.5 = chance). Mean churn risk: "
              "{} for customers who churned, {} for those who stayed.",
              r.auc < 0 ? std::string("undefined") : fmt::format("{:.3f}", r.auc),
              ratio(r.mean_risk_churned), ratio(r.mean_risk_stayed)));
  const auto& t = r.at_threshold;
  para(d, fmt::format("At churn risk ≥ {}: {} customers flagged, {} of them churned — precision {} "
                      "(95% CI {}), recall {}, lift {}.",
                      r.threshold, count(t.counts.fired), count(t.counts.fired_churned),
                      t.counts.fired ? pct(t.precision) : "–",
                      t.counts.fired ? pct_ci(t.precision_ci) : "–", pct(t.recall),
                      t.counts.fired ? ratio(t.lift) : "–"));
  para(d,
       "Gains by risk decile, highest risk first (customers with the same risk stay in one row, "
       "so a row can hold more than a tenth):");
  Table g{{"deciles", "customers", "churn risk", "churned", "churn rate", "lift",
           "cumulative customers", "churners caught"},
          {},
          1};
  for (const auto& row : r.gains) {
    g.rows.push_back({row.first_decile == row.last_decile
                          ? fmt::format("{}", row.first_decile)
                          : fmt::format("{}–{}", row.first_decile, row.last_decile),
                      count(row.customers),
                      row.min_score == row.max_score
                          ? ratio(row.min_score)
                          : fmt::format("{}–{}", ratio(row.min_score), ratio(row.max_score)),
                      count(row.churned), pct(row.churn_rate), ratio(row.lift),
                      pct(row.cumulative_share), pct(row.cumulative_churned)});
  }
  table(d, std::move(g));

  heading(d, 2, "Tactics");
  para(d,
       "Customers a tactic was proposed for, and how many of them churned. A tactic that answers "
       "causes predicts churn about as well as they do; one meant for healthy customers (thanks, "
       "loyalty) should show a lift below 1.");
  table(d, signal_table(r, SignalKind::Tactic, "tactic"));
  heading(d, 2, "Segments");
  table(d, signal_table(r, SignalKind::Segment, "segment"));
  heading(d, 2, "Tier bands");
  table(d, signal_table(r, SignalKind::Band, "tiers=band"));

  heading(d, 2, "How to read this");
  para(d,
       fmt::format(
           "For each rule: **fired** customers, **churned** among them, **precision** = "
           "churned / fired, **recall** = churned among fired / all churned, **lift** = "
           "precision / base rate. The precision's 95% interval is its Wilson score interval; the "
           "lift's is Katz's log interval of the risk ratio of fired against not-fired "
           "customers, carried over to the lift (so it allows for the base rate's own "
           "uncertainty). "
           "A rule is **predictive** when the whole lift interval is above 1, **noise** when "
           "it contains 1 or lies below, **too rare** when it fired for fewer than {} "
           "customers (`--min-support`). **undecided** counts customers for whom the rule "
           "could not be decided for missing data; they count as not fired. With many rules "
           "at 95%, about one noise rule in twenty can look predictive by chance.",
           r.min_support));

  if (r.rejected > 0) {
    heading(d, 2, "Rejected rows");
    para(d, fmt::format("{} rows rejected{}.", count(r.rejected),
                        r.rejected > r.first_rejects.size()
                            ? fmt::format(", the first {}", r.first_rejects.size())
                            : ""));
    Table rt{{"line", "field", "reason"}, {}, 0};
    for (const auto& x : r.first_rejects) {
      rt.rows.push_back({std::to_string(x.line), x.field, x.reason});
    }
    rt.text_columns = 3;
    table(d, std::move(rt));
  }
  return d;
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Escapes, then turns `code` and **bold** into their HTML elements.
std::string html_inline(std::string_view s) {
  const std::string e = batch::html_escape(s);
  std::string out;
  bool code = false, bold = false;
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e[i] == '`') {
      out += code ? "</code>" : "<code>";
      code = !code;
    } else if (!code && e.compare(i, 2, "**") == 0) {
      out += bold ? "</b>" : "<b>";
      bold = !bold;
      ++i;
    } else {
      out.push_back(e[i]);
    }
  }
  if (code) out += "</code>";
  if (bold) out += "</b>";
  return out;
}

}  // namespace

std::string render_backtest_markdown(const BacktestResult& r) {
  std::string out;
  for (const auto& b : build(r)) {
    switch (b.kind) {
      case Block::Kind::Heading:
        out +=
            fmt::format("{} {}\n\n", std::string(static_cast<std::size_t>(b.level), '#'), b.text);
        break;
      case Block::Kind::Paragraph:
        out += b.text + "\n\n";
        break;
      case Block::Kind::Table: {
        const auto& t = b.table;
        out += "|";
        for (const auto& h : t.head) out += " " + md_cell(h) + " |";
        out += "\n|";
        for (std::size_t i = 0; i < t.head.size(); ++i) {
          const bool text = i < t.text_columns || (t.last_is_text && i + 1 == t.head.size());
          out += text ? "---|" : "---:|";
        }
        out += "\n";
        for (const auto& row : t.rows) {
          out += "|";
          for (const auto& c : row) out += " " + md_cell(c) + " |";
          out += "\n";
        }
        out += "\n";
        break;
      }
    }
  }
  return out;
}

std::string render_backtest_html(const BacktestResult& r) {
  std::string out = fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>Backtest of {} {}</title>\n<style>\n"
      "body{{font-family:system-ui,sans-serif;max-width:72em;margin:2em auto;padding:0 1em;"
      "color:#222}}\n"
      "table{{border-collapse:collapse;margin:.5em 0 1.5em}}th,td{{padding:.25em .6em;"
      "border-bottom:1px solid #ddd}}\nth{{text-align:left;background:#f4f4f4}}td.n,th.n{{"
      "text-align:right;font-variant-numeric:tabular-nums}}\n"
      "tr.predictive td{{background:#eaf6ec}}tr.noise td{{color:#555}}tr.rare td{{color:#999}}\n"
      "</style></head><body>\n",
      batch::html_escape(r.ruleset_name), batch::html_escape(r.ruleset_version));
  for (const auto& b : build(r)) {
    switch (b.kind) {
      case Block::Kind::Heading:
        out += fmt::format("<h{0}>{1}</h{0}>\n", b.level, html_inline(b.text));
        break;
      case Block::Kind::Paragraph:
        out += "<p>" + html_inline(b.text) + "</p>\n";
        break;
      case Block::Kind::Table: {
        const auto& t = b.table;
        out += "<table>\n<tr>";
        for (std::size_t i = 0; i < t.head.size(); ++i) {
          const bool text = i < t.text_columns || (t.last_is_text && i + 1 == t.head.size());
          out += fmt::format("<th{}>{}</th>", text ? "" : " class=\"n\"", html_inline(t.head[i]));
        }
        out += "</tr>\n";
        for (const auto& row : t.rows) {
          const std::string& last = row.empty() ? std::string() : row.back();
          const char* cls = !t.last_is_text               ? ""
                            : last == "predictive"        ? " class=\"predictive\""
                            : last.rfind("noise", 0) == 0 ? " class=\"noise\""
                            : last == "too rare"          ? " class=\"rare\""
                                                          : "";
          out += fmt::format("<tr{}>", cls);
          for (std::size_t i = 0; i < row.size(); ++i) {
            const bool text = i < t.text_columns || (t.last_is_text && i + 1 == row.size());
            out += fmt::format("<td{}>{}</td>", text ? "" : " class=\"n\"", html_inline(row[i]));
          }
          out += "</tr>\n";
        }
        out += "</table>\n";
        break;
      }
    }
  }
  out += "</body></html>\n";
  return out;
}

namespace {

void json_signal_fields(std::string& o, const SignalMetrics& m) {
  o += fmt::format(
      "\"fired\":{},\"churned\":{},\"undecided\":{},\"precision\":{},\"precision_ci\":[{},{}],"
      "\"recall\":{},\"lift\":{},\"lift_ci\":[{},{}],\"verdict\":\"{}\"",
      m.counts.fired, m.counts.fired_churned, m.counts.undecided, m.precision, m.precision_ci.low,
      m.precision_ci.high, m.recall, m.lift, m.lift_ci.low, m.lift_ci.high,
      verdict_name(m.verdict));
}

}  // namespace

std::string render_backtest_json(const BacktestResult& r) {
  std::string o = "{\"format\":\"retain.backtest\",\"version\":1,\"ruleset\":{\"name\":";
  append_json_quoted(o, r.ruleset_name);
  o += ",\"version\":";
  append_json_quoted(o, r.ruleset_version);
  o += ",\"content_hash\":";
  append_json_quoted(o, r.ruleset_hash);
  o += "},\"input\":";
  append_json_quoted(o, r.input);
  o += ",\"label\":";
  append_json_quoted(o, r.label);
  o += ",\"stats_source\":";
  append_json_quoted(o, r.stats_source);
  o += fmt::format(
      ",\"rows\":{{\"read\":{},\"used\":{},\"rejected\":{},\"blank_lines\":{}}},"
      "\"churned\":{},\"base_rate\":{},\"min_support\":{},\n\"signals\":[",
      r.read, r.used, r.rejected, r.blank_lines, r.churned, r.base_rate, r.min_support);
  bool first = true;
  for (const auto& s : r.signals) {
    o += first ? "\n" : ",\n";
    first = false;
    o += fmt::format("{{\"kind\":\"{}\",\"id\":", signal_kind_name(s.kind));
    append_json_quoted(o, s.id);
    o += ",";
    json_signal_fields(o, s.metrics);
    o += "}";
  }
  o += "],\n\"risk\":{\"auc\":";
  o += r.auc < 0 ? "null" : fmt::format("{}", r.auc);
  o += fmt::format(
      ",\"mean_risk_churned\":{},\"mean_risk_stayed\":{},\"threshold\":{},"
      "\"at_threshold\":{{",
      r.mean_risk_churned, r.mean_risk_stayed, r.threshold);
  json_signal_fields(o, r.at_threshold);
  o += "},\"gains\":[";
  first = true;
  for (const auto& g : r.gains) {
    o += first ? "\n" : ",\n";
    first = false;
    o += fmt::format(
        "{{\"customers\":{},\"churned\":{},\"min_risk\":{},\"max_risk\":{},\"churn_rate\":{},"
        "\"lift\":{},\"cumulative_share\":{},\"cumulative_churned\":{},\"first_decile\":{},"
        "\"last_decile\":{}}}",
        g.customers, g.churned, g.min_score, g.max_score, g.churn_rate, g.lift, g.cumulative_share,
        g.cumulative_churned, g.first_decile, g.last_decile);
  }
  o += "]},\n\"rejects\":[";
  first = true;
  for (const auto& x : r.first_rejects) {
    o += first ? "" : ",";
    first = false;
    o += fmt::format("{{\"line\":{},\"field\":", x.line);
    append_json_quoted(o, x.field);
    o += ",\"reason\":";
    append_json_quoted(o, x.reason);
    o += "}";
  }
  o += "]}\n";
  return o;
}

}  // namespace retain::analyst
