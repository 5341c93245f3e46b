#include "batch/pipeline.hpp"

#include <atomic>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

namespace retain::batch {
namespace {

std::function<std::unique_ptr<Chunk>()> counter(int chunks, std::atomic<int>* produced) {
  auto next = std::make_shared<int>(0);
  return [=]() -> std::unique_ptr<Chunk> {
    if (*next >= chunks) return nullptr;
    auto c = std::make_unique<Chunk>();
    c->seq = static_cast<std::uint64_t>((*next)++);
    if (produced) ++*produced;
    return c;
  };
}

TEST(PipelineTest, ConsumesInInputOrderWithManyThreads) {
  std::vector<std::uint64_t> seen;
  const auto result = run_pipeline(
      8, 16, counter(500, nullptr),
      [](Chunk& c, unsigned) {
        // Uneven work, so that chunks finish out of order.
        std::this_thread::sleep_for(std::chrono::microseconds((c.seq * 7919) % 400));
        c.output = std::to_string(c.seq);
      },
      [&](Chunk& c) {
        EXPECT_EQ(c.output, std::to_string(c.seq));
        seen.push_back(c.seq);
        return true;
      });
  EXPECT_FALSE(result.stopped);
  EXPECT_FALSE(result.error);
  ASSERT_EQ(seen.size(), 500u);
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i);
}

// Chunks the consumer is done with come back to the producer, reset, and their results never
// leak into the next run of records; a bounded number of chunks serves the whole input.
TEST(PipelineTest, RecyclesChunksWithoutCarryingResultsOver) {
  std::set<const Chunk*> distinct;
  std::uint64_t next = 0, spares = 0;
  std::vector<std::uint64_t> seen;
  const auto result = run_pipeline(
      4, 8,
      [&](std::unique_ptr<Chunk> spare) -> std::unique_ptr<Chunk> {
        if (next >= 2000) return nullptr;
        if (spare) {
          ++spares;
          spare->reset();
        }
        auto c = spare ? std::move(spare) : std::make_unique<Chunk>();
        distinct.insert(c.get());
        EXPECT_TRUE(c->output.empty() && c->rejects.empty() && c->scored == 0);
        c->seq = next++;
        return c;
      },
      [](Chunk& c, unsigned) {
        std::this_thread::sleep_for(std::chrono::microseconds((c.seq * 7919) % 50));
        c.output += std::to_string(c.seq);
        c.rejects.push_back(Reject{c.seq, "", "r", ""});
        ++c.scored;
      },
      [&](Chunk& c) {
        EXPECT_EQ(c.output, std::to_string(c.seq));
        EXPECT_EQ(c.rejects.size(), 1u);
        EXPECT_EQ(c.scored, 1u);
        seen.push_back(c.seq);
        return true;
      });
  EXPECT_FALSE(result.error);
  ASSERT_EQ(seen.size(), 2000u);
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i);
  EXPECT_GT(spares, 1900u);
  EXPECT_LE(distinct.size(), 8u + 4u + 2u);
}

TEST(PipelineTest, BoundsChunksInFlight) {
  std::atomic<int> produced{0};
  int consumed = 0;
  int max_ahead = 0;
  run_pipeline(
      2, 6, counter(200, &produced), [](Chunk&, unsigned) {},
      [&](Chunk&) {
        ++consumed;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        max_ahead = std::max(max_ahead, produced.load() - consumed);
        return true;
      });
  EXPECT_EQ(consumed, 200);
  EXPECT_LE(max_ahead, 8) << "the reader must wait for the consumer";
}

// Chunks in flight: 4 per worker and 4 while they fit the budget with the chunks the pipeline
// holds besides (threads + 2), never fewer than threads + 2.
TEST(PipelineTest, ChunksInFlightFitTheMemoryBudget) {
  constexpr std::size_t MB = 1 << 20;
  EXPECT_EQ(max_chunks_in_flight(2, MB, 128 * MB), 12u);  // two cores: 4 × 2 + 4
  EXPECT_EQ(max_chunks_in_flight(0, MB, 128 * MB), 8u);   // 0 threads counts as one
  for (unsigned threads : {8u, 16u, 32u, 64u, 128u}) {
    const std::size_t chunk = 3 * MB / 2;
    const std::size_t n = max_chunks_in_flight(threads, chunk, 128 * MB);
    EXPECT_LE(n, 4 * threads + 4u) << threads;
    EXPECT_GE(n, threads + 2u) << threads;
    // Within the budget, unless the floor of one chunk per worker alone exceeds it.
    if (n > threads + 2) {
      EXPECT_LE((n + threads + 2) * chunk, 128 * MB) << threads;
    }
  }
  EXPECT_EQ(max_chunks_in_flight(16, 3 * MB / 2, 128 * MB), 67u);  // 85 fit, 18 held besides
  EXPECT_EQ(max_chunks_in_flight(64, 3 * MB / 2, 128 * MB), 66u);  // the floor: 64 + 2
  EXPECT_EQ(max_chunks_in_flight(4, 0, 128 * MB), 20u);            // a zero size is no limit
}

TEST(PipelineTest, ConsumerStopsTheRun) {
  std::atomic<int> produced{0};
  int consumed = 0;
  const auto result = run_pipeline(
      4, 8, counter(100000, &produced), [](Chunk&, unsigned) {},
      [&](Chunk&) { return ++consumed < 10; });
  EXPECT_TRUE(result.stopped);
  EXPECT_EQ(consumed, 10);
  EXPECT_LT(produced.load(), 100);
}

TEST(PipelineTest, ReaderAndWorkerErrorsAreReported) {
  int n = 0;
  auto r1 = run_pipeline(
      2, 4,
      [&]() -> std::unique_ptr<Chunk> {
        if (++n > 5) throw IoError{"disk on fire"};
        return std::make_unique<Chunk>();
      },
      [](Chunk&, unsigned) {}, [](Chunk&) { return true; });
  ASSERT_TRUE(r1.error);
  EXPECT_EQ(r1.error->message, "disk on fire");

  auto r2 = run_pipeline(
      2, 4, counter(50, nullptr),
      [](Chunk& c, unsigned) {
        if (c.seq == 7) throw IoError{"bad chunk"};
      },
      [](Chunk&) { return true; });
  ASSERT_TRUE(r2.error);
  EXPECT_EQ(r2.error->message, "bad chunk");
}

}  // namespace
}  // namespace retain::batch
