// The service's plain parts without a server: handlers, conversions, logs, the rule store.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "service/convert.hpp"
#include "service/decision_log.hpp"
#include "service/handlers.hpp"
#include "service/log.hpp"
#include "service/rule_store.hpp"
#include "service/stats_file.hpp"

namespace retain::service {
namespace {

namespace fs = std::filesystem;
using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

TEST(HandlersTest, ConstantTimeEqual) {
  EXPECT_TRUE(handlers::constant_time_equal("abc", "abc"));
  EXPECT_TRUE(handlers::constant_time_equal("", ""));
  EXPECT_FALSE(handlers::constant_time_equal("abc", "abd"));
  EXPECT_FALSE(handlers::constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(handlers::constant_time_equal("", "a"));
}

TEST(HandlersTest, AuthorizeAdmin) {
  const std::string good = "Bearer tok";
  const std::string wrong = "Bearer tik";
  const std::string no_scheme = "tok";
  Metadata none;
  Metadata ok{{"authorization", good}};
  Metadata bad{{"authorization", wrong}};
  Metadata bare{{"authorization", no_scheme}};
  EXPECT_TRUE(handlers::authorize_admin("tok", ok).ok());
  EXPECT_EQ(handlers::authorize_admin("tok", none).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(handlers::authorize_admin("tok", bad).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(handlers::authorize_admin("tok", bare).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // No configured token: always refused, even with matching empty token.
  Metadata empty{{"authorization", "Bearer "}};
  EXPECT_EQ(handlers::authorize_admin("", empty).error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST(HandlersTest, CheckRequestNamesTheField) {
  v1::EvaluateRequest r;
  auto s = handlers::check_request(r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "profile: is required");

  r.mutable_profile();
  s = handlers::check_request(r);
  EXPECT_EQ(s.error_message(), "profile.customer_id: must not be empty");

  r.mutable_profile()->set_customer_id(std::string(300, 'x'));
  s = handlers::check_request(r);
  EXPECT_EQ(s.error_message(), "profile.customer_id: must be at most 256 bytes");

  r.mutable_profile()->set_customer_id("C-1");
  EXPECT_TRUE(handlers::check_request(r).ok());

  r.mutable_profile()->set_defect_rate(1.5);  // a fraction above 1
  s = handlers::check_request(r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message().rfind("profile.defect_rate: ", 0), 0u) << s.error_message();
}

// Evaluate answers with bytes written by hand (evaluate_wire): they must parse to the response
// evaluate() builds, for the shipped rules and every example profile, in both views, and refuse
// what evaluate() refuses with the same status.
TEST(HandlersTest, EvaluateWireIsEvaluateSerialised) {
  auto loaded = load_rules({std::string(RETAIN_SOURCE_DIR) + "/rules"});
  ASSERT_TRUE(loaded.value);
  const auto& rules = **loaded.value;
  int profiles = 0;
  for (const auto& entry :
       fs::directory_iterator(std::string(RETAIN_SOURCE_DIR) + "/examples/profiles")) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    v1::EvaluateRequest request;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, request.mutable_profile()).ok())
        << entry.path();
    ++profiles;
    for (auto view : {v1::EvaluateRequest::VIEW_FULL, v1::EvaluateRequest::VIEW_COMPACT}) {
      request.set_view(view);
      v1::EvaluateResponse expected;
      ASSERT_TRUE(handlers::evaluate(rules, nullptr, request, &expected).ok());
      std::string wire;
      ASSERT_TRUE(handlers::evaluate_wire(rules, nullptr, request, &wire).ok());
      v1::EvaluateResponse parsed;
      ASSERT_TRUE(parsed.ParseFromString(wire)) << entry.path();
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, expected))
          << entry.path() << " view " << view << "\nwire:\n"
          << parsed.DebugString() << "\nevaluate():\n"
          << expected.DebugString();
      EXPECT_EQ(wire.size(), expected.ByteSizeLong()) << entry.path();
    }
  }
  EXPECT_GT(profiles, 3);

  v1::EvaluateRequest bad;
  bad.mutable_profile()->set_customer_id("C-1");
  bad.mutable_profile()->set_satisfaction(11);
  v1::EvaluateResponse unused;
  const auto expected = handlers::evaluate(rules, nullptr, bad, &unused);
  std::string wire;
  const auto status = handlers::evaluate_wire(rules, nullptr, bad, &wire);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), expected.error_message());
}

TEST(HandlersTest, CheckBatchLimitsItsSizeIdAndLanguage) {
  v1::EvaluateBatchRequest b;
  EXPECT_TRUE(handlers::check_batch(b, 2).ok());  // an empty batch is answered with no results
  b.add_profiles();
  b.add_profiles();
  EXPECT_TRUE(handlers::check_batch(b, 2).ok());
  b.add_profiles();
  auto s = handlers::check_batch(b, 2);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(),
            "profiles: at most 2 profiles per batch (the server's --max-batch), got 3");
  b.clear_profiles();
  b.set_batch_id(std::string(129, 'b'));
  s = handlers::check_batch(b, 2);
  EXPECT_EQ(s.error_message(), "batch_id: must be at most 128 bytes");
  b.clear_batch_id();
  b.set_language("zh");
  EXPECT_TRUE(handlers::check_batch(b, 2).ok());
  b.set_language(std::string(36, 'l'));
  s = handlers::check_batch(b, 2);
  EXPECT_EQ(s.error_message(), "language: must be at most 35 bytes");
}

TEST(HandlersTest, CheckProfileIsCheckRequestWithoutTheEnvelope) {
  v1::CustomerProfile p;
  EXPECT_EQ(handlers::check_profile(p).error_message(), "profile.customer_id: must not be empty");
  p.set_customer_id("C-1");
  EXPECT_TRUE(handlers::check_profile(p).ok());
  p.set_satisfaction(11);
  EXPECT_EQ(handlers::check_profile(p).error_message().rfind("profile.satisfaction: ", 0), 0u);
}

TEST(HandlersTest, ValidateRulesRefusesEmptyRequests) {
  v1::ValidateRulesResponse response;
  EXPECT_EQ(handlers::validate_rules({}, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ValidateRulesRequest r;
  (*r.mutable_files())[""] = "ruleset x version \"1\"\n";
  EXPECT_EQ(handlers::validate_rules(r, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(HandlersTest, GetRuleSetWithoutRulesIsUnavailable) {
  v1::GetRuleSetResponse response;
  EXPECT_EQ(handlers::get_rule_set(nullptr, &response).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST(ConvertTest, Rfc3339) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1714564800123));
  EXPECT_EQ(rfc3339(t), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(rfc3339(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
}

TEST(ConvertTest, ProfileFieldPath) {
  EXPECT_EQ(profile_field_path("satisfaction"), "profile.satisfaction");
  EXPECT_EQ(profile_field_path("profile.satisfaction"), "profile.satisfaction");
  EXPECT_EQ(profile_field_path("metrics.nps"), "profile.metrics.nps");
}

TEST(ConvertTest, DiagnosticToProto) {
  Diagnostic d;
  d.severity = Severity::Warning;
  d.code = "check.unused-definition";
  d.file = "a.rules";
  d.line = 3;
  d.column = 5;
  d.message = "'x' is never used";
  d.notes = {"remove it"};
  v1::Diagnostic p;
  to_proto(d, &p);
  EXPECT_EQ(p.severity(), "warning");
  EXPECT_EQ(p.code(), "check.unused-definition");
  EXPECT_EQ(p.file(), "a.rules");
  EXPECT_EQ(p.line(), 3);
  EXPECT_EQ(p.column(), 5);
  EXPECT_EQ(p.message(), "'x' is never used");
  ASSERT_EQ(p.notes_size(), 1);
  EXPECT_NE(p.rendered().find("a.rules:3:5"), std::string::npos) << p.rendered();
}

TEST(ConvertTest, CompactDropsTextsAndKeepsIds) {
  v1::Decision d;
  d.set_customer_id("C-1");
  d.set_churn_risk(0.35);
  auto* cause = d.add_causes();
  cause->set_id("QUALITY_UNSTABLE");
  cause->set_weight(0.35);
  (*cause->mutable_label())["en"] = "Unstable quality";
  (*cause->mutable_because())["en"] = "4 complaints";
  cause->mutable_evidence()->set_rule("a.rules:3");
  auto* tactic = d.add_tactics();
  tactic->set_id("QUALITY_MARKETING");
  tactic->add_answers("QUALITY_UNSTABLE");
  (*tactic->mutable_label())["en"] = "Quality marketing";
  auto* band = d.add_bands();
  band->set_band("VIP");
  (*band->mutable_label())["en"] = "VIP";
  (*d.add_segments()->mutable_label())["en"] = "x";
  compact(&d);
  EXPECT_EQ(d.causes(0).id(), "QUALITY_UNSTABLE");
  EXPECT_EQ(d.causes(0).weight(), 0.35);
  EXPECT_TRUE(d.causes(0).label().empty());
  EXPECT_TRUE(d.causes(0).because().empty());
  EXPECT_FALSE(d.causes(0).has_evidence());
  EXPECT_EQ(d.tactics(0).answers(0), "QUALITY_UNSTABLE");
  EXPECT_TRUE(d.tactics(0).label().empty());
  EXPECT_EQ(d.bands(0).band(), "VIP");
  EXPECT_TRUE(d.bands(0).label().empty());
  EXPECT_TRUE(d.segments(0).label().empty());
  EXPECT_EQ(d.churn_risk(), 0.35);
}

TEST(LogTest, RendersTextAndJson) {
  EXPECT_EQ(log::render("start", {{"listen", "127.0.0.1:1"}, {"msg", "two words"}}, false),
            "event=start listen=127.0.0.1:1 msg=\"two words\"");
  EXPECT_EQ(log::render("start", {{"listen", "127.0.0.1:1"}, {"empty", ""}}, true),
            R"("event":"start","listen":"127.0.0.1:1","empty":"")");
  EXPECT_TRUE(log::configure("info", "json"));
  EXPECT_TRUE(log::configure("warn", "text"));
  EXPECT_FALSE(log::configure("loud", "text"));
  EXPECT_FALSE(log::configure("info", "xml"));
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("retain_service_unit_" + std::to_string(std::random_device{}()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path path_;
};

TEST(DecisionLogTest, LineHasTheDocumentedFields) {
  v1::Decision d;
  d.set_customer_id("C\"1");
  d.set_tier("VIP");
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1714564800123));
  EXPECT_EQ(DecisionLog::line(t, "req-1", "abc", d),
            R"({"time":"2024-05-01T12:00:00.123Z","request_id":"req-1","ruleset_hash":"abc",)"
            R"("customer_id":"C\"1","decision":{"customer_id":"C\"1","tier":"VIP"}})");
}

TEST(DecisionLogTest, RotatesBySize) {
  TempDir dir;
  const auto path = (dir.path_ / "decisions.jsonl").string();
  std::string error;
  auto log = DecisionLog::open(path, 2048, 2, &error);
  ASSERT_TRUE(log) << error;
  v1::Decision d;
  d.set_customer_id("C-1");
  d.set_tier(std::string(200, 't'));
  for (int i = 0; i < 60; ++i) log->write("r", "h", d);
  log->flush();
  EXPECT_TRUE(fs::exists(path));
  EXPECT_TRUE(fs::exists(dir.path_ / "decisions.1.jsonl"));
  EXPECT_TRUE(fs::exists(dir.path_ / "decisions.2.jsonl"));
  EXPECT_FALSE(fs::exists(dir.path_ / "decisions.3.jsonl"));
  EXPECT_LE(fs::file_size(path), 2048u);
}

TEST(DecisionLogTest, OpenFailsForAnUnwritablePath) {
  std::string error;
  EXPECT_FALSE(DecisionLog::open("/proc/no/such/dir/d.jsonl", 1024, 1, &error));
  EXPECT_FALSE(error.empty());
}

TEST(StatsFileTest, ParsesTheBatchFormat) {
  LoadedStats stats;
  std::string error;
  ASSERT_TRUE(parse_stats(
      R"({"format":"retain.population_stats","version":1,
          "ruleset":{"name":"r","version":"1","content_hash":"abc"},"rows":3,"source":"x.csv",
          "tiers":{"PYRAMID":{"count":3,"values":[30,20.5,10]}}})",
      &stats, &error))
      << error;
  EXPECT_EQ(stats.ruleset_hash, "abc");
  EXPECT_EQ(stats.rows, 3u);
  ASSERT_TRUE(stats.stats);
  EXPECT_EQ(stats.stats->population("PYRAMID"), 3u);
  EXPECT_NEAR(stats.stats->rank_pct("PYRAMID", 20.5), 100.0 / 3, 1e-9);
}

TEST(StatsFileTest, RefusesOtherFiles) {
  LoadedStats stats;
  std::string error;
  EXPECT_FALSE(parse_stats("not json", &stats, &error));
  EXPECT_FALSE(parse_stats(R"({"format":"other","version":1,"tiers":{}})", &stats, &error));
  EXPECT_FALSE(parse_stats(R"({"format":"retain.population_stats","version":2,"tiers":{}})", &stats,
                           &error));
  EXPECT_FALSE(parse_stats(
      R"({"format":"retain.population_stats","version":1,"tiers":{"P":{"values":["x"]}}})", &stats,
      &error));
  EXPECT_NE(error.find("P"), std::string::npos) << error;
  EXPECT_FALSE(load_stats("/no/such/stats.json", &stats, &error));
}

TEST(RuleStoreTest, SwapsOnlyAnErrorFreeRuleSet) {
  int calls = 0;
  bool fail = false;
  RuleStore store({"x.rules"}, [&](const std::vector<std::string>& paths) {
    EXPECT_EQ(paths, std::vector<std::string>{"x.rules"});
    ++calls;
    PhaseResult<RuleSetPtr> r;
    if (fail) {
      Diagnostic d;
      d.code = "check.unknown-field";
      d.message = "unknown field";
      r.diagnostics.push_back(d);
    } else {
      r.value = std::make_shared<const compile::RuleSet>();
    }
    return r;
  });
  EXPECT_EQ(store.current(), nullptr);
  auto first = store.reload();
  ASSERT_TRUE(first.ok);
  ASSERT_TRUE(store.current());
  EXPECT_EQ(store.current()->generation, 1u);
  const auto served = store.current()->rules;

  fail = true;
  auto second = store.reload();
  EXPECT_FALSE(second.ok);
  EXPECT_EQ(second.diagnostics.size(), 1u);
  EXPECT_EQ(store.current()->rules, served);  // the good one keeps serving
  EXPECT_EQ(second.current->rules, served);

  fail = false;
  auto third = store.reload();
  EXPECT_TRUE(third.ok);
  EXPECT_NE(store.current()->rules, served);
  EXPECT_EQ(store.current()->generation, 2u);
  EXPECT_EQ(calls, 3);
}

TEST(RuleStoreTest, SnapshotsOutliveASwap) {
  RuleStore store({});
  store.set(std::make_shared<const compile::RuleSet>());
  auto snapshot = store.current();
  store.set(std::make_shared<const compile::RuleSet>());
  EXPECT_NE(snapshot->rules, store.current()->rules);
  EXPECT_TRUE(snapshot->rules);  // still alive while a request holds it
}

}  // namespace
}  // namespace retain::service
