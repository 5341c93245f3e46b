// JSON Lines rows to CustomerProfile: the protobuf JSON mapping (snake_case or lowerCamel
// names; numbers as JSON numbers or strings; enums by name or number; null = not set; unknown
// fields are errors). The fast path walks the line with simdjson's On-Demand API and sets
// fields through reflection; the fallback is protobuf's JsonStringToMessage, kept for
// correctness comparison (--json-parser=protobuf). One JsonRowParser per worker thread.
#pragma once

#include <memory>
#include <string_view>

#include "batch/profile_from_row.hpp"
#include "retain/v1/profile.pb.h"

namespace retain::batch {

class JsonRowParser {
 public:
  enum class Engine { Simdjson, Protobuf };
  explicit JsonRowParser(Engine engine = Engine::Simdjson);
  ~JsonRowParser();
  JsonRowParser(const JsonRowParser&) = delete;
  JsonRowParser& operator=(const JsonRowParser&) = delete;

  // Clears *profile and fills it from one line. `padded_capacity` is the number of readable
  // bytes from line.data() (at least line.size() + 64 for the simdjson path; pass 0 when
  // unknown and the line is copied into a padded buffer first).
  bool parse(std::string_view line, std::size_t padded_capacity, v1::CustomerProfile* profile,
             RowError* error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace retain::batch
