#include "batch/record_reader.hpp"

#include <algorithm>
#include <cstring>

namespace retain::batch {

namespace {
constexpr std::size_t kReadBlock = 1 << 20;
}

RecordReader::RecordReader(ByteSource& source, InputFormat format, ReaderLimits limits)
    : source_(source), format_(format), limits_(limits) {}

bool RecordReader::fill() {
  if (eof_) return false;
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    consumed_base_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  if (buf_.size() < end_ + kReadBlock) buf_.resize(std::max(buf_.size() * 2, end_ + kReadBlock));
  const std::size_t n = source_.read(buf_.data() + end_, buf_.size() - end_);
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += n;
  if (at_start_ && end_ >= 3) {
    at_start_ = false;
    if (std::memcmp(buf_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
  }
  return true;
}

bool RecordReader::next_record(std::string_view* text, std::uint64_t* line) {
  for (;;) {
    const char* base = buf_.data();  // fill() may move the buffer: re-read after it
    std::size_t i = pos_;
    bool in_quote = false;
    bool quoted = false;
    std::size_t record_end = std::string::npos;
    while (i < end_) {
      if (!in_quote) {
        const void* nl = std::memchr(base + i, '\n', end_ - i);
        const std::size_t stop = nl ? static_cast<const char*>(nl) - base : end_;
        const void* q =
            format_ == InputFormat::Csv ? std::memchr(base + i, '"', stop - i) : nullptr;
        if (q == nullptr) {
          if (nl != nullptr) record_end = stop;
          i = stop;
          break;
        }
        quoted = true;
        in_quote = true;
        i = static_cast<const char*>(q) - base + 1;
      } else {
        const void* q = std::memchr(base + i, '"', end_ - i);
        if (q == nullptr) {
          i = end_;
          break;
        }
        in_quote = false;
        i = static_cast<const char*>(q) - base + 1;
      }
    }
    if (record_end == std::string::npos) {
      if (fill()) continue;
      base = buf_.data();
      if (pos_ >= end_) return false;
      record_end = end_;  // the last record has no line break
    }
    std::size_t length = record_end - pos_;
    std::uint64_t inner_lines = 0;
    if (quoted) inner_lines = std::count(base + pos_, base + record_end, '\n');
    *line = line_;
    line_ += 1 + inner_lines;
    const std::size_t start = pos_;
    pos_ = record_end < end_ ? record_end + 1 : end_;
    if (length > 0 && base[start + length - 1] == '\r') --length;
    if (length == 0) {
      ++blank_lines_;
      continue;
    }
    *text = std::string_view(base + start, length);
    return true;
  }
}

std::optional<std::string> RecordReader::read_header(std::uint64_t* line) {
  std::string_view text;
  std::uint64_t l = 0;
  if (!next_record(&text, &l)) return std::nullopt;
  if (line != nullptr) *line = l;
  return std::string(text);
}

std::unique_ptr<Chunk> RecordReader::next_chunk(std::unique_ptr<Chunk> spare) {
  if (next_index_ >= limits_.last) return nullptr;
  std::unique_ptr<Chunk> chunk = std::move(spare);
  if (chunk) {
    chunk->reset();
    // A chunk that once held a huge record would keep its memory for the rest of the run.
    // (Swapped, not assigned: a moved-in empty string leaves libstdc++'s buffer in place.)
    if (chunk->data.capacity() > 2 * (limits_.chunk_bytes + kChunkPadding + 4096)) {
      std::string().swap(chunk->data);
    }
  } else {
    chunk = std::make_unique<Chunk>();
  }
  chunk->seq = seq_++;
  chunk->records.reserve(limits_.chunk_records);
  // As large as the last chunk: appending records to an empty string copied each chunk about
  // twice while it grew.
  chunk->data.reserve(std::min(last_chunk_bytes_ + last_chunk_bytes_ / 8, limits_.chunk_bytes) +
                      kChunkPadding + 4096);
  std::string_view text;
  std::uint64_t line = 0;
  while (chunk->records.size() < limits_.chunk_records &&
         chunk->data.size() < limits_.chunk_bytes && next_index_ < limits_.last) {
    if (!next_record(&text, &line)) break;
    const std::uint64_t index = next_index_++;
    if (index < limits_.first) continue;
    Record r;
    r.offset = static_cast<std::uint32_t>(chunk->data.size());
    r.length = static_cast<std::uint32_t>(text.size());
    r.line = line;
    r.index = index;
    chunk->data.append(text);
    chunk->data.push_back('\n');
    chunk->records.push_back(r);
  }
  if (chunk->records.empty()) return nullptr;
  last_chunk_bytes_ = chunk->data.size();
  chunk->data.append(kChunkPadding, ' ');
  chunk->input_bytes_end = bytes_consumed();
  return chunk;
}

std::uint64_t count_records(const std::string& path, InputFormat format) {
  ByteSource source(path);
  ReaderLimits limits;
  limits.chunk_records = 1 << 16;
  limits.chunk_bytes = 8 << 20;
  RecordReader reader(source, format, limits);
  if (format == InputFormat::Csv && !reader.read_header()) return 0;
  std::uint64_t n = 0;
  while (auto chunk = reader.next_chunk()) n += chunk->records.size();
  return n;
}

}  // namespace retain::batch
