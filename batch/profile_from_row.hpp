// CSV rows to CustomerProfile. The header is resolved once into column bindings (a field
// descriptor, a metrics/attributes key, or the recent_actions list); each row then sets fields
// through protobuf reflection without looking names up. Formats: docs/batch.md, "CSV input".
// A CsvHeader is immutable and shared by the workers; each worker has its own CsvRowParser.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "engine/profile_writers.hpp"
#include "retain/v1/profile.pb.h"

namespace retain::batch {

// Why a row could not become a profile.
struct RowError {
  std::string field;  // column or field name; "" when the whole row is at fault
  std::string reason;
};

// Parses `text` as the value of the scalar (non-repeated, non-message) field and sets it.
// Numbers: decimal, an optional sign, exponents; surrounding spaces are ignored. Booleans:
// true/false/1/0 (any case). Enums: the value name (HEAVY, BBB) or its number. Strings as is.
bool set_scalar_from_text(const google::protobuf::FieldDescriptor* field, std::string_view text,
                          google::protobuf::Message* message, std::string* reason);
// The same for a field of the profile itself, through its generated setter (faster).
bool set_scalar_from_text(const google::protobuf::FieldDescriptor* field, std::string_view text,
                          v1::CustomerProfile* profile, std::string* reason);

// Parses a number as set_scalar_from_text does for a double field ("NaN", "Infinity" too).
bool parse_number_text(std::string_view text, double* out);

// Parses a yes/no flag that is not a profile field (the label of `retain backtest`): 1/0,
// true/false, yes/no, in any (ASCII) case, spaces and tabs around ignored. False for anything
// else, an empty text included. Profile booleans take only true/false/1/0, as docs/batch.md
// says, so that a profile column means the same in every verb.
bool parse_flag(std::string_view text, bool* out);

// Parses recent_actions entries `ID:days_ago:outcome;ID:days_ago;...` and appends them.
bool add_recent_actions(std::string_view text, v1::CustomerProfile* profile, std::string* reason);

class CsvHeader {
 public:
  // Extra: a column the caller asked for by name that is not part of the profile (the label of
  // `retain backtest`); the row parser leaves it alone and the caller reads it with cell().
  enum class Kind { Scalar, Metric, Attribute, RecentActions, Ignored, Extra };
  struct Column {
    std::string name;
    Kind kind = Kind::Ignored;
    const google::protobuf::FieldDescriptor* field = nullptr;  // Kind::Scalar
    std::string key;                                           // metrics/attributes key
    // Kind::Scalar: the generated setter (null for a type it does not cover) and, for an
    // enum, its value names, resolved here once: per cell, reflection, the setter lookup and
    // FindValueByName cost more than parsing the value.
    const ProfileWriter* writer = nullptr;
    std::vector<std::pair<std::string, int>> enum_values;
    // How fill() takes a cell of this column, decided once: a switch on it replaced testing the
    // kind and then each of the writer's members on every cell.
    enum class Op : std::uint8_t {
      Double,
      Int32,
      String,
      Bool,
      Enum,     // the writer's setter, plain spellings
      Reflect,  // set_scalar_from_text only
      Metric,
      Attribute,
      RecentActions,
      Skip
    };
    Op op = Op::Skip;
  };

  // Resolves a header record. Column names are profile field names (snake_case, or the
  // lowerCamel JSON names), `metrics.NAME`, `attributes.NAME` or `recent_actions`. An unknown
  // or duplicate column is an error naming it, unless ignore_unknown (then it is skipped and
  // listed in *ignored). A column named in *extra is Kind::Extra, never unknown.
  static std::optional<CsvHeader> parse(std::string_view header_record, bool ignore_unknown,
                                        std::string* error,
                                        std::vector<std::string>* ignored = nullptr,
                                        const std::vector<std::string>* extra = nullptr);

  const std::vector<Column>& columns() const { return columns_; }
  // The index of the column with this exact name, if any.
  std::optional<std::size_t> find(std::string_view name) const;

 private:
  std::vector<Column> columns_;
};

// Per-worker row parser: reuses its cell buffers between rows.
class CsvRowParser {
 public:
  explicit CsvRowParser(const CsvHeader& header) : header_(&header) {}
  // Clears *profile and fills it from one record. False with the reason on a bad row.
  bool parse(std::string_view record, v1::CustomerProfile* profile, RowError* error);
  // The text of cell `column` of the last record parse() accepted; valid until the next parse.
  std::string_view cell(std::size_t column) const { return cells_[column]; }

 private:
  bool fill(v1::CustomerProfile* profile, RowError* error);

  const CsvHeader* header_;
  std::vector<std::string_view> cells_;
  std::string scratch_;
  // Where the profile's maps wait while the rest of it is cleared: the next row's metric and
  // attribute cells then overwrite the entries in place instead of reallocating their nodes.
  google::protobuf::Map<std::string, double> metrics_;
  google::protobuf::Map<std::string, std::string> attributes_;
  std::size_t metrics_set_ = 0, attributes_set_ = 0;  // by the last fill()
};

// The closest profile field name to `name` (for "did you mean"), or "".
std::string suggest_field(std::string_view name);

}  // namespace retain::batch
