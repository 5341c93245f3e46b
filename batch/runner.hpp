// `retain score` and `retain stats` as library calls: options in, exit code out, messages on
// the given error stream. The verbs in cli/ only parse arguments into these options.
// Exit codes: 0 ok, 1 usage or I/O error (including a CSV header error), 2 rule errors or too
// many rejected rows. Formats and behaviour: docs/batch.md.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "batch/decision_writer.hpp"
#include "batch/jsonl_reader.hpp"
#include "batch/record_reader.hpp"
#include "batch/summary.hpp"

namespace retain::batch {

// `--shard i/N`: the i-th (0-based) of N contiguous, nearly equal runs of data rows.
struct ShardSpec {
  std::uint32_t index = 0;
  std::uint32_t count = 1;
  bool active() const { return count > 1; }
};
// Parses "i/N" (0 <= i < N); false with a message otherwise.
bool parse_shard(const std::string& text, ShardSpec* shard, std::string* error);
// Data rows [first, last) of shard `s` among `total` rows.
void shard_range(const ShardSpec& s, std::uint64_t total, std::uint64_t* first,
                 std::uint64_t* last);

std::optional<InputFormat> input_format_from_name(const std::string& name_or_path);
std::optional<OutputFormat> output_format_from_name(const std::string& name_or_path);

struct InputOptions {
  std::string path = "-";               // "-" = stdin
  std::optional<InputFormat> format;    // from the extension or sniffed on stdin
  bool ignore_unknown_columns = false;  // CSV: skip unknown columns instead of failing
  JsonRowParser::Engine json_parser = JsonRowParser::Engine::Simdjson;
  ShardSpec shard;
  std::size_t chunk_records = 0;  // rows per unit of work; 0: chunk_records_for() decides
};

// The rows per chunk `input` asks for, or else 1024, or 128 when each row's output is a
// decision with labels, because texts and evidence: 4–8 KB against ~1 KB compact, and 4 × threads
// + 4 chunks are in flight (chunks of 1024 such rows held 8 MB each, 157 MB resident on two
// threads); 128 rows keep a chunk's output near 1 MB.
std::size_t chunk_records_for(const InputOptions& input, bool texts);

struct ScoreOptions {
  std::vector<std::string> rules;
  InputOptions input;
  std::string output = "-";
  std::optional<OutputFormat> output_format;  // from the extension of output; JSONL for "-"
  JsonEngine json_writer = JsonEngine::Fast;
  std::string rejects;                       // "" = none
  std::optional<std::uint64_t> max_rejects;  // abort when more rows than this are rejected
  std::string report;                        // "" = none; .md or .html
  std::string stats;                         // "" = compute when the rules need it
  unsigned threads = 0;                      // 0 = all cores
  bool quiet = false;
  std::optional<bool> progress;  // default: when stderr is a terminal
  bool trace = false;
  // Labels, because texts and evidence in each JSON decision (`--view full`). Off by default:
  // they make a decision ~5 times larger and scoring ~2.5 times slower, and a bulk job routes
  // customers by ids (the report and `retain explain` are for reading). CSV never has them.
  bool explanations = false;
  std::string language;  // "" = texts in every language; else EvalOptions.language
  SummaryOptions summary;
  std::size_t rejects_on_stderr = 20;
};

struct StatsOptions {
  std::vector<std::string> rules;
  InputOptions input;
  std::vector<std::string> merge;  // merge these stats files instead of reading input
  std::string output = "-";
  unsigned threads = 0;
  bool quiet = false;
  std::optional<bool> progress;
};

int run_score(const ScoreOptions& options, std::ostream& out, std::ostream& err);
int run_stats(const StatsOptions& options, std::ostream& out, std::ostream& err);

// For other batch-like verbs (retain backtest) that read inputs as `retain score` does.
// The input format: the option, the extension, or on stdin the first non-blank byte (`{` is
// JSON Lines). Nothing (with a message on err) when a file's name does not tell.
std::optional<InputFormat> resolve_input_format(const InputOptions& in, ByteSource& source,
                                                std::ostream& err);
// One rejected row in a rejects file: the original record (raw, for CSV input into a .csv
// file) or a JSON object {"line","field","reason","text"}.
void write_reject(OutputFile& file, bool raw, const Reject& r);

}  // namespace retain::batch
