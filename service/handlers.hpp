// The RPCs as plain functions: proto in, engine call, proto out, grpc::Status back. No server,
// no threads of their own: retention_engine_service.cpp calls them from its reactors and the
// unit tests call them directly. A bad request is INVALID_ARGUMENT whose message starts with
// the field's path ("profile.satisfaction: must be between 0 and 10").
// Thread-safe: evaluate() uses a thread_local EvalFrame; the rest share nothing mutable.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <grpcpp/support/status.h>
#include <grpcpp/support/string_ref.h>

#include "engine/engine.hpp"
#include "retain/v1/service.pb.h"
#include "service/rule_store.hpp"

namespace retain::service::handlers {

// What a caller asks of its decisions: an EvaluateRequest's or a batch's explain (a trace),
// view and language. `language` views the request's string.
struct DecisionAsk {
  bool explain = false;
  v1::EvaluateRequest::View view = v1::EvaluateRequest::VIEW_FULL;
  std::string_view language;
};
DecisionAsk ask_of(const v1::EvaluateRequest& request);
DecisionAsk ask_of(const v1::EvaluateBatchRequest& request);

// Request checks of our own (profile present, customer_id set) and then
// retain::validate_profile; OK or INVALID_ARGUMENT naming the field.
grpc::Status check_request(const v1::EvaluateRequest& request);
// The same checks for a profile that is present (a batch's).
grpc::Status check_profile(const v1::CustomerProfile& profile);

// Evaluates one request against `rules`. stats may be null.
grpc::Status evaluate(const compile::RuleSet& rules, const PopulationStats* stats,
                      const v1::EvaluateRequest& request, v1::EvaluateResponse* response);

// The same answer as evaluate() for a request without `explain`, as the wire bytes of the
// EvaluateResponse (the decision written by decide_wire): nothing to build, serialise and free.
// A request with `explain` (a trace) must go through evaluate().
grpc::Status evaluate_wire(const compile::RuleSet& rules, const PopulationStats* stats,
                           const v1::EvaluateRequest& request, std::string* response);

// EvaluateResponse { error = message }'s wire bytes: how a stream answers a refused profile.
void error_response_wire(std::string_view message, std::string* response);

// Appends one `results` entry of an EvaluateBatchResponse as wire bytes: what evaluate_into()
// gives for a request without `explain` (a decision, or `error`), serialised.
void append_result_wire(const compile::RuleSet& rules, const PopulationStats* stats,
                        const v1::CustomerProfile& profile, const DecisionAsk& ask,
                        std::string* out);
// Appends an EvaluateBatchResponse's batch_id (nothing when empty). Goes after the results, in
// field order, so the bytes are the ones SerializeToString writes.
void append_batch_id_wire(std::string_view batch_id, std::string* out);

// Evaluates one profile of a batch into `result`: the decision, or `error` set to the message
// evaluate() would refuse it with. stats may be null.
void evaluate_into(const compile::RuleSet& rules, const PopulationStats* stats,
                   const v1::CustomerProfile& profile, const DecisionAsk& ask,
                   v1::EvaluateResponse* result);

// A batch's own checks: at most `max_profiles` profiles, a batch_id of at most 128 bytes, a
// language of at most 35; OK or INVALID_ARGUMENT naming the field.
grpc::Status check_batch(const v1::EvaluateBatchRequest& request, std::size_t max_profiles);

// UNAVAILABLE when nothing is loaded (cannot happen once a server has started).
grpc::Status get_rule_set(const LoadedRules* loaded, v1::GetRuleSetResponse* response);

// Loads the given sources in memory; OK with ok = false and the diagnostics when they have
// errors. INVALID_ARGUMENT for an empty request or an empty path.
grpc::Status validate_rules(const v1::ValidateRulesRequest& request,
                            v1::ValidateRulesResponse* response);

// Checks `authorization: Bearer <token>` against the configured token in constant time.
// Without a configured token every call is refused.
grpc::Status authorize_admin(std::string_view configured_token,
                             const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

// Reloads the store's paths; OK with ok = false and the diagnostics when the new rule set has
// errors (the old one keeps serving).
grpc::Status reload_rules(RuleStore& store, v1::ReloadRulesResponse* response);
grpc::Status to_response(const ReloadResult& result, v1::ReloadRulesResponse* response);

// Equal length and bytes, in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace retain::service::handlers
