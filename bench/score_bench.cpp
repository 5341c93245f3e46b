// Throughput of `retain score` end to end (CSV in, JSON Lines out, all stages: read, parse,
// evaluate, render, write) beside the time to only read and parse the same file, so that
// scoring's share is a ratio. Rows: RETAIN_BENCH_ROWS (default 1,000,000), generated from
// examples/customers.csv (ids made unique) into a temporary file. Threads: RETAIN_BENCH_THREADS
// (default 2). Output goes to a discarding stream. Figures: bench/README.md, "Batch".
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <streambuf>

#include "batch/io.hpp"
#include "batch/pipeline.hpp"
#include "batch/profile_from_row.hpp"
#include "batch/record_reader.hpp"
#include "batch/runner.hpp"
#include "engine/engine.hpp"

namespace {

using namespace retain;
using namespace retain::batch;

std::size_t env_size(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

const std::size_t kRows = env_size("RETAIN_BENCH_ROWS", 1000000);
const unsigned kThreads = static_cast<unsigned>(env_size("RETAIN_BENCH_THREADS", 2));

struct Fixture {
  std::string dir;
  std::string csv;
  std::string stats;
  Fixture() {
    dir =
        (std::filesystem::temp_directory_path() / fmt::format("retain-score-bench-{}", ::getpid()))
            .string();
    std::filesystem::create_directories(dir);
    csv = dir + "/customers.csv";
    std::ifstream in(std::string(RETAIN_SOURCE_DIR) + "/examples/customers.csv");
    std::string header, line;
    std::getline(in, header);
    std::vector<std::string> rows;
    while (std::getline(in, line)) {
      if (!line.empty()) rows.push_back(line.substr(line.find(',')));
    }
    if (rows.empty()) throw std::runtime_error("examples/customers.csv is missing or empty");
    std::ofstream out(csv);
    out << header << "\n";
    for (std::size_t i = 0; i < kRows; ++i)
      out << fmt::format("B{:08}", i) << rows[i % rows.size()] << "\n";
    out.close();
    stats = dir + "/stats.json";
    StatsOptions s;
    s.rules = {std::string(RETAIN_SOURCE_DIR) + "/rules"};
    s.input.path = csv;
    s.output = stats;
    s.quiet = true;
    s.threads = kThreads;
    std::ostringstream o, e;
    if (run_stats(s, o, e) != 0) throw std::runtime_error("retain stats failed: " + e.str());
  }
  ~Fixture() { std::filesystem::remove_all(dir); }
};

// Reads the file once so that the page cache holds it: the figures are CPU, not disk.
void warm(const std::string& path) {
  ByteSource source(path);
  std::vector<char> buffer(1 << 20);
  while (source.read(buffer.data(), buffer.size()) > 0) {
  }
}

Fixture& fixture() {
  static Fixture f;
  warm(f.csv);
  return f;
}

// CPU time of the whole process (every thread), user + system. On a machine shared with other
// builds the wall-clock rate follows the cores left free; CPU per row barely does.
double process_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

void set_counters(benchmark::State& state, double cpu_seconds) {
  state.counters["rows_per_s"] =
      benchmark::Counter(static_cast<double>(kRows), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["cpu_us_per_row"] =
      benchmark::Counter(1e6 * cpu_seconds / static_cast<double>(kRows * state.iterations()));
}

class NullBuffer : public std::streambuf {
 protected:
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
  int overflow(int c) override { return c; }
};

// Read, split and parse every row into a CustomerProfile on kThreads workers: the floor.
void BM_ReadAndParseCsv(benchmark::State& state) {
  Fixture& f = fixture();
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    ByteSource source(f.csv);
    RecordReader reader(source, InputFormat::Csv);
    std::string error;
    auto header = CsvHeader::parse(*reader.read_header(), false, &error);
    std::vector<std::unique_ptr<CsvRowParser>> parsers;
    std::vector<v1::CustomerProfile> profiles(kThreads);
    for (unsigned w = 0; w < kThreads; ++w)
      parsers.push_back(std::make_unique<CsvRowParser>(*header));
    std::atomic<std::uint64_t> ok{0};
    run_pipeline(
        kThreads, 4 * kThreads + 4, [&] { return reader.next_chunk(); },
        [&](Chunk& c, unsigned w) {
          std::uint64_t n = 0;
          for (const auto& r : c.records) {
            RowError e;
            n += parsers[w]->parse(c.text(r), &profiles[w], &e);
          }
          ok += n;
        },
        [](Chunk&) { return true; });
    if (ok != kRows) state.SkipWithError("rows lost");
  }
  set_counters(state, process_cpu_seconds() - cpu0);
}

// `retain score` with precomputed statistics (one pass), CSV in, JSON Lines or CSV out;
// compact decisions unless `full` (`--view full`: labels, because texts, evidence).
void score(benchmark::State& state, const char* format, bool with_stats, bool full = false) {
  Fixture& f = fixture();
  NullBuffer null;
  std::ostream out(&null);
  const double cpu0 = process_cpu_seconds();
  for (auto _ : state) {
    ScoreOptions o;
    o.rules = {std::string(RETAIN_SOURCE_DIR) + "/rules"};
    o.input.path = f.csv;
    o.output = "-";
    o.output_format = output_format_from_name(format);
    if (with_stats) o.stats = f.stats;
    o.threads = kThreads;
    o.quiet = true;
    o.explanations = full;
    std::ostringstream err;
    if (run_score(o, out, err) != 0) state.SkipWithError(err.str().c_str());
  }
  set_counters(state, process_cpu_seconds() - cpu0);
}

// `retain score --stats`, the default (compact) view: issue #5's goal.
void BM_ScoreCsvToJsonl(benchmark::State& state) {
  score(state, "jsonl", true);
}
void BM_ScoreCsvToCsv(benchmark::State& state) {
  score(state, "csv", true);
}
void BM_ScoreCsvToJsonlTwoPasses(benchmark::State& state) {
  score(state, "jsonl", false);
}
// `retain score --view full`.
void BM_ScoreCsvToJsonlFull(benchmark::State& state) {
  score(state, "jsonl", true, true);
}

BENCHMARK(BM_ReadAndParseCsv)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
BENCHMARK(BM_ScoreCsvToJsonl)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
BENCHMARK(BM_ScoreCsvToCsv)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
BENCHMARK(BM_ScoreCsvToJsonlTwoPasses)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
BENCHMARK(BM_ScoreCsvToJsonlFull)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
