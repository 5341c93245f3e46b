// RetentionEngineService: the gRPC callback service. Each RPC takes a snapshot of the rule set,
// calls the plain functions of handlers.hpp and finishes; EvaluateStream evaluates each profile
// as it arrives and writes the decisions back in order, reading ahead of a bounded queue
// (ordered_stream.hpp); EvaluateBatches does the same with a batch per message
// (evaluate_batches.hpp).
// Thread-safe: reactions run on gRPC's threads; the service holds no per-call state itself.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "engine/eval/population_stats.hpp"
#include "retain/v1/service.grpc.pb.h"
#include "service/decision_log.hpp"
#include "service/rule_store.hpp"

namespace retain::service {

struct ServiceConfig {
  RuleStore* rules = nullptr;                    // required; outlives the service
  std::shared_ptr<const PopulationStats> stats;  // optional
  std::string admin_token;                       // empty: ReloadRules always refused
  DecisionLog* decision_log = nullptr;           // optional; outlives the service
  std::size_t max_batch = 1000;                  // profiles per EvaluateBatchRequest
  // How ReloadRules reloads (the server logs it); defaults to rules->reload().
  std::function<ReloadResult(std::string_view trigger)> reload;
};

// Evaluate, EvaluateStream, EvaluateBatch and EvaluateBatches are raw methods (bytes in, bytes
// out): decisions are written straight in wire format (decide_wire) when no trace or decision
// log needs the message. The wire format, and so every client, is the same as with the
// generated typed methods.
class RetentionEngineService final
    : public v1::RetentionEngine::WithRawCallbackMethod_Evaluate<
          v1::RetentionEngine::WithRawCallbackMethod_EvaluateStream<
              v1::RetentionEngine::WithRawCallbackMethod_EvaluateBatch<
                  v1::RetentionEngine::WithRawCallbackMethod_EvaluateBatches<
                      v1::RetentionEngine::WithCallbackMethod_GetRuleSet<
                          v1::RetentionEngine::WithCallbackMethod_ValidateRules<
                              v1::RetentionEngine::WithCallbackMethod_ReloadRules<
                                  v1::RetentionEngine::Service>>>>>>> {
 public:
  explicit RetentionEngineService(ServiceConfig config);

  grpc::ServerUnaryReactor* Evaluate(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* EvaluateStream(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* EvaluateBatch(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* EvaluateBatches(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* GetRuleSet(grpc::CallbackServerContext* context,
                                       const v1::GetRuleSetRequest* request,
                                       v1::GetRuleSetResponse* response) override;
  grpc::ServerUnaryReactor* ValidateRules(grpc::CallbackServerContext* context,
                                          const v1::ValidateRulesRequest* request,
                                          v1::ValidateRulesResponse* response) override;
  grpc::ServerUnaryReactor* ReloadRules(grpc::CallbackServerContext* context,
                                        const v1::ReloadRulesRequest* request,
                                        v1::ReloadRulesResponse* response) override;

  const ServiceConfig& config() const { return config_; }

  // Evaluates one request on the current rule set, with decision log and request log.
  // `request_id` is computed lazily by the caller only when needed (see wants_request_id()).
  grpc::Status evaluate_one(const v1::EvaluateRequest& request, v1::EvaluateResponse* response,
                            std::string_view request_id);
  bool wants_request_id() const;
  // Evaluate's answer as bytes: the wire path, or evaluate_one() serialised when the request
  // asks for a trace or a decision log is written (both need the message).
  grpc::Status evaluate_unary(const v1::EvaluateRequest& request, grpc::ByteBuffer* response,
                              std::string_view request_id);
  // One stream message's answer as EvaluateResponse bytes in `response`: as evaluate_unary(),
  // except that a refused profile is answered with `error` set (OK) instead of a status.
  grpc::Status evaluate_streamed(const v1::EvaluateRequest& request, std::string* response,
                                 std::string_view request_id);
  // Evaluates a batch on one snapshot of the rule set: one result per profile, a refused
  // profile's with `error`. A batch above max_batch is INVALID_ARGUMENT; a call cancelled or
  // past its deadline stops within the batch (CANCELLED, DEADLINE_EXCEEDED). With a decision
  // log, decision i is logged as `<log_prefix>/<i>`.
  grpc::Status evaluate_batch(const v1::EvaluateBatchRequest& request,
                              v1::EvaluateBatchResponse* response, std::string_view log_prefix,
                              const grpc::CallbackServerContext& context);
  // The same answer as EvaluateBatchResponse bytes in `response`: written straight from the
  // decisions, or, when the batch asks for a trace or a decision log is written (both need the
  // messages), evaluate_batch() serialised.
  grpc::Status evaluate_batch_bytes(const v1::EvaluateBatchRequest& request, std::string* response,
                                    std::string_view log_prefix,
                                    const grpc::CallbackServerContext& context);

 private:
  ServiceConfig config_;
};

// The request id of a call: metadata "x-request-id" when given (up to 128 bytes), else a new one.
std::string request_id(const grpc::CallbackServerContext& context);
// True when the call's deadline has passed.
bool deadline_passed(const grpc::CallbackServerContext& context);

}  // namespace retain::service
