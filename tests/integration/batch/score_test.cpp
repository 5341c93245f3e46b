// End-to-end tests of `retain score` / `retain stats` on real files in a temporary directory:
// in-process through batch::run_score, and through the `retain` binary for stdin/stdout pipes.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "batch/decision_writer.hpp"
#include "batch/profile_from_row.hpp"
#include "batch/runner.hpp"
#include "batch/stats_file.hpp"
#include "engine/engine.hpp"

namespace retain::batch {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRules = R"(ruleset batch_test version "1"

cause QUALITY_UNSTABLE {
  label en "Unstable quality" zh "质量不稳定"
  weight 0.4
  when quality_complaints_90d >= 3
  because en "{quality_complaints_90d} quality complaints"
}

cause COMPETITOR_TEMPTATION {
  label en "Tempted by a rival offer"
  weight 0.5
  when competitor_offer_seen and price_sensitivity > 0.7
}

tactic QUALITY_MARKETING {
  label en "Make quality the selling point"
  answers QUALITY_UNSTABLE
  priority 2
}

tactic REDUCE_CUSTOMER_COST {
  label en "Lower the customer's cost"
  answers COMPETITOR_TEMPTATION
  priority 1
  cooldown 30 days
}

segment KEY_ACCOUNT {
  label en "Key account"
  when is_key_account
}

credit_check CREDIT_NEW_CUSTOMER {
  label en "First transaction"
  when orders_lifetime == 0
}

tiers PYRAMID {
  label en "Customer pyramid"
  rank revenue_12m
  fallback revenue_rank_pct
  sets tier
  band VIP      top 1%
  band MAJOR    top 5%
  band ORDINARY top 20%
  band SMALL    rest
}
)";

// The same without percentile tiers: one pass, no statistics.
constexpr const char* kRulesNoRank = R"(ruleset batch_plain version "1"

cause QUALITY_UNSTABLE {
  label en "Unstable quality"
  weight 0.4
  when quality_complaints_90d >= 3
}

tiers SIZE {
  label en "Size"
  by revenue_12m
  sets tier
  band BIG at_least 1000000
  band SMALL rest
}
)";

constexpr const char* kHeader =
    "customer_id,revenue_12m,quality_complaints_90d,competitor_offer_seen,price_sensitivity,"
    "is_key_account,orders_lifetime,consumption_level,metrics.nps,attributes.note,recent_actions";

// Row i of the generated population: distinct revenues, a mix of causes.
std::string row(int i) {
  const bool tempted = i % 5 == 0;
  return fmt::format("C{:05},{},{},{},{},{},{},{},{},{},{}", i, (i * 7919) % 100003 + 0.5, i % 4,
                     tempted ? "true" : "false", tempted ? "0.9" : "", i % 13 == 0 ? "1" : "0",
                     i % 17, i % 2 ? "HEAVY" : "LIGHT", i % 10,
                     i % 50 == 0 ? "\"a note, with a comma\"" : "",
                     i % 7 == 0 ? "REDUCE_CUSTOMER_COST:10:accepted" : "");
}

class ScoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("retain-batch-{}-{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write("rules/test.rules", kRules);
    write("plain/plain.rules", kRulesNoRank);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& content) const {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(path(name), std::ios::binary) << content;
  }
  static std::string read(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream s(text);
    for (std::string l; std::getline(s, l);) out.push_back(l);
    return out;
  }
  // A CSV of n good rows.
  std::string population(int n) const {
    std::string csv = std::string(kHeader) + "\n";
    for (int i = 0; i < n; ++i) csv += row(i) + "\n";
    return csv;
  }
  ScoreOptions options(const std::string& in, const std::string& out) const {
    ScoreOptions o;
    o.rules = {path("rules")};
    o.input.path = in;
    o.output = out;
    o.threads = 4;
    o.progress = false;
    return o;
  }
  int score(const ScoreOptions& o) {
    out_.str("");
    err_.str("");
    return run_score(o, out_, err_);
  }
  // `retain stats` of in.csv with the rules in `rules_dir`, into `out`; its exit code.
  int stats(const std::string& rules_dir, const std::string& out) {
    StatsOptions s;
    s.rules = {path(rules_dir)};
    s.input.path = path("in.csv");
    s.output = path(out);
    s.quiet = true;
    return run_stats(s, out_, err_);
  }
  std::vector<std::string> leftovers() const {  // temporary files left in the directory
    std::vector<std::string> found;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) {
      if (e.path().filename().string().find(".tmp-") != std::string::npos) {
        found.push_back(e.path().string());
      }
    }
    return found;
  }

  fs::path dir_;
  std::ostringstream out_, err_;
};

// Both views: the default (compact, straight from the evaluation frame) and `--view full`
// (labels, because texts, evidence) equal decide() with the same options, row by row.
TEST_F(ScoreTest, OutputEqualsDecideRowByRowInInputOrderWithManyThreads) {
  const int n = 3000;
  write("in.csv", population(n));
  auto loaded = load_rules({path("rules")});
  ASSERT_TRUE(loaded.value);
  const auto& rules = **loaded.value;
  std::string error;
  auto header = CsvHeader::parse(kHeader, false, &error);
  ASSERT_TRUE(header) << error;
  CsvRowParser parser(*header);
  std::vector<v1::CustomerProfile> profiles(n);
  StatsBuilder builder(rules);
  for (int i = 0; i < n; ++i) {
    RowError e;
    ASSERT_TRUE(parser.parse(row(i), &profiles[i], &e)) << e.reason;
    builder.add(profiles[i]);
  }
  const PopulationStats stats = builder.finish();
  auto writer = make_decision_writer(OutputFormat::Jsonl);

  for (const bool full : {false, true}) {
    SCOPED_TRACE(full ? "--view full" : "default view");
    ScoreOptions o = options(path("in.csv"), path("out.jsonl"));
    o.threads = 8;
    o.input.chunk_records = 7;  // many small chunks, finished out of order
    o.explanations = full;
    ASSERT_EQ(score(o), 0) << err_.str();
    EvalOptions eval_options;
    eval_options.explanations = full;
    const auto got = lines(read(path("out.jsonl")));
    ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      std::string expected;
      writer->write(decide(rules, profiles[i], &stats, eval_options), expected);
      expected.pop_back();
      ASSERT_EQ(got[i], expected) << "row " << i;
    }
    // The full view carries the rules' texts, the compact one none.
    EXPECT_EQ(got[0].find("\"label\"") != std::string::npos, full) << got[0];
  }
  // The pyramid over the whole population: 1% / 4% / 15% / 80% of 3000 distinct revenues.
  ScoreOptions c = options(path("in.csv"), path("out.csv"));
  ASSERT_EQ(score(c), 0) << err_.str();
  const std::string csv = read(path("out.csv"));
  int vip = 0, major = 0;
  for (const auto& l : lines(csv)) {
    vip += l.find(",VIP,") != std::string::npos;
    major += l.find(",MAJOR,") != std::string::npos;
  }
  EXPECT_EQ(vip, 30);
  EXPECT_EQ(major, 120);
}

// --lang: each row's decision is decide()'s with EvalOptions.language, so one text per label.
TEST_F(ScoreTest, LangKeepsTheTextsOfOneLanguage) {
  const int n = 200;
  write("in.csv", population(n));
  ScoreOptions o = options(path("in.csv"), path("out.jsonl"));
  o.explanations = true;
  o.language = "zh";
  ASSERT_EQ(score(o), 0) << err_.str();
  const std::string jsonl = read(path("out.jsonl"));
  ASSERT_EQ(lines(jsonl).size(), static_cast<std::size_t>(n));
  EXPECT_NE(jsonl.find(R"("label":{"zh":"质量不稳定"})"), std::string::npos);
  EXPECT_EQ(jsonl.find("Unstable quality"), std::string::npos);
  // A label written in English only keeps its English text.
  EXPECT_NE(jsonl.find(R"("label":{"en":"Make quality the selling point"})"), std::string::npos);
}

TEST_F(ScoreTest, RejectsAreReportedWithLineNumbersReasonsAndOriginalText) {
  std::string csv = std::string(kHeader) + "\n";
  csv += row(0) + "\n";                                  // line 2
  csv += "M1,10,0,false,,0,1,HEAVY,,\"two\nlines\",\n";  // lines 3-4, good
  csv += "B1,lots,0,false,,0,1,HEAVY,,,\n";              // line 5: bad number
  csv += "\n";                                           // line 6: blank
  csv += "B2,10,0,maybe,,0,1,HEAVY,,,\n";                // line 7: bad bool
  csv += "B3,10,0,false,,0,1,MEDIUM,,,\n";               // line 8: bad enum
  csv += "B4,10,0\n";                                    // line 9: short row
  csv += "B5,10,-3,false,,0,1,HEAVY,,,\n";               // line 10: negative count
  csv += row(1) + "\n";                                  // line 11
  write("in.csv", csv);
  ScoreOptions o = options(path("in.csv"), path("out.jsonl"));
  o.rejects = path("rejects.jsonl");
  o.report = path("report.md");
  ASSERT_EQ(score(o), 0) << err_.str();
  const std::string err = err_.str();
  EXPECT_NE(err.find("in.csv:5: rejected: revenue_12m: 'lots' is not a number"), std::string::npos)
      << err;
  EXPECT_NE(err.find("in.csv:7: rejected: competitor_offer_seen:"), std::string::npos) << err;
  EXPECT_NE(err.find("in.csv:8: rejected: consumption_level:"), std::string::npos) << err;
  EXPECT_NE(err.find("in.csv:9: rejected: expected 11 cells"), std::string::npos) << err;
  EXPECT_NE(err.find("in.csv:10: rejected: quality_complaints_90d"), std::string::npos) << err;
  EXPECT_NE(err.find("read 8 rows = 3 scored + 5 rejected"), std::string::npos) << err;

  const auto rejects = lines(read(path("rejects.jsonl")));
  ASSERT_EQ(rejects.size(), 5u);
  simdjson::dom::parser p;
  const std::vector<std::uint64_t> expected_lines = {5, 7, 8, 9, 10};
  for (std::size_t i = 0; i < rejects.size(); ++i) {
    simdjson::dom::element e = p.parse(rejects[i]);
    EXPECT_EQ(std::uint64_t(e["line"]), expected_lines[i]) << rejects[i];
    EXPECT_FALSE(std::string_view(e["reason"]).empty());
  }
  simdjson::dom::element first = p.parse(rejects[0]);
  EXPECT_EQ(std::string_view(first["text"]), "B1,lots,0,false,,0,1,HEAVY,,,");
  EXPECT_EQ(std::string_view(first["field"]), "revenue_12m");

  EXPECT_EQ(lines(read(path("out.jsonl"))).size(), 3u);
  const std::string report = read(path("report.md"));
  EXPECT_NE(report.find("| read | 8 |"), std::string::npos) << report;
  EXPECT_NE(report.find("| scored | 3 |"), std::string::npos);
  EXPECT_NE(report.find("| rejected | 5 |"), std::string::npos);
  EXPECT_NE(report.find("read = scored + rejected: **yes**"), std::string::npos);
  EXPECT_NE(report.find("| 5 | revenue_12m |"), std::string::npos);
}

TEST_F(ScoreTest, CsvRejectsFileHoldsTheHeaderAndOriginalRowsToFeedBack) {
  write("in.csv",
        std::string(kHeader) + "\n" + row(0) + "\nB1,x,0,false,,0,1,HEAVY,,\"q\"\"uote\",\n");
  ScoreOptions o = options(path("in.csv"), path("out.csv"));
  o.rejects = path("rejects.csv");
  ASSERT_EQ(score(o), 0) << err_.str();
  EXPECT_EQ(read(path("rejects.csv")),
            std::string(kHeader) + "\nB1,x,0,false,,0,1,HEAVY,,\"q\"\"uote\",\n");
}

TEST_F(ScoreTest, MaxRejectsAbortsWithExitTwoAndNoOutput) {
  std::string csv = population(50);
  for (int i = 0; i < 20; ++i) csv += "BAD,x,0,false,,0,1,HEAVY,,,\n";
  csv += population(50).substr(std::string(kHeader).size() + 1);
  write("in.csv", csv);
  ScoreOptions o = options(path("in.csv"), path("out.jsonl"));
  o.max_rejects = 5;
  o.rejects = path("rejects.jsonl");
  o.input.chunk_records = 4;
  EXPECT_EQ(score(o), 2);
  EXPECT_NE(err_.str().find("more than --max-rejects 5"), std::string::npos) << err_.str();
  EXPECT_FALSE(fs::exists(path("out.jsonl")));
  EXPECT_TRUE(leftovers().empty());
  EXPECT_GE(lines(read(path("rejects.jsonl"))).size(), 6u);

  o.max_rejects = 20;  // exactly at the limit: goes on
  EXPECT_EQ(score(o), 0) << err_.str();
  EXPECT_EQ(lines(read(path("out.jsonl"))).size(), 100u);
}

TEST_F(ScoreTest, AFailedRunNeverReplacesOrTruncatesTheOutput) {
  write("out.jsonl", "previous complete output\n");
  write("bad.csv", "customer_id,tenure_monts\nx,3\n");
  ScoreOptions o = options(path("bad.csv"), path("out.jsonl"));
  EXPECT_EQ(score(o), 1);
  EXPECT_NE(
      err_.str().find("'tenure_monts' is not a profile field (did you mean 'tenure_months'?)"),
      std::string::npos)
      << err_.str();
  EXPECT_NE(err_.str().find("bad.csv:1:"), std::string::npos) << err_.str();
  EXPECT_EQ(read(path("out.jsonl")), "previous complete output\n");

  o.input.path = path("missing.csv");
  EXPECT_EQ(score(o), 1);
  EXPECT_EQ(read(path("out.jsonl")), "previous complete output\n");

  write("broken/x.rules", "cause X { weight 2 }");
  o.input.path = path("bad.csv");
  o.rules = {path("broken")};
  EXPECT_EQ(score(o), 2) << "rule errors";
  EXPECT_TRUE(leftovers().empty());

  o.rules = {path("rules")};
  o.input.path = path("bad.csv");
  o.input.ignore_unknown_columns = true;
  EXPECT_EQ(score(o), 0) << err_.str();
  EXPECT_EQ(lines(read(path("out.jsonl"))).size(), 1u);
}

TEST_F(ScoreTest, IgnoredColumnsAreReportedOnceForTwoPasses) {
  // The percentile tiers of rules/ make score read the input twice (statistics, then scoring).
  std::string csv = std::string(kHeader) + ",crm_note\n";
  for (int i = 0; i < 50; ++i) csv += row(i) + ",x\n";
  write("notes.csv", csv);
  ScoreOptions o = options(path("notes.csv"), path("out.jsonl"));
  o.input.ignore_unknown_columns = true;
  ASSERT_EQ(score(o), 0) << err_.str();
  const std::string text = err_.str();
  const auto first = text.find("ignoring unknown columns: crm_note");
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find("ignoring unknown columns", first + 1), std::string::npos) << text;
  EXPECT_EQ(lines(read(path("out.jsonl"))).size(), 50u);
}

TEST_F(ScoreTest, JsonLinesInAndCsvOutAgreeWithCsvIn) {
  const int n = 400;
  write("in.csv", population(n));
  // The same profiles as JSON lines, with lowerCamel names for some fields.
  std::string jsonl;
  {
    std::string header_error;
    auto header = CsvHeader::parse(kHeader, false, &header_error);
    CsvRowParser parser(*header);
    for (int i = 0; i < n; ++i) {
      v1::CustomerProfile p;
      RowError e;
      ASSERT_TRUE(parser.parse(row(i), &p, &e));
      std::string json;
      ASSERT_TRUE(google::protobuf::util::MessageToJsonString(p, &json).ok());
      jsonl += json + "\n";
    }
  }
  write("in.jsonl", jsonl);
  ASSERT_EQ(score(options(path("in.csv"), path("a.csv"))), 0) << err_.str();
  ASSERT_EQ(score(options(path("in.jsonl"), path("b.csv"))), 0) << err_.str();
  const std::string a = read(path("a.csv"));
  EXPECT_EQ(lines(a).size(), static_cast<std::size_t>(n + 1));
  EXPECT_EQ(a, read(path("b.csv")));
  ScoreOptions slow = options(path("in.jsonl"), path("c.csv"));
  slow.input.json_parser = JsonRowParser::Engine::Protobuf;
  ASSERT_EQ(score(slow), 0) << err_.str();
  EXPECT_EQ(a, read(path("c.csv")));
}

TEST_F(ScoreTest, ShardsWithMergedStatsEqualASingleRun) {
  const int n = 2500;
  std::string csv = population(n);
  csv += "BAD,x,0,false,,0,1,HEAVY,,,\n";  // a reject inside the last shard
  csv += row(n) + "\n";
  write("in.csv", csv);

  // Single run, statistics computed by its own first pass.
  ScoreOptions single = options(path("in.csv"), path("single.jsonl"));
  ASSERT_EQ(score(single), 0) << err_.str();

  // Statistics: one pass, and three shards merged.
  StatsOptions s;
  s.rules = {path("rules")};
  s.input.path = path("in.csv");
  s.output = path("stats.json");
  s.progress = false;
  ASSERT_EQ(run_stats(s, out_, err_), 0) << err_.str();
  std::vector<std::string> parts;
  for (int i = 0; i < 3; ++i) {
    s.input.shard = ShardSpec{static_cast<std::uint32_t>(i), 3};
    s.output = path(fmt::format("stats-{}.json", i));
    ASSERT_EQ(run_stats(s, out_, err_), 0) << err_.str();
    parts.push_back(s.output);
  }
  StatsOptions m;
  m.merge = parts;
  m.output = path("merged.json");
  ASSERT_EQ(run_stats(m, out_, err_), 0) << err_.str();
  StatsFile whole, merged;
  std::string error;
  ASSERT_TRUE(load_stats_file(path("stats.json"), &whole, &error)) << error;
  ASSERT_TRUE(load_stats_file(path("merged.json"), &merged, &error)) << error;
  EXPECT_EQ(whole.rows, static_cast<std::uint64_t>(n + 1));
  EXPECT_EQ(merged.rows, whole.rows);
  EXPECT_EQ(merged.columns, whole.columns);

  // Three shards scored with the merged statistics, concatenated in shard order.
  std::string concatenated;
  std::uint64_t scored = 0;
  for (int i = 0; i < 3; ++i) {
    ScoreOptions o = options(path("in.csv"), path(fmt::format("part-{}.jsonl", i)));
    o.input.shard = ShardSpec{static_cast<std::uint32_t>(i), 3};
    o.stats = path("merged.json");
    o.threads = 1 + i;
    ASSERT_EQ(score(o), 0) << err_.str();
    const std::string part = read(o.output);
    scored += lines(part).size();
    concatenated += part;
  }
  EXPECT_EQ(scored, static_cast<std::uint64_t>(n + 1));
  EXPECT_EQ(concatenated, read(path("single.jsonl")));
}

TEST_F(ScoreTest, WithoutPercentileTiersThereIsOnePassAndNoStatistics) {
  write("in.csv", population(100));
  ScoreOptions o = options(path("in.csv"), path("out.csv"));
  o.rules = {path("plain")};
  o.report = path("report.html");
  ASSERT_EQ(score(o), 0) << err_.str();
  const std::string html = read(path("report.html"));
  EXPECT_NE(html.find("not needed (no percentile tiers)"), std::string::npos);
  EXPECT_NE(html.find("id=\"read\">100<"), std::string::npos);
  EXPECT_NE(html.find("<td>QUALITY_UNSTABLE</td><td class=\"n\">25</td>"), std::string::npos)
      << html;
}

TEST_F(ScoreTest, StatsFileMissingATiersIsAnError) {
  write("in.csv", population(10));
  ASSERT_EQ(stats("plain", "plain-stats.json"), 0) << err_.str();
  ScoreOptions o = options(path("in.csv"), path("out.jsonl"));
  o.stats = path("plain-stats.json");
  EXPECT_EQ(score(o), 1);
  EXPECT_NE(err_.str().find("no values for the percentile tiers 'PYRAMID'"), std::string::npos)
      << err_.str();
}

// A statistics file of another version of the rules still ranks (the tiers are there), with a
// warning naming both rule sets, unless --quiet.
TEST_F(ScoreTest, StatsFileOfOtherRulesIsUsedWithAWarning) {
  write("in.csv", population(10));
  ASSERT_EQ(stats("rules", "stats.json"), 0) << err_.str();
  fs::create_directories(dir_ / "rules2");
  for (const auto& e : fs::directory_iterator(dir_ / "rules")) {
    write("rules2/" + e.path().filename().string(), read(e.path().string()) + "\n# edited\n");
  }
  ScoreOptions o = options(path("in.csv"), path("out.jsonl"));
  o.rules = {path("rules2")};
  o.stats = path("stats.json");
  ASSERT_EQ(score(o), 0) << err_.str();
  EXPECT_NE(err_.str().find("warning: " + path("stats.json") + " was computed with rule set"),
            std::string::npos)
      << err_.str();
  o.quiet = true;
  ASSERT_EQ(score(o), 0) << err_.str();
  EXPECT_EQ(err_.str().find("warning"), std::string::npos) << err_.str();
}

// Runs the retain binary with `input` on stdin; returns its exit code, stdout and stderr.
struct RunResult {
  int code = -1;
  std::string out, err;
};
RunResult run_binary(const std::vector<std::string>& args, const std::string& input,
                     const std::string& scratch) {
  const std::string bin = std::string(RETAIN_BINARY_DIR) + "/bin/retain";
  const std::string in_file = scratch + "/stdin.txt", out_file = scratch + "/stdout.txt",
                    err_file = scratch + "/stderr.txt";
  std::ofstream(in_file, std::ios::binary) << input;
  std::string cmd = "cat '" + in_file + "' | '" + bin + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " > '" + out_file + "' 2> '" + err_file + "'";
  RunResult r;
  const int status = std::system(cmd.c_str());
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream o(out_file, std::ios::binary), e(err_file, std::ios::binary);
  std::stringstream so, se;
  so << o.rdbuf();
  se << e.rdbuf();
  r.out = so.str();
  r.err = se.str();
  return r;
}

TEST_F(ScoreTest, StdinToStdoutThroughThePipeWithASpillForPercentileTiers) {
  const std::string bin = std::string(RETAIN_BINARY_DIR) + "/bin/retain";
  if (!fs::exists(bin)) GTEST_SKIP() << "retain binary not built";
  write("in.csv", population(500));
  ASSERT_EQ(score(options(path("in.csv"), path("file.jsonl"))), 0) << err_.str();

  // CSV on stdin (sniffed), JSON lines on stdout; percentile tiers need the spill.
  auto r = run_binary({"score", "--rules", path("rules"), "--in", "-", "--out", "-"},
                      read(path("in.csv")), dir_.string());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, read(path("file.jsonl")));
  EXPECT_NE(r.err.find("read 500 rows = 500 scored + 0 rejected"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("\r"), std::string::npos) << "no progress when stderr is not a terminal";

  // --quiet: nothing on stderr; CSV out chosen with --format.
  r = run_binary({"score", "--rules", path("rules"), "--in", "-", "--format", "csv", "--quiet"},
                 read(path("in.csv")), dir_.string());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(lines(r.out).size(), 501u);

  // Usage errors exit 1.
  r = run_binary({"score", "--rules", path("rules"), "--in", "-", "--shard", "3/3"}, "",
                 dir_.string());
  EXPECT_EQ(r.code, 1);
  r = run_binary({"score", "--rules", path("rules"), "--in", "-", "--max-rejects", "0"},
                 std::string(kHeader) + "\nBAD,x,0,false,,0,1,HEAVY,,,\n", dir_.string());
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(r.out, "") << "no decisions after an abort";
}

}  // namespace
}  // namespace retain::batch
