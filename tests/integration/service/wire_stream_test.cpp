// The bulk RPCs write their decisions straight in wire format unless a trace or the decision
// log needs the messages. Over real servers on 127.0.0.1, the bytes of the direct path (a
// server without decision log) must parse to exactly what the message path (the same rules
// with a decision log) answers, and be the size protobuf would serialise them to, for the
// shipped rules, real customers, refused profiles, batch ids and both views.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <array>
#include <fstream>

#include "service/log.hpp"
#include "service/server.hpp"
#include "service_test_support.hpp"

namespace retain::service {
namespace {

using namespace std::chrono_literals;
using google::protobuf::util::MessageDifferencer;
using testing::TempDir;

class WireStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::configure("warn", "text");
    direct_ = start(false);
    logged_ = start(true);
    customers_ = testing::example_customers(250);
    ASSERT_EQ(customers_.size(), 250u);
    // Refused profiles among the decided ones: errors are written by the direct path too.
    customers_[7].set_satisfaction(11);
    customers_[42].set_customer_id("");
    customers_[199].set_orders_90d(-3);
  }

  std::unique_ptr<Server> start(bool with_log) {
    ServerOptions o = testing::loopback_options(std::string(RETAIN_SOURCE_DIR) + "/rules");
    if (with_log) o.decision_log = dir_.file("decisions.jsonl");
    return testing::start_server(o);
  }

  // Batches of 1 to 97 profiles, every other one with a batch_id.
  std::vector<std::string> batches(v1::EvaluateRequest::View view, bool explain,
                                   const char* language = "") const {
    std::vector<std::string> out;
    std::size_t next = 0;
    for (int k = 0; next < customers_.size(); ++k) {
      v1::EvaluateBatchRequest b;
      b.set_view(view);
      b.set_explain(explain);
      b.set_language(language);
      if (k % 2 == 0) b.set_batch_id("wire-" + std::to_string(k));
      const std::size_t size = 1 + static_cast<std::size_t>(k * 37) % 97;
      for (std::size_t i = 0; i < size && next < customers_.size(); ++i) {
        *b.add_profiles() = customers_[next++];
      }
      out.push_back(b.SerializeAsString());
    }
    return out;
  }

  std::vector<std::string> requests(v1::EvaluateRequest::View view, bool explain,
                                    const char* language = "") const {
    std::vector<std::string> out;
    for (const auto& p : customers_) {
      v1::EvaluateRequest r;
      *r.mutable_profile() = p;
      r.set_view(view);
      r.set_explain(explain);
      r.set_language(language);
      out.push_back(r.SerializeAsString());
    }
    out.push_back(v1::EvaluateRequest().SerializeAsString());  // no profile: refused inline
    return out;
  }

  // The direct bytes parse to the logged server's answer, and are exactly as long as protobuf
  // serialises that message: no field left out, none written that proto3 would leave out.
  template <class Response>
  static void expect_same(const std::string& direct, const std::string& logged,
                          const std::string& what) {
    Response from_direct, from_logged;
    ASSERT_TRUE(from_direct.ParseFromString(direct)) << what;
    ASSERT_TRUE(from_logged.ParseFromString(logged)) << what;
    EXPECT_TRUE(MessageDifferencer::Equals(from_direct, from_logged))
        << what << "\ndirect: " << from_direct.ShortDebugString()
        << "\nlogged: " << from_logged.ShortDebugString();
    EXPECT_EQ(direct.size(), from_logged.ByteSizeLong()) << what;
  }

  struct Variant {
    v1::EvaluateRequest::View view;
    bool explain;
    const char* language;
  };
  static constexpr std::array kVariants = {
      Variant{v1::EvaluateRequest::VIEW_FULL, false, ""},
      Variant{v1::EvaluateRequest::VIEW_FULL, false, "zh"},
      Variant{v1::EvaluateRequest::VIEW_COMPACT, false, ""},
      Variant{v1::EvaluateRequest::VIEW_COMPACT, true, ""},
  };

  TempDir dir_;
  std::unique_ptr<Server> direct_;
  std::unique_ptr<Server> logged_;
  std::vector<v1::CustomerProfile> customers_;
};

TEST_F(WireStreamTest, EvaluateBatchesBytesEqualTheMessagePath) {
  for (const auto& [view, explain, language] : kVariants) {
    const auto what = ::testing::Message()
                      << "view " << view << " explain " << explain << " language " << language;
    const auto in = batches(view, explain, language);
    std::vector<std::string> direct, logged;
    const std::string method = "/retain.v1.RetentionEngine/EvaluateBatches";
    ASSERT_TRUE(testing::raw_bidi(testing::channel(direct_->address()), method, in, &direct).ok());
    ASSERT_TRUE(testing::raw_bidi(testing::channel(logged_->address()), method, in, &logged).ok());
    ASSERT_EQ(direct.size(), in.size());
    ASSERT_EQ(logged.size(), in.size());
    int refused = 0;
    for (std::size_t k = 0; k < in.size(); ++k) {
      expect_same<v1::EvaluateBatchResponse>(direct[k], logged[k],
                                             what.GetString() + " batch " + std::to_string(k));
      v1::EvaluateBatchResponse r;
      ASSERT_TRUE(r.ParseFromString(direct[k]));
      for (const auto& result : r.results()) refused += result.error().empty() ? 0 : 1;
    }
    EXPECT_EQ(refused, 3) << what;
  }
}

TEST_F(WireStreamTest, EvaluateBatchBytesEqualTheMessagePath) {
  for (const auto& [view, explain, language] : kVariants) {
    const auto what = ::testing::Message()
                      << "view " << view << " explain " << explain << " language " << language;
    const auto in = batches(view, explain, language);
    for (std::size_t k = 0; k < in.size(); k += 3) {
      std::string direct, logged;
      const std::string method = "/retain.v1.RetentionEngine/EvaluateBatch";
      ASSERT_TRUE(
          testing::raw_unary(testing::channel(direct_->address()), method, in[k], &direct).ok());
      ASSERT_TRUE(
          testing::raw_unary(testing::channel(logged_->address()), method, in[k], &logged).ok());
      expect_same<v1::EvaluateBatchResponse>(direct, logged,
                                             what.GetString() + " batch " + std::to_string(k));
    }
  }
}

TEST_F(WireStreamTest, EvaluateStreamBytesEqualTheMessagePath) {
  for (const auto& [view, explain, language] : kVariants) {
    const auto what = ::testing::Message()
                      << "view " << view << " explain " << explain << " language " << language;
    const auto in = requests(view, explain, language);
    std::vector<std::string> direct, logged;
    const std::string method = "/retain.v1.RetentionEngine/EvaluateStream";
    ASSERT_TRUE(testing::raw_bidi(testing::channel(direct_->address()), method, in, &direct).ok());
    ASSERT_TRUE(testing::raw_bidi(testing::channel(logged_->address()), method, in, &logged).ok());
    ASSERT_EQ(direct.size(), in.size());
    ASSERT_EQ(logged.size(), in.size());
    for (std::size_t k = 0; k < in.size(); ++k) {
      expect_same<v1::EvaluateResponse>(direct[k], logged[k],
                                        what.GetString() + " message " + std::to_string(k));
    }
    v1::EvaluateResponse last;
    ASSERT_TRUE(last.ParseFromString(direct.back()));
    EXPECT_EQ(last.error(), "profile: is required");
    EXPECT_FALSE(last.has_decision());
  }
}

// The bulk methods parse their requests themselves (raw methods): bytes that are no request end
// the call with INTERNAL, as Evaluate refuses them, and the server keeps answering.
TEST_F(WireStreamTest, BytesThatAreNoRequestAreRefused) {
  const auto ch = testing::channel(direct_->address());
  const std::string garbage = "\x0a\xff\xff";
  for (const std::string method : {"EvaluateBatches", "EvaluateStream"}) {
    std::vector<std::string> responses;
    const auto status =
        testing::raw_bidi(ch, "/retain.v1.RetentionEngine/" + method, {garbage}, &responses);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL) << method;
    EXPECT_TRUE(responses.empty()) << method;
  }
  std::string response;
  EXPECT_EQ(testing::raw_unary(ch, "/retain.v1.RetentionEngine/EvaluateBatch", garbage, &response)
                .error_code(),
            grpc::StatusCode::INTERNAL);
  const auto ok = batches(v1::EvaluateRequest::VIEW_COMPACT, false);
  EXPECT_TRUE(
      testing::raw_unary(ch, "/retain.v1.RetentionEngine/EvaluateBatch", ok[0], &response).ok());
}

}  // namespace
}  // namespace retain::service
