#include "engine/eval/rank_index.hpp"

#include "engine/eval/population_stats.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <vector>

namespace retain::eval {
namespace {

std::size_t partition_point_greater(const std::vector<double>& descending, double value) {
  return static_cast<std::size_t>(std::partition_point(descending.begin(), descending.end(),
                                                       [value](double x) { return x > value; }) -
                                  descending.begin());
}

// Populations around the level boundaries (32, 32², 32³) and with many ties, queried at every
// value, beside every value, and at the extremes: the index must count exactly what a binary
// search over the whole column counts.
TEST(RankIndexTest, CountsWhatABinarySearchCounts) {
  std::mt19937_64 rng(11);
  // 300,000 values: a bottom level of more than one 2 MB page.
  for (const std::size_t n :
       {0, 1, 2, 31, 32, 33, 63, 64, 65, 1023, 1024, 1025, 32769, 40000, 300000}) {
    for (const int distinct : {3, 1000000}) {
      std::uniform_int_distribution<int> pick(0, distinct - 1);
      std::vector<double> values(n);
      for (auto& v : values) v = pick(rng) * 0.5;
      std::sort(values.begin(), values.end(), std::greater<>());
      const RankIndex index(values);
      ASSERT_EQ(index.size(), n);
      ASSERT_TRUE(std::ranges::equal(index.values(), values));
      std::vector<double> queries = {-std::numeric_limits<double>::infinity(),
                                     std::numeric_limits<double>::infinity(),
                                     std::numeric_limits<double>::quiet_NaN(), -1.0, 1e12};
      const std::size_t step = std::max<std::size_t>(1, n / 3000);
      for (std::size_t i = 0; i < n; i += step) {
        queries.push_back(values[i]);
        queries.push_back(std::nextafter(values[i], 1e300));
        queries.push_back(std::nextafter(values[i], -1e300));
      }
      for (const double q : queries) {
        const std::size_t expected = partition_point_greater(values, q);
        ASSERT_EQ(index.count_greater(q), expected)
            << "n=" << n << " distinct=" << distinct << " value=" << q;
        // In two steps, as an evaluation that located its values first does.
        ASSERT_EQ(index.finish(q, index.locate(q)), expected)
            << "n=" << n << " distinct=" << distinct << " value=" << q;
      }
    }
  }
}

// Tiers ranking the same values (the pyramid and the ABC classes both rank revenue_12m) share
// one index, so that an evaluation's second lookup of a value is the first one's answer.
TEST(RankIndexTest, EqualColumnsShareOneIndex) {
  const PopulationStats stats(
      {{"PYRAMID", {1, 5, 3, 9}}, {"ABC", {9, 5, 3, 1}}, {"OTHER", {1, 2}}});
  ASSERT_NE(stats.index("PYRAMID"), nullptr);
  EXPECT_EQ(stats.index("PYRAMID"), stats.index("ABC"));
  EXPECT_NE(stats.index("PYRAMID"), stats.index("OTHER"));
  EXPECT_EQ(stats.index("MISSING"), nullptr);
  EXPECT_EQ(stats.rank_pct("ABC", 5), 25.0);
  EXPECT_EQ(stats.rank_pct("PYRAMID", 5), 25.0);
  EXPECT_EQ(stats.rank_pct("OTHER", 1), 50.0);
}

}  // namespace
}  // namespace retain::eval
