// retain_client: a small CRM-side client of retain.v1.RetentionEngine.
//
//   retain_client [--target HOST:PORT] score PROFILE.json [--explain]   one decision, as JSON
//   retain_client [--target HOST:PORT] stream CUSTOMERS.jsonl [--compact] one decision per line
//   retain_client [--target HOST:PORT] batch CUSTOMERS.jsonl [--size N] [--compact]  in batches
//   retain_client [--target HOST:PORT] rules                            the rule set served
//
// --language zh asks for labels and because texts in the CRM user's language only.
// TLS: --tls-ca CA.pem (server verification), plus --tls-cert/--tls-key for mutual TLS.
// Every call carries a deadline (--deadline-ms) and an x-request-id.
#include <google/protobuf/arena.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "retain/v1/service.grpc.pb.h"

namespace {

using retain::v1::RetentionEngine;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string to_json(const google::protobuf::Message& m, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = pretty;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

bool parse_profile(const std::string& json, retain::v1::CustomerProfile* profile,
                   std::string* error) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(json, profile, options);
  if (!status.ok()) *error = std::string(status.message());
  return status.ok();
}

std::string new_request_id() {
  static std::mt19937_64 rng{std::random_device{}()};
  std::ostringstream s;
  s << "crm-" << std::hex << rng();
  return s.str();
}

struct Options {
  std::string target = "127.0.0.1:50051";
  std::string tls_ca, tls_cert, tls_key;
  int deadline_ms = 5000;
  std::string language;  // "" = every language the rules give
};

std::shared_ptr<grpc::Channel> make_channel(const Options& o) {
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (!o.tls_ca.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = read_file(o.tls_ca);
    if (!o.tls_cert.empty()) {
      ssl.pem_cert_chain = read_file(o.tls_cert);
      ssl.pem_private_key = read_file(o.tls_key);
    }
    creds = grpc::SslCredentials(ssl);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  return grpc::CreateChannel(o.target, creds);
}

void prepare(grpc::ClientContext& ctx, std::chrono::milliseconds deadline) {
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  ctx.AddMetadata("x-request-id", new_request_id());
}

int fail(const grpc::Status& s) {
  std::cerr << "retain_client: " << s.error_code() << " " << s.error_message() << "\n";
  return 1;
}

int score(RetentionEngine::Stub& stub, const Options& o, const std::string& path, bool explain) {
  retain::v1::EvaluateRequest request;
  std::string error;
  if (!parse_profile(read_file(path), request.mutable_profile(), &error)) {
    std::cerr << "retain_client: " << path << ": " << error << "\n";
    return 1;
  }
  request.set_explain(explain);
  request.set_language(o.language);
  grpc::ClientContext ctx;
  prepare(ctx, std::chrono::milliseconds(o.deadline_ms));
  retain::v1::EvaluateResponse response;
  auto status = stub.Evaluate(&ctx, request, &response);
  if (!status.ok()) return fail(status);
  std::cout << to_json(response.decision(), true) << "\n";
  return 0;
}

// Streams every line of a JSON-lines file; prints one decision per line, in input order, and a
// summary on stderr. A reader thread drains responses while the main thread writes.
int stream(RetentionEngine::Stub& stub, const Options& o, const std::string& path, bool quiet,
           bool compact) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "retain_client: cannot read " << path << "\n";
    return 1;
  }
  grpc::ClientContext ctx;
  // A bulk call gets a longer deadline: the per-call one per thousand profiles, at least.
  prepare(ctx, std::chrono::milliseconds(o.deadline_ms) * 100);
  const auto start = std::chrono::steady_clock::now();
  auto call = stub.EvaluateStream(&ctx);
  std::size_t received = 0, refused = 0;
  std::thread reader([&] {
    retain::v1::EvaluateResponse response;
    while (call->Read(&response)) {
      ++received;
      if (!response.error().empty()) {
        ++refused;
        std::cerr << "refused: " << response.error() << "\n";
      } else if (!quiet) {
        std::cout << to_json(response.decision(), false) << "\n";
      }
    }
  });
  std::string line;
  std::size_t sent = 0, line_no = 0;
  retain::v1::EvaluateRequest request;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    request.Clear();
    if (compact) request.set_view(retain::v1::EvaluateRequest::VIEW_COMPACT);
    request.set_language(o.language);
    std::string error;
    if (!parse_profile(line, request.mutable_profile(), &error)) {
      std::cerr << path << ":" << line_no << ": " << error << "\n";
      continue;
    }
    if (!call->Write(request)) break;  // the server ended the call; Finish says why
    ++sent;
  }
  call->WritesDone();
  reader.join();
  auto status = call->Finish();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << "sent " << sent << ", received " << received << " (" << refused << " refused) in "
            << secs << " s: " << static_cast<long>(received / secs) << " decisions/s\n";
  if (!status.ok()) return fail(status);
  return received == sent ? 0 : 1;
}

// Scores a JSON-lines file in batches of `size` profiles on one EvaluateBatches call: what a bulk
// CRM job should use, since gRPC's cost per message is shared by the whole batch. Prints one
// decision per line in input order and a summary on stderr, like `stream`.
int batches(RetentionEngine::Stub& stub, const Options& o, const std::string& path, int size,
            bool quiet, bool compact) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "retain_client: cannot read " << path << "\n";
    return 1;
  }
  grpc::ClientContext ctx;
  prepare(ctx, std::chrono::milliseconds(o.deadline_ms) * 100);
  const auto start = std::chrono::steady_clock::now();
  auto call = stub.EvaluateBatches(&ctx);
  std::size_t received = 0, refused = 0;
  std::thread reader([&] {
    // Each batch is parsed on an arena reset afterwards: freeing hundreds of decisions one
    // field at a time would cost more than the server spends deciding them.
    google::protobuf::Arena arena;
    auto* response =
        google::protobuf::Arena::CreateMessage<retain::v1::EvaluateBatchResponse>(&arena);
    while (call->Read(response)) {
      for (int i = 0; i < response->results_size(); ++i) {
        const auto& result = response->results(i);
        ++received;
        if (!result.error().empty()) {
          ++refused;
          std::cerr << "refused: batch " << response->batch_id() << " profile " << i << ": "
                    << result.error() << "\n";
        } else if (!quiet) {
          std::cout << to_json(result.decision(), false) << "\n";
        }
      }
      arena.Reset();
      response = google::protobuf::Arena::CreateMessage<retain::v1::EvaluateBatchResponse>(&arena);
    }
  });
  retain::v1::EvaluateBatchRequest batch;
  if (compact) batch.set_view(retain::v1::EvaluateRequest::VIEW_COMPACT);
  batch.set_language(o.language);
  std::size_t sent = 0, line_no = 0, batch_no = 0;
  bool open = true;
  // Batch ids name the first input line, so a refused batch can be found in the file.
  auto flush = [&] {
    if (batch.profiles_size() == 0 || !open) return;
    if (!call->Write(batch)) {
      open = false;  // the server ended the call; Finish says why
      return;
    }
    sent += static_cast<std::size_t>(batch.profiles_size());
    ++batch_no;
    batch.clear_profiles();
  };
  std::string line;
  while (open && std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    if (batch.profiles_size() == 0) batch.set_batch_id("line-" + std::to_string(line_no));
    std::string error;
    if (!parse_profile(line, batch.add_profiles(), &error)) {
      batch.mutable_profiles()->RemoveLast();
      std::cerr << path << ":" << line_no << ": " << error << "\n";
      continue;
    }
    if (batch.profiles_size() >= size) flush();
  }
  flush();
  call->WritesDone();
  reader.join();
  auto status = call->Finish();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << "sent " << sent << " in " << batch_no << " batches, received " << received << " ("
            << refused << " refused) in " << secs << " s: " << static_cast<long>(received / secs)
            << " decisions/s\n";
  if (!status.ok()) return fail(status);
  return received == sent ? 0 : 1;
}

int rules(RetentionEngine::Stub& stub, const Options& o) {
  grpc::ClientContext ctx;
  prepare(ctx, std::chrono::milliseconds(o.deadline_ms));
  retain::v1::GetRuleSetResponse response;
  auto status = stub.GetRuleSet(&ctx, {}, &response);
  if (!status.ok()) return fail(status);
  std::cout << to_json(response, true) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"A CRM-side client of the retain decision service"};
  app.add_option("--target", o.target, "HOST:PORT of `retain serve`")->capture_default_str();
  app.add_option("--tls-ca", o.tls_ca, "CA (PEM) to verify the server; enables TLS");
  app.add_option("--tls-cert", o.tls_cert, "Client certificate (PEM) for mutual TLS");
  app.add_option("--tls-key", o.tls_key, "Client key (PEM) for mutual TLS");
  app.add_option("--deadline-ms", o.deadline_ms, "Deadline of each call")->capture_default_str();
  app.add_option("--language", o.language,
                 "Labels and because texts in this language only (en, zh; default: all)");
  app.require_subcommand(1);

  std::string profile_path;
  bool explain = false;
  auto* score_cmd = app.add_subcommand("score", "Score one profile (JSON)");
  score_cmd->add_option("profile", profile_path, "Profile JSON file")->required();
  score_cmd->add_flag("--explain", explain, "Include the evaluation trace");

  std::string customers = "examples/customers.jsonl";
  bool quiet = false;
  auto* stream_cmd = app.add_subcommand("stream", "Stream profiles (JSON lines)");
  stream_cmd->add_option("customers", customers, "JSON-lines file")->capture_default_str();
  stream_cmd->add_flag("--quiet", quiet, "Print only the summary");
  bool compact = false;
  stream_cmd->add_flag("--compact", compact, "Ask for compact decisions (ids, no texts)");

  int batch_size = 500;
  auto* batch_cmd =
      app.add_subcommand("batch", "Score profiles (JSON lines) in batches (EvaluateBatches)");
  batch_cmd->add_option("customers", customers, "JSON-lines file")->capture_default_str();
  batch_cmd->add_option("--size", batch_size, "Profiles per batch (the server allows 1000)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  batch_cmd->add_flag("--quiet", quiet, "Print only the summary");
  batch_cmd->add_flag("--compact", compact, "Ask for compact decisions (ids, no texts)");

  auto* rules_cmd = app.add_subcommand("rules", "Show the rule set being served");
  CLI11_PARSE(app, argc, argv);

  try {
    auto stub = RetentionEngine::NewStub(make_channel(o));
    if (*score_cmd) return score(*stub, o, profile_path, explain);
    if (*stream_cmd) return stream(*stub, o, customers, quiet, compact);
    if (*batch_cmd) return batches(*stub, o, customers, batch_size, quiet, compact);
    if (*rules_cmd) return rules(*stub, o);
  } catch (const std::exception& e) {
    std::cerr << "retain_client: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
