#include "engine/eval/rank_index.hpp"

#include <algorithm>
#include <utility>

namespace retain::eval {

namespace {

// The values greater than v in [begin, end) of a descending run: they are its prefix, so the
// count is the partition point; counted without a branch per value.
std::size_t count_greater_in(const double* begin, const double* end, double value) {
  std::size_t n = 0;
  for (const double* x = begin; x != end; ++x) n += *x > value ? 1 : 0;
  return n;
}

// The run of a level holding the rest of the count when p values of the level above are
// greater: level L + 1's values are level L's at 0, 32, ..., 32 (p - 1), so level L's greater
// values are those up to index 32 (p - 1), and perhaps some of the next 31. Needs p != 0.
std::pair<std::size_t, std::size_t> run_below(std::size_t p, std::size_t level_size,
                                              std::size_t fanout) {
  return {(p - 1) * fanout + 1, std::min(level_size, p * fanout)};
}

}  // namespace

RankIndex::RankIndex(std::vector<double> descending) {
  levels_.push_back(std::move(descending));
  while (levels_.back().size() > kFanout) {
    const std::vector<double>& below = levels_.back();
    std::vector<double> above;
    above.reserve((below.size() + kFanout - 1) / kFanout);
    for (std::size_t i = 0; i < below.size(); i += kFanout) above.push_back(below[i]);
    levels_.push_back(std::move(above));
  }
}

std::size_t RankIndex::above_values(double value) const {
  const std::vector<double>& top = levels_.back();
  std::size_t p = count_greater_in(top.data(), top.data() + top.size(), value);
  for (std::size_t level = levels_.size() - 1; level-- > 1 && p != 0;) {
    const std::vector<double>& values = levels_[level];
    const auto [begin, end] = run_below(p, values.size(), kFanout);
    p = begin + count_greater_in(values.data() + begin, values.data() + end, value);
  }
  return p;
}

std::size_t RankIndex::finish(double value, std::size_t located) const {
  if (levels_.size() == 1 || located == 0) return located;
  const std::vector<double>& values = levels_.front();
  const auto [begin, end] = run_below(located, values.size(), kFanout);
  return begin + count_greater_in(values.data() + begin, values.data() + end, value);
}

std::size_t RankIndex::locate(double value) const {
  const std::size_t located = above_values(value);
  if (levels_.size() > 1 && located != 0) {
    const std::vector<double>& values = levels_.front();
    const auto [begin, end] = run_below(located, values.size(), kFanout);
    for (std::size_t i = begin; i < end; i += 8) __builtin_prefetch(values.data() + i);
    if (end > begin) __builtin_prefetch(values.data() + end - 1);
  }
  return located;
}

}  // namespace retain::eval
