// EvaluateBatches and EvaluateBatch against the real server on 127.0.0.1 port 0 with real stubs:
// a batch decides what Evaluate decides, in order, refuses a bad profile inline and an oversize
// batch as a whole, keeps answering across a reload, and stops on cancellation and deadlines.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "service/log.hpp"
#include "service/server.hpp"
#include "service_test_support.hpp"

namespace retain::service {
namespace {

using namespace std::chrono_literals;
using google::protobuf::util::MessageDifferencer;
using testing::TempDir;

class BatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::configure("warn", "text");
    dir_.write("main.rules", testing::rules_text("1"));
  }

  ServerOptions options() const { return testing::loopback_options(dir_.path().string()); }

  static std::unique_ptr<Server> start(const ServerOptions& o) { return testing::start_server(o); }

  static std::unique_ptr<v1::RetentionEngine::Stub> stub(const Server& server) {
    return v1::RetentionEngine::NewStub(testing::channel(server.address()));
  }

  static v1::EvaluateBatchRequest batch(int first, int count, const std::string& batch_id = {}) {
    v1::EvaluateBatchRequest b;
    for (int i = first; i < first + count; ++i) {
      *b.add_profiles() = testing::profile("B-" + std::to_string(i), i % 5);
    }
    b.set_batch_id(batch_id);
    return b;
  }

  // Writes every batch on one EvaluateBatches call while a thread reads; returns the status.
  static grpc::Status stream_batches(v1::RetentionEngine::Stub& client,
                                     const std::vector<v1::EvaluateBatchRequest>& batches,
                                     std::vector<v1::EvaluateBatchResponse>* responses,
                                     std::chrono::milliseconds deadline = 20s) {
    grpc::ClientContext ctx;
    ctx.set_deadline(testing::in(deadline));
    auto stream = client.EvaluateBatches(&ctx);
    std::thread reader([&] {
      v1::EvaluateBatchResponse r;
      while (stream->Read(&r)) responses->push_back(r);
    });
    for (const auto& b : batches) {
      if (!stream->Write(b)) break;  // the server ended the call; Finish says why
    }
    stream->WritesDone();
    reader.join();
    return stream->Finish();
  }

  TempDir dir_;
};

// The shipped domain rules and real customers, so the decisions have every kind of content.
TEST_F(BatchTest, BatchDecisionsEqualUnaryEvaluateDecisions) {
  auto o = options();
  o.rule_paths = {std::string(RETAIN_SOURCE_DIR) + "/rules"};
  auto server = start(o);
  auto client = stub(*server);
  const auto customers = testing::example_customers(230);
  ASSERT_EQ(customers.size(), 230u);

  struct Variant {
    v1::EvaluateRequest::View view;
    bool explain;
  };
  for (const auto& v : {Variant{v1::EvaluateRequest::VIEW_FULL, false},
                        Variant{v1::EvaluateRequest::VIEW_COMPACT, false},
                        Variant{v1::EvaluateRequest::VIEW_COMPACT, true}}) {
    SCOPED_TRACE(::testing::Message() << "view " << v.view << " explain " << v.explain);
    std::vector<v1::EvaluateResponse> unary;
    for (const auto& p : customers) {
      v1::EvaluateRequest r;
      *r.mutable_profile() = p;
      r.set_view(v.view);
      r.set_explain(v.explain);
      grpc::ClientContext ctx;
      ctx.set_deadline(testing::in(5s));
      unary.emplace_back();
      ASSERT_TRUE(client->Evaluate(&ctx, r, &unary.back()).ok());
    }
    // Batches of 100 on a stream: 100, 100, 30.
    std::vector<v1::EvaluateBatchRequest> batches;
    for (std::size_t i = 0; i < customers.size(); ++i) {
      if (i % 100 == 0) {
        batches.emplace_back();
        batches.back().set_view(v.view);
        batches.back().set_explain(v.explain);
      }
      *batches.back().add_profiles() = customers[i];
    }
    std::vector<v1::EvaluateBatchResponse> streamed;
    auto status = stream_batches(*client, batches, &streamed);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(streamed.size(), 3u);
    std::size_t k = 0;
    for (const auto& response : streamed) {
      for (const auto& result : response.results()) {
        ASSERT_LT(k, unary.size());
        EXPECT_TRUE(result.error().empty()) << result.error();
        EXPECT_TRUE(MessageDifferencer::Equals(result.decision(), unary[k].decision()))
            << "profile " << k << "\nbatch:  " << result.decision().ShortDebugString()
            << "\nunary:  " << unary[k].decision().ShortDebugString();
        ++k;
      }
    }
    EXPECT_EQ(k, customers.size());

    // The unary EvaluateBatch decides the same.
    grpc::ClientContext ctx;
    ctx.set_deadline(testing::in(5s));
    v1::EvaluateBatchResponse one;
    ASSERT_TRUE(client->EvaluateBatch(&ctx, batches[1], &one).ok());
    ASSERT_EQ(one.results_size(), 100);
    for (int i = 0; i < 100; ++i) {
      EXPECT_TRUE(MessageDifferencer::Equals(one.results(i).decision(), unary[100 + i].decision()))
          << "profile " << 100 + i;
    }
  }
}

TEST_F(BatchTest, OrderIsKeptAcrossManyBatchesOnOneStream) {
  auto server = start(options());
  auto client = stub(*server);
  std::vector<v1::EvaluateBatchRequest> batches;
  // Sizes vary (1 to 97) so a response cannot line up with its batch by accident.
  int next = 0;
  for (int k = 0; k < 40; ++k) {
    const int size = 1 + (k * 37) % 97;
    batches.push_back(batch(next, size, k % 2 == 0 ? "batch-" + std::to_string(k) : ""));
    next += size;
  }
  std::vector<v1::EvaluateBatchResponse> responses;
  auto status = stream_batches(*client, batches, &responses);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(responses.size(), batches.size());
  for (std::size_t k = 0; k < batches.size(); ++k) {
    EXPECT_EQ(responses[k].batch_id(), batches[k].batch_id());
    ASSERT_EQ(responses[k].results_size(), batches[k].profiles_size()) << "batch " << k;
    for (int i = 0; i < batches[k].profiles_size(); ++i) {
      const auto& d = responses[k].results(i).decision();
      EXPECT_EQ(d.customer_id(), batches[k].profiles(i).customer_id());
      EXPECT_EQ(d.causes_size(), batches[k].profiles(i).quality_complaints_90d() >= 3 ? 1 : 0);
    }
  }
}

TEST_F(BatchTest, ABadProfileGetsItsErrorAndTheOthersAreDecided) {
  auto server = start(options());
  auto client = stub(*server);
  auto b = batch(0, 7);
  b.mutable_profiles(3)->set_satisfaction(11);
  b.mutable_profiles(5)->set_customer_id("");
  auto check = [](const v1::EvaluateBatchResponse& r) {
    ASSERT_EQ(r.results_size(), 7);
    for (int i = 0; i < 7; ++i) {
      if (i == 3) {
        EXPECT_EQ(r.results(i).error().rfind("profile.satisfaction:", 0), 0u)
            << r.results(i).error();
        EXPECT_FALSE(r.results(i).has_decision());
      } else if (i == 5) {
        EXPECT_EQ(r.results(i).error(), "profile.customer_id: must not be empty");
        EXPECT_FALSE(r.results(i).has_decision());
      } else {
        EXPECT_TRUE(r.results(i).error().empty()) << r.results(i).error();
        EXPECT_EQ(r.results(i).decision().customer_id(), "B-" + std::to_string(i));
      }
    }
  };
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(testing::in(5s));
    v1::EvaluateBatchResponse r;
    auto status = client->EvaluateBatch(&ctx, b, &r);
    ASSERT_TRUE(status.ok()) << status.error_message();
    check(r);
  }
  std::vector<v1::EvaluateBatchResponse> responses;
  auto status = stream_batches(*client, {batch(100, 2), b, batch(200, 2)}, &responses);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(responses.size(), 3u);
  check(responses[1]);
  EXPECT_EQ(responses[2].results(1).decision().customer_id(), "B-201");
}

TEST_F(BatchTest, AnOversizeBatchIsRefusedNamingTheField) {
  auto o = options();
  o.max_batch = 10;
  auto server = start(o);
  auto client = stub(*server);
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(testing::in(5s));
    v1::EvaluateBatchResponse r;
    ASSERT_TRUE(client->EvaluateBatch(&ctx, batch(0, 10), &r).ok());
    EXPECT_EQ(r.results_size(), 10);
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(testing::in(5s));
    v1::EvaluateBatchResponse r;
    auto status = client->EvaluateBatch(&ctx, batch(0, 11), &r);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message().rfind("profiles:", 0), 0u) << status.error_message();
    EXPECT_NE(status.error_message().find("11"), std::string::npos) << status.error_message();
  }
  // On a stream the batches before the oversize one are answered, then the call ends.
  std::vector<v1::EvaluateBatchResponse> responses;
  auto status =
      stream_batches(*client, {batch(0, 3), batch(3, 4), batch(7, 11), batch(18, 2)}, &responses);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("profiles:", 0), 0u) << status.error_message();
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].results_size(), 3);
  EXPECT_EQ(responses[1].results_size(), 4);
}

TEST_F(BatchTest, AReloadDuringAStreamKeepsItAnswering) {
  auto server = start(options());
  auto client = stub(*server);
  const auto first_hash = server->rules().current()->rules->content_hash();
  grpc::ClientContext ctx;
  ctx.set_deadline(testing::in(60s));
  auto stream = client->EvaluateBatches(&ctx);
  std::atomic<int> read{0};
  std::vector<v1::EvaluateBatchResponse> responses;
  std::thread reader([&] {
    v1::EvaluateBatchResponse r;
    while (stream->Read(&r)) {
      responses.push_back(r);
      ++read;
    }
  });
  constexpr int kBatches = 60;
  for (int k = 0; k < kBatches; ++k) {
    if (k == kBatches / 2) {
      // Wait until the first half is answered, so the reload falls between batches we can see.
      ASSERT_TRUE(testing::eventually([&] { return read.load() >= kBatches / 2; }));
      dir_.write("main.rules", testing::rules_text("2", 0.5));
      ASSERT_TRUE(server->reload("test").ok);
    }
    ASSERT_TRUE(stream->Write(batch(k * 20, 20)));
  }
  stream->WritesDone();
  reader.join();
  auto status = stream->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(responses.size(), static_cast<std::size_t>(kBatches));
  const auto second_hash = server->rules().current()->rules->content_hash();
  ASSERT_NE(first_hash, second_hash);
  for (int k = 0; k < kBatches; ++k) {
    const auto& expected = k < kBatches / 2 ? first_hash : second_hash;
    ASSERT_EQ(responses[k].results_size(), 20);
    for (const auto& result : responses[k].results()) {
      ASSERT_TRUE(result.error().empty()) << result.error();
      EXPECT_EQ(result.decision().ruleset().content_hash(), expected) << "batch " << k;
    }
  }
}

TEST_F(BatchTest, CancellingAStreamEndsItAndTheServerGoesOn) {
  auto server = start(options());
  auto client = stub(*server);
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(testing::in(20s));
    auto stream = client->EvaluateBatches(&ctx);
    v1::EvaluateBatchResponse r;
    ASSERT_TRUE(stream->Write(batch(0, 50)));
    ASSERT_TRUE(stream->Read(&r));
    EXPECT_EQ(r.results_size(), 50);
    ctx.TryCancel();
    // Writes and reads fail once cancelled; keep writing until they do.
    for (int i = 0; i < 1000 && stream->Write(batch(0, 50)); ++i) {
    }
    while (stream->Read(&r)) {
    }
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(testing::in(5s));
  v1::EvaluateBatchResponse r;
  ASSERT_TRUE(client->EvaluateBatch(&ctx, batch(0, 5), &r).ok());
  EXPECT_EQ(r.results_size(), 5);
}

TEST_F(BatchTest, DeadlinesAreHonoured) {
  auto server = start(options());
  auto client = stub(*server);
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() - 1s);
    v1::EvaluateBatchResponse r;
    EXPECT_EQ(client->EvaluateBatch(&ctx, batch(0, 5), &r).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  // A stream that keeps sending past its deadline is ended with DEADLINE_EXCEEDED.
  grpc::ClientContext ctx;
  ctx.set_deadline(testing::in(300ms));
  auto stream = client->EvaluateBatches(&ctx);
  std::thread reader([&] {
    v1::EvaluateBatchResponse r;
    while (stream->Read(&r)) {
    }
  });
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < give_up && stream->Write(batch(0, 100))) {
  }
  reader.join();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(BatchTest, TheDecisionLogHasEveryBatchDecision) {
  auto o = options();
  o.decision_log = dir_.file("decisions.jsonl");
  auto server = start(o);
  auto client = stub(*server);
  grpc::ClientContext ctx;
  ctx.set_deadline(testing::in(5s));
  ctx.AddMetadata("x-request-id", "bulk-7");
  std::vector<v1::EvaluateBatchResponse> responses;
  {
    auto stream = client->EvaluateBatches(&ctx);
    v1::EvaluateBatchResponse r;
    ASSERT_TRUE(stream->Write(batch(0, 3, "first")));
    ASSERT_TRUE(stream->Read(&r));
    auto bad = batch(3, 2);
    bad.mutable_profiles(0)->set_orders_90d(-1);  // refused: not a decision, not logged
    ASSERT_TRUE(stream->Write(bad));
    ASSERT_TRUE(stream->Read(&r));
    stream->WritesDone();
    ASSERT_TRUE(stream->Finish().ok());
  }
  server->shutdown(1s);
  const auto text = testing::read_text(o.decision_log);
  std::set<std::string> ids;
  std::size_t pos = 0;
  while ((pos = text.find("\"request_id\":\"", pos)) != std::string::npos) {
    pos += 14;
    ids.insert(text.substr(pos, text.find('"', pos) - pos));
  }
  EXPECT_EQ(ids, (std::set<std::string>{"bulk-7/first/0", "bulk-7/first/1", "bulk-7/first/2",
                                        "bulk-7/1/1"}))
      << text;
}

}  // namespace
}  // namespace retain::service
