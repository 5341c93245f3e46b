// Splits an input byte stream into records and groups them into chunks, keeping physical line
// numbers. CSV records may span lines inside quotes (RFC 4180); JSON Lines records are lines.
// Blank lines are not records (they are skipped and counted). A UTF-8 byte-order mark at the
// start is dropped. Optionally keeps only the data records whose index is in [first, last), for
// shards. Not thread-safe: the pipeline's reader thread owns it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "batch/chunk.hpp"
#include "batch/io.hpp"

namespace retain::batch {

enum class InputFormat { Csv, Jsonl };

struct ReaderLimits {
  std::size_t chunk_records = 1024;
  std::size_t chunk_bytes = 512 * 1024;
  std::uint64_t first = 0;          // first data record index kept
  std::uint64_t last = UINT64_MAX;  // one past the last kept
};

class RecordReader {
 public:
  RecordReader(ByteSource& source, InputFormat format, ReaderLimits limits = {});

  // CSV: reads the header record (the first non-blank record). Returns nothing for an empty
  // input. Must be called before next_chunk() for CSV; never for JSON Lines.
  std::optional<std::string> read_header(std::uint64_t* line = nullptr);

  // The next chunk of kept records, or null at the end (or past `last`). Throws IoError. A
  // `spare` chunk is reset and refilled instead of allocating a new one.
  std::unique_ptr<Chunk> next_chunk(std::unique_ptr<Chunk> spare = nullptr);

  std::uint64_t blank_lines() const { return blank_lines_; }
  std::uint64_t bytes_consumed() const { return consumed_base_ + pos_; }
  // Data records seen so far (kept or skipped by the shard range).
  std::uint64_t records_seen() const { return next_index_; }

 private:
  // Finds the next record; false at end of input. The view is valid until the next call.
  bool next_record(std::string_view* text, std::uint64_t* line);
  bool fill();  // reads more input; false at end

  ByteSource& source_;
  InputFormat format_;
  ReaderLimits limits_;
  std::string buf_;
  std::size_t pos_ = 0;  // start of the unconsumed bytes in buf_
  std::size_t end_ = 0;  // end of valid bytes in buf_
  bool eof_ = false;
  bool at_start_ = true;
  std::uint64_t consumed_base_ = 0;
  std::uint64_t line_ = 1;
  std::uint64_t blank_lines_ = 0;
  std::uint64_t next_index_ = 0;
  std::uint64_t seq_ = 0;
  std::size_t last_chunk_bytes_ = 0;
};

// Counts the data records of an input (a quick scan; for shard ranges). Throws IoError.
std::uint64_t count_records(const std::string& path, InputFormat format);

}  // namespace retain::batch
