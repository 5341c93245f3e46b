#include "batch/pipeline.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <vector>

namespace retain::batch {

namespace {

// Chunks the consumer and the workers are done with, for the reader to refill. The last owner
// of a chunk (the consumer, or a worker still dropping its reference) puts it back.
class ChunkPool {
 public:
  explicit ChunkPool(std::size_t capacity) { free_.reserve(capacity); }

  // Never throws nor grows the list (it runs in a shared_ptr's deleter): beyond the capacity,
  // which no run reaches since at most that many chunks exist at once, the chunk is freed.
  void put(Chunk* chunk) noexcept {
    std::unique_ptr<Chunk> owned(chunk);
    std::lock_guard lock(mutex_);
    if (free_.size() < free_.capacity()) free_.push_back(std::move(owned));
  }
  std::unique_ptr<Chunk> take() {
    std::lock_guard lock(mutex_);
    if (free_.empty()) return nullptr;
    std::unique_ptr<Chunk> chunk = std::move(free_.back());
    free_.pop_back();
    return chunk;
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<Chunk>> free_;
};

}  // namespace

std::size_t max_chunks_in_flight(unsigned threads, std::size_t chunk_bytes,
                                 std::size_t budget_bytes) {
  const std::size_t workers = std::max(1u, threads);
  const std::size_t fit = budget_bytes / std::max<std::size_t>(1, chunk_bytes);
  const std::size_t held_besides = workers + 2;
  const std::size_t affordable = fit > held_besides ? fit - held_besides : 0;
  return std::max(workers + 2, std::min(4 * workers + 4, affordable));
}

PipelineResult run_pipeline(unsigned threads, std::size_t max_in_flight,
                            const std::function<std::unique_ptr<Chunk>()>& produce,
                            const std::function<void(Chunk&, unsigned)>& work,
                            const std::function<bool(Chunk&)>& consume) {
  return run_pipeline(
      threads, max_in_flight, [&](std::unique_ptr<Chunk>) { return produce(); }, work, consume);
}

PipelineResult run_pipeline(unsigned threads, std::size_t max_in_flight,
                            const ChunkProducer& produce,
                            const std::function<void(Chunk&, unsigned)>& work,
                            const std::function<bool(Chunk&)>& consume) {
  if (threads == 0) threads = 1;
  if (max_in_flight < threads + 1) max_in_flight = threads + 1;
  // Declared before the queues, so that it outlives every chunk they still hold.
  ChunkPool pool(max_in_flight + threads + 2);
  BoundedQueue<std::shared_ptr<Chunk>> order(max_in_flight);
  BoundedQueue<std::shared_ptr<Chunk>> jobs(max_in_flight);
  std::atomic<bool> stop{false};
  std::mutex error_mutex;
  std::optional<IoError> error;
  const auto fail = [&](IoError e) {
    std::lock_guard lock(error_mutex);
    if (!error) error = std::move(e);
    stop = true;
  };

  std::thread reader([&] {
    try {
      while (!stop) {
        std::unique_ptr<Chunk> chunk = produce(pool.take());
        if (!chunk) break;
        std::shared_ptr<Chunk> shared(chunk.release(), [&pool](Chunk* c) { pool.put(c); });
        if (!order.push(shared)) break;
        if (!jobs.push(shared)) {
          shared->mark_done();
          break;
        }
      }
    } catch (const IoError& e) {
      fail(e);
    } catch (const std::exception& e) {
      fail(IoError{e.what()});
    }
    order.close();
    jobs.close();
  });

  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (unsigned w = 0; w < threads; ++w) {
    workers.emplace_back([&, w] {
      std::shared_ptr<Chunk> chunk;
      while (jobs.pop(chunk)) {
        if (!stop) {
          try {
            work(*chunk, w);
          } catch (const IoError& e) {
            fail(e);
          } catch (const std::exception& e) {
            fail(IoError{e.what()});
          }
        }
        chunk->mark_done();
        chunk.reset();
      }
    });
  }

  PipelineResult result;
  std::shared_ptr<Chunk> chunk;
  while (order.pop(chunk)) {
    if (stop) continue;  // draining after a stop: results are dropped
    chunk->wait_done();
    if (!stop) {
      try {
        if (!consume(*chunk)) {
          result.stopped = true;
          stop = true;
        }
      } catch (const IoError& e) {
        fail(e);
      }
    }
    chunk.reset();
    if (stop) {
      // Unblock the reader, which may wait for room in `order`.
      order.close();
      jobs.close();
    }
  }
  reader.join();
  for (auto& t : workers) t.join();
  result.error = error;
  return result;
}

}  // namespace retain::batch
