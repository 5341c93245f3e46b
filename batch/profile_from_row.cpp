#include "batch/profile_from_row.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "batch/csv.hpp"
#include "batch/plain_number.hpp"
#include "engine/profile_writers.hpp"

namespace retain::batch {

namespace pb = google::protobuf;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <class Int>
bool parse_int(std::string_view s, Int* out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (ec == std::errc() && p == s.data() + s.size()) return true;
  // Integral values written as decimals ("12.0", "1e3") are accepted, as protobuf's JSON does.
  double d = 0;
  const auto [p2, ec2] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec2 != std::errc() || p2 != s.data() + s.size() || std::trunc(d) != d) return false;
  if (d < static_cast<double>(std::numeric_limits<Int>::min()) ||
      d > static_cast<double>(std::numeric_limits<Int>::max())) {
    return false;
  }
  *out = static_cast<Int>(d);
  return true;
}

bool parse_double(std::string_view s, double* out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  if (s == "NaN") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (s == "Infinity" || s == "-Infinity") {
    *out = s.front() == '-' ? -std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::infinity();
    return true;
  }
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// ASCII only, without std::tolower's locale lookup on every character.
bool iequals(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return lower(x) == lower(y); });
}

std::string enum_names(const pb::EnumDescriptor* e) {
  std::string names;
  for (int i = 0; i < e->value_count(); ++i) {
    if (e->value(i)->number() == 0) continue;  // UNSPECIFIED is "not set": leave the cell empty
    if (!names.empty()) names += ", ";
    names += e->value(i)->name();
  }
  return names;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

bool parse_number_text(std::string_view text, double* out) {
  return parse_double(text, out);
}

bool parse_flag(std::string_view text, bool* out) {
  const std::string_view t = trim(text);
  if (t == "1" || iequals(t, "true") || iequals(t, "yes")) {
    *out = true;
  } else if (t == "0" || iequals(t, "false") || iequals(t, "no")) {
    *out = false;
  } else {
    return false;
  }
  return true;
}

namespace {

// Where parsed values go: a top-level profile field through its generated setter
// (engine/profile_writers.hpp), anything else by reflection. Reflection finds the offset and
// has-bit on every call, which dominated reading a CSV row.
class FieldSink {
 public:
  FieldSink(const pb::FieldDescriptor* field, pb::Message* message,
            v1::CustomerProfile* profile = nullptr)
      : field_(field), message_(message), profile_(profile) {
    if (profile_ != nullptr && field->containing_type() == profile_descriptor()) {
      writer_ = profile_writer(field->number());
    }
  }

  void set_int32(std::int32_t v) {
    if (writer_ && writer_->set_int32) return writer_->set_int32(*profile_, v);
    refl()->SetInt32(message_, field_, v);
  }
  void set_int64(std::int64_t v) { refl()->SetInt64(message_, field_, v); }
  void set_uint32(std::uint32_t v) { refl()->SetUInt32(message_, field_, v); }
  void set_uint64(std::uint64_t v) { refl()->SetUInt64(message_, field_, v); }
  void set_double(double v) {
    if (writer_ && writer_->set_double) return writer_->set_double(*profile_, v);
    refl()->SetDouble(message_, field_, v);
  }
  void set_float(float v) { refl()->SetFloat(message_, field_, v); }
  void set_bool(bool v) {
    if (writer_ && writer_->set_bool) return writer_->set_bool(*profile_, v);
    refl()->SetBool(message_, field_, v);
  }
  void set_enum(int v) {
    if (writer_ && writer_->set_enum) return writer_->set_enum(*profile_, v);
    refl()->SetEnumValue(message_, field_, v);
  }
  void set_string(std::string_view v) {
    if (writer_ && writer_->set_string) return writer_->set_string(*profile_, v);
    refl()->SetString(message_, field_, std::string(v));
  }

 private:
  static const pb::Descriptor* profile_descriptor() {
    static const pb::Descriptor* descriptor = v1::CustomerProfile::descriptor();
    return descriptor;
  }
  const pb::Reflection* refl() const { return message_->GetReflection(); }

  const pb::FieldDescriptor* field_;
  pb::Message* message_;
  v1::CustomerProfile* profile_;
  const ProfileWriter* writer_ = nullptr;
};

bool set_from_text(const pb::FieldDescriptor* field, std::string_view text, FieldSink& sink,
                   std::string* reason) {
  switch (field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      std::int32_t v = 0;
      if (!parse_int(text, &v)) {
        *reason = fmt::format("'{}' is not an integer (32-bit)", text);
        return false;
      }
      sink.set_int32(v);
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      std::int64_t v = 0;
      if (!parse_int(text, &v)) {
        *reason = fmt::format("'{}' is not an integer", text);
        return false;
      }
      sink.set_int64(v);
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      std::uint32_t v = 0;
      if (!parse_int(text, &v)) {
        *reason = fmt::format("'{}' is not a non-negative integer", text);
        return false;
      }
      sink.set_uint32(v);
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      std::uint64_t v = 0;
      if (!parse_int(text, &v)) {
        *reason = fmt::format("'{}' is not a non-negative integer", text);
        return false;
      }
      sink.set_uint64(v);
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      double v = 0;
      if (!parse_double(text, &v)) {
        *reason = fmt::format("'{}' is not a number", text);
        return false;
      }
      if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE) {
        sink.set_double(v);
      } else {
        sink.set_float(static_cast<float>(v));
      }
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      const std::string_view t = trim(text);
      if (t == "1" || iequals(t, "true")) {
        sink.set_bool(true);
      } else if (t == "0" || iequals(t, "false")) {
        sink.set_bool(false);
      } else {
        *reason = fmt::format("'{}' is not a boolean (true, false, 1 or 0)", text);
        return false;
      }
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const std::string_view t = trim(text);
      const pb::EnumDescriptor* e = field->enum_type();
      const pb::EnumValueDescriptor* v = e->FindValueByName(std::string(t));
      if (v == nullptr) {
        int number = 0;
        if (parse_int(t, &number)) v = e->FindValueByNumber(number);
      }
      if (v == nullptr) {
        *reason = fmt::format("'{}' is not a {} value (one of {})", text, e->name(), enum_names(e));
        return false;
      }
      sink.set_enum(v->number());
      return true;
    }
    case pb::FieldDescriptor::CPPTYPE_STRING:
      sink.set_string(text);
      return true;
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  *reason = "this field cannot be given as text";
  return false;
}

}  // namespace

bool set_scalar_from_text(const pb::FieldDescriptor* field, std::string_view text,
                          pb::Message* message, std::string* reason) {
  FieldSink sink(field, message);
  return set_from_text(field, text, sink, reason);
}

bool set_scalar_from_text(const pb::FieldDescriptor* field, std::string_view text,
                          v1::CustomerProfile* profile, std::string* reason) {
  FieldSink sink(field, profile, profile);
  return set_from_text(field, text, sink, reason);
}

bool add_recent_actions(std::string_view text, v1::CustomerProfile* profile, std::string* reason) {
  int entry = 0;
  while (!text.empty()) {
    const std::size_t semi = text.find(';');
    std::string_view item = trim(text.substr(0, semi));
    text = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
    ++entry;
    if (item.empty()) continue;
    const std::size_t c1 = item.find(':');
    if (c1 == std::string_view::npos || c1 == 0) {
      *reason = fmt::format("entry {} '{}' is not ACTION_ID:days_ago[:outcome]", entry, item);
      return false;
    }
    const std::size_t c2 = item.find(':', c1 + 1);
    const std::string_view days =
        item.substr(c1 + 1, c2 == std::string_view::npos ? std::string_view::npos : c2 - c1 - 1);
    std::int32_t d = 0;
    if (!parse_int(days, &d)) {
      *reason = fmt::format("entry {} '{}': days_ago '{}' is not an integer", entry, item, days);
      return false;
    }
    auto* action = profile->add_recent_actions();
    action->set_action_id(std::string(trim(item.substr(0, c1))));
    action->set_days_ago(d);
    if (c2 != std::string_view::npos) action->set_outcome(std::string(item.substr(c2 + 1)));
  }
  return true;
}

std::string suggest_field(std::string_view name) {
  const pb::Descriptor* d = v1::CustomerProfile::descriptor();
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(3, name.size() / 3) + 1;
  for (int i = 0; i < d->field_count(); ++i) {
    const std::string& candidate = d->field(i)->name();
    const std::size_t dist = edit_distance(name, candidate);
    if (dist < best_distance) {
      best_distance = dist;
      best = candidate;
    }
  }
  return best;
}

std::optional<std::size_t> CsvHeader::find(std::string_view name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].name == name) return i;
  }
  return std::nullopt;
}

namespace {

CsvHeader::Column::Op column_op(const CsvHeader::Column& c) {
  using Op = CsvHeader::Column::Op;
  switch (c.kind) {
    case CsvHeader::Kind::Scalar: {
      const ProfileWriter* w = c.writer;
      if (w == nullptr) return Op::Reflect;
      if (w->set_double != nullptr) return Op::Double;
      if (w->set_int32 != nullptr) return Op::Int32;
      if (w->set_string != nullptr) return Op::String;
      if (w->set_bool != nullptr) return Op::Bool;
      if (w->set_enum != nullptr) return Op::Enum;
      return Op::Reflect;
    }
    case CsvHeader::Kind::Metric:
      return Op::Metric;
    case CsvHeader::Kind::Attribute:
      return Op::Attribute;
    case CsvHeader::Kind::RecentActions:
      return Op::RecentActions;
    case CsvHeader::Kind::Ignored:
    case CsvHeader::Kind::Extra:
      break;
  }
  return Op::Skip;
}

}  // namespace

std::optional<CsvHeader> CsvHeader::parse(std::string_view header_record, bool ignore_unknown,
                                          std::string* error, std::vector<std::string>* ignored,
                                          const std::vector<std::string>* extra) {
  std::vector<std::string_view> cells;
  std::string scratch;
  if (!split_csv(header_record, cells, scratch, error)) {
    *error = "malformed header: " + *error;
    return std::nullopt;
  }
  const pb::Descriptor* d = v1::CustomerProfile::descriptor();
  CsvHeader header;
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    Column c;
    c.name = std::string(trim(cells[i]));
    if (c.name.empty()) {
      *error = fmt::format("header column {} has no name", i + 1);
      return std::nullopt;
    }
    if (!seen.insert(c.name).second) {
      *error = fmt::format("header column {} '{}' appears twice", i + 1, c.name);
      return std::nullopt;
    }
    if (extra != nullptr && std::find(extra->begin(), extra->end(), c.name) != extra->end()) {
      c.kind = Kind::Extra;
      header.columns_.push_back(std::move(c));
      continue;
    }
    const pb::FieldDescriptor* f = d->FindFieldByName(c.name);
    if (f == nullptr) f = d->FindFieldByCamelcaseName(c.name);
    if (f == nullptr) {
      for (const char* prefix : {"metrics.", "attributes."}) {
        const std::string_view p(prefix);
        if (c.name.size() > p.size() && c.name.compare(0, p.size(), p) == 0) {
          c.kind = p == "metrics." ? Kind::Metric : Kind::Attribute;
          c.key = c.name.substr(p.size());
        }
      }
    } else if (f->name() == "recent_actions") {
      c.kind = Kind::RecentActions;
    } else if (!f->is_repeated() && f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      c.kind = Kind::Scalar;
      c.field = f;
      c.writer = profile_writer(f->number());
      if (const pb::EnumDescriptor* e = f->enum_type()) {
        for (int v = 0; v < e->value_count(); ++v) {
          c.enum_values.emplace_back(e->value(v)->name(), e->value(v)->number());
        }
      }
    } else {
      *error = fmt::format(
          "header column {} '{}': this field cannot be given as a CSV column "
          "(use metrics.NAME or attributes.NAME for the maps)",
          i + 1, c.name);
      return std::nullopt;
    }
    if (f == nullptr && c.kind == Kind::Ignored) {
      if (!ignore_unknown) {
        const std::string suggestion = suggest_field(c.name);
        *error = fmt::format(
            "header column {} '{}' is not a profile field{}", i + 1, c.name,
            suggestion.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", suggestion));
        return std::nullopt;
      }
      if (ignored != nullptr) ignored->push_back(c.name);
    }
    c.op = column_op(c);
    header.columns_.push_back(std::move(c));
  }
  return header;
}

bool CsvRowParser::parse(std::string_view record, v1::CustomerProfile* profile, RowError* error) {
  // Clears everything but the maps, whose entries fill() overwrites or erases column by column.
  metrics_.swap(*profile->mutable_metrics());
  attributes_.swap(*profile->mutable_attributes());
  profile->Clear();
  metrics_.swap(*profile->mutable_metrics());
  attributes_.swap(*profile->mutable_attributes());
  std::string reason;
  if (!split_csv(record, cells_, scratch_, &reason)) {
    *error = RowError{"", std::move(reason)};
    return false;
  }
  const auto& columns = header_->columns();
  if (cells_.size() != columns.size()) {
    *error = RowError{"", fmt::format("expected {} cells as in the header, found {}",
                                      columns.size(), cells_.size())};
    return false;
  }
  if (!fill(profile, error)) return false;
  // Entries no column of this header wrote came from elsewhere (a profile first filled by other
  // code): start from an empty profile instead.
  if (profile->metrics().size() != metrics_set_ ||
      profile->attributes().size() != attributes_set_) {
    profile->Clear();
    return fill(profile, error);
  }
  return true;
}

bool CsvRowParser::fill(v1::CustomerProfile* profile, RowError* error) {
  using Op = CsvHeader::Column::Op;
  const auto& columns = header_->columns();
  std::string reason;
  metrics_set_ = 0;
  attributes_set_ = 0;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const std::string_view cell = cells_[i];
    const CsvHeader::Column& c = columns[i];
    if (cell.empty()) {  // not set
      if (c.op == Op::Metric) profile->mutable_metrics()->erase(c.key);
      if (c.op == Op::Attribute) profile->mutable_attributes()->erase(c.key);
      continue;
    }
    // The common cells (a plain number, an exact boolean or enum name, any string) go straight
    // to the generated setter; the others break out to set_scalar_from_text, which accepts the
    // other spellings and words the errors.
    switch (c.op) {
      case Op::Double: {
        double v = 0;
        if (!parse_plain_double(cell, &v)) break;
        c.writer->set_double(*profile, v);
        continue;
      }
      case Op::Int32: {
        std::int32_t v = 0;
        if (!parse_plain_int32(cell, &v)) break;
        c.writer->set_int32(*profile, v);
        continue;
      }
      case Op::String:
        c.writer->set_string(*profile, cell);
        continue;
      case Op::Bool:
        if (cell == "true" || cell == "1") {
          c.writer->set_bool(*profile, true);
          continue;
        }
        if (cell == "false" || cell == "0") {
          c.writer->set_bool(*profile, false);
          continue;
        }
        break;
      case Op::Enum: {
        bool found = false;
        for (const auto& [name, number] : c.enum_values) {
          if (name == cell) {
            c.writer->set_enum(*profile, number);
            found = true;
            break;
          }
        }
        if (found) continue;
        break;
      }
      case Op::Reflect:
        break;
      case Op::Metric: {
        double v = 0;
        if (parse_plain_double(cell, &v) || parse_double(cell, &v)) {
          (*profile->mutable_metrics())[c.key] = v;
          ++metrics_set_;
          continue;
        }
        *error = RowError{c.name, fmt::format("'{}' is not a number", cell)};
        return false;
      }
      case Op::Attribute:
        (*profile->mutable_attributes())[c.key].assign(cell.data(), cell.size());
        ++attributes_set_;
        continue;
      case Op::RecentActions:
        if (add_recent_actions(cell, profile, &reason)) continue;
        *error = RowError{c.name, std::move(reason)};
        return false;
      case Op::Skip:
        continue;
    }
    if (!set_scalar_from_text(c.field, cell, profile, &reason)) {
      *error = RowError{c.name, std::move(reason)};
      return false;
    }
  }
  return true;
}

}  // namespace retain::batch
