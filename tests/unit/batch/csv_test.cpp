#include "batch/csv.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace retain::batch {
namespace {

std::vector<std::string> split(std::string_view record) {
  std::vector<std::string_view> cells;
  std::string scratch, error;
  EXPECT_TRUE(split_csv(record, cells, scratch, &error)) << error;
  return {cells.begin(), cells.end()};
}

TEST(CsvTest, SplitsPlainAndQuotedCells) {
  EXPECT_EQ(split("a,b,,c"), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(split("\"x,y\",\"he said \"\"hi\"\"\",\"\""),
            (std::vector<std::string>{"x,y", "he said \"hi\"", ""}));
  EXPECT_EQ(split("\"multi\nline\",2"), (std::vector<std::string>{"multi\nline", "2"}));
  EXPECT_EQ(split(""), (std::vector<std::string>{""}));
  EXPECT_EQ(split("a,"), (std::vector<std::string>{"a", ""}));
}

// Records without quotes take a path of their own (commas found 64 bytes at a time): records
// of every length around the block sizes and cells of every width must split as a cell-by-cell
// reading does, and so must the same records ending in a quoted cell (a quote in any block
// sends the record to the general rules).
TEST(CsvTest, SplitsLikeACellByCellReadingAtEveryLength) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab,,,,1.5x ";
  for (int round = 0; round < 4000; ++round) {
    const std::size_t length = static_cast<std::size_t>(rng() % 200);
    std::string record;
    for (std::size_t i = 0; i < length; ++i) record.push_back(alphabet[rng() % alphabet.size()]);
    std::vector<std::string> expected;
    std::string cell;
    for (const char c : record) {
      if (c == ',') {
        expected.push_back(cell);
        cell.clear();
      } else {
        cell.push_back(c);
      }
    }
    expected.push_back(cell);
    ASSERT_EQ(split(record), expected) << "record: " << record;
    if (length > 0 && round % 4 == 0) {
      // A whole quoted cell in place of the last one: general rules, same other cells.
      const std::size_t last = record.rfind(',');
      std::string quoted =
          record.substr(0, last == std::string::npos ? 0 : last + 1) + "\"q,\"\"\"";
      expected.back() = "q,\"";
      ASSERT_EQ(split(quoted), expected) << "record: " << quoted;
    }
  }
}

TEST(CsvTest, ReportsMalformedRecords) {
  std::vector<std::string_view> cells;
  std::string scratch, error;
  EXPECT_FALSE(split_csv("\"abc\"x,1", cells, scratch, &error));
  EXPECT_NE(error.find("after a closing quote"), std::string::npos) << error;
  EXPECT_FALSE(split_csv("1,\"open", cells, scratch, &error));
  EXPECT_NE(error.find("unterminated"), std::string::npos) << error;
}

TEST(CsvTest, QuotesCellsThatNeedIt) {
  std::string out;
  append_csv_cell(out, "plain");
  out += ',';
  append_csv_cell(out, "a,b");
  out += ',';
  append_csv_cell(out, "say \"x\"");
  EXPECT_EQ(out, "plain,\"a,b\",\"say \"\"x\"\"\"");
  EXPECT_EQ(split(out), (std::vector<std::string>{"plain", "a,b", "say \"x\""}));
}

}  // namespace
}  // namespace retain::batch
