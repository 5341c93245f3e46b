#include "batch/decision_writer.hpp"

#include <cmath>
#include <cstring>
#include <random>

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "batch/csv.hpp"
#include "engine/json_text.hpp"

namespace retain::batch {
namespace {

namespace pb = google::protobuf;

// Sets every field of a message (recursively, two entries per repeated field and map) to a
// non-default value derived from `seed`, so that a writer that forgets a field fails.
void fill(pb::Message* m, int seed) {
  const pb::Descriptor* d = m->GetDescriptor();
  const pb::Reflection* r = m->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    const int v = seed * 100 + i + 1;
    if (f->is_map()) {
      for (int k = 0; k < 2; ++k) {
        pb::Message* entry = r->AddMessage(m, f);
        const pb::Descriptor* ed = entry->GetDescriptor();
        entry->GetReflection()->SetString(entry, ed->map_key(), k == 0 ? "zh" : "en \"q\"");
        entry->GetReflection()->SetString(entry, ed->map_value(),
                                          "值 " + std::to_string(v + k) + "\n");
      }
      continue;
    }
    const int n = f->is_repeated() ? 2 : 1;
    for (int k = 0; k < n; ++k) {
      switch (f->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_STRING:
          if (f->is_repeated())
            r->AddString(m, f, "s" + std::to_string(v + k));
          else
            r->SetString(m, f, "s\t" + std::to_string(v));
          break;
        case pb::FieldDescriptor::CPPTYPE_DOUBLE:
          if (f->is_repeated())
            r->AddDouble(m, f, v + 0.125);
          else
            r->SetDouble(m, f, v / 7.0);
          break;
        case pb::FieldDescriptor::CPPTYPE_INT32:
          if (f->is_repeated())
            r->AddInt32(m, f, v);
          else
            r->SetInt32(m, f, -v);
          break;
        case pb::FieldDescriptor::CPPTYPE_MESSAGE:
          fill(f->is_repeated() ? r->AddMessage(m, f) : r->MutableMessage(m, f), seed + k + 1);
          break;
        default:
          FAIL() << "the test does not fill " << f->full_name() << "; extend it";
      }
    }
  }
}

v1::Decision parse(const std::string& json) {
  v1::Decision d;
  EXPECT_TRUE(pb::util::JsonStringToMessage(json, &d).ok()) << json;
  return d;
}

TEST(DecisionWriterTest, FastJsonEqualsProtobufJsonForEveryField) {
  v1::Decision full;
  fill(&full, 1);
  auto fast = make_decision_writer(OutputFormat::Jsonl, JsonEngine::Fast);
  auto reference = make_decision_writer(OutputFormat::Jsonl, JsonEngine::Protobuf);
  std::string a, b;
  fast->write(full, a);
  reference->write(full, b);
  ASSERT_EQ(a.back(), '\n');
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n'), 1) << "one line per decision";
  EXPECT_TRUE(pb::util::MessageDifferencer::Equals(parse(a), parse(b))) << a << "\n" << b;
  EXPECT_TRUE(pb::util::MessageDifferencer::Equals(parse(a), full));
  EXPECT_NE(a.find("\"customer_id\":"), std::string::npos) << "proto field names";
  EXPECT_NE(a.find("\"account_actions\":"), std::string::npos);
}

TEST(DecisionWriterTest, DefaultsAreOmittedAndEmptyDecisionIsAnEmptyObject) {
  auto fast = make_decision_writer(OutputFormat::Jsonl);
  std::string out;
  fast->write(v1::Decision(), out);
  EXPECT_EQ(out, "{}\n");
  v1::Decision d;
  d.set_customer_id("c");
  d.set_churn_risk(0.5);
  out.clear();
  fast->write(d, out);
  EXPECT_EQ(out, "{\"customer_id\":\"c\",\"churn_risk\":0.5}\n");
}

TEST(DecisionWriterTest, MapKeysAreSortedSoOutputIsDeterministic) {
  v1::Decision a, b;
  auto* ca = a.add_causes();
  (*ca->mutable_label())["zh"] = "质量不稳定";
  (*ca->mutable_label())["en"] = "Unstable quality";
  (*ca->mutable_label())["und"] = "x";
  auto* cb = b.add_causes();
  (*cb->mutable_label())["und"] = "x";
  (*cb->mutable_label())["en"] = "Unstable quality";
  (*cb->mutable_label())["zh"] = "质量不稳定";
  auto w = make_decision_writer(OutputFormat::Jsonl);
  std::string sa, sb;
  w->write(a, sa);
  w->write(b, sb);
  EXPECT_EQ(sa, sb);
  EXPECT_LT(sa.find("\"en\""), sa.find("\"und\""));
  EXPECT_LT(sa.find("\"und\""), sa.find("\"zh\""));
}

TEST(DecisionWriterTest, CsvLayout) {
  auto w = make_decision_writer(OutputFormat::Csv);
  EXPECT_EQ(w->header(),
            "customer_id,tier,churn_risk,credit_grade,causes,tactics,segments,account_actions,"
            "credit_checks,bands,unknowns\n");
  v1::Decision d;
  d.set_customer_id("C,1");
  d.set_tier("VIP");
  d.set_churn_risk(0.58);
  d.set_credit_grade("BBB");
  d.add_causes()->set_id("QUALITY_UNSTABLE");
  d.add_causes()->set_id("STAFF_TURNOVER");
  d.add_tactics()->set_id("BUILD_CUSTOMER_TIES");
  d.add_segments()->set_id("RETAIN_AT_RISK");
  d.add_credit_checks()->set_id("CREDIT_STALE_RECORD");
  auto* band = d.add_bands();
  band->set_tiers("PYRAMID");
  band->set_band("VIP");
  d.add_unknowns()->set_rule("LACK_OF_INNOVATION");
  std::string out;
  w->write(d, out);
  EXPECT_EQ(out,
            "\"C,1\",VIP,0.58,BBB,QUALITY_UNSTABLE;STAFF_TURNOVER,BUILD_CUSTOMER_TIES,"
            "RETAIN_AT_RISK,,CREDIT_STALE_RECORD,PYRAMID=VIP,LACK_OF_INNOVATION\n");
}

TEST(DecisionWriterTest, JsonStringsEscapeControlCharacters) {
  std::string out;
  append_json_quoted(out, "a\"b\\c\nd\x01");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\u0001\"");
  out.clear();
  append_json_number(out, 0.1 + 0.2);
  EXPECT_EQ(std::stod(out), 0.1 + 0.2) << "shortest round-trip form";
}

// Both number writers take a short path for numbers of up to three decimals below 1e9; either
// way they write what fmt's "{}" writes (and JSON spells NaN and the infinities as strings).
TEST(DecisionWriterTest, NumbersAreWrittenAsFmtWritesThem) {
  std::mt19937_64 rng(11);
  std::vector<double> values = {0.0,
                                -0.0,
                                1.0,
                                0.1 + 0.2,
                                1e21,
                                1e-7,
                                5e-324,
                                1e308,
                                -2.5e-3,
                                0.3,
                                1.0 / 3,
                                0.001,
                                -0.001,
                                0.0009999,
                                0.00099999999999999,
                                999999999.999,
                                1e9,
                                -1e9,
                                999999999.5,
                                123456789012.5,
                                50,
                                18.25,
                                0.52,
                                1 - 0.6 * 0.8,
                                100,
                                0.125,
                                1e8,
                                2.675,
                                1.005};
  for (int i = 0; i < 200000; ++i) {
    std::uint64_t bits = rng();
    double d = 0;
    std::memcpy(&d, &bits, sizeof d);
    if (std::isfinite(d)) values.push_back(d);
    const double scale[] = {1, 10, 100, 1000, 10000};
    const auto n = static_cast<double>(rng() % 2000000000000) - 1e12;
    values.push_back(n / scale[rng() % 5]);                           // up to four decimals
    values.push_back(static_cast<double>(rng() % 1000000) / 1000.0);  // the short path
    values.push_back(std::nextafter(values.back(), 1e300));           // just beside it
  }
  for (double v : values) {
    const std::string expected = fmt::format("{}", v);
    std::string out = "x";
    append_number(out, v);
    ASSERT_EQ(out, "x" + expected) << "append_number";
    out.clear();
    append_json_number(out, v);
    ASSERT_EQ(out, expected) << "append_json_number";
  }
}

}  // namespace
}  // namespace retain::batch
