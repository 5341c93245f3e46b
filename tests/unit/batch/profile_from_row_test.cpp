#include "batch/profile_from_row.hpp"

#include <gtest/gtest.h>

namespace retain::batch {
namespace {

CsvHeader header(std::string_view text) {
  std::string error;
  auto h = CsvHeader::parse(text, false, &error);
  EXPECT_TRUE(h.has_value()) << error;
  return h.value_or(CsvHeader());
}

TEST(ProfileFromRowTest, MapsEveryKindOfColumn) {
  const CsvHeader h = header(
      "customer_id,tenure_months,revenue_12m,satisfaction,is_key_account,competitor_offer_seen,"
      "consumption_level,credit_grade,personality_type,metrics.nps,attributes.region,"
      "recent_actions,daysSinceLastOrder");
  CsvRowParser parser(h);
  v1::CustomerProfile p;
  RowError e;
  ASSERT_TRUE(
      parser.parse("C-1,24,1250000.5,,true,0,HEAVY,BBB,PERSONALITY_HESITANT,42.5,"
                   "\"north, east\",\"BUILD_CUSTOMER_TIES:12:declined;QUALITY_MARKETING:3:\",7",
                   &p, &e))
      << e.field << ": " << e.reason;
  EXPECT_EQ(p.customer_id(), "C-1");
  EXPECT_EQ(p.tenure_months(), 24);
  EXPECT_DOUBLE_EQ(p.revenue_12m(), 1250000.5);
  EXPECT_FALSE(p.has_satisfaction()) << "an empty cell leaves the field unset";
  EXPECT_TRUE(p.is_key_account());
  EXPECT_FALSE(p.competitor_offer_seen());
  EXPECT_EQ(p.consumption_level(), v1::HEAVY);
  EXPECT_EQ(p.credit_grade(), v1::BBB);
  EXPECT_EQ(p.personality_type(), v1::PERSONALITY_HESITANT);
  EXPECT_DOUBLE_EQ(p.metrics().at("nps"), 42.5);
  EXPECT_EQ(p.attributes().at("region"), "north, east");
  ASSERT_EQ(p.recent_actions_size(), 2);
  EXPECT_EQ(p.recent_actions(0).action_id(), "BUILD_CUSTOMER_TIES");
  EXPECT_EQ(p.recent_actions(0).days_ago(), 12);
  EXPECT_EQ(p.recent_actions(0).outcome(), "declined");
  EXPECT_EQ(p.recent_actions(1).outcome(), "");
  EXPECT_TRUE(p.has_days_since_last_order());
  EXPECT_EQ(p.days_since_last_order(), 7);

  // The parser is reused: the next row starts from an empty profile.
  ASSERT_TRUE(parser.parse("C-2,,,,,,,,,,,,", &p, &e));
  EXPECT_EQ(p.customer_id(), "C-2");
  EXPECT_EQ(p.tenure_months(), 0);
  EXPECT_TRUE(p.metrics().empty());
  EXPECT_EQ(p.recent_actions_size(), 0);
  EXPECT_FALSE(p.has_days_since_last_order());
}

// The parser keeps the map entries of one row for the next (CsvRowParser::parse): an empty
// cell must still remove the key, and entries from elsewhere must not survive.
TEST(ProfileFromRowTest, MapEntriesDoNotLeakFromRowToRow) {
  const CsvHeader h = header("customer_id,metrics.nps,metrics.ces,attributes.region");
  CsvRowParser parser(h);
  v1::CustomerProfile p;
  RowError e;
  ASSERT_TRUE(parser.parse("C-1,9,2.5,north", &p, &e)) << e.reason;
  EXPECT_EQ(p.metrics().size(), 2u);
  ASSERT_TRUE(parser.parse("C-2,,3,", &p, &e)) << e.reason;
  EXPECT_EQ(p.metrics().count("nps"), 0u);
  EXPECT_DOUBLE_EQ(p.metrics().at("ces"), 3);
  EXPECT_TRUE(p.attributes().empty());
  ASSERT_FALSE(parser.parse("C-3,x,4,south", &p, &e));
  ASSERT_TRUE(parser.parse("C-4,7,,west", &p, &e)) << e.reason;
  EXPECT_DOUBLE_EQ(p.metrics().at("nps"), 7);
  EXPECT_EQ(p.metrics().count("ces"), 0u);
  EXPECT_EQ(p.attributes().at("region"), "west");
  (*p.mutable_metrics())["foreign"] = 1;
  (*p.mutable_attributes())["other"] = "x";
  ASSERT_TRUE(parser.parse("C-5,1,2,east", &p, &e)) << e.reason;
  EXPECT_EQ(p.metrics().size(), 2u);
  EXPECT_EQ(p.metrics().count("foreign"), 0u);
  EXPECT_EQ(p.attributes().size(), 1u);
  EXPECT_EQ(p.attributes().at("region"), "east");
  EXPECT_EQ(p.customer_id(), "C-5");
  v1::CustomerProfile other;
  (*other.mutable_metrics())["foreign"] = 1;
  ASSERT_TRUE(parser.parse("C-6,,,", &other, &e)) << e.reason;
  EXPECT_TRUE(other.metrics().empty()) << "another profile than the last one";
}

TEST(ProfileFromRowTest, OptionalZeroIsSetNotUnset) {
  const CsvHeader h = header("customer_id,days_since_last_order");
  CsvRowParser parser(h);
  v1::CustomerProfile p;
  RowError e;
  ASSERT_TRUE(parser.parse("a,0", &p, &e));
  EXPECT_TRUE(p.has_days_since_last_order());
}

TEST(ProfileFromRowTest, BadCellsNameTheColumnAndValue) {
  const CsvHeader h = header(
      "customer_id,tenure_months,revenue_12m,is_key_account,consumption_level,recent_actions");
  CsvRowParser parser(h);
  v1::CustomerProfile p;
  RowError e;
  EXPECT_FALSE(parser.parse("a,twelve,1,true,HEAVY,", &p, &e));
  EXPECT_EQ(e.field, "tenure_months");
  EXPECT_NE(e.reason.find("'twelve' is not an integer"), std::string::npos) << e.reason;

  EXPECT_FALSE(parser.parse("a,1,1e999x,true,HEAVY,", &p, &e));
  EXPECT_EQ(e.field, "revenue_12m");

  EXPECT_FALSE(parser.parse("a,1,1,yes,HEAVY,", &p, &e));
  EXPECT_EQ(e.field, "is_key_account");

  EXPECT_FALSE(parser.parse("a,1,1,true,MEDIUM,", &p, &e));
  EXPECT_EQ(e.field, "consumption_level");
  EXPECT_NE(e.reason.find("HEAVY, LIGHT"), std::string::npos) << e.reason;

  EXPECT_FALSE(parser.parse("a,1,1,true,HEAVY,X:soon", &p, &e));
  EXPECT_EQ(e.field, "recent_actions");

  EXPECT_FALSE(parser.parse("a,1,1,true,HEAVY", &p, &e));
  EXPECT_EQ(e.field, "");
  EXPECT_NE(e.reason.find("expected 6 cells"), std::string::npos) << e.reason;

  EXPECT_FALSE(parser.parse("a,3000000000,1,true,HEAVY,", &p, &e)) << "int32 overflow";
  EXPECT_EQ(e.field, "tenure_months");
}

TEST(ProfileFromRowTest, AcceptsIntegralDecimalsOneZeroBooleansAndEnumNumbers) {
  const CsvHeader h = header("tenure_months,is_key_account,consumption_level");
  CsvRowParser parser(h);
  v1::CustomerProfile p;
  RowError e;
  ASSERT_TRUE(parser.parse("12.0,1,2", &p, &e)) << e.reason;
  EXPECT_EQ(p.tenure_months(), 12);
  EXPECT_TRUE(p.is_key_account());
  EXPECT_EQ(p.consumption_level(), v1::LIGHT);
  EXPECT_FALSE(parser.parse("12.5,1,2", &p, &e));
}

TEST(ProfileFromRowTest, HeaderErrorsNameTheColumn) {
  std::string error;
  EXPECT_FALSE(CsvHeader::parse("customer_id,tenure_monts", false, &error));
  EXPECT_NE(error.find("'tenure_monts'"), std::string::npos) << error;
  EXPECT_NE(error.find("did you mean 'tenure_months'"), std::string::npos) << error;

  EXPECT_FALSE(CsvHeader::parse("customer_id,customer_id", false, &error));
  EXPECT_NE(error.find("twice"), std::string::npos) << error;

  EXPECT_FALSE(CsvHeader::parse("customer_id,metrics", false, &error));
  EXPECT_NE(error.find("metrics.NAME"), std::string::npos) << error;

  std::vector<std::string> ignored;
  auto h = CsvHeader::parse("customer_id,crm_note", true, &error, &ignored);
  ASSERT_TRUE(h);
  EXPECT_EQ(ignored, std::vector<std::string>{"crm_note"});
  CsvRowParser parser(*h);
  v1::CustomerProfile p;
  RowError e;
  EXPECT_TRUE(parser.parse("x,whatever", &p, &e));
}

TEST(ProfileFromRowTest, ExtraColumnsAreKeptAsTextNotUnknown) {
  const std::vector<std::string> extra = {"churned"};
  std::string error;
  auto h = CsvHeader::parse("customer_id,churned,tenure_months", false, &error, nullptr, &extra);
  ASSERT_TRUE(h) << error;
  EXPECT_EQ(h->columns()[1].kind, CsvHeader::Kind::Extra);
  ASSERT_EQ(h->find("churned"), 1u);
  EXPECT_FALSE(h->find("nope"));
  CsvRowParser parser(*h);
  v1::CustomerProfile p;
  RowError e;
  ASSERT_TRUE(parser.parse("x,\"yes, really\",12", &p, &e)) << e.reason;
  EXPECT_EQ(parser.cell(1), "yes, really");
  EXPECT_EQ(p.tenure_months(), 12);
  // Without the extra list the same header is an unknown column, as before.
  EXPECT_FALSE(CsvHeader::parse("customer_id,churned", false, &error));
}

}  // namespace
}  // namespace retain::batch
