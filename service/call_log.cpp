#include "service/call_log.hpp"

#include "service/log.hpp"

namespace retain::service {

std::string status_name(const grpc::Status& s) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const auto code = static_cast<std::size_t>(s.error_code());
  return code < std::size(kNames) ? kNames[code] : std::to_string(code);
}

void log_call(std::string_view rpc, std::string_view id, const grpc::Status& status,
              CallClock::time_point start, std::string_view customer) {
  if (!log::enabled(spdlog::level::debug)) return;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(CallClock::now() - start);
  log::event(spdlog::level::debug, "request",
             {{"rpc", std::string(rpc)},
              {"request_id", std::string(id)},
              {"customer_id", std::string(customer)},
              {"status", status_name(status)},
              {"message", status.error_message()},
              {"micros", std::to_string(us.count())}});
}

}  // namespace retain::service
