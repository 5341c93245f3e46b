#include "batch/jsonl_reader.hpp"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

namespace retain::batch {
namespace {

using google::protobuf::util::MessageDifferencer;

const char* const kLines[] = {
    R"({"customer_id":"C1","tenure_months":24,"revenue_12m":1250000.5,"is_key_account":true})",
    R"({"customerId":"C2","tenureMonths":"36","revenue12m":"1e6","consumptionLevel":"HEAVY","creditGrade":4})",
    R"({"customer_id":"C3","satisfaction":null,"days_since_last_order":0,"defect_rate":0.025})",
    R"({"customer_id":"C4","metrics":{"nps":42,"churn_model":"0.5"},"attributes":{"region":"north \"east\""}})",
    R"({"customer_id":"C5","recent_actions":[{"action_id":"BUILD_CUSTOMER_TIES","days_ago":12,"outcome":"declined"},{"actionId":"QUALITY_MARKETING","daysAgo":3}]})",
    R"(  {"customer_id":"\u5ba2\u6237","personality_type":"PERSONALITY_HESITANT","tenure_months":12.0}  )",
    R"({})",
};

TEST(JsonRowParserTest, AgreesWithProtobufJsonStringToMessage) {
  JsonRowParser fast;
  for (const char* line : kLines) {
    v1::CustomerProfile expected, actual;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &expected).ok()) << line;
    RowError e;
    ASSERT_TRUE(fast.parse(line, 0, &actual, &e)) << line << ": " << e.field << " " << e.reason;
    EXPECT_TRUE(MessageDifferencer::Equals(expected, actual))
        << line << "\nexpected " << expected.ShortDebugString() << "\nactual   "
        << actual.ShortDebugString();
  }
}

// The parser first tries the key the previous line had at the same position.
TEST(JsonRowParserTest, KeysInAnotherOrderThanTheLineBefore) {
  JsonRowParser parser;
  v1::CustomerProfile p;
  RowError e;
  ASSERT_TRUE(parser.parse(R"({"customer_id":"A","tenure_months":1,"satisfaction":5})", 0, &p, &e));
  ASSERT_TRUE(
      parser.parse(R"({"tenure_months":2,"customer_id":"B","defect_rate":0.5})", 0, &p, &e));
  EXPECT_EQ(p.customer_id(), "B");
  EXPECT_EQ(p.tenure_months(), 2);
  EXPECT_FALSE(p.has_satisfaction());
  EXPECT_DOUBLE_EQ(p.defect_rate(), 0.5);
  ASSERT_FALSE(parser.parse(R"({"tenure_months":3,"customer_idd":"C"})", 0, &p, &e));
  EXPECT_EQ(e.field, "customer_idd");
  ASSERT_TRUE(parser.parse(R"({"tenureMonths":4,"customer_id":"D"})", 0, &p, &e));
  EXPECT_EQ(p.tenure_months(), 4);
  EXPECT_EQ(p.customer_id(), "D");
}

TEST(JsonRowParserTest, ParsesInPlaceWithPadding) {
  std::string buffer = std::string(kLines[0]) + "\n" + std::string(64, ' ');
  JsonRowParser fast;
  v1::CustomerProfile p;
  RowError e;
  ASSERT_TRUE(
      fast.parse(std::string_view(buffer.data(), std::strlen(kLines[0])), buffer.size(), &p, &e));
  EXPECT_EQ(p.tenure_months(), 24);
}

TEST(JsonRowParserTest, RejectsBadRowsWithTheField) {
  JsonRowParser fast;
  v1::CustomerProfile p;
  RowError e;
  EXPECT_FALSE(fast.parse(R"({"customer_id":"a","tenure_monts":3})", 0, &p, &e));
  EXPECT_EQ(e.field, "tenure_monts");
  EXPECT_NE(e.reason.find("unknown field"), std::string::npos);
  EXPECT_NE(e.reason.find("tenure_months"), std::string::npos) << e.reason;

  EXPECT_FALSE(fast.parse(R"({"tenure_months":"soon"})", 0, &p, &e));
  EXPECT_EQ(e.field, "tenure_months");
  EXPECT_FALSE(fast.parse(R"({"tenure_months":1.5})", 0, &p, &e));
  EXPECT_EQ(e.field, "tenure_months");
  EXPECT_FALSE(fast.parse(R"({"tenure_months":3000000000})", 0, &p, &e));
  EXPECT_FALSE(fast.parse(R"({"is_key_account":"yes"})", 0, &p, &e));
  EXPECT_EQ(e.field, "is_key_account");
  EXPECT_FALSE(fast.parse(R"({"consumption_level":"MEDIUM"})", 0, &p, &e));
  EXPECT_FALSE(fast.parse(R"({"revenue_12m":true})", 0, &p, &e));
  EXPECT_FALSE(fast.parse(R"({"metrics":{"nps":"high"}})", 0, &p, &e));
  EXPECT_EQ(e.field, "metrics.nps");
  EXPECT_FALSE(fast.parse(R"({"customer_id":"a")", 0, &p, &e));
  EXPECT_FALSE(fast.parse(R"([1,2])", 0, &p, &e));
  EXPECT_FALSE(fast.parse(R"({"customer_id":"a"} trailing)", 0, &p, &e));
  EXPECT_FALSE(fast.parse(R"(customer_id,tenure)", 0, &p, &e));
}

// A profile field given twice in a line, under either of its names, is a bad row: taking the
// last value would hide that the line says two things.
TEST(JsonRowParserTest, RejectsAFieldGivenTwice) {
  JsonRowParser fast;
  v1::CustomerProfile p;
  RowError e;
  EXPECT_FALSE(fast.parse(R"({"customer_id":"a","tenure_months":3,"tenure_months":4})", 0, &p, &e));
  EXPECT_EQ(e.field, "tenure_months");
  EXPECT_NE(e.reason.find("twice"), std::string::npos) << e.reason;
  EXPECT_FALSE(fast.parse(R"({"tenureMonths":3,"customer_id":"a","tenure_months":3})", 0, &p, &e));
  EXPECT_EQ(e.field, "tenure_months");
  // The next line starts afresh.
  ASSERT_TRUE(fast.parse(R"({"customer_id":"b","tenure_months":5})", 0, &p, &e)) << e.reason;
  EXPECT_EQ(p.tenure_months(), 5);
}

// The same inside the maps and inside a recent action.
TEST(JsonRowParserTest, RejectsAKeyGivenTwiceInsideAMapOrAnAction) {
  JsonRowParser fast;
  v1::CustomerProfile p;
  RowError e;
  EXPECT_FALSE(fast.parse(R"({"customer_id":"a","metrics":{"nps":3,"nps":9}})", 0, &p, &e));
  EXPECT_EQ(e.field, "metrics.nps");
  EXPECT_NE(e.reason.find("twice"), std::string::npos) << e.reason;
  EXPECT_FALSE(
      fast.parse(R"({"customer_id":"a","attributes":{"region":"N","region":"S"}})", 0, &p, &e));
  EXPECT_EQ(e.field, "attributes.region");
  EXPECT_FALSE(fast.parse(
      R"({"customer_id":"a","recent_actions":[{"action_id":"X","days_ago":3,"days_ago":40}]})", 0,
      &p, &e));
  EXPECT_EQ(e.field, "recent_actions[0].days_ago");
  EXPECT_NE(e.reason.find("twice"), std::string::npos) << e.reason;
  // Distinct keys, and the same key in two different actions, are fine.
  ASSERT_TRUE(fast.parse(
      R"({"customer_id":"b","metrics":{"nps":3,"csat":9},"attributes":{"region":"N"},)"
      R"("recent_actions":[{"action_id":"X","days_ago":3},{"action_id":"Y","days_ago":4}]})",
      0, &p, &e))
      << e.reason;
  EXPECT_EQ(p.metrics().at("nps"), 3);
  EXPECT_EQ(p.metrics().at("csat"), 9);
  EXPECT_EQ(p.recent_actions_size(), 2);
  EXPECT_EQ(p.recent_actions(1).days_ago(), 4);
}

TEST(JsonRowParserTest, ProtobufFallbackParsesAndRejects) {
  JsonRowParser slow(JsonRowParser::Engine::Protobuf);
  v1::CustomerProfile p;
  RowError e;
  EXPECT_TRUE(slow.parse(kLines[1], 0, &p, &e)) << e.reason;
  EXPECT_EQ(p.tenure_months(), 36);
  EXPECT_FALSE(slow.parse(R"({"tenure_monts":3})", 0, &p, &e));
}

TEST(JsonRowParserTest, ExtraFieldsAreCapturedAsText) {
  JsonRowParser fast;
  fast.set_extra_fields({"churned", "note"});
  v1::CustomerProfile p;
  RowError e;
  ASSERT_TRUE(fast.parse(R"({"churned":true,"tenure_months":3,"note":"a \"b\""})", 0, &p, &e))
      << e.reason;
  EXPECT_EQ(fast.extra(0), "true");
  EXPECT_EQ(fast.extra(1), "a \"b\"");
  EXPECT_EQ(p.tenure_months(), 3);
  ASSERT_TRUE(fast.parse(R"({"churned":1})", 0, &p, &e));
  EXPECT_EQ(fast.extra(0), "1");
  EXPECT_FALSE(fast.extra(1));  // absent: cleared from the previous row
  ASSERT_TRUE(fast.parse(R"({"churned":null})", 0, &p, &e));
  EXPECT_FALSE(fast.extra(0));
  EXPECT_FALSE(fast.parse(R"({"churned":[1]})", 0, &p, &e));
  EXPECT_EQ(e.field, "churned");
  // Only at the top level: inside an action it is still an unknown field.
  EXPECT_FALSE(fast.parse(R"({"recent_actions":[{"churned":1}]})", 0, &p, &e));
}

}  // namespace
}  // namespace retain::batch
