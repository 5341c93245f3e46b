// retain stats --rules PATH --in FILE --out stats.json: the population statistics that
// percentile tiers need; --merge combines shard files. The work is batch::run_stats.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "batch/runner.hpp"
#include "cli/command.hpp"
#include "cli/common.hpp"

namespace retain::cli {

namespace {

int run_stats(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Compute population statistics for percentile tiers, or merge shard statistics "
      "(docs/batch.md).",
      "retain stats"};
  batch::StatsOptions o;
  o.input.path.clear();
  std::string input_format, shard;
  bool progress = false;
  app.add_option("--rules", o.rules, "Rule files or directories");
  app.add_option("--in", o.input.path, "Input file, - for stdin (CSV or JSON Lines)");
  app.add_option("--merge", o.merge, "Merge these statistics files (from shards) instead");
  app.add_option("--out", o.output, "Statistics file (JSON), - for stdout (default)");
  app.add_option("--input-format", input_format, "csv or jsonl (default: from --in)")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  app.add_option("--shard", shard, "Only the i-th of N parts of the input (0-based): i/N");
  app.add_option("--threads", o.threads, "Worker threads (default: all cores)");
  app.add_flag("--ignore-unknown-columns", o.input.ignore_unknown_columns,
               "Skip CSV columns that are not profile fields");
  app.add_flag("--quiet,-q", o.quiet, "No progress, warnings or summary on stderr");
  app.add_flag("--progress", progress, "Show progress even when stderr is not a terminal");
  if (auto code = parse_args(app, args, out, err)) return *code;
  if (o.merge.empty() && (o.rules.empty() || o.input.path.empty())) {
    err << "retain stats: give --rules and --in, or --merge FILES\n";
    return kUsage;
  }
  if (!o.merge.empty() && !shard.empty()) {
    err << "retain stats: --shard does not apply to --merge\n";
    return kUsage;
  }
  if (!input_format.empty()) o.input.format = batch::input_format_from_name(input_format);
  if (!shard.empty()) {
    std::string error;
    if (!batch::parse_shard(shard, &o.input.shard, &error)) {
      err << "retain stats: " << error << "\n";
      return kUsage;
    }
  }
  if (progress) o.progress = true;
  return batch::run_stats(o, out, err);
}

}  // namespace

RETAIN_COMMAND("stats", "Compute or merge population statistics for percentile tiers", run_stats);

}  // namespace retain::cli
