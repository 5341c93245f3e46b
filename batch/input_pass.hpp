// One pass over the input of a batch-like verb (`retain score`, `retain stats`, `retain
// backtest`): the bytes (stdin may be teed to a spill file for a second pass), the records,
// and the CSV header; and the statistics pass that percentile tiers need before scoring.
// The verbs differ only in the columns they take besides the profile (the backtest's label)
// and in which rows count (the backtest leaves out rows whose label is bad).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "batch/chunk.hpp"
#include "batch/io.hpp"
#include "batch/jsonl_reader.hpp"
#include "batch/profile_from_row.hpp"
#include "batch/record_reader.hpp"
#include "batch/runner.hpp"
#include "batch/stats_file.hpp"
#include "engine/engine.hpp"

namespace retain::batch {

// How messages name an input path: "stdin" for "-".
std::string display_name(const std::string& path);

// Whether the rules have percentile tiers, which rank customers against the population.
bool needs_population_stats(const compile::RuleSet& rules);

struct Pass {
  std::unique_ptr<ByteSource> bytes;
  std::unique_ptr<RecordReader> reader;
  std::optional<CsvHeader> header;  // CSV only; an empty header for an empty input
  std::string header_text;
  std::uint64_t header_line = 0;  // its line number, for messages
  InputFormat format = InputFormat::Jsonl;
};

struct PassOptions {
  std::string spill_to;            // "" = none; else a copy of the bytes read (stdin)
  ReaderLimits limits;             // chunk size, shard range
  bool warn_ignored = true;        // list ignored CSV columns on err
  std::vector<std::string> extra;  // CSV columns the caller reads besides the profile
  std::string_view nothing = "no row was scored";  // ends a header error message
};

// Opens `path` (the input, or the spill of stdin) and reads the CSV header. Returns an exit
// code on failure, with the message on err.
std::optional<int> open_pass(const InputOptions& in, const std::string& path,
                             const PassOptions& options, Pass* pass, std::ostream& err);

// Per-worker row parsing, CSV or JSON Lines.
struct RowParser {
  std::unique_ptr<CsvRowParser> csv;
  std::unique_ptr<JsonRowParser> json;

  RowParser(InputFormat format, const CsvHeader* header, JsonRowParser::Engine engine);
  bool parse(const Chunk& c, const Record& r, v1::CustomerProfile* p, RowError* e);
};

// Parses a row and checks it with validate_profile; false with the reject filled in.
bool profile_of(RowParser& parser, const Chunk& chunk, const Record& r,
                v1::CustomerProfile* profile, Reject* reject);

// Turns one record into a profile; false when the row does not count (a reject). One per
// worker, so it may keep state between rows.
using RowReaderFn = std::function<bool(const Chunk&, const Record&, v1::CustomerProfile*)>;

// The row reader of `retain score`: parse the record, then validate_profile.
RowReaderFn profile_reader(const Pass& pass, JsonRowParser::Engine engine);

// A progress display, both optional: update(records, input bytes) after each chunk, clear()
// when the pass ends, before any message.
struct PassProgress {
  std::function<void(std::uint64_t, std::uint64_t)> update;
  std::function<void()> clear;
};

// Reads a statistics file (`--stats`) for `rules`: the file must hold every percentile tiers
// of the rules; computed with another rule set, it is used with a warning (unless quiet).
// Returns an exit code on failure, the message written to err.
std::optional<int> load_stats_for(const compile::RuleSet& rules, const std::string& path,
                                  bool quiet, StatsFile* file, std::ostream& err);

// Computes the population statistics over one pass, from the rows `make_reader()`'s readers
// accept. Returns an exit code on failure.
std::optional<int> stats_pass(const compile::RuleSet& rules, Pass& pass, unsigned threads,
                              const std::function<RowReaderFn()>& make_reader,
                              const PassProgress& progress, StatsFile* stats, std::ostream& err);

}  // namespace retain::batch
