#include "batch/runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <iostream>
#include <iterator>
#include <thread>

#include <fmt/format.h>

#include "batch/frame_summary.hpp"
#include "batch/full_decision_writer.hpp"
#include "batch/input_pass.hpp"
#include "batch/io.hpp"
#include "batch/lean_decision_writer.hpp"
#include "batch/pipeline.hpp"
#include "batch/profile_from_row.hpp"
#include "batch/report.hpp"
#include "batch/stats_file.hpp"
#include "engine/engine.hpp"
#include "engine/eval/evaluator.hpp"
#include "engine/json_text.hpp"

namespace retain::batch {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// Progress on stderr: rows, rows/s, percent and ETA when the input size is known.
class Progress {
 public:
  Progress(std::ostream* err, std::optional<std::uint64_t> total_bytes, std::string label)
      : err_(err), total_(total_bytes), label_(std::move(label)), start_(Clock::now()) {}

  void update(std::uint64_t rows, std::uint64_t bytes) {
    if (err_ == nullptr) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(rows) / secs : 0;
    std::string line = fmt::format("\r\033[K{}: {} rows, {} rows/s", label_, thousands(rows),
                                   thousands(static_cast<std::uint64_t>(rate)));
    if (total_ && *total_ > 0) {
      const double frac = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(*total_));
      line += fmt::format(", {:.1f}%", 100 * frac);
      if (frac > 0.001) {
        const auto eta = static_cast<std::uint64_t>(secs / frac - secs);
        line += fmt::format(", ETA {}:{:02}", eta / 60, eta % 60);
      }
    }
    *err_ << line << std::flush;
    shown_ = true;
  }
  // Clears the progress line (before other messages and at the end).
  void clear() {
    if (err_ != nullptr && shown_) *err_ << "\r\033[K" << std::flush;
    shown_ = false;
  }

 private:
  std::ostream* err_;
  std::optional<std::uint64_t> total_;
  std::string label_;
  Clock::time_point start_;
  Clock::time_point last_{};
  bool shown_ = false;
};

bool progress_wanted(std::optional<bool> option, bool quiet, const std::ostream& err) {
  if (quiet) return false;
  if (option) return *option;
  return &err == &std::cerr && ::isatty(2) == 1;
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::optional<InputFormat> resolve_input_format(const InputOptions& in, ByteSource& source,
                                                std::ostream& err) {
  if (in.format) return in.format;
  if (auto f = input_format_from_name(in.path)) return f;
  if (source.is_stdin()) {
    const std::string_view head = source.peek(4096);
    for (char c : head) {
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
      if (c == '\xEF') continue;  // byte-order mark
      return c == '{' ? InputFormat::Jsonl : InputFormat::Csv;
    }
    return InputFormat::Jsonl;  // empty input: either way
  }
  err << fmt::format(
      "retain: cannot tell the format of {} from its name; use --input-format "
      "csv or jsonl\n",
      in.path);
  return std::nullopt;
}

namespace {

// open_pass as `retain score` and `retain stats` use it. warn_ignored: list the ignored
// columns, which only the first pass over an input should do.
std::optional<int> open_pass(const InputOptions& in, const std::string& path,
                             const std::string& spill_to, ReaderLimits limits, bool warn_ignored,
                             Pass* pass, std::ostream& err) {
  PassOptions options;
  options.spill_to = spill_to;
  options.limits = limits;
  options.warn_ignored = warn_ignored;
  return batch::open_pass(in, path, options, pass, err);
}

// stats_pass over the profiles of the rows (no other column), with a progress line.
std::optional<int> stats_pass(const compile::RuleSet& rules, const InputOptions& in, Pass& pass,
                              unsigned threads, bool show_progress, const std::string& label,
                              StatsFile* stats, std::ostream& err) {
  Progress progress(show_progress ? &err : nullptr, pass.bytes->size(), label);
  return batch::stats_pass(
      rules, pass, threads, [&] { return profile_reader(pass, in.json_parser); },
      {[&](std::uint64_t rows, std::uint64_t bytes) { progress.update(rows, bytes); },
       [&] { progress.clear(); }},
      stats, err);
}

std::optional<int> load_rules_reporting(const std::vector<std::string>& paths, bool quiet,
                                        RuleSetPtr* rules, std::ostream& err) {
  if (paths.empty()) {
    err << "retain: --rules is required\n";
    return 1;
  }
  auto loaded = load_rules(paths);
  if (has_errors(loaded.diagnostics) || !quiet) render_text(loaded.diagnostics, err);
  if (!loaded.value || has_errors(loaded.diagnostics)) {
    err << fmt::format("retain: the rules have {} error(s); nothing was scored\n",
                       count(loaded.diagnostics, Severity::Error));
    return 2;
  }
  *rules = *loaded.value;
  return std::nullopt;
}

// Shard range over the data rows of a file. Returns an exit code on failure.
std::optional<int> resolve_shard(const InputOptions& in, const std::string& path,
                                 InputFormat format, ReaderLimits* limits, std::ostream& err) {
  if (!in.shard.active()) return std::nullopt;
  if (path == "-") {
    err << "retain: --shard needs an input file (shards are counted in rows of the file)\n";
    return 1;
  }
  try {
    const std::uint64_t total = count_records(path, format);
    shard_range(in.shard, total, &limits->first, &limits->last);
  } catch (const IoError& e) {
    err << "retain: " << e.message << "\n";
    return 1;
  }
  return std::nullopt;
}

}  // namespace

void write_reject(OutputFile& file, bool raw, const Reject& r) {
  std::string line;
  if (raw) {
    line = r.text;
  } else {
    line = fmt::format("{{\"line\":{},\"field\":", r.line);
    append_json_quoted(line, r.field);
    line += ",\"reason\":";
    append_json_quoted(line, r.reason);
    line += ",\"text\":";
    append_json_quoted(line, r.text);
    line += "}";
  }
  line.push_back('\n');
  file.write(line);
}

bool parse_shard(const std::string& text, ShardSpec* shard, std::string* error) {
  const auto slash = text.find('/');
  std::uint32_t i = 0, n = 0;
  const auto ok = [](std::string_view s, std::uint32_t* v) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
  };
  if (slash == std::string::npos || !ok(std::string_view(text).substr(0, slash), &i) ||
      !ok(std::string_view(text).substr(slash + 1), &n) || n == 0 || i >= n) {
    *error = fmt::format("--shard '{}' is not i/N with 0 <= i < N (e.g. 0/4)", text);
    return false;
  }
  shard->index = i;
  shard->count = n;
  return true;
}

void shard_range(const ShardSpec& s, std::uint64_t total, std::uint64_t* first,
                 std::uint64_t* last) {
  // total * i / N without overflow for any realistic row count.
  *first = static_cast<std::uint64_t>((static_cast<unsigned __int128>(total) * s.index) / s.count);
  *last =
      static_cast<std::uint64_t>((static_cast<unsigned __int128>(total) * (s.index + 1)) / s.count);
}

std::size_t chunk_records_for(const InputOptions& input, bool texts) {
  if (input.chunk_records != 0) return input.chunk_records;
  return texts ? 128 : 1024;
}

std::optional<InputFormat> input_format_from_name(const std::string& name) {
  const std::string e = name.find('.') == std::string::npos ? name : extension_of(name);
  if (e == "csv") return InputFormat::Csv;
  if (e == "jsonl" || e == "ndjson" || e == "json") return InputFormat::Jsonl;
  return std::nullopt;
}

std::optional<OutputFormat> output_format_from_name(const std::string& name) {
  const std::string e = name.find('.') == std::string::npos ? name : extension_of(name);
  if (e == "csv") return OutputFormat::Csv;
  if (e == "jsonl" || e == "ndjson" || e == "json") return OutputFormat::Jsonl;
  return std::nullopt;
}

int run_score(const ScoreOptions& o, std::ostream& out, std::ostream& err) {
  const auto t0 = Clock::now();
  const unsigned threads =
      o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  const bool show_progress = progress_wanted(o.progress, o.quiet, err);

  // Options that can be checked before any work.
  OutputFormat out_format = OutputFormat::Jsonl;
  if (o.output_format) {
    out_format = *o.output_format;
  } else if (o.output != "-") {
    auto f = output_format_from_name(o.output);
    if (!f) {
      err << fmt::format(
          "retain: cannot tell the output format of {} from its name; use "
          "--format jsonl or csv\n",
          o.output);
      return 1;
    }
    out_format = *f;
  }
  std::string report_kind;
  if (!o.report.empty()) {
    report_kind = extension_of(o.report);
    if (report_kind == "markdown") report_kind = "md";
    if (report_kind == "htm") report_kind = "html";
    if (report_kind != "md" && report_kind != "html") {
      err << fmt::format("retain: --report {}: the report is .md or .html\n", o.report);
      return 1;
    }
  }
  if (o.input.shard.active() && o.input.path == "-") {
    err << "retain: --shard needs an input file (shards are counted in rows of the file)\n";
    return 1;
  }

  RuleSetPtr rules;
  if (auto code = load_rules_reporting(o.rules, o.quiet, &rules, err)) return *code;

  // Population statistics: from a file, or a first pass over the input.
  std::optional<PopulationStats> population;
  std::string stats_source = "not needed (no percentile tiers)";
  std::string pass2_path = o.input.path;
  std::unique_ptr<TempFile> spill;
  std::optional<InputFormat> known_format = o.input.format;
  if (!o.stats.empty()) {
    StatsFile file;
    if (auto code = load_stats_for(*rules, o.stats, o.quiet, &file, err)) return *code;
    population.emplace(std::move(file.columns));
    stats_source = o.stats;
  } else if (needs_population_stats(*rules)) {
    Pass pass1;
    std::string spill_path;
    if (o.input.path == "-") {
      try {
        spill = std::make_unique<TempFile>("retain-spill");
      } catch (const IoError& e) {
        err << "retain: " << e.message << "\n";
        return 1;
      }
      spill_path = spill->path();
    }
    if (auto code = open_pass(o.input, o.input.path, spill_path, {}, !o.quiet, &pass1, err)) {
      return *code;
    }
    known_format = pass1.format;
    StatsFile computed;
    if (auto code = stats_pass(*rules, o.input, pass1, threads, show_progress,
                               "pass 1/2 statistics", &computed, err)) {
      return *code;
    }
    population.emplace(std::move(computed.columns));
    if (spill) {
      pass2_path = spill->path();
      stats_source = "computed from the input (stdin spilled to a temporary file, two passes)";
    } else {
      stats_source = "computed from the input (two passes)";
    }
  }

  // The scoring pass.
  InputOptions in2 = o.input;
  in2.format = known_format;
  if (!in2.format && pass2_path != "-") {
    in2.format = input_format_from_name(o.input.path);
    if (!in2.format) {
      err << fmt::format(
          "retain: cannot tell the format of {} from its name; use "
          "--input-format csv or jsonl\n",
          o.input.path);
      return 1;
    }
  }
  // CSV decisions have no column for texts: rendering them would be work thrown away.
  const bool texts = o.explanations && out_format == OutputFormat::Jsonl;
  if (o.explanations && !texts && !o.quiet) {
    err << "retain: warning: CSV decisions have no columns for labels, because texts or "
           "evidence; --view full and --lang apply to JSON Lines\n";
  }
  ReaderLimits limits;
  limits.chunk_records = chunk_records_for(o.input, texts);
  if (in2.format) {
    if (auto code = resolve_shard(in2, pass2_path, *in2.format, &limits, err)) return *code;
  }
  Pass pass;
  // A first pass for the statistics has listed the ignored columns already.
  const bool first_pass_read = population.has_value() && o.stats.empty();
  if (auto code =
          open_pass(in2, pass2_path, "", limits, !o.quiet && !first_pass_read, &pass, err)) {
    return *code;
  }

  const std::string input_name = display_name(o.input.path);
  const PopulationStats* stats_ptr = population ? &*population : nullptr;
  EvalOptions eval_options;
  eval_options.trace = o.trace;
  eval_options.explanations = texts;
  eval_options.language = o.language;

  try {
    OutputFile output(o.output, &out);
    std::unique_ptr<OutputFile> rejects;
    const bool raw_rejects =
        !o.rejects.empty() && extension_of(o.rejects) == "csv" && pass.format == InputFormat::Csv;
    if (!o.rejects.empty()) {
      rejects = std::make_unique<OutputFile>(o.rejects, nullptr);
      if (raw_rejects && !pass.header_text.empty()) rejects->write(pass.header_text + "\n");
    }
    {
      auto writer = make_decision_writer(out_format, o.json_writer);
      output.write(writer->header());
    }

    // Decisions go from the evaluation frame straight to text, without a v1::Decision
    // (LeanDecisionWriter, FullDecisionWriter); the protobuf JSON writer and the trace need
    // the Decision.
    const bool lean = !texts && !o.trace &&
                      (out_format == OutputFormat::Csv || o.json_writer == JsonEngine::Fast);
    const bool full = texts && !o.trace && o.json_writer == JsonEngine::Fast;
    struct Worker {
      v1::CustomerProfile profile;
      v1::Decision decision;
      eval::EvalFrame frame;
      std::unique_ptr<RowParser> parser;
      std::unique_ptr<DecisionWriter> writer;
      std::unique_ptr<LeanDecisionWriter> lean_writer;
      std::unique_ptr<FullDecisionWriter> full_writer;
      Summary summary;
      std::unique_ptr<FrameSummary> lean_summary;
      std::unique_ptr<lean::Slots> slots;
      lean::Outcome outcome;
      std::size_t output_per_row = 0;
    };
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned w = 0; w < threads; ++w) {
      auto worker = std::make_unique<Worker>();
      worker->parser = std::make_unique<RowParser>(
          pass.format, pass.header ? &*pass.header : nullptr, o.input.json_parser);
      worker->summary = Summary(o.summary);
      if (lean || full) {
        if (lean) worker->lean_writer = std::make_unique<LeanDecisionWriter>(*rules, out_format);
        if (full) worker->full_writer = std::make_unique<FullDecisionWriter>(*rules, o.language);
        worker->lean_summary = std::make_unique<FrameSummary>(*rules, &worker->summary);
        worker->slots = std::make_unique<lean::Slots>(rules->program());
      } else {
        worker->writer = make_decision_writer(out_format, o.json_writer);
      }
      workers.push_back(std::move(worker));
    }

    Summary totals(o.summary);
    totals.read = 0;
    Progress progress(show_progress ? &err : nullptr, pass.bytes->size(),
                      population && o.stats.empty() ? "pass 2/2 scoring" : "scoring");
    std::uint64_t printed_rejects = 0;
    bool too_many = false;

    // A scored row holds ~0.25 KB of CSV and ~0.9 KB of compact JSON with the domain rules,
    // 4-8 KB of JSON with texts; rounded up, as rules and inputs vary.
    const std::size_t row_bytes = texts ? 8704 : 1536;
    const auto result = run_pipeline(
        threads, max_chunks_in_flight(threads, limits.chunk_records * row_bytes),
        [&](std::unique_ptr<Chunk> spare) { return pass.reader->next_chunk(std::move(spare)); },
        [&](Chunk& chunk, unsigned w) {
          Worker& k = *workers[w];
          // Sized from the bytes per row of this worker's last chunk: growing a buffer of
          // hundreds of KB copies it, and a fixed guess was off by a factor of two or three.
          const std::size_t per_row = k.output_per_row > 0
                                          ? k.output_per_row
                                          : (out_format == OutputFormat::Csv ? 96 : 512);
          chunk.output.reserve(chunk.records.size() * per_row);
          Reject reject;
          for (const Record& r : chunk.records) {
            if (!profile_of(*k.parser, chunk, r, &k.profile, &reject)) {
              chunk.rejects.push_back(std::move(reject));
              continue;
            }
            if (lean || full) {
              eval::evaluate(*rules, k.profile, stats_ptr, k.frame);
              k.outcome.read(*k.slots, rules->program(), k.frame);
              if (full) {
                eval::evaluate_render(*rules, k.profile, k.frame);
                k.full_writer->write(k.profile, k.frame, k.outcome, chunk.output);
              } else {
                k.lean_writer->write(k.profile, k.frame, k.outcome, chunk.output);
              }
              k.lean_summary->add(k.profile, k.frame, k.outcome, r.line);
            } else {
              k.decision.Clear();
              decide(*rules, k.profile, stats_ptr, k.frame, &k.decision, eval_options);
              k.writer->write(k.decision, chunk.output);
              k.summary.add(k.decision, k.profile, r.line);
            }
            ++chunk.scored;
          }
          if (!chunk.records.empty()) {
            k.output_per_row = chunk.output.size() / chunk.records.size() + 16;
          }
        },
        [&](Chunk& chunk) {
          totals.read += chunk.records.size();
          totals.scored += chunk.scored;
          totals.rejected += chunk.rejects.size();
          output.write(chunk.output);
          for (const Reject& r : chunk.rejects) {
            totals.add_reject(r);
            if (rejects) write_reject(*rejects, raw_rejects, r);
            if (!o.quiet && printed_rejects < o.rejects_on_stderr) {
              progress.clear();
              err << fmt::format("{}:{}: rejected: {}{}\n", input_name, r.line,
                                 r.field.empty() ? "" : r.field + ": ", r.reason);
            }
            ++printed_rejects;
          }
          progress.update(totals.read, chunk.input_bytes_end);
          if (o.max_rejects && totals.rejected > *o.max_rejects) {
            too_many = true;
            return false;
          }
          return true;
        });
    progress.clear();
    if (result.error) {
      err << "retain: " << result.error->message << "; no output written\n";
      return 1;
    }
    if (too_many) {
      if (rejects) rejects->commit();
      err << fmt::format(
          "retain: aborted: {} rows rejected, more than --max-rejects {}; no "
          "output written{}\n",
          totals.rejected, *o.max_rejects,
          rejects ? fmt::format(" (rejects so far in {})", o.rejects) : "");
      return 2;
    }
    if (!o.quiet && printed_rejects > o.rejects_on_stderr) {
      err << fmt::format("... and {} more rejected rows{}\n", printed_rejects - o.rejects_on_stderr,
                         rejects ? fmt::format(" (all in {})", o.rejects) : "");
    }
    totals.blank_lines = pass.reader->blank_lines();
    for (const auto& w : workers) {
      if (w->lean_summary) w->lean_summary->flush();
      totals.merge(w->summary);
    }
    if (totals.read != totals.scored + totals.rejected || totals.decisions != totals.scored) {
      err << fmt::format("retain: internal error: read {} != scored {} + rejected {}\n",
                         totals.read, totals.scored, totals.rejected);
      return 2;
    }
    output.commit();
    if (rejects) rejects->commit();
    const double secs = seconds_since(t0);
    if (!o.report.empty()) {
      ReportInfo info;
      info.ruleset_name = rules->name();
      info.ruleset_version = rules->version();
      info.ruleset_hash = rules->content_hash();
      info.input = input_name;
      info.output = o.output == "-" ? "stdout" : o.output;
      info.rejects_path = o.rejects;
      info.stats_source = stats_source;
      if (o.input.shard.active()) {
        info.shard = fmt::format("{}/{}", o.input.shard.index, o.input.shard.count);
      }
      info.threads = threads;
      info.seconds = secs;
      info.finished_at = now_utc();
      write_file_atomic(o.report, report_kind == "md" ? render_report_markdown(totals, info)
                                                      : render_report_html(totals, info));
    }
    if (!o.quiet) {
      err << fmt::format(
          "retain score: read {} rows = {} scored + {} rejected; {:.2f} s, {} "
          "rows/s\n",
          thousands(totals.read), thousands(totals.scored), thousands(totals.rejected), secs,
          thousands(secs > 0 ? static_cast<std::uint64_t>(totals.read / secs) : 0));
    }
  } catch (const IoError& e) {
    err << "retain: " << e.message << "; no output written\n";
    return 1;
  }
  return 0;
}

int run_stats(const StatsOptions& o, std::ostream& out, std::ostream& err) {
  const unsigned threads =
      o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  StatsFile result;
  if (!o.merge.empty()) {
    std::vector<StatsFile> parts(o.merge.size());
    for (std::size_t i = 0; i < o.merge.size(); ++i) {
      std::string error;
      if (!load_stats_file(o.merge[i], &parts[i], &error)) {
        err << "retain: " << error << "\n";
        return 1;
      }
    }
    std::string error;
    if (!merge_stats_files(parts, &result, &error)) {
      err << "retain: " << error << "\n";
      return 1;
    }
  } else {
    RuleSetPtr rules;
    if (auto code = load_rules_reporting(o.rules, o.quiet, &rules, err)) return *code;
    if (!needs_population_stats(*rules) && !o.quiet) {
      err << "retain: warning: the rules have no percentile tiers (`rank`); the statistics "
             "file will be empty\n";
    }
    ReaderLimits limits;
    if (o.input.shard.active()) {
      auto format = o.input.format ? o.input.format : input_format_from_name(o.input.path);
      if (!format) {
        err << fmt::format(
            "retain: cannot tell the format of {} from its name; use "
            "--input-format csv or jsonl\n",
            o.input.path);
        return 1;
      }
      if (auto code = resolve_shard(o.input, o.input.path, *format, &limits, err)) return *code;
    }
    Pass pass;
    if (auto code = open_pass(o.input, o.input.path, "", limits, !o.quiet, &pass, err)) {
      return *code;
    }
    if (auto code =
            stats_pass(*rules, o.input, pass, threads, progress_wanted(o.progress, o.quiet, err),
                       "statistics", &result, err)) {
      return *code;
    }
    result.source = display_name(o.input.path);
    if (o.input.shard.active()) {
      result.source += fmt::format(" shard {}/{}", o.input.shard.index, o.input.shard.count);
    }
  }
  try {
    const std::string text = render_stats_file(result);
    if (o.output == "-") {
      out << text << std::flush;
    } else {
      write_file_atomic(o.output, text);
    }
  } catch (const IoError& e) {
    err << "retain: " << e.message << "\n";
    return 1;
  }
  if (!o.quiet) {
    std::string columns;
    for (const auto& [id, values] : result.columns) {
      columns += fmt::format("{}{} ({} values)", columns.empty() ? "" : ", ", id,
                             thousands(values.size()));
    }
    err << fmt::format("retain stats: {} rows; {}\n", thousands(result.rows),
                       columns.empty() ? "no percentile tiers" : columns);
  }
  return 0;
}

}  // namespace retain::batch
