// The ordered parallel pipeline: one reader thread produces chunks, N worker threads process
// them, and the calling thread consumes them strictly in input order. Memory is bounded: at
// most `max_in_flight` chunks exist at once (the reader blocks until the consumer catches up).
// The consumer may stop the run (returning false); the reader may fail with an IoError.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "batch/chunk.hpp"
#include "batch/io.hpp"

namespace retain::batch {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

  // Blocks while full. False when the queue was closed.
  bool push(T item) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }
  // Blocks while empty. False when closed and drained.
  bool pop(T& item) {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return false;
    item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }
  // Pushes are refused from now on; pops drain what is left.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> items_;
  std::size_t capacity_;
  bool closed_ = false;
};

struct PipelineResult {
  bool stopped = false;          // the consumer stopped the run
  std::optional<IoError> error;  // the reader or a worker failed
};

// produce: on the reader thread; the next chunk or null at the end; may throw IoError. `spare`
// is a chunk the pipeline is done with (or null), for produce to refill instead of allocating:
// RecordReader::next_chunk takes it. At most max_in_flight + threads + 2 chunks are kept.
// work: on worker `w` (0 <= w < threads); fills the chunk's results; may throw IoError.
// consume: on the calling thread, in order; false stops the run.
using ChunkProducer = std::function<std::unique_ptr<Chunk>(std::unique_ptr<Chunk> spare)>;

// The max_in_flight for `threads` workers and chunks of about `chunk_bytes` (input and output):
// 4 per worker and 4 more, as slack for chunks that finish out of order, but only as many as
// keep the chunks the pipeline holds (max_in_flight + threads + 2) within `budget_bytes`, and
// never fewer than threads + 2, so that every worker can be busy. On two cores nothing is cut;
// on 64, compact decisions would otherwise hold ~400 MB of chunks.
std::size_t max_chunks_in_flight(unsigned threads, std::size_t chunk_bytes,
                                 std::size_t budget_bytes = std::size_t{128} << 20);

PipelineResult run_pipeline(unsigned threads, std::size_t max_in_flight,
                            const ChunkProducer& produce,
                            const std::function<void(Chunk&, unsigned)>& work,
                            const std::function<bool(Chunk&)>& consume);
// The same with a producer that allocates every chunk.
PipelineResult run_pipeline(unsigned threads, std::size_t max_in_flight,
                            const std::function<std::unique_ptr<Chunk>()>& produce,
                            const std::function<void(Chunk&, unsigned)>& work,
                            const std::function<bool(Chunk&)>& consume);

}  // namespace retain::batch
