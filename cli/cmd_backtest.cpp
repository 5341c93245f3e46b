// retain backtest --rules PATH... --in history.csv --label churned: how well the causes and
// the churn risk predicted churn in a labelled history (analyst/backtest.hpp). Arguments and
// output files only.
#include <fmt/format.h>

#include "analyst/backtest.hpp"
#include "analyst/backtest_report.hpp"
#include "batch/io.hpp"
#include "cli/command.hpp"
#include "cli/common.hpp"

namespace retain::cli {

namespace {

std::string thousands(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

int run_backtest(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Backtest the rules on a labelled customer history: precision, recall and lift of each "
      "cause, and how well the churn risk ranks churners (docs/analyst.md).",
      "retain backtest"};
  analyst::BacktestOptions o;
  std::vector<std::string> rules;
  std::string input_format, format, report, json_out;
  app.add_option("--rules", rules, "Rule files or directories")->required();
  app.add_option("--in", o.input.path,
                 "History: CSV or JSON Lines as `retain score` reads, plus the label (- = stdin)")
      ->required();
  app.add_option("--label", o.label, "The label column or field: 1/0, true/false, yes/no")
      ->capture_default_str();
  app.add_option("--input-format", input_format, "csv or jsonl (default: from --in)")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  app.add_option("--stats", o.stats,
                 "Population statistics from `retain stats` (default: a first pass over the "
                 "history when the rules have percentile tiers)");
  app.add_option("--rejects", o.rejects,
                 "Write rejected rows here: .csv (CSV input: header and original rows) or JSON "
                 "lines (line, field, reason, text)");
  app.add_option("--threshold", o.threshold,
                 "Churn risk from which a customer counts as predicted to churn")
      ->capture_default_str();
  app.add_option("--min-support", o.min_support,
                 "Fewest customers a rule must fire for to be judged (else: too rare)")
      ->capture_default_str();
  app.add_option("--report", report, "Write the report: FILE.md or FILE.html");
  app.add_option("--out", json_out, "Write the results as JSON to this file");
  app.add_option("--format", format, "On stdout: md (default) or json")
      ->check(CLI::IsMember({"md", "json"}));
  app.add_option("--threads", o.threads, "Worker threads (default: all cores)");
  app.add_flag("--ignore-unknown-columns", o.input.ignore_unknown_columns,
               "Skip CSV columns that are not profile fields (default: fail)");
  app.add_flag("--quiet,-q", o.quiet, "Nothing on stderr but errors");
  if (auto code = parse_args(app, args, out, err)) return *code;

  if (!input_format.empty()) o.input.format = batch::input_format_from_name(input_format);
  std::string report_kind;
  if (!report.empty()) {
    report_kind = batch::extension_of(report);
    if (report_kind == "markdown") report_kind = "md";
    if (report_kind == "htm") report_kind = "html";
    if (report_kind != "md" && report_kind != "html") {
      err << fmt::format("retain backtest: --report {}: the report is .md or .html\n", report);
      return kUsage;
    }
  }
  // Written so that NaN, which fails every comparison, is refused too.
  if (!(o.threshold >= 0 && o.threshold <= 1)) {
    err << "retain backtest: --threshold is a churn risk between 0 and 1\n";
    return kUsage;
  }
  // Files asked for replace stdout, unless --format asks for stdout too.
  if (format.empty() && report.empty() && json_out.empty()) format = "md";

  const RuleSetPtr loaded = load_and_report(rules, "text", err);
  if (!loaded) return kFailed;
  analyst::BacktestResult result;
  if (const int code = analyst::run_backtest(*loaded, o, &result, err); code != kOk) return code;

  try {
    if (!report.empty()) {
      batch::write_file_atomic(report, report_kind == "md"
                                           ? analyst::render_backtest_markdown(result)
                                           : analyst::render_backtest_html(result));
    }
    if (!json_out.empty())
      batch::write_file_atomic(json_out, analyst::render_backtest_json(result));
  } catch (const batch::IoError& e) {
    err << "retain: " << e.message << "\n";
    return kUsage;
  }
  if (format == "md") out << analyst::render_backtest_markdown(result);
  if (format == "json") out << analyst::render_backtest_json(result);
  if (!o.quiet) {
    err << fmt::format(
        "retain backtest: read {} rows = {} used + {} rejected; {} churned (base rate {:.1f}%); "
        "AUC {}\n",
        thousands(result.read), thousands(result.used), thousands(result.rejected),
        thousands(result.churned), 100 * result.base_rate,
        result.auc < 0 ? std::string("undefined") : fmt::format("{:.3f}", result.auc));
  }
  return kOk;
}

}  // namespace

RETAIN_COMMAND("backtest", "Measure how well the rules predict churn in a labelled history",
               run_backtest);

}  // namespace retain::cli
