// retain backtest: the passes over the history and the tallies; metrics in backtest_metrics.
#include "analyst/backtest.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "batch/input_pass.hpp"
#include "batch/io.hpp"
#include "batch/jsonl_reader.hpp"
#include "batch/pipeline.hpp"
#include "batch/profile_from_row.hpp"
#include "batch/record_reader.hpp"
#include "batch/stats_file.hpp"

namespace retain::analyst {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kFirstRejectsKept = 20;

// A label column that is also a profile column would feed the outcome to the rules (or hide it
// from them): refuse it rather than guess which was meant.
bool names_profile_field(const std::string& name) {
  const auto* d = v1::CustomerProfile::descriptor();
  return d->FindFieldByName(name) != nullptr || d->FindFieldByCamelcaseName(name) != nullptr ||
         name.rfind("metrics.", 0) == 0 || name.rfind("attributes.", 0) == 0;
}

// The signals measured and where each decision's ids land among them.
struct SignalIndex {
  std::vector<SignalResult> signals;
  std::unordered_map<std::string, std::size_t> cause, tactic, segment;
  std::unordered_map<std::string, std::unordered_map<std::string, std::size_t>> band;
  // Rule or tiers id -> the signals left undecided when it is listed among the unknowns.
  std::unordered_map<std::string, std::vector<std::size_t>> undecided;

  explicit SignalIndex(const compile::RuleSet& rules) {
    const auto& p = rules.program();
    auto add = [&](SignalKind kind, const std::string& id,
                   std::unordered_map<std::string, std::size_t>& map) {
      map.emplace(id, signals.size());
      undecided[id].push_back(signals.size());
      signals.push_back({kind, id, {}});
    };
    for (const auto& r : p.causes) add(SignalKind::Cause, r.id, cause);
    for (const auto& r : p.tactics) add(SignalKind::Tactic, r.id, tactic);
    for (const auto& r : p.segments) add(SignalKind::Segment, r.id, segment);
    for (const auto& t : p.tiers) {
      auto& bands = band[t.id];
      for (const auto& b : t.bands) {
        bands.emplace(b.id, signals.size());
        undecided[t.id].push_back(signals.size());
        signals.push_back({SignalKind::Band, t.id + "=" + b.id, {}});
      }
    }
  }
};

// One worker's counts; merged at the end, so the totals do not depend on the thread count.
struct Tally {
  std::vector<SignalCounts> counts;
  std::vector<Scored> scored;
  std::uint64_t churned = 0;

  void add(const SignalIndex& index, const v1::Decision& d, bool label) {
    auto hit = [&](std::size_t i) {
      ++counts[i].fired;
      if (label) ++counts[i].fired_churned;
    };
    auto find = [](const auto& map, const std::string& id, auto&& then) {
      const auto it = map.find(id);
      if (it != map.end()) then(it->second);
    };
    for (const auto& c : d.causes()) find(index.cause, c.id(), hit);
    for (const auto& t : d.tactics()) find(index.tactic, t.id(), hit);
    for (const auto& s : d.segments()) find(index.segment, s.id(), hit);
    for (const auto& b : d.bands()) {
      const auto t = index.band.find(b.tiers());
      if (t != index.band.end()) find(t->second, b.band(), hit);
    }
    for (const auto& u : d.unknowns()) {
      const auto it = index.undecided.find(u.rule());
      if (it == index.undecided.end()) continue;
      for (std::size_t i : it->second) ++counts[i].undecided;
    }
    scored.emplace_back(d.churn_risk(), label);
    if (label) ++churned;
  }
  void merge(const Tally& other) {
    for (std::size_t i = 0; i < counts.size(); ++i) {
      counts[i].fired += other.counts[i].fired;
      counts[i].fired_churned += other.counts[i].fired_churned;
      counts[i].undecided += other.counts[i].undecided;
    }
    scored.insert(scored.end(), other.scored.begin(), other.scored.end());
    churned += other.churned;
  }
};

// A pass over the input as `retain score` opens it, with the label as a column of its own.
// warn_ignored: list the ignored columns, which only the first pass over the input should do.
std::optional<int> open_source(const BacktestOptions& o, const std::string& path,
                               const std::string& spill_to, bool warn_ignored, batch::Pass* pass,
                               std::size_t* label_column, std::ostream& err) {
  batch::PassOptions options;
  options.spill_to = spill_to;
  options.limits.chunk_records = batch::chunk_records_for(o.input, false);
  options.warn_ignored = warn_ignored && !o.quiet;
  options.extra = {o.label};
  options.nothing = "nothing was read";
  if (auto code = batch::open_pass(o.input, path, options, pass, err)) return code;
  if (pass->format != batch::InputFormat::Csv || pass->header_text.empty()) return std::nullopt;
  const auto column = pass->header->find(o.label);
  if (!column) {
    err << fmt::format(
        "{}:{}: error: no label column '{}' in the header; name it with --label; nothing "
        "was read\n",
        batch::display_name(o.input.path), pass->header_line, o.label);
    return 1;
  }
  *label_column = *column;
  return std::nullopt;
}

// Per-worker: record -> profile and label, or a reject.
class RowReader {
 public:
  RowReader(const batch::Pass& pass, std::size_t label_column, const std::string& label)
      : label_name_(label),
        parser_(pass.format, pass.header ? &*pass.header : nullptr,
                batch::JsonRowParser::Engine::Simdjson),
        label_column_(label_column) {
    if (parser_.json) parser_.json->set_extra_fields({label});
  }

  bool read(const batch::Chunk& chunk, const batch::Record& r, v1::CustomerProfile* profile,
            bool* label, batch::Reject* reject) {
    if (!batch::profile_of(parser_, chunk, r, profile, reject)) return false;
    std::optional<std::string_view> text;
    if (parser_.csv) {
      text = parser_.csv->cell(label_column_);
    } else if (parser_.json->extra(0)) {
      text = *parser_.json->extra(0);
    }
    if (!text || text->find_first_not_of(" \t") == std::string_view::npos) {
      return fail(chunk, r, label_name_, "the label is missing", reject);
    }
    if (!batch::parse_flag(*text, label)) {
      return fail(chunk, r, label_name_,
                  fmt::format("'{}' is not a label (1/0, true/false, yes/no)", *text), reject);
    }
    return true;
  }

 private:
  static bool fail(const batch::Chunk& chunk, const batch::Record& r, std::string field,
                   std::string reason, batch::Reject* reject) {
    *reject =
        batch::Reject{r.line, std::move(field), std::move(reason), std::string(chunk.text(r))};
    return false;
  }

  std::string label_name_;
  batch::RowParser parser_;
  std::size_t label_column_ = 0;
};

}  // namespace

const char* signal_kind_name(SignalKind kind) {
  switch (kind) {
    case SignalKind::Cause:
      return "cause";
    case SignalKind::Tactic:
      return "tactic";
    case SignalKind::Segment:
      return "segment";
    case SignalKind::Band:
      return "band";
  }
  return "?";
}

std::vector<const SignalResult*> ranked(const BacktestResult& result, SignalKind kind,
                                        Verdict verdict) {
  std::vector<const SignalResult*> out;
  for (const auto& s : result.signals) {
    if (s.kind == kind && s.metrics.verdict == verdict) out.push_back(&s);
  }
  auto key = [verdict](const SignalResult* s) {
    switch (verdict) {
      case Verdict::Predictive:
        return s->metrics.lift_ci.low;
      case Verdict::Noise:
        return s->metrics.lift;
      case Verdict::TooRare:
        return static_cast<double>(s->metrics.counts.fired);
    }
    return 0.0;
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const SignalResult* a, const SignalResult* b) { return key(a) > key(b); });
  return out;
}

int run_backtest(const compile::RuleSet& rules, const BacktestOptions& o, BacktestResult* result,
                 std::ostream& err) {
  const auto t0 = Clock::now();
  const unsigned threads =
      o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  if (o.label.empty()) {
    err << "retain: --label must name a column\n";
    return 1;
  }
  if (names_profile_field(o.label)) {
    err << fmt::format(
        "retain: --label {}: that is a profile field, so the rules would read the outcome; "
        "give the label a column of its own\n",
        o.label);
    return 1;
  }
  if (o.input.json_parser != batch::JsonRowParser::Engine::Simdjson) {
    err << "retain: backtest reads JSON lines with simdjson only\n";
    return 1;
  }

  // Population statistics: from a file, or a first pass over the input (as retain score).
  std::optional<PopulationStats> population;
  std::string stats_source = "not needed (no percentile tiers)";
  std::string pass2_path = o.input.path;
  std::unique_ptr<batch::TempFile> spill;
  BacktestOptions o2 = o;
  bool two_passes = false;
  if (!o.stats.empty()) {
    batch::StatsFile file;
    if (auto code = batch::load_stats_for(rules, o.stats, o.quiet, &file, err)) return *code;
    population.emplace(std::move(file.columns));
    stats_source = o.stats;
  } else if (batch::needs_population_stats(rules)) {
    std::string spill_path;
    if (o.input.path == "-") {
      try {
        spill = std::make_unique<batch::TempFile>("retain-spill");
      } catch (const batch::IoError& e) {
        err << "retain: " << e.message << "\n";
        return 1;
      }
      spill_path = spill->path();
    }
    two_passes = true;
    batch::Pass pass1;
    std::size_t label_column = 0;
    if (auto code = open_source(o, o.input.path, spill_path, true, &pass1, &label_column, err)) {
      return *code;
    }
    // The second pass must read the spill in the format the first one found.
    o2.input.format = pass1.format;
    // Only the rows the backtest will use: a valid profile and a valid label.
    batch::StatsFile computed;
    if (auto code = batch::stats_pass(
            rules, pass1, threads,
            [&]() -> batch::RowReaderFn {
              auto reader = std::make_shared<RowReader>(pass1, label_column, o.label);
              return [reader](const batch::Chunk& chunk, const batch::Record& r,
                              v1::CustomerProfile* profile) {
                bool label = false;
                batch::Reject reject;
                return reader->read(chunk, r, profile, &label, &reject);
              };
            },
            {}, &computed, err)) {
      return *code;
    }
    population.emplace(std::move(computed.columns));
    if (spill) pass2_path = spill->path();
    stats_source = spill ? "computed from the input (stdin spilled to a temporary file)"
                         : "computed from the input (a first pass)";
  }

  batch::Pass source;
  std::size_t label_column = 0;
  if (auto code = open_source(o2, pass2_path, "", !two_passes, &source, &label_column, err)) {
    return *code;
  }

  BacktestResult& r = *result;
  r = BacktestResult{};
  r.ruleset_name = rules.name();
  r.ruleset_version = rules.version();
  r.ruleset_hash = rules.content_hash();
  r.input = batch::display_name(o.input.path);
  r.label = o.label;
  r.stats_source = stats_source;
  r.threshold = o.threshold;
  r.min_support = o.min_support;
  r.threads = threads;

  const SignalIndex index(rules);
  const PopulationStats* stats = population ? &*population : nullptr;
  EvalOptions lean;
  lean.explanations = false;

  struct Worker {
    std::unique_ptr<RowReader> reader;
    v1::CustomerProfile profile;
    v1::Decision decision;
    eval::EvalFrame frame;
    Tally tally;
  };
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned w = 0; w < threads; ++w) {
    auto worker = std::make_unique<Worker>();
    worker->reader = std::make_unique<RowReader>(source, label_column, o.label);
    worker->tally.counts.resize(index.signals.size());
    workers.push_back(std::move(worker));
  }

  try {
    std::unique_ptr<batch::OutputFile> rejects;
    const bool raw_rejects = !o.rejects.empty() && batch::extension_of(o.rejects) == "csv" &&
                             source.format == batch::InputFormat::Csv;
    if (!o.rejects.empty()) {
      rejects = std::make_unique<batch::OutputFile>(o.rejects, nullptr);
      if (raw_rejects && !source.header_text.empty()) rejects->write(source.header_text + "\n");
    }
    std::uint64_t printed = 0;
    const auto run = batch::run_pipeline(
        threads, 4 * threads + 4, [&] { return source.reader->next_chunk(); },
        [&](batch::Chunk& chunk, unsigned w) {
          Worker& k = *workers[w];
          batch::Reject reject;
          bool label = false;
          for (const batch::Record& rec : chunk.records) {
            if (!k.reader->read(chunk, rec, &k.profile, &label, &reject)) {
              chunk.rejects.push_back(std::move(reject));
              continue;
            }
            k.decision.Clear();
            decide(rules, k.profile, stats, k.frame, &k.decision, lean);
            k.tally.add(index, k.decision, label);
            ++chunk.scored;
          }
        },
        [&](batch::Chunk& chunk) {
          r.read += chunk.records.size();
          r.used += chunk.scored;
          r.rejected += chunk.rejects.size();
          for (const auto& rej : chunk.rejects) {
            if (rejects) batch::write_reject(*rejects, raw_rejects, rej);
            if (!o.quiet && printed < o.rejects_on_stderr) {
              err << fmt::format("{}:{}: rejected: {}{}\n", r.input, rej.line,
                                 rej.field.empty() ? "" : rej.field + ": ", rej.reason);
            }
            ++printed;
            if (r.first_rejects.size() < kFirstRejectsKept) r.first_rejects.push_back(rej);
          }
          return true;
        });
    if (run.error) {
      err << "retain: " << run.error->message << "\n";
      return 1;
    }
    if (!o.quiet && printed > o.rejects_on_stderr) {
      err << fmt::format("... and {} more rejected rows{}\n", printed - o.rejects_on_stderr,
                         rejects ? fmt::format(" (all in {})", o.rejects) : "");
    }
    if (rejects) rejects->commit();
  } catch (const batch::IoError& e) {
    err << "retain: " << e.message << "\n";
    return 1;
  }
  r.blank_lines = source.reader->blank_lines();

  Tally total;
  total.counts.resize(index.signals.size());
  for (const auto& w : workers) total.merge(w->tally);
  if (r.read != r.used + r.rejected || total.scored.size() != r.used) {
    err << fmt::format("retain: internal error: read {} != used {} + rejected {}\n", r.read, r.used,
                       r.rejected);
    return 2;
  }
  if (r.used == 0) {
    err << fmt::format("retain: {}: no usable row ({} read, {} rejected); nothing to measure\n",
                       r.input, r.read, r.rejected);
    return 1;
  }
  r.churned = total.churned;
  r.base_rate = static_cast<double>(r.churned) / static_cast<double>(r.used);
  r.signals = index.signals;
  for (std::size_t i = 0; i < r.signals.size(); ++i) {
    r.signals[i].metrics = signal_metrics(total.counts[i], r.used, r.churned, o.min_support);
  }

  // Workers take chunks in any order; sorting first makes the floating-point sums below (and
  // so the report) independent of the thread count and scheduling. The gains table and the AUC
  // read the same ascending order.
  std::sort(total.scored.begin(), total.scored.end());
  SignalCounts above;
  double risk_churned = 0, risk_stayed = 0;
  for (const auto& [risk, label] : total.scored) {
    (label ? risk_churned : risk_stayed) += risk;
    if (risk >= o.threshold) {
      ++above.fired;
      if (label) ++above.fired_churned;
    }
  }
  r.at_threshold = signal_metrics(above, r.used, r.churned, o.min_support);
  if (r.churned) r.mean_risk_churned = risk_churned / static_cast<double>(r.churned);
  if (r.used > r.churned)
    r.mean_risk_stayed = risk_stayed / static_cast<double>(r.used - r.churned);
  r.gains = gains_table(total.scored);
  r.auc = roc_auc(total.scored);
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return 0;
}

}  // namespace retain::analyst
