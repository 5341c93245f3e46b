#include "service/handlers.hpp"

#include <fmt/format.h>

#include "engine/wire_writer.hpp"
#include "service/convert.hpp"

namespace retain::service::handlers {

namespace {

constexpr std::size_t kMaxCustomerIdBytes = 256;
constexpr std::size_t kMaxBatchIdBytes = 128;
constexpr std::size_t kMaxLanguageBytes = 35;  // BCP 47's longest practical tag

grpc::Status invalid(std::string field, std::string_view message) {
  return {grpc::StatusCode::INVALID_ARGUMENT, fmt::format("{}: {}", field, message)};
}

eval::EvalFrame& thread_frame() {
  thread_local eval::EvalFrame frame;
  return frame;
}

EvalOptions eval_options(const DecisionAsk& ask) {
  EvalOptions options;
  options.trace = ask.explain;
  // A compact decision is not rendered with texts at all (EvalOptions.explanations), which is
  // most of the cost of a decision.
  options.explanations = ask.view != v1::EvaluateRequest::VIEW_COMPACT;
  options.language = std::string(ask.language);
  return options;
}

void decide_into(const compile::RuleSet& rules, const PopulationStats* stats,
                 const v1::CustomerProfile& profile, const DecisionAsk& ask,
                 v1::Decision* decision) {
  decide(rules, profile, stats, thread_frame(), decision, eval_options(ask));
  // A trace renders texts even in a compact decision: compact() strips them.
  if (ask.view == v1::EvaluateRequest::VIEW_COMPACT) compact(decision);
}

grpc::Status check_language(std::string_view language) {
  if (language.size() > kMaxLanguageBytes) {
    return invalid("language", fmt::format("must be at most {} bytes", kMaxLanguageBytes));
  }
  return grpc::Status::OK;
}

// The bytes of a length as a varint: a result's length prefix is written before its decision,
// so it is computed (WireWriter keeps its own helper private).
std::size_t varint_size(std::size_t n) {
  std::size_t size = 1;
  for (; n >= 0x80; n >>= 7) ++size;
  return size;
}

// The decision of decide_into() without a trace, as wire bytes in a per-thread buffer, valid
// until the next call on this thread. A compact decision is the one rendered without texts.
const std::string& decision_wire(const compile::RuleSet& rules, const PopulationStats* stats,
                                 const v1::CustomerProfile& profile, const DecisionAsk& ask) {
  thread_local std::string decision;
  decide_wire(rules, profile, stats, thread_frame(), eval_options({false, ask.view, ask.language}),
              &decision);
  return decision;
}

}  // namespace

DecisionAsk ask_of(const v1::EvaluateRequest& request) {
  return {request.explain(), request.view(), request.language()};
}

DecisionAsk ask_of(const v1::EvaluateBatchRequest& request) {
  return {request.explain(), request.view(), request.language()};
}

grpc::Status check_request(const v1::EvaluateRequest& request) {
  if (!request.has_profile()) return invalid("profile", "is required");
  if (auto status = check_language(request.language()); !status.ok()) return status;
  return check_profile(request.profile());
}

grpc::Status check_profile(const v1::CustomerProfile& profile) {
  if (profile.customer_id().empty()) return invalid("profile.customer_id", "must not be empty");
  if (profile.customer_id().size() > kMaxCustomerIdBytes) {
    return invalid("profile.customer_id",
                   fmt::format("must be at most {} bytes", kMaxCustomerIdBytes));
  }
  if (auto problem = validate_profile(profile)) {
    return invalid(profile_field_path(problem->field), problem->message);
  }
  return grpc::Status::OK;
}

grpc::Status evaluate(const compile::RuleSet& rules, const PopulationStats* stats,
                      const v1::EvaluateRequest& request, v1::EvaluateResponse* response) {
  if (auto status = check_request(request); !status.ok()) return status;
  decide_into(rules, stats, request.profile(), ask_of(request), response->mutable_decision());
  return grpc::Status::OK;
}

grpc::Status evaluate_wire(const compile::RuleSet& rules, const PopulationStats* stats,
                           const v1::EvaluateRequest& request, std::string* response) {
  if (auto status = check_request(request); !status.ok()) return status;
  const std::string& decision = decision_wire(rules, stats, request.profile(), ask_of(request));
  // EvaluateResponse { Decision decision = 1; }: the decision as its one field.
  response->clear();
  WireWriter(*response).bytes(v1::EvaluateResponse::kDecisionFieldNumber, decision);
  return grpc::Status::OK;
}

void error_response_wire(std::string_view message, std::string* response) {
  response->clear();
  WireWriter(*response).bytes(v1::EvaluateResponse::kErrorFieldNumber, message);
}

void append_result_wire(const compile::RuleSet& rules, const PopulationStats* stats,
                        const v1::CustomerProfile& profile, const DecisionAsk& ask,
                        std::string* out) {
  constexpr int kResults = v1::EvaluateBatchResponse::kResultsFieldNumber;
  WireWriter out_wire(*out);
  if (auto status = check_profile(profile); !status.ok()) {
    // EvaluateResponse { string error = 2; }
    const auto& message = status.error_message();
    out_wire.tag(kResults, 2);
    out_wire.varint(1 + varint_size(message.size()) + message.size());
    out_wire.bytes(v1::EvaluateResponse::kErrorFieldNumber, message);
    return;
  }
  const std::string& decision = decision_wire(rules, stats, profile, ask);
  // EvaluateResponse { Decision decision = 1; }, written in place: no copy of the result.
  out_wire.tag(kResults, 2);
  out_wire.varint(1 + varint_size(decision.size()) + decision.size());
  out_wire.bytes(v1::EvaluateResponse::kDecisionFieldNumber, decision);
}

void append_batch_id_wire(std::string_view batch_id, std::string* out) {
  // string(): proto3 leaves an empty string out, and so must we for the same bytes.
  WireWriter(*out).string(v1::EvaluateBatchResponse::kBatchIdFieldNumber, batch_id);
}

void evaluate_into(const compile::RuleSet& rules, const PopulationStats* stats,
                   const v1::CustomerProfile& profile, const DecisionAsk& ask,
                   v1::EvaluateResponse* result) {
  if (auto status = check_profile(profile); !status.ok()) {
    result->set_error(status.error_message());
    return;
  }
  decide_into(rules, stats, profile, ask, result->mutable_decision());
}

grpc::Status check_batch(const v1::EvaluateBatchRequest& request, std::size_t max_profiles) {
  const auto n = static_cast<std::size_t>(request.profiles_size());
  if (n > max_profiles) {
    return invalid("profiles", fmt::format("at most {} profiles per batch (the server's "
                                           "--max-batch), got {}",
                                           max_profiles, n));
  }
  if (request.batch_id().size() > kMaxBatchIdBytes) {
    return invalid("batch_id", fmt::format("must be at most {} bytes", kMaxBatchIdBytes));
  }
  return check_language(request.language());
}

grpc::Status get_rule_set(const LoadedRules* loaded, v1::GetRuleSetResponse* response) {
  if (loaded == nullptr || !loaded->rules) {
    return {grpc::StatusCode::UNAVAILABLE, "no rule set is loaded"};
  }
  to_proto(*loaded, response);
  return grpc::Status::OK;
}

grpc::Status validate_rules(const v1::ValidateRulesRequest& request,
                            v1::ValidateRulesResponse* response) {
  if (request.files().empty()) return invalid("files", "must name at least one file");
  std::map<std::string, std::string> files;
  for (const auto& [path, text] : request.files()) {
    if (path.empty()) return invalid("files", "a path is empty");
    files.emplace(path, text);
  }
  auto loaded = load_rules_from_memory(files);
  const bool ok = loaded.value && *loaded.value && !has_errors(loaded.diagnostics);
  response->set_ok(ok);
  to_proto(loaded.diagnostics, response->mutable_diagnostics());
  if (ok) to_proto(**loaded.value, response->mutable_ruleset());
  return grpc::Status::OK;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // The length is not secret; the bytes are. Compare every byte whatever the mismatch.
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  volatile unsigned char result = diff;
  return result == 0;
}

grpc::Status authorize_admin(std::string_view configured_token,
                             const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  if (configured_token.empty()) {
    return {grpc::StatusCode::PERMISSION_DENIED,
            "admin calls are disabled: the server was started without --admin-token-file"};
  }
  const auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return {grpc::StatusCode::PERMISSION_DENIED, "authorization: missing admin token"};
  }
  const std::string_view value(it->second.data(), it->second.size());
  constexpr std::string_view kBearer = "Bearer ";
  if (value.substr(0, kBearer.size()) != kBearer ||
      !constant_time_equal(value.substr(kBearer.size()), configured_token)) {
    return {grpc::StatusCode::PERMISSION_DENIED, "authorization: wrong admin token"};
  }
  return grpc::Status::OK;
}

grpc::Status to_response(const ReloadResult& result, v1::ReloadRulesResponse* response) {
  response->set_ok(result.ok);
  to_proto(result.diagnostics, response->mutable_diagnostics());
  if (result.current && result.current->rules) {
    to_proto(*result.current->rules, response->mutable_ruleset());
  }
  return grpc::Status::OK;
}

grpc::Status reload_rules(RuleStore& store, v1::ReloadRulesResponse* response) {
  return to_response(store.reload(), response);
}

}  // namespace retain::service::handlers
