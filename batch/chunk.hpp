// A chunk: a run of consecutive input records copied into one buffer, plus the results a
// worker produced for them (output text, rejects). Chunks are the unit the pipeline moves
// between threads; a chunk belongs to one thread at a time (reader, then one worker, then
// the writer), handed over through the pipeline's queues.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace retain::batch {

// Bytes kept readable after the last record, so simdjson may parse in place.
inline constexpr std::size_t kChunkPadding = 64;

struct Record {
  std::uint32_t offset = 0;  // into Chunk::data
  std::uint32_t length = 0;  // without the line break
  std::uint64_t line = 0;    // physical line of the input the record starts on (1-based)
  std::uint64_t index = 0;   // 0-based index among the data records of the whole input
};

struct Reject {
  std::uint64_t line = 0;
  std::string field;   // the column or field at fault, "" for the whole row
  std::string reason;  // human-readable
  std::string text;    // the original record
};

struct Chunk {
  std::uint64_t seq = 0;
  std::string data;
  std::vector<Record> records;
  std::uint64_t input_bytes_end = 0;  // input offset just after this chunk, for progress

  std::string_view text(const Record& r) const { return {data.data() + r.offset, r.length}; }

  // Results, filled by the worker.
  std::string output;
  std::vector<Reject> rejects;
  std::uint64_t scored = 0;

  // Empties the chunk for the next run of records. The buffers keep their capacity: allocating
  // them afresh for every chunk (hundreds of KB each) cost page faults and zeroing per row.
  void reset() {
    seq = 0;
    data.clear();
    records.clear();
    input_bytes_end = 0;
    output.clear();
    rejects.clear();
    scored = 0;
    std::lock_guard lock(mutex_);
    done_ = false;
  }

  // Completion flag: set by the worker, awaited by the writer.
  void mark_done() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
  }
  void wait_done() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return done_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
};

}  // namespace retain::batch
