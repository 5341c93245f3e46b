// Helpers for the service integration tests: temporary rule directories, rule texts in the DSL
// of docs/language.md, gRPC clients for our service, the health service and reflection
// (called as raw bytes, since Debian ships neither .proto), and child processes.
#pragma once

#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "retain/v1/service.grpc.pb.h"
#include "service/server.hpp"

namespace retain::service::testing {

namespace fs = std::filesystem;

// Rule set "svc_test": one cause and one tactic. `version` and `weight` vary between texts so a
// reload is visible in GetRuleSet and in decisions.
inline std::string rules_text(const std::string& version, double weight = 0.35) {
  return "ruleset svc_test version \"" + version + "\"\n\n" +
         "cause QUALITY_UNSTABLE {\n"
         "  label en \"Unstable quality\" zh \"质量不稳定\"\n"
         "  weight " +
         std::to_string(weight) +
         "\n"
         "  when quality_complaints_90d >= 3\n"
         "  because en \"{quality_complaints_90d} quality complaints in 90 days\"\n"
         "}\n\n"
         "tactic QUALITY_MARKETING {\n"
         "  label en \"Make quality the selling point\"\n"
         "  answers QUALITY_UNSTABLE\n"
         "  priority 2\n"
         "}\n";
}

// A rule file with a check error (an unknown field).
inline std::string bad_rules_text() {
  return "ruleset svc_test version \"broken\"\n\n"
         "cause QUALITY_UNSTABLE {\n"
         "  label en \"Unstable quality\"\n"
         "  weight 0.35\n"
         "  when quality_complaints_9d >= 3\n"
         "}\n";
}

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("retain_service_test_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    // Write then rename, so a watcher never sees a half-written file.
    const auto target = path_ / name;
    const auto tmp = path_ / (name + ".tmp");
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << text;
    }
    fs::rename(tmp, target);
    return target.string();
  }

 private:
  fs::path path_;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline v1::CustomerProfile profile(const std::string& id, int quality_complaints = 4) {
  v1::CustomerProfile p;
  p.set_customer_id(id);
  p.set_tenure_months(24);
  p.set_orders_lifetime(10);
  p.set_quality_complaints_90d(quality_complaints);
  return p;
}

inline v1::EvaluateRequest request(const std::string& id, int quality_complaints = 4) {
  v1::EvaluateRequest r;
  *r.mutable_profile() = profile(id, quality_complaints);
  return r;
}

inline std::chrono::system_clock::time_point in(std::chrono::milliseconds d) {
  return std::chrono::system_clock::now() + d;
}

// The first `limit` customers of examples/customers.jsonl.
inline std::vector<v1::CustomerProfile> example_customers(std::size_t limit) {
  std::ifstream in(std::string(RETAIN_SOURCE_DIR) + "/examples/customers.jsonl");
  std::vector<v1::CustomerProfile> out;
  std::string line;
  while (out.size() < limit && std::getline(in, line)) {
    v1::CustomerProfile p;
    if (google::protobuf::util::JsonStringToMessage(line, &p).ok()) out.push_back(std::move(p));
  }
  return out;
}

// The options every test server starts from: rules at `rules_path`, a loopback port the OS
// picks, 5 s to drain on shutdown.
inline ServerOptions loopback_options(const std::string& rules_path) {
  ServerOptions o;
  o.rule_paths = {rules_path};
  o.listen = "127.0.0.1:0";
  o.drain_grace_ms = 5000;
  return o;
}

// Starts a server; a server that does not start fails the test and is null.
inline std::unique_ptr<Server> start_server(const ServerOptions& o) {
  Server::StartError error;
  auto server = Server::start(o, &error);
  EXPECT_TRUE(server) << error.message;
  return server;
}

inline std::shared_ptr<grpc::Channel> channel(
    const std::string& target,
    std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials()) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(target, creds, args);
}

// Calls a unary method with raw protobuf bytes (for the health service).
inline grpc::Status raw_unary(const std::shared_ptr<grpc::Channel>& ch, const std::string& method,
                              const std::string& request_bytes, std::string* response_bytes) {
  grpc::GenericStub stub(ch);
  grpc::ClientContext ctx;
  ctx.set_deadline(in(std::chrono::seconds(5)));
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  auto status = done.get_future().get();
  if (status.ok()) {
    std::vector<grpc::Slice> slices;
    (void)response.Dump(&slices);
    response_bytes->clear();
    for (const auto& s : slices) {
      response_bytes->append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  return status;
}

// Calls a bidi streaming method with raw protobuf bytes: writes each request and reads its
// response before the next (our streams answer every message), then ends the call. The
// responses are the exact bytes the server wrote; stops at the first failed read.
inline grpc::Status raw_bidi(const std::shared_ptr<grpc::Channel>& ch, const std::string& method,
                             const std::vector<std::string>& requests,
                             std::vector<std::string>* responses) {
  grpc::GenericStub stub(ch);
  grpc::ClientContext ctx;
  ctx.set_deadline(in(std::chrono::seconds(30)));
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(&ctx, method, &cq);
  // One operation in flight at a time: each step waits for its own tag.
  auto step = [&cq](std::intptr_t expected) {
    void* got = nullptr;
    bool ok = false;
    return cq.Next(&got, &ok) && got == reinterpret_cast<void*>(expected) && ok;
  };
  auto tag = [](std::intptr_t n) { return reinterpret_cast<void*>(n); };
  call->StartCall(tag(1));
  bool good = step(1);
  for (std::size_t i = 0; good && i < requests.size(); ++i) {
    grpc::Slice slice(requests[i]);
    grpc::ByteBuffer request(&slice, 1);
    call->Write(request, tag(2));
    if (!step(2)) break;
    grpc::ByteBuffer response;
    call->Read(&response, tag(3));
    if (!step(3)) break;
    std::vector<grpc::Slice> slices;
    (void)response.Dump(&slices);
    std::string bytes;
    for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    responses->push_back(std::move(bytes));
  }
  call->WritesDone(tag(4));
  (void)step(4);
  grpc::Status status;
  call->Finish(&status, tag(5));
  (void)step(5);
  cq.Shutdown();
  void* got = nullptr;
  bool ok = false;
  while (cq.Next(&got, &ok)) {
  }
  return status;
}

// grpc.health.v1.Health/Check: returns the ServingStatus (1 SERVING, 2 NOT_SERVING), or -1.
inline int health_check(const std::shared_ptr<grpc::Channel>& ch, const std::string& service) {
  std::string request;  // HealthCheckRequest { string service = 1; }
  if (!service.empty()) {
    request.push_back(0x0a);
    request.push_back(static_cast<char>(service.size()));
    request += service;
  }
  std::string response;
  auto status = raw_unary(ch, "/grpc.health.v1.Health/Check", request, &response);
  if (!status.ok()) return -1;
  // HealthCheckResponse { ServingStatus status = 1; }: absent means 0 (UNKNOWN).
  if (response.size() >= 2 && response[0] == 0x08) return response[1];
  return 0;
}

// grpc.reflection.v1alpha.ServerReflection: list_services, returned as raw response bytes
// (empty on failure).
inline std::string reflection_list_services(const std::shared_ptr<grpc::Channel>& ch) {
  grpc::GenericStub stub(ch);
  grpc::ClientContext ctx;
  ctx.set_deadline(in(std::chrono::seconds(5)));
  grpc::CompletionQueue cq;
  auto call =
      stub.PrepareCall(&ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  auto tag = [](std::intptr_t n) { return reinterpret_cast<void*>(n); };
  auto step = [&](std::intptr_t expected) {
    void* got = nullptr;
    bool ok = false;
    return cq.Next(&got, &ok) && got == tag(expected) && ok;
  };
  std::string out;
  grpc::ByteBuffer response;
  bool good = false;
  call->StartCall(tag(1));
  if (step(1)) {
    // ServerReflectionRequest { string list_services = 7; } with the value "*".
    const std::string bytes = {0x3a, 0x01, '*'};
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    call->Write(request, tag(2));
    if (step(2)) {
      call->Read(&response, tag(3));
      good = step(3);
    }
  }
  if (good) {
    call->WritesDone(tag(5));
  } else {
    ctx.TryCancel();
  }
  grpc::Status status;
  call->Finish(&status, tag(4));
  cq.Shutdown();
  void* got = nullptr;
  bool ok = false;
  while (cq.Next(&got, &ok)) {
  }
  if (!good) return {};
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// Polls `pred` every 20 ms until it holds or `limit` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace retain::service::testing
