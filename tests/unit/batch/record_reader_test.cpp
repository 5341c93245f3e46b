#include "batch/record_reader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace retain::batch {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid())))
      .string();
}

std::string write_temp(const std::string& name, const std::string& content) {
  const std::string path = temp_path(name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

struct Read {
  std::string header;
  std::vector<std::pair<std::uint64_t, std::string>> records;  // line, text
  std::uint64_t blank = 0;
};

// recycle: each chunk is handed back to next_chunk() as the spare to refill.
Read read_all(const std::string& path, InputFormat format, ReaderLimits limits = {},
              bool recycle = false, std::size_t* max_capacity = nullptr) {
  ByteSource source(path);
  RecordReader reader(source, format, limits);
  Read r;
  if (format == InputFormat::Csv) r.header = reader.read_header().value_or("");
  std::unique_ptr<Chunk> spare;
  std::uint64_t seq = 0;
  while (auto chunk = reader.next_chunk(std::move(spare))) {
    EXPECT_EQ(chunk->seq, seq++);
    for (const auto& rec : chunk->records)
      r.records.emplace_back(rec.line, std::string(chunk->text(rec)));
    // The capacity of chunks holding only ordinary records.
    if (max_capacity != nullptr && chunk->data.size() < (1u << 20)) {
      *max_capacity = std::max(*max_capacity, chunk->data.capacity());
    }
    chunk->output = "results of this chunk";
    if (recycle) spare = std::move(chunk);
  }
  r.blank = reader.blank_lines();
  return r;
}

TEST(RecordReaderTest, KeepsPhysicalLineNumbersAcrossQuotedNewlinesAndBlankLines) {
  const std::string path =
      write_temp("rr1.csv",
                 "\xEF\xBB\xBF"
                 "customer_id,note\r\nc1,plain\r\n\r\nc2,\"two\nlines\"\nc3,x\n\nc4,last");
  const Read r = read_all(path, InputFormat::Csv);
  EXPECT_EQ(r.header, "customer_id,note");
  ASSERT_EQ(r.records.size(), 4u);
  EXPECT_EQ(r.records[0], (std::pair<std::uint64_t, std::string>{2, "c1,plain"}));
  EXPECT_EQ(r.records[1], (std::pair<std::uint64_t, std::string>{4, "c2,\"two\nlines\""}));
  EXPECT_EQ(r.records[2], (std::pair<std::uint64_t, std::string>{6, "c3,x"}));
  EXPECT_EQ(r.records[3], (std::pair<std::uint64_t, std::string>{8, "c4,last"}));
  EXPECT_EQ(r.blank, 2u);
  std::filesystem::remove(path);
}

TEST(RecordReaderTest, RefilledChunksReadTheSameAndDropAHugeBuffer) {
  std::string content = "customer_id,note\n";
  for (int i = 0; i < 5000; ++i) {
    content += "c" + std::to_string(i) + ",";
    content += i == 100 ? std::string(3 << 20, 'x') : "\"a\nb\"";  // one 3 MB record
    content += "\n";
  }
  const std::string path = write_temp("rr-recycle.csv", content);
  ReaderLimits limits;
  limits.chunk_records = 64;
  limits.chunk_bytes = 4096;
  std::size_t max_capacity = 0;
  const Read fresh = read_all(path, InputFormat::Csv, limits);
  const Read reused = read_all(path, InputFormat::Csv, limits, true, &max_capacity);
  EXPECT_EQ(fresh.records, reused.records);
  EXPECT_EQ(fresh.records.size(), 5000u);
  // The chunk that held the huge record is refilled with a buffer of ordinary size.
  EXPECT_GT(max_capacity, 0u);
  EXPECT_LT(max_capacity, 1u << 20);
  std::filesystem::remove(path);
}

TEST(RecordReaderTest, JsonLinesAreLinesEvenWithQuotes) {
  const std::string path = write_temp("rr2.jsonl", "{\"a\":\"x\\\"y\"}\n\n{\"b\":1}\n");
  const Read r = read_all(path, InputFormat::Jsonl);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].first, 1u);
  EXPECT_EQ(r.records[1].first, 3u);
  EXPECT_EQ(r.records[1].second, "{\"b\":1}");
  std::filesystem::remove(path);
}

TEST(RecordReaderTest, RecordsSpanningReadBlocksAndChunksStayWhole) {
  std::string content = "customer_id,note\n";
  const int n = 30000;
  for (int i = 0; i < n; ++i)
    content += "c" + std::to_string(i) + ",\"" + std::string(i % 97, 'x') + "\"\n";
  const std::string path = write_temp("rr3.csv", content);
  ReaderLimits limits;
  limits.chunk_records = 333;
  const Read r = read_all(path, InputFormat::Csv, limits);
  ASSERT_EQ(r.records.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; i += 997) {
    EXPECT_EQ(r.records[i].first, static_cast<std::uint64_t>(i + 2));
    EXPECT_EQ(r.records[i].second,
              "c" + std::to_string(i) + ",\"" + std::string(i % 97, 'x') + "\"");
  }
  EXPECT_EQ(count_records(path, InputFormat::Csv), static_cast<std::uint64_t>(n));
  std::filesystem::remove(path);
}

TEST(RecordReaderTest, ShardLimitsKeepOnlyTheirRange) {
  const std::string path = write_temp("rr4.csv", "h\n0\n1\n\n2\n3\n4\n");
  ReaderLimits limits;
  limits.first = 1;
  limits.last = 3;
  const Read r = read_all(path, InputFormat::Csv, limits);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0], (std::pair<std::uint64_t, std::string>{3, "1"}));
  EXPECT_EQ(r.records[1], (std::pair<std::uint64_t, std::string>{5, "2"}));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace retain::batch
