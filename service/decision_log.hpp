// The decision log: one JSON line per decision ({"time", "request_id", "ruleset_hash",
// "customer_id", "decision"}), written through spdlog's rotating file sink, so the file is
// rotated by size and a fixed number of old files is kept (FILE.1.jsonl, FILE.2.jsonl, ...).
// Thread-safe: write() may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "retain/v1/decision.pb.h"

namespace spdlog {
class logger;
}

namespace retain::service {

class DecisionLog {
 public:
  // Opens (creating or appending to) `path`; null and a message in *error on failure.
  static std::unique_ptr<DecisionLog> open(const std::string& path, std::size_t max_bytes,
                                           std::size_t keep, std::string* error);
  ~DecisionLog();

  void write(std::string_view request_id, std::string_view ruleset_hash,
             const v1::Decision& decision);
  void flush();

  // The JSON line write() appends, without its line break.
  static std::string line(std::chrono::system_clock::time_point time, std::string_view request_id,
                          std::string_view ruleset_hash, const v1::Decision& decision);

 private:
  explicit DecisionLog(std::shared_ptr<spdlog::logger> logger);
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace retain::service
