// Decisions to output text. JSON Lines: the protobuf JSON mapping with the proto field names
// (snake_case), default values omitted, map keys sorted; written by hand for speed, or by
// protobuf's MessageToJsonString (Engine::Protobuf, the reference the tests compare against).
// CSV: one row per decision in the column layout of docs/batch.md, "CSV output".
// A writer keeps scratch buffers: one per worker thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "retain/v1/decision.pb.h"

namespace retain::batch {

enum class OutputFormat { Jsonl, Csv };

class DecisionWriter {
 public:
  virtual ~DecisionWriter() = default;
  // Text written once before the first decision (the CSV header line); may be empty.
  virtual std::string header() const = 0;
  // Appends one decision and its line break to `out`.
  virtual void write(const v1::Decision& decision, std::string& out) = 0;
};

enum class JsonEngine { Fast, Protobuf };

std::unique_ptr<DecisionWriter> make_decision_writer(OutputFormat format,
                                                     JsonEngine engine = JsonEngine::Fast);

// The CSV output columns, in order.
const std::vector<std::string>& csv_output_columns();

void append_json_number(std::string& out, double value);  // shortest round-trip; NaN as "NaN"
// The same written at `out`, which has room for kMaxJsonNumber characters; returns the end.
inline constexpr std::size_t kMaxJsonNumber = 32;
char* write_json_number(char* out, double value);
// `value` as fmt's "{}" writes it (shortest round-trip), with the format compiled: parsing the
// format string at run time cost about as much as converting the number.
void append_number(std::string& out, double value);

}  // namespace retain::batch
