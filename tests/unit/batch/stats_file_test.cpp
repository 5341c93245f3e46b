#include "batch/stats_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "engine/eval/population_stats.hpp"

namespace retain::batch {
namespace {

StatsFile sample(std::uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(0, 5e6);
  StatsFile s;
  s.ruleset_name = "r";
  s.ruleset_version = "1";
  s.ruleset_hash = "abc123";
  s.rows = static_cast<std::uint64_t>(n);
  s.source = "part";
  auto& col = s.columns["PYRAMID"];
  for (int i = 0; i < n; ++i) col.push_back(dist(rng));
  col.push_back(0.1 + 0.2);  // not exactly representable in short decimal
  col.push_back(1e-300);
  std::sort(col.begin(), col.end(), std::greater<>());
  return s;
}

TEST(StatsFileTest, RoundTripsValuesExactly) {
  const StatsFile s = sample(1, 1000);
  StatsFile back;
  std::string error;
  ASSERT_TRUE(parse_stats_file(render_stats_file(s), &back, &error)) << error;
  EXPECT_EQ(back.ruleset_hash, "abc123");
  EXPECT_EQ(back.rows, 1000u);
  ASSERT_EQ(back.columns.size(), 1u);
  EXPECT_EQ(back.columns.at("PYRAMID"), s.columns.at("PYRAMID")) << "bit-exact doubles";
}

TEST(StatsFileTest, LoadsAFileOfSeveralHugePagesAndNamesAMissingOne) {
  // Over 2 MB of text and of column: the buffers are advised huge pages, which must change
  // nothing of what is read.
  const StatsFile s = sample(4, 300000);
  const auto path = std::filesystem::temp_directory_path() /
                    ("retain-stats-load-" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream out(path, std::ios::binary);
    out << render_stats_file(s);
  }
  StatsFile back;
  std::string error;
  ASSERT_TRUE(load_stats_file(path.string(), &back, &error)) << error;
  EXPECT_EQ(back.columns.at("PYRAMID"), s.columns.at("PYRAMID"));
  std::filesystem::remove(path);

  EXPECT_FALSE(load_stats_file(path.string(), &back, &error));
  EXPECT_EQ(error.rfind(path.string() + ": cannot read", 0), 0u) << error;
}

TEST(StatsFileTest, MergeOfPartsEqualsTheWhole) {
  const StatsFile a = sample(1, 300), b = sample(2, 500), c = sample(3, 7);
  StatsFile merged;
  std::string error;
  ASSERT_TRUE(merge_stats_files({a, b, c}, &merged, &error)) << error;
  std::vector<double> whole;
  for (const auto* p : {&a, &b, &c}) {
    whole.insert(whole.end(), p->columns.at("PYRAMID").begin(), p->columns.at("PYRAMID").end());
  }
  std::sort(whole.begin(), whole.end(), std::greater<>());
  EXPECT_EQ(merged.columns.at("PYRAMID"), whole);
  EXPECT_EQ(merged.rows, 807u);
}

TEST(StatsFileTest, RefusesToMergeDifferentRuleSetsAndBadFiles) {
  StatsFile a = sample(1, 3), b = sample(2, 3);
  b.ruleset_hash = "other";
  StatsFile merged;
  std::string error;
  EXPECT_FALSE(merge_stats_files({a, b}, &merged, &error));
  EXPECT_NE(error.find("another rule set"), std::string::npos) << error;
  EXPECT_FALSE(parse_stats_file("{\"format\":\"something\"}", &merged, &error));
  EXPECT_FALSE(parse_stats_file("not json", &merged, &error));
  EXPECT_FALSE(load_stats_file("/nonexistent/stats.json", &merged, &error));
}

// A damaged file is refused with a reason, never read in part; "count" is optional.
TEST(StatsFileTest, RefusesDamagedFiles) {
  const std::string text = render_stats_file(sample(2, 500));
  StatsFile back;
  std::string error;
  EXPECT_FALSE(parse_stats_file(text.substr(0, text.size() / 2), &back, &error));
  EXPECT_FALSE(error.empty());
  std::string bad_value = text;
  bad_value.replace(bad_value.find("\"values\":[") + 10, 0, "\"x\",");
  error.clear();
  EXPECT_FALSE(parse_stats_file(bad_value, &back, &error));
  EXPECT_NE(error.find("not a number"), std::string::npos) << error;
  const std::string minimal = R"({"format":"retain.population_stats","version":1,)"
                              R"("tiers":{"P":{"values":[3,1,2]}}})";
  ASSERT_TRUE(parse_stats_file(minimal, &back, &error)) << error;
  EXPECT_EQ(back.columns.at("P"), (std::vector<double>{3, 2, 1}));
  // Arrays are normally parsed before simdjson reads the file (number_arrays.hpp); one it
  // does not recognise (the member's name spelled with an escape) is read by simdjson, and a
  // value after the cut ones is still checked.
  const std::string escaped = R"({"format":"retain.population_stats","version":1,)"
                              R"("tiers":{"P":{"values":[3,1,2]},"Q":{"values":[5,7]}}})";
  ASSERT_TRUE(parse_stats_file(escaped, &back, &error)) << error;
  EXPECT_EQ(back.columns.at("P"), (std::vector<double>{3, 2, 1}));
  EXPECT_EQ(back.columns.at("Q"), (std::vector<double>{7, 5}));
  const std::string bad_second = R"({"format":"retain.population_stats","version":1,)"
                                 R"("tiers":{"P":{"values":[3,1,2]},"Q":{"values":[5,01]}}})";
  error.clear();
  EXPECT_FALSE(parse_stats_file(bad_second, &back, &error));
  EXPECT_FALSE(error.empty());
}

// PopulationStats skips sorting a column that is already in descending order (a statistics
// file's); any other order must still be sorted, ties and all.
TEST(StatsFileTest, PopulationStatsRanksTheSameFromSortedAndShuffledColumns) {
  std::vector<double> sorted = sample(4, 200).columns.at("PYRAMID");
  sorted.insert(sorted.begin() + 50, sorted[50]);  // a tie
  std::vector<double> shuffled = sorted;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(5));
  std::vector<double> ascending(sorted.rbegin(), sorted.rend());
  const PopulationStats from_sorted({{"P", sorted}});
  const PopulationStats from_shuffled({{"P", shuffled}});
  const PopulationStats from_ascending({{"P", ascending}});
  ASSERT_NE(from_sorted.index("P"), nullptr);
  EXPECT_TRUE(std::ranges::equal(from_sorted.index("P")->values(), sorted));
  EXPECT_TRUE(std::ranges::equal(from_shuffled.index("P")->values(), sorted));
  EXPECT_TRUE(std::ranges::equal(from_ascending.index("P")->values(), sorted));
  for (const double v : {sorted[0], sorted[50], sorted[120], sorted.back(), -1.0, 1e9}) {
    EXPECT_EQ(from_shuffled.rank_pct("P", v), from_sorted.rank_pct("P", v)) << v;
    EXPECT_EQ(from_ascending.rank_pct("P", v), from_sorted.rank_pct("P", v)) << v;
  }
}

}  // namespace
}  // namespace retain::batch
