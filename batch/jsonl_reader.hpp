// JSON Lines rows to CustomerProfile: the protobuf JSON mapping (snake_case or lowerCamel
// names; numbers as JSON numbers or strings; enums by name or number; null = not set; unknown
// fields are errors). The fast path walks the line with simdjson's On-Demand API and sets
// fields through reflection; the fallback is protobuf's JsonStringToMessage, kept for
// correctness comparison (--json-parser=protobuf). One JsonRowParser per worker thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

  // Top-level keys that are not profile fields but values the caller wants (the label of
  // `retain backtest`): they are not unknown fields, and after each parse extra(i) holds the
  // text of the i-th one (a string unescaped, a number or boolean as written), or nothing when
  // it is absent or null. A row that gives one of them twice is rejected, naming the key. The
  // simdjson engine only: JsonStringToMessage knows no such keys.
  void set_extra_fields(std::vector<std::string> names);
  const std::optional<std::string>& extra(std::size_t i) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace retain::batch
