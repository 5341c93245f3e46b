#include "engine/eval/rank_index.hpp"

#include <algorithm>
#include <limits>
#include <new>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "engine/huge_pages.hpp"

namespace retain::eval {

namespace {

constexpr std::size_t kRunBytes = RankIndex::kFanout * sizeof(double);
constexpr std::size_t kHugePage = std::size_t{2} << 20;

// The values greater than v in one run of a descending level: they are its prefix, so the
// count is the partition point; counted without branches, two values per SSE2 compare (every
// x86-64 has SSE2), whose lanes are all ones (-1) where greater.
std::size_t count_greater_in_run(const double* run, double value) {
#ifdef __SSE2__
  const auto* aligned = static_cast<const double*>(__builtin_assume_aligned(run, kRunBytes));
  const __m128d v = _mm_set1_pd(value);
  __m128i even = _mm_setzero_si128();
  __m128i odd = _mm_setzero_si128();
  for (std::size_t i = 0; i < RankIndex::kFanout; i += 4) {
    even = _mm_sub_epi64(even, _mm_castpd_si128(_mm_cmpgt_pd(_mm_load_pd(aligned + i), v)));
    odd = _mm_sub_epi64(odd, _mm_castpd_si128(_mm_cmpgt_pd(_mm_load_pd(aligned + i + 2), v)));
  }
  const __m128i sum = _mm_add_epi64(even, odd);
  return static_cast<std::size_t>(_mm_cvtsi128_si64(sum) +
                                  _mm_cvtsi128_si64(_mm_unpackhi_epi64(sum, sum)));
#else
  std::size_t n = 0;
  for (std::size_t i = 0; i < RankIndex::kFanout; ++i) n += run[i] > value ? 1 : 0;
  return n;
#endif
}

}  // namespace

RankIndex::Level RankIndex::make_level(std::span<const double> values, std::size_t stride) {
  const std::size_t count = (values.size() + stride - 1) / stride;
  Level level;
  level.runs = std::max<std::size_t>(1, (count + kFanout - 1) / kFanout);
  std::size_t bytes = level.runs * kRunBytes;
  const std::size_t alignment = bytes >= kHugePage ? kHugePage : kRunBytes;
  bytes = (bytes + alignment - 1) / alignment * alignment;
  auto* data = static_cast<double*>(std::aligned_alloc(alignment, bytes));
  if (data == nullptr) throw std::bad_alloc();
  level.values.reset(data);
  advise_huge_pages(data, bytes);
  for (std::size_t i = 0; i < count; ++i) data[i] = values[i * stride];
  std::fill(data + count, data + level.runs * kFanout, -std::numeric_limits<double>::infinity());
  return level;
}

RankIndex::RankIndex(std::span<const double> descending) : size_(descending.size()) {
  // Level i holds every (32^i)-th value of the column.
  std::size_t stride = 1;
  levels_.push_back(make_level(descending, stride));
  while (levels_.back().runs > 1) {
    stride *= kFanout;
    levels_.push_back(make_level(descending, stride));
  }
}

// Level L + 1's values are level L's at 0, 32, ..., so when p of them are greater than v,
// level L's greater values are those of its first p - 1 runs and a prefix of run p - 1, whose
// first value (level L + 1's (p - 1)th) is greater: p - 1 whole runs, and a count in one run.
std::size_t RankIndex::above_values(double value) const {
  std::size_t p = count_greater_in_run(levels_.back().values.get(), value);
  for (std::size_t level = levels_.size() - 1; level-- > 1 && p != 0;) {
    const std::size_t run = (p - 1) * kFanout;
    p = run + count_greater_in_run(levels_[level].values.get() + run, value);
  }
  return p;
}

std::size_t RankIndex::finish(double value, std::size_t located) const {
  if (levels_.size() == 1 || located == 0) return located;
  const std::size_t run = (located - 1) * kFanout;
  return run + count_greater_in_run(levels_.front().values.get() + run, value);
}

std::size_t RankIndex::locate(double value) const {
  const std::size_t located = above_values(value);
  if (levels_.size() > 1 && located != 0) {
    const double* run = levels_.front().values.get() + (located - 1) * kFanout;
    for (std::size_t i = 0; i < kFanout; i += 64 / sizeof(double)) __builtin_prefetch(run + i);
  }
  return located;
}

}  // namespace retain::eval
