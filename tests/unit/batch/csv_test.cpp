#include "batch/csv.hpp"

#include <gtest/gtest.h>

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
