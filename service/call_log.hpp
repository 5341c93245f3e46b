// The `request` log line of one call (rpc, request id, customer, status, micros), written only at
// --log-level debug. Shared by the reactors of retention_engine_service.cpp and
// evaluate_batches.cpp. Thread-safe (spdlog).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <grpcpp/support/status.h>

namespace retain::service {

using CallClock = std::chrono::steady_clock;

// "INVALID_ARGUMENT" for a status with that code.
std::string status_name(const grpc::Status& status);

// `customer` is the customer id of a unary call, or what a bulk call carried ("12 profiles").
void log_call(std::string_view rpc, std::string_view id, const grpc::Status& status,
              CallClock::time_point start, std::string_view customer = {});

}  // namespace retain::service
