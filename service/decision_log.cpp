#include "service/decision_log.hpp"

#include <atomic>

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>

#include "engine/json_text.hpp"
#include "service/convert.hpp"

namespace retain::service {

std::unique_ptr<DecisionLog> DecisionLog::open(const std::string& path, std::size_t max_bytes,
                                               std::size_t keep, std::string* error) {
  static std::atomic<int> counter{0};
  try {
    auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(path, max_bytes, keep);
    auto logger = std::make_shared<spdlog::logger>(
        fmt::format("decision_log.{}", counter.fetch_add(1)), std::move(sink));
    logger->set_pattern("%v");
    logger->set_level(spdlog::level::info);
    logger->flush_on(spdlog::level::err);
    // Registered so that spdlog::flush_every (set by the server) flushes it too.
    spdlog::register_logger(logger);
    return std::unique_ptr<DecisionLog>(new DecisionLog(std::move(logger)));
  } catch (const spdlog::spdlog_ex& e) {
    if (error != nullptr) *error = fmt::format("decision log {}: {}", path, e.what());
    return nullptr;
  }
}

DecisionLog::DecisionLog(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}

DecisionLog::~DecisionLog() {
  logger_->flush();
  spdlog::drop(logger_->name());
}

std::string DecisionLog::line(std::chrono::system_clock::time_point time,
                              std::string_view request_id, std::string_view ruleset_hash,
                              const v1::Decision& decision) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(decision, &json, options).ok()) json = "null";
  return fmt::format(
      R"({{"time":{},"request_id":{},"ruleset_hash":{},"customer_id":{},"decision":{}}})",
      json_quote(rfc3339(time)), json_quote(request_id), json_quote(ruleset_hash),
      json_quote(decision.customer_id()), json);
}

void DecisionLog::write(std::string_view request_id, std::string_view ruleset_hash,
                        const v1::Decision& decision) {
  logger_->info("{}", line(std::chrono::system_clock::now(), request_id, ruleset_hash, decision));
}

void DecisionLog::flush() {
  logger_->flush();
}

}  // namespace retain::service
