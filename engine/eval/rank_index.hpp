// The values of one percentile tiers' population, sorted largest first, with an index that
// answers "how many values are greater than v" exactly while touching few cache lines.
//
// A binary search over a million-value column makes twenty dependent loads, the last ones
// missing every cache, and half its branches mispredict: in `retain score` with statistics it
// was the largest single cost. Here every 32nd value of a level forms the level above, up to a
// top level of at most 32 values; a query counts, level by level downwards, the values greater
// than v in one run of 32 neighbours (four adjacent cache lines, fetched together, counted
// with vector compares and no branches). A million values: four levels, the upper two a few
// kilobytes. Every level is padded with -infinity to whole runs (never greater than anything),
// so a run is always 32 values on a 256-byte boundary; the largest levels sit in 2 MB
// huge-page-advised memory, since random lookups in 4 KB pages also miss the TLB.
// Immutable once built; safe to share between threads.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

namespace retain::eval {

class RankIndex {
 public:
  // `descending`: the population's values, sorted largest first.
  explicit RankIndex(std::span<const double> descending);

  // The number of values strictly greater than `value` (the partition point of `> value`).
  std::size_t count_greater(double value) const { return finish(value, above_values(value)); }

  // The same in two steps, so that the cache miss of the second overlaps other work:
  // locate() searches the levels above the values (small, cached) and prefetches the run of
  // values where the count ends; finish() counts in that run.
  std::size_t locate(double value) const;
  std::size_t finish(double value, std::size_t located) const;

  std::span<const double> values() const { return {levels_.front().values.get(), size_}; }
  std::size_t size() const { return size_; }

  static constexpr std::size_t kFanout = 32;

 private:
  struct Free {
    void operator()(double* p) const { std::free(p); }
  };
  struct Level {
    std::unique_ptr<double[], Free> values;  // whole runs of kFanout, padded with -infinity
    std::size_t runs = 0;
  };
  static Level make_level(std::span<const double> values, std::size_t stride);
  // The count of greater values at level 1 (at level 0 when it is the only level).
  std::size_t above_values(double value) const;
  std::size_t size_ = 0;
  // levels_[0]: every value; levels_[i + 1]: every kFanout-th value of levels_[i].
  std::vector<Level> levels_;
};

}  // namespace retain::eval
