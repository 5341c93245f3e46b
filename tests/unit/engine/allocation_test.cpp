// The hot path allocates nothing: once a frame has been sized for a rule set, evaluating a
// profile makes no heap allocation. Counted by replacing the global operator new.
#include <atomic>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "engine/eval/evaluator.hpp"
#include "tests/support/rules_fixture.hpp"

namespace {
std::atomic<long> g_allocations{0};
}

// AddressSanitizer brings its own operator new family and checks that every block is freed the
// way it was allocated; replacing part of the family would trip that check. Allocations are
// counted in the ordinary build only.
#if !defined(__SANITIZE_ADDRESS__)
#define RETAIN_COUNT_ALLOCATIONS 1

// GCC cannot see that these replace the global pair, and warns about free() on new'd memory.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop
#endif

namespace retain {
namespace {

TEST(AllocationTest, EvaluateAllocatesNothingOnceTheFrameIsSized) {
#if !defined(RETAIN_COUNT_ALLOCATIONS)
  GTEST_SKIP() << "allocations are counted only without AddressSanitizer";
#endif
  auto rules = testing::rules_from(R"(
    let drop = orders_90d < 50% * orders_prev_90d
    cause A { label en "a" weight 0.5 when quality_complaints_90d >= 3 or drop }
    cause B { label en "b" weight 0.3 when attributes.region == "north" and metrics.nps < 0 }
    tactic T { label en "t" answers A, B cooldown 30 days }
    tactic U { label en "u" when count(recent_actions where outcome == "declined") > 1 }
    tiers P { rank revenue_12m fallback revenue_rank_pct sets tier band V top 1% band S rest }
  )");
  ASSERT_TRUE(rules);
  auto profile = testing::profile_from(R"({"quality_complaints_90d": 4, "orders_90d": 1,
      "orders_prev_90d": 9, "attributes": {"region": "north"}, "metrics": {"nps": -3},
      "recent_actions": [{"action_id": "T", "days_ago": 3, "outcome": "declined"},
                         {"action_id": "X", "days_ago": 9, "outcome": "declined"}]})");
  const PopulationStats stats({{"P", {1, 2, 3, 4, 5}}});
  eval::EvalFrame frame;
  eval::evaluate(*rules, profile, &stats, frame);  // sizes the frame
  const long before = g_allocations.load();
  for (int i = 0; i < 100; ++i) eval::evaluate(*rules, profile, &stats, frame);
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(frame.proposed_tactics.size(), 1u);  // T is cooling down; U proposed
}

}  // namespace
}  // namespace retain
