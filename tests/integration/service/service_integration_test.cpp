// The real server, in-process on 127.0.0.1 port 0, called with real gRPC clients: every RPC,
// reload under load, bad input, admin refusal, health, reflection, TLS and draining.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "service/log.hpp"
#include "service/server.hpp"
#include "service_test_support.hpp"

namespace retain::service {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::request;
using testing::TempDir;

constexpr char kToken[] = "s3cret-token";

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::configure("warn", "text");
    dir_.write("main.rules", testing::rules_text("1"));
  }

  ServerOptions options() const { return testing::loopback_options(dir_.path().string()); }

  std::unique_ptr<Server> start(const ServerOptions& o) { return testing::start_server(o); }
  std::unique_ptr<Server> start() { return start(options()); }

  std::string token_file() const { return dir_.write("admin.token", std::string(kToken) + "\n"); }

  static std::unique_ptr<v1::RetentionEngine::Stub> stub(const Server& server) {
    return v1::RetentionEngine::NewStub(testing::channel(server.address()));
  }

  static void deadline(grpc::ClientContext& ctx, std::chrono::milliseconds d = 5s) {
    ctx.set_deadline(testing::in(d));
  }

  TempDir dir_;
};

TEST_F(ServiceTest, EvaluateReturnsTheDecision) {
  auto server = start();
  auto client = stub(*server);
  grpc::ClientContext ctx;
  deadline(ctx);
  v1::EvaluateResponse response;
  auto status = client->Evaluate(&ctx, request("C-1"), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const auto& d = response.decision();
  EXPECT_EQ(d.customer_id(), "C-1");
  ASSERT_EQ(d.causes_size(), 1);
  EXPECT_EQ(d.causes(0).id(), "QUALITY_UNSTABLE");
  EXPECT_NEAR(d.churn_risk(), 0.35, 1e-9);
  ASSERT_EQ(d.tactics_size(), 1);
  EXPECT_EQ(d.tactics(0).id(), "QUALITY_MARKETING");
  EXPECT_EQ(d.ruleset().content_hash(), server->rules().current()->rules->content_hash());
  EXPECT_TRUE(response.error().empty());
}

TEST_F(ServiceTest, EvaluateCompactViewLeavesTheTextsOut) {
  auto server = start();
  auto client = stub(*server);
  grpc::ClientContext ctx;
  deadline(ctx);
  auto req = request("C-10");
  req.set_view(v1::EvaluateRequest::VIEW_COMPACT);
  v1::EvaluateResponse response;
  ASSERT_TRUE(client->Evaluate(&ctx, req, &response).ok());
  ASSERT_EQ(response.decision().causes_size(), 1);
  EXPECT_EQ(response.decision().causes(0).id(), "QUALITY_UNSTABLE");
  EXPECT_TRUE(response.decision().causes(0).label().empty());
  EXPECT_TRUE(response.decision().causes(0).because().empty());
  EXPECT_NEAR(response.decision().churn_risk(), 0.35, 1e-9);
}

// A CRM asks for its users' language: one text per label and because, that one where the
// rules give it.
TEST_F(ServiceTest, EvaluateInOneLanguageKeepsOnlyItsTexts) {
  auto server = start();
  auto client = stub(*server);
  for (const bool explain : {false, true}) {  // the wire path and the message path
    grpc::ClientContext ctx;
    deadline(ctx);
    auto req = request("C-11");
    req.set_language("zh");
    req.set_explain(explain);
    v1::EvaluateResponse response;
    ASSERT_TRUE(client->Evaluate(&ctx, req, &response).ok());
    ASSERT_EQ(response.decision().causes_size(), 1);
    const auto& cause = response.decision().causes(0);
    ASSERT_EQ(cause.label().size(), 1u) << cause.ShortDebugString();
    EXPECT_EQ(cause.label().begin()->first, "zh");
    // This rule's because is in English only: the fallback, not nothing.
    ASSERT_EQ(cause.because().size(), 1u) << cause.ShortDebugString();
    EXPECT_EQ(cause.because().begin()->first, "en");
    ASSERT_GT(response.decision().tactics_size(), 0);
    EXPECT_EQ(response.decision().tactics(0).label().size(), 1u);
  }
  grpc::ClientContext ctx;
  deadline(ctx);
  auto req = request("C-12");
  req.set_language(std::string(36, 'x'));
  v1::EvaluateResponse response;
  const auto status = client->Evaluate(&ctx, req, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("language:", 0), 0u) << status.error_message();
}

TEST_F(ServiceTest, EvaluateWithoutCauseAndWithExplain) {
  auto server = start();
  auto client = stub(*server);
  grpc::ClientContext ctx;
  deadline(ctx);
  auto req = request("C-2", 0);
  req.set_explain(true);
  v1::EvaluateResponse response;
  ASSERT_TRUE(client->Evaluate(&ctx, req, &response).ok());
  EXPECT_EQ(response.decision().causes_size(), 0);
  EXPECT_EQ(response.decision().churn_risk(), 0);
  EXPECT_GT(response.decision().trace_size(), 0);
}

TEST_F(ServiceTest, EvaluateStreamAnswersInOrderAndReportsBadProfilesInline) {
  auto server = start();
  auto client = stub(*server);
  grpc::ClientContext ctx;
  deadline(ctx, 20s);
  auto stream = client->EvaluateStream(&ctx);
  constexpr int kCount = 500;
  std::vector<v1::EvaluateResponse> responses;
  std::thread reader([&] {
    v1::EvaluateResponse r;
    while (stream->Read(&r)) responses.push_back(r);
  });
  for (int i = 0; i < kCount; ++i) {
    // Every 100th profile has no customer id: refused inline, the stream goes on.
    auto req = request(i % 100 == 7 ? "" : "S-" + std::to_string(i), i % 5);
    ASSERT_TRUE(stream->Write(req));
  }
  stream->WritesDone();
  reader.join();
  auto status = stream->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(responses.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    if (i % 100 == 7) {
      EXPECT_EQ(responses[i].error(), "profile.customer_id: must not be empty");
      EXPECT_FALSE(responses[i].has_decision());
    } else {
      EXPECT_EQ(responses[i].decision().customer_id(), "S-" + std::to_string(i));
      EXPECT_EQ(responses[i].decision().causes_size(), i % 5 >= 3 ? 1 : 0) << i;
    }
  }
}

TEST_F(ServiceTest, GetRuleSetDescribesTheLoadedRules) {
  auto server = start();
  auto client = stub(*server);
  grpc::ClientContext ctx;
  deadline(ctx);
  v1::GetRuleSetResponse response;
  ASSERT_TRUE(client->GetRuleSet(&ctx, {}, &response).ok());
  EXPECT_EQ(response.ruleset().name(), "svc_test");
  EXPECT_EQ(response.ruleset().version(), "1");
  EXPECT_EQ(response.ruleset().content_hash().size(), 64u);
  EXPECT_EQ(response.loaded_at().size(), 24u);  // 2024-05-01T12:00:00.123Z
  EXPECT_EQ(response.loaded_at().back(), 'Z');
  ASSERT_EQ(response.source_files_size(), 1);
  EXPECT_NE(response.source_files(0).find("main.rules"), std::string::npos);
  EXPECT_EQ(response.counts().at("cause"), 1);
  EXPECT_EQ(response.counts().at("tactic"), 1);
}

TEST_F(ServiceTest, ValidateRulesAcceptsGoodSources) {
  auto server = start();
  auto client = stub(*server);
  grpc::ClientContext ctx;
  deadline(ctx);
  v1::ValidateRulesRequest req;
  (*req.mutable_files())["draft.rules"] = testing::rules_text("draft");
  v1::ValidateRulesResponse response;
  ASSERT_TRUE(client->ValidateRules(&ctx, req, &response).ok());
  EXPECT_TRUE(response.ok());
  EXPECT_EQ(response.ruleset().version(), "draft");
  // Validation deploys nothing.
  EXPECT_EQ(server->rules().current()->rules->version(), "1");
}

TEST_F(ServiceTest, ValidateRulesReportsDiagnostics) {
  auto server = start();
  auto client = stub(*server);
  grpc::ClientContext ctx;
  deadline(ctx);
  v1::ValidateRulesRequest req;
  (*req.mutable_files())["bad.rules"] = testing::bad_rules_text();
  v1::ValidateRulesResponse response;
  ASSERT_TRUE(client->ValidateRules(&ctx, req, &response).ok());
  EXPECT_FALSE(response.ok());
  ASSERT_GE(response.diagnostics_size(), 1);
  const auto& d = response.diagnostics(0);
  EXPECT_EQ(d.severity(), "error");
  EXPECT_EQ(d.file(), "bad.rules");
  EXPECT_EQ(d.line(), 6);
  EXPECT_FALSE(d.code().empty());
  EXPECT_NE(d.rendered().find("quality_complaints_9d"), std::string::npos) << d.rendered();
}

TEST_F(ServiceTest, ValidateRulesWithoutFilesIsInvalid) {
  auto server = start();
  auto client = stub(*server);
  grpc::ClientContext ctx;
  deadline(ctx);
  v1::ValidateRulesResponse response;
  auto status = client->ValidateRules(&ctx, {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("files:", 0), 0u) << status.error_message();
}

TEST_F(ServiceTest, ReloadRulesIsRefusedWithoutTheAdminToken) {
  auto o = options();
  o.admin_token_file = token_file();
  auto server = start(o);
  auto client = stub(*server);
  for (const std::string header : {"", "Bearer wrong-token", "Bearer s3cret-tokeN", kToken}) {
    grpc::ClientContext ctx;
    deadline(ctx);
    if (!header.empty()) ctx.AddMetadata("authorization", header);
    v1::ReloadRulesResponse response;
    auto status = client->ReloadRules(&ctx, {}, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << header;
  }
}

TEST_F(ServiceTest, ReloadRulesIsAlwaysRefusedWhenTheServerHasNoToken) {
  auto server = start();
  auto client = stub(*server);
  grpc::ClientContext ctx;
  deadline(ctx);
  ctx.AddMetadata("authorization", "Bearer ");
  v1::ReloadRulesResponse response;
  auto status = client->ReloadRules(&ctx, {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ServiceTest, ReloadRulesWithTheTokenSwapsTheRuleSet) {
  auto o = options();
  o.admin_token_file = token_file();
  auto server = start(o);
  auto client = stub(*server);
  const auto old_hash = server->rules().current()->rules->content_hash();
  dir_.write("main.rules", testing::rules_text("2", 0.5));
  grpc::ClientContext ctx;
  deadline(ctx);
  ctx.AddMetadata("authorization", std::string("Bearer ") + kToken);
  v1::ReloadRulesResponse response;
  auto status = client->ReloadRules(&ctx, {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(response.ok());
  EXPECT_EQ(response.ruleset().version(), "2");
  EXPECT_NE(response.ruleset().content_hash(), old_hash);

  grpc::ClientContext ctx2;
  deadline(ctx2);
  v1::EvaluateResponse decision;
  ASSERT_TRUE(client->Evaluate(&ctx2, request("C-3"), &decision).ok());
  EXPECT_NEAR(decision.decision().churn_risk(), 0.5, 1e-9);
  EXPECT_EQ(decision.decision().ruleset().version(), "2");
}

TEST_F(ServiceTest, ABrokenRuleSetNeverReplacesAGoodOne) {
  auto o = options();
  o.admin_token_file = token_file();
  auto server = start(o);
  auto client = stub(*server);
  const auto good_hash = server->rules().current()->rules->content_hash();
  dir_.write("main.rules", testing::bad_rules_text());
  grpc::ClientContext ctx;
  deadline(ctx);
  ctx.AddMetadata("authorization", std::string("Bearer ") + kToken);
  v1::ReloadRulesResponse response;
  ASSERT_TRUE(client->ReloadRules(&ctx, {}, &response).ok());
  EXPECT_FALSE(response.ok());
  ASSERT_GE(response.diagnostics_size(), 1);
  EXPECT_EQ(response.diagnostics(0).severity(), "error");
  EXPECT_EQ(response.ruleset().content_hash(), good_hash);  // still serving the old one

  grpc::ClientContext ctx2;
  deadline(ctx2);
  v1::EvaluateResponse decision;
  ASSERT_TRUE(client->Evaluate(&ctx2, request("C-4"), &decision).ok());
  EXPECT_EQ(decision.decision().ruleset().content_hash(), good_hash);
}

TEST_F(ServiceTest, InvalidProfilesGetInvalidArgumentNamingTheField) {
  auto server = start();
  auto client = stub(*server);
  struct Case {
    v1::EvaluateRequest request;
    std::string field;
  };
  std::vector<Case> cases;
  cases.push_back({v1::EvaluateRequest{}, "profile:"});
  cases.push_back({request(""), "profile.customer_id:"});
  auto satisfaction = request("C-5");
  satisfaction.mutable_profile()->set_satisfaction(11);
  cases.push_back({satisfaction, "profile.satisfaction:"});
  auto negative = request("C-6");
  negative.mutable_profile()->set_orders_90d(-1);
  cases.push_back({negative, "profile.orders_90d:"});
  for (const auto& c : cases) {
    grpc::ClientContext ctx;
    deadline(ctx);
    v1::EvaluateResponse response;
    auto status = client->Evaluate(&ctx, c.request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_EQ(status.error_message().rfind(c.field, 0), 0u)
        << "expected " << c.field << " got " << status.error_message();
  }
}

TEST_F(ServiceTest, OversizedMessagesAreRefused) {
  auto o = options();
  o.max_receive_message_bytes = 16 * 1024;
  auto server = start(o);
  auto client = stub(*server);
  auto req = request("C-7");
  (*req.mutable_profile()->mutable_attributes())["blob"] = std::string(64 * 1024, 'x');
  grpc::ClientContext ctx;
  deadline(ctx);
  v1::EvaluateResponse response;
  auto status = client->Evaluate(&ctx, req, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  // The server is still fine afterwards.
  grpc::ClientContext ctx2;
  deadline(ctx2);
  EXPECT_TRUE(client->Evaluate(&ctx2, request("C-8"), &response).ok());
}

TEST_F(ServiceTest, AnExpiredDeadlineIsHonoured) {
  auto server = start();
  auto client = stub(*server);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() - 1s);
  v1::EvaluateResponse response;
  auto status = client->Evaluate(&ctx, request("C-9"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(ServiceTest, HealthAndReflectionAreOn) {
  auto server = start();
  auto ch = testing::channel(server->address());
  EXPECT_EQ(testing::health_check(ch, ""), 1);  // SERVING
  EXPECT_EQ(testing::health_check(ch, "retain.v1.RetentionEngine"), 1);
  const auto services = testing::reflection_list_services(ch);
  EXPECT_NE(services.find("retain.v1.RetentionEngine"), std::string::npos);
  EXPECT_NE(services.find("grpc.health.v1.Health"), std::string::npos);
}

TEST_F(ServiceTest, ReloadUnderLoadFailsNoRequest) {
  auto server = start();
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::mutex mu;
  std::set<std::string> versions;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      auto client = stub(*server);
      int i = 0;
      while (!stop.load()) {
        grpc::ClientContext ctx;
        deadline(ctx);
        v1::EvaluateResponse response;
        auto status = client->Evaluate(
            &ctx, request("L-" + std::to_string(t) + "-" + std::to_string(i++)), &response);
        if (status.ok() && response.decision().causes_size() == 1) {
          ++ok;
          std::lock_guard lock(mu);
          versions.insert(response.decision().ruleset().version());
        } else {
          ++failed;
        }
      }
    });
  }
  // A stream too: it keeps going across reloads.
  std::atomic<int> stream_ok{0};
  std::thread streamer([&] {
    auto client = stub(*server);
    grpc::ClientContext ctx;
    deadline(ctx, 60s);
    auto stream = client->EvaluateStream(&ctx);
    std::thread reader([&] {
      v1::EvaluateResponse r;
      while (stream->Read(&r)) {
        if (r.error().empty() && r.decision().causes_size() == 1)
          ++stream_ok;
        else
          ++failed;
      }
    });
    int i = 0;
    while (!stop.load() && stream->Write(request("LS-" + std::to_string(i++)))) {
    }
    stream->WritesDone();
    reader.join();
    if (!stream->Finish().ok()) ++failed;
  });
  for (int round = 0; round < 20; ++round) {
    const bool broken = round % 5 == 4;  // now and then a broken file: refused, old one serves
    dir_.write("main.rules",
               broken ? testing::bad_rules_text() : testing::rules_text(std::to_string(round)));
    const auto result = server->reload("test");
    EXPECT_EQ(result.ok, !broken) << round;
    std::this_thread::sleep_for(40ms);
  }
  stop = true;
  for (auto& c : clients) c.join();
  streamer.join();
  EXPECT_EQ(failed.load(), 0);
  // Bounded by time, not by count: a slow machine makes fewer calls, but some on each side.
  EXPECT_GT(ok.load(), 20);
  EXPECT_GT(stream_ok.load(), 20);
  EXPECT_GE(versions.size(), 2u);
}

TEST_F(ServiceTest, WatchReloadsWhenARuleFileChanges) {
  auto o = options();
  o.watch = true;
  o.watch_interval_ms = 50;
  auto server = start(o);
  // mtime granularity: make sure the new file differs in size as well.
  dir_.write("main.rules", testing::rules_text("watched-2", 0.45));
  EXPECT_TRUE(
      eventually([&] { return server->rules().current()->rules->version() == "watched-2"; }));
  // A broken edit is refused and the good one keeps serving.
  dir_.write("main.rules", testing::bad_rules_text());
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(server->rules().current()->rules->version(), "watched-2");
}

TEST_F(ServiceTest, DecisionLogWritesOneJsonLinePerDecision) {
  auto o = options();
  o.decision_log = dir_.file("decisions.jsonl");
  auto server = start(o);
  auto client = stub(*server);
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext ctx;
    deadline(ctx);
    ctx.AddMetadata("x-request-id", "req-" + std::to_string(i));
    v1::EvaluateResponse response;
    ASSERT_TRUE(client->Evaluate(&ctx, request("D-" + std::to_string(i)), &response).ok());
  }
  const auto hash = server->rules().current()->rules->content_hash();
  server->shutdown(1s);
  const auto text = testing::read_text(o.decision_log);
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  ASSERT_EQ(lines.size(), 3u) << text;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(lines[i].rfind("{\"time\":\"", 0), 0u) << lines[i];
    EXPECT_NE(lines[i].find("\"request_id\":\"req-" + std::to_string(i) + "\""), std::string::npos);
    EXPECT_NE(lines[i].find("\"ruleset_hash\":\"" + hash + "\""), std::string::npos);
    EXPECT_NE(lines[i].find("\"customer_id\":\"D-" + std::to_string(i) + "\""), std::string::npos);
    EXPECT_NE(lines[i].find("\"decision\":{"), std::string::npos);
  }
}

// With a decision log Evaluate builds the message (to log it) instead of writing the bytes
// directly: both answers are the same decision.
TEST_F(ServiceTest, EvaluateAnswersTheSameWithAndWithoutADecisionLog) {
  auto logged = options();
  logged.decision_log = dir_.file("decisions.jsonl");
  auto with_log = start(logged);
  auto without_log = start();
  auto a = stub(*with_log);
  auto b = stub(*without_log);
  for (const auto view : {v1::EvaluateRequest::VIEW_FULL, v1::EvaluateRequest::VIEW_COMPACT}) {
    for (int complaints : {0, 5}) {
      auto req = request("L-" + std::to_string(complaints), complaints);
      req.set_view(view);
      v1::EvaluateResponse from_log, direct;
      grpc::ClientContext c1, c2;
      deadline(c1);
      deadline(c2);
      ASSERT_TRUE(a->Evaluate(&c1, req, &from_log).ok());
      ASSERT_TRUE(b->Evaluate(&c2, req, &direct).ok());
      EXPECT_EQ(direct.SerializeAsString().size(), from_log.SerializeAsString().size());
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(direct, from_log))
          << direct.DebugString() << "\n"
          << from_log.DebugString();
    }
  }
}

// Evaluate parses its request itself (a raw method): bytes that are no EvaluateRequest are
// refused as gRPC's generated handler refuses them, and the server keeps answering.
TEST_F(ServiceTest, EvaluateRefusesBytesThatAreNoRequest) {
  auto server = start();
  auto channel = testing::channel(server->address());
  std::string response;
  const auto status =
      testing::raw_unary(channel, "/retain.v1.RetentionEngine/Evaluate", "\x0a\xff\xff", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL) << status.error_message();
  auto client = stub(*server);
  grpc::ClientContext ctx;
  deadline(ctx);
  v1::EvaluateResponse ok;
  EXPECT_TRUE(client->Evaluate(&ctx, request("C-1"), &ok).ok());
}

TEST_F(ServiceTest, ShutdownLetsInFlightStreamsFinish) {
  auto server = start();
  auto client = stub(*server);
  grpc::ClientContext ctx;
  deadline(ctx, 20s);
  auto stream = client->EvaluateStream(&ctx);
  v1::EvaluateResponse r;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(stream->Write(request("F-" + std::to_string(i))));
    ASSERT_TRUE(stream->Read(&r));
  }
  std::thread stopper([&] { server->shutdown(10s); });
  std::this_thread::sleep_for(200ms);
  // New calls are refused while the old stream drains...
  {
    auto fresh = stub(*server);
    grpc::ClientContext c2;
    deadline(c2, 2s);
    v1::EvaluateResponse response;
    EXPECT_FALSE(fresh->Evaluate(&c2, request("F-new"), &response).ok());
  }
  // ...and the stream in flight goes on to the end.
  for (int i = 5; i < 10; ++i) {
    ASSERT_TRUE(stream->Write(request("F-" + std::to_string(i))));
    ASSERT_TRUE(stream->Read(&r));
    EXPECT_EQ(r.decision().customer_id(), "F-" + std::to_string(i));
  }
  stream->WritesDone();
  EXPECT_FALSE(stream->Read(&r));
  EXPECT_TRUE(stream->Finish().ok());
  stopper.join();
}

TEST_F(ServiceTest, StartRefusesRulesWithErrors) {
  dir_.write("main.rules", testing::bad_rules_text());
  Server::StartError error;
  auto server = Server::start(options(), &error);
  EXPECT_FALSE(server);
  EXPECT_EQ(error.exit_code, 2);
  EXPECT_NE(error.message.find("quality_complaints_9d"), std::string::npos) << error.message;
}

// --- population statistics (--stats) ----------------------------------------------------

std::string pyramid_rules() {
  return "ruleset svc_stats version \"1\"\n\n"
         "tiers PYRAMID {\n"
         "  label en \"Customer pyramid\"\n"
         "  rank revenue_12m\n"
         "  fallback revenue_rank_pct\n"
         "  sets tier\n"
         "  band VIP      top 1%   label en \"VIP\"\n"
         "  band MAJOR    top 5%   label en \"Major\"\n"
         "  band ORDINARY top 20%  label en \"Ordinary\"\n"
         "  band SMALL    rest     label en \"Small\"\n"
         "}\n";
}

std::string stats_json(const std::string& tiers) {
  std::string values;
  for (int v = 100; v >= 1; --v) values += (values.empty() ? "" : ",") + std::to_string(v);
  return R"({"format":"retain.population_stats","version":1,"ruleset":{"name":"svc_stats",)"
         R"("version":"1","content_hash":"0"},"rows":100,"source":"test","tiers":{")" +
         tiers + R"(":{"count":100,"values":[)" + values + "]}}}";
}

TEST_F(ServiceTest, StatsRankCustomersAmongThePopulation) {
  dir_.write("main.rules", pyramid_rules());
  auto o = options();
  o.stats_file = dir_.write("stats.json", stats_json("PYRAMID"));
  auto server = start(o);
  ASSERT_TRUE(server);
  auto client = stub(*server);
  auto tier = [&](double revenue) {
    grpc::ClientContext ctx;
    deadline(ctx);
    auto req = request("R-1", 0);
    req.mutable_profile()->set_revenue_12m(revenue);
    v1::EvaluateResponse response;
    auto status = client->Evaluate(&ctx, req, &response);
    return status.ok() ? response.decision().tier() : status.error_message();
  };
  EXPECT_EQ(tier(1000), "VIP");    // nobody is above: rank 0%
  EXPECT_EQ(tier(97.5), "MAJOR");  // 3 above: rank 3%
  EXPECT_EQ(tier(50), "SMALL");    // 50 above: rank 50%
}

TEST_F(ServiceTest, StatsWithoutTheRankedTiersAreRefused) {
  dir_.write("main.rules", pyramid_rules());
  auto o = options();
  o.stats_file = dir_.write("stats.json", stats_json("OTHER"));
  Server::StartError error;
  EXPECT_FALSE(Server::start(o, &error));
  EXPECT_EQ(error.exit_code, 1);
  EXPECT_NE(error.message.find("PYRAMID"), std::string::npos) << error.message;
}

// --- TLS ---------------------------------------------------------------------------------

bool make_certificates(const TempDir& dir) {
  const std::string d = dir.path().string();
  dir.write("san.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  const std::string script =
      "cd '" + d +
      "' && "
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 "
      "-subj /CN=retain-test-ca && "
      "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
      "-subj /CN=localhost && "
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
      "-out server.pem -days 1 -extfile san.ext && "
      "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr "
      "-subj /CN=crm-client && "
      "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
      "-out client.pem -days 1";
  return std::system(("(" + script + ") >/dev/null 2>&1").c_str()) == 0;
}

TEST_F(ServiceTest, MutualTlsNeedsAClientCertificate) {
  if (!make_certificates(dir_)) GTEST_SKIP() << "openssl is not available";
  auto o = options();
  o.tls_cert = dir_.file("server.pem");
  o.tls_key = dir_.file("server.key");
  o.tls_client_ca = dir_.file("ca.pem");
  auto server = start(o);
  ASSERT_TRUE(server);

  grpc::SslCredentialsOptions with_cert;
  with_cert.pem_root_certs = testing::read_text(dir_.file("ca.pem"));
  with_cert.pem_private_key = testing::read_text(dir_.file("client.key"));
  with_cert.pem_cert_chain = testing::read_text(dir_.file("client.pem"));
  auto good = v1::RetentionEngine::NewStub(
      testing::channel(server->address(), grpc::SslCredentials(with_cert)));
  grpc::ClientContext ctx;
  deadline(ctx);
  v1::EvaluateResponse response;
  auto status = good->Evaluate(&ctx, request("T-1"), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();

  grpc::SslCredentialsOptions no_cert;
  no_cert.pem_root_certs = with_cert.pem_root_certs;
  auto bad = v1::RetentionEngine::NewStub(
      testing::channel(server->address(), grpc::SslCredentials(no_cert)));
  grpc::ClientContext ctx2;
  deadline(ctx2, 3s);
  EXPECT_FALSE(bad->Evaluate(&ctx2, request("T-2"), &response).ok());

  auto plain = stub(*server);
  grpc::ClientContext ctx3;
  deadline(ctx3, 3s);
  EXPECT_FALSE(plain->Evaluate(&ctx3, request("T-3"), &response).ok());
}

}  // namespace
}  // namespace retain::service
