// retain score --rules PATH --in FILE --out FILE: score a customer file (CSV or JSON Lines)
// into decisions (JSON Lines or CSV). Argument parsing only; the work is batch::run_score.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "batch/runner.hpp"
#include "cli/command.hpp"
#include "cli/common.hpp"

namespace retain::cli {

namespace {

int run_score(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"Score a customer file: CSV or JSON Lines in, decisions out (docs/batch.md).",
               "retain score"};
  batch::ScoreOptions o;
  std::string input_format, output_format, shard, json_parser = "simdjson", json_writer = "fast";
  std::uint64_t max_rejects = 0;
  bool progress = false, no_progress = false;
  app.add_option("--rules", o.rules, "Rule files or directories")->required();
  app.add_option("--in", o.input.path, "Input file, - for stdin (CSV or JSON Lines)")->required();
  app.add_option("--out", o.output, "Output file, - for stdout (default)");
  app.add_option("--input-format", input_format, "csv or jsonl (default: from --in)")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  app.add_option("--format", output_format, "Output: jsonl or csv (default: from --out)")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  app.add_option("--rejects", o.rejects,
                 "Write rejected rows here: .jsonl (line, field, reason, text) or, for CSV "
                 "input, .csv (header and the original rows)");
  auto* max = app.add_option("--max-rejects", max_rejects,
                             "Abort (exit 2, no output) when more than N rows are rejected");
  app.add_option("--report", o.report, "Write a summary report: FILE.md or FILE.html");
  app.add_option("--stats", o.stats,
                 "Population statistics from `retain stats` (default: a first pass over the "
                 "input when the rules have percentile tiers)");
  app.add_option("--shard", shard, "Score only the i-th of N parts of the input (0-based): i/N");
  app.add_option("--threads", o.threads, "Worker threads (default: all cores)");
  app.add_flag("--quiet,-q", o.quiet, "No progress, warnings or summary on stderr");
  app.add_flag("--progress", progress, "Show progress even when stderr is not a terminal");
  app.add_flag("--no-progress", no_progress, "Never show progress");
  app.add_flag("--trace", o.trace, "Include the evaluation trace in each decision");
  std::string view;
  app.add_option("--view", view,
                 "compact (default): ids, risk, tier, bands; full: also labels, because "
                 "texts and evidence (JSON Lines only; ~5 times the bytes)")
      ->check(CLI::IsMember({"compact", "full"}));
  bool lean = false;  // the compact view's name before it was the default
  app.add_flag("--lean", lean, "Same as --view compact")->group("");
  auto* lang = app.add_option(
      "--lang", o.language,
      "Labels and because texts in this language only (en, zh; where a rule has none in it, its "
      "untagged or English text); implies --view full. Default: every language");
  app.add_flag("--ignore-unknown-columns", o.input.ignore_unknown_columns,
               "Skip CSV columns that are not profile fields (default: fail)");
  app.add_option("--risk-threshold", o.summary.risk_threshold,
                 "Report: churn risk from which a customer is at risk (default 0.5)");
  app.add_option("--top", o.summary.top_n, "Report: how many top customers at risk (default 20)");
  app.add_option("--json-parser", json_parser, "simdjson (default) or protobuf")
      ->check(CLI::IsMember({"simdjson", "protobuf"}));
  app.add_option("--json-writer", json_writer, "fast (default) or protobuf")
      ->check(CLI::IsMember({"fast", "protobuf"}));
  auto* chunk_rows =
      app.add_option("--chunk-rows", o.input.chunk_records,
                     "Rows per work unit (default 1024, or 128 for decisions with texts)");
  if (auto code = parse_args(app, args, out, err)) return *code;

  if (!input_format.empty()) o.input.format = batch::input_format_from_name(input_format);
  if (!output_format.empty()) o.output_format = batch::output_format_from_name(output_format);
  if (max->count() > 0) o.max_rejects = max_rejects;
  if (!shard.empty()) {
    std::string error;
    if (!batch::parse_shard(shard, &o.input.shard, &error)) {
      err << "retain score: " << error << "\n";
      return kUsage;
    }
  }
  if (lean && view == "full") {
    err << "retain score: --lean is --view compact; it cannot go with --view full\n";
    return kUsage;
  }
  if (lang->count() > 0 && (lean || view == "compact")) {
    err << "retain score: --lang chooses the language of labels and because texts, which the "
           "compact view leaves out; use --view full\n";
    return kUsage;
  }
  o.explanations = view == "full" || lang->count() > 0;
  if (progress) o.progress = true;
  if (no_progress) o.progress = false;
  if (chunk_rows->count() > 0 && o.input.chunk_records == 0) o.input.chunk_records = 1;
  o.input.json_parser = json_parser == "protobuf" ? batch::JsonRowParser::Engine::Protobuf
                                                  : batch::JsonRowParser::Engine::Simdjson;
  o.json_writer = json_writer == "protobuf" ? batch::JsonEngine::Protobuf : batch::JsonEngine::Fast;
  return batch::run_score(o, out, err);
}

}  // namespace

RETAIN_COMMAND("score", "Score a customer file (CSV or JSON Lines) into decisions", run_score);

}  // namespace retain::cli
