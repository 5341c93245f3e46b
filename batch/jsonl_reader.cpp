#include "batch/jsonl_reader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <simdjson.h>

#include "engine/profile_writers.hpp"

namespace retain::batch {

namespace pb = google::protobuf;
namespace od = simdjson::ondemand;

namespace {

// Field lookup by either JSON name, built once per message type. A top-level profile field
// also carries its generated setter: reflection (offsets, has-bits, descriptor checks) cost
// more per field than parsing the value.
struct FieldEntry {
  const pb::FieldDescriptor* field = nullptr;
  const ProfileWriter* writer = nullptr;  // null: set by reflection
};

class FieldTable {
 public:
  explicit FieldTable(const pb::Descriptor* d) {
    const bool profile = d == v1::CustomerProfile::descriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      const FieldEntry entry{f, profile ? profile_writer(f->number()) : nullptr};
      by_name_.emplace(f->name(), entry);
      by_name_.emplace(f->json_name(), entry);
    }
  }
  const FieldEntry* find(std::string_view name) const {
    const auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &it->second;
  }

 private:
  std::unordered_map<std::string_view, FieldEntry> by_name_;
};

const FieldTable& table_for(const pb::Descriptor* d) {
  static const FieldTable profile_table(v1::CustomerProfile::descriptor());
  static const FieldTable action_table(v1::ActionRecord::descriptor());
  return d == v1::ActionRecord::descriptor() ? action_table : profile_table;
}

std::string simd_error(simdjson::error_code e) {
  return simdjson::error_message(e);
}

bool is_integral_type(const pb::FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT32:
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return true;
    default:
      return false;
  }
}

}  // namespace

struct JsonRowParser::Impl {
  Engine engine;
  od::parser parser;
  std::string padded;
  std::string text;  // scratch for numbers given as raw JSON
  std::vector<std::string> extra_names;
  std::vector<std::optional<std::string>> extras;
  std::vector<char> extra_seen;  // per row: extras[i] may be null and still have been given
  // Per row: the profile fields given, by descriptor index, so that a key given twice (or
  // under both its names, tenure_months and tenureMonths) is refused rather than last-wins.
  std::vector<char> field_seen = std::vector<char>(
      static_cast<std::size_t>(v1::CustomerProfile::descriptor()->field_count()), 0);
  std::vector<std::pair<std::string, const FieldEntry*>> last_keys;  // of the previous line

  // Captures an extra top-level value as text; false (with the error) when it is not a scalar
  // or the key came before. A repeated key would otherwise let the last value win unseen, and
  // for a backtest's label that silently picks an outcome; a CSV header refuses a repeated
  // column for the same reason.
  bool capture_extra(std::size_t i, std::string_view key, od::value v, RowError* error) {
    if (extra_seen[i]) return fail(error, std::string(key), "the key appears twice");
    extra_seen[i] = 1;
    od::json_type type;
    if (auto e = v.type().get(type)) return fail(error, std::string(key), simd_error(e));
    switch (type) {
      case od::json_type::null:
        extras[i].reset();
        return true;
      case od::json_type::string: {
        std::string_view s;
        if (auto e = v.get_string().get(s)) return fail(error, std::string(key), simd_error(e));
        extras[i] = std::string(s);
        return true;
      }
      case od::json_type::number:
      case od::json_type::boolean: {
        std::string_view raw = v.raw_json_token();
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                                raw.back() == '\t' || raw.back() == ',' || raw.back() == '}' ||
                                raw.back() == ']')) {
          raw.remove_suffix(1);
        }
        extras[i] = std::string(raw);
        return true;
      }
      case od::json_type::object:
      case od::json_type::array:
        return fail(error, std::string(key), "expected a single value, not an object or array");
    }
    return fail(error, std::string(key), "unexpected JSON value");
  }

  // The lines of a file mostly give the same keys in the same order: the key at `position`
  // is compared with the one the previous line had there before the table is hashed into.
  const FieldEntry* find_top_level(const FieldTable& table, std::string_view key,
                                   std::size_t position) {
    if (position < last_keys.size() && last_keys[position].first == key) {
      return last_keys[position].second;
    }
    const FieldEntry* entry = table.find(key);
    if (position >= last_keys.size()) last_keys.resize(position + 1);
    last_keys[position].first.assign(key);
    last_keys[position].second = entry;
    return entry;
  }

  bool fail(RowError* error, std::string field, std::string reason) {
    *error = RowError{std::move(field), std::move(reason)};
    return false;
  }

  // A scalar field from a JSON value.
  bool set_scalar(const FieldEntry& entry, od::value v, pb::Message* m, RowError* error) {
    const pb::FieldDescriptor* f = entry.field;
    const ProfileWriter* w = entry.writer;
    auto* profile = w != nullptr ? static_cast<v1::CustomerProfile*>(m) : nullptr;
    od::json_type type;
    if (auto e = v.type().get(type)) return fail(error, f->name(), simd_error(e));
    const pb::Reflection* refl = m->GetReflection();
    std::string reason;
    switch (type) {
      case od::json_type::null:
        return true;  // not set
      case od::json_type::string: {
        std::string_view s;
        if (auto e = v.get_string().get(s)) return fail(error, f->name(), simd_error(e));
        if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_BOOL) {
          return fail(error, f->name(), fmt::format("\"{}\" is a string, not a boolean", s));
        }
        const bool ok = profile != nullptr ? set_scalar_from_text(f, s, profile, &reason)
                                           : set_scalar_from_text(f, s, m, &reason);
        if (!ok) return fail(error, f->name(), reason);
        return true;
      }
      case od::json_type::number: {
        if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE ||
            f->cpp_type() == pb::FieldDescriptor::CPPTYPE_FLOAT) {
          double d = 0;
          if (auto e = v.get_double().get(d)) return fail(error, f->name(), simd_error(e));
          if (w != nullptr && w->set_double != nullptr) {
            w->set_double(*profile, d);
          } else if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE) {
            refl->SetDouble(m, f, d);
          } else {
            refl->SetFloat(m, f, static_cast<float>(d));
          }
          return true;
        }
        if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32) {
          std::int64_t i = 0;
          if (!v.get_int64().get(i) && i >= std::numeric_limits<std::int32_t>::min() &&
              i <= std::numeric_limits<std::int32_t>::max()) {
            if (w != nullptr && w->set_int32 != nullptr) {
              w->set_int32(*profile, static_cast<std::int32_t>(i));
            } else {
              refl->SetInt32(m, f, static_cast<std::int32_t>(i));
            }
            return true;
          }
        }
        if (is_integral_type(f) || f->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM) {
          std::string_view raw = v.raw_json_token();
          while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                                  raw.back() == '\t' || raw.back() == ',' || raw.back() == '}' ||
                                  raw.back() == ']')) {
            raw.remove_suffix(1);
          }
          const bool ok = profile != nullptr ? set_scalar_from_text(f, raw, profile, &reason)
                                             : set_scalar_from_text(f, raw, m, &reason);
          if (!ok) return fail(error, f->name(), reason);
          return true;
        }
        return fail(error, f->name(),
                    "a number where a " + std::string(f->cpp_type_name()) + " is expected");
      }
      case od::json_type::boolean: {
        if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_BOOL) {
          return fail(error, f->name(),
                      fmt::format("a boolean where a {} is expected", f->cpp_type_name()));
        }
        bool b = false;
        if (auto e = v.get_bool().get(b)) return fail(error, f->name(), simd_error(e));
        if (w != nullptr && w->set_bool != nullptr) {
          w->set_bool(*profile, b);
        } else {
          refl->SetBool(m, f, b);
        }
        return true;
      }
      case od::json_type::object:
      case od::json_type::array:
        return fail(
            error, f->name(),
            fmt::format("an {} where a {} is expected",
                        type == od::json_type::object ? "object" : "array", f->cpp_type_name()));
    }
    return fail(error, f->name(), "unexpected JSON value");
  }

  bool parse_map(const pb::FieldDescriptor* f, od::value v, v1::CustomerProfile* p,
                 RowError* error) {
    od::json_type type;
    if (auto e = v.type().get(type)) return fail(error, f->name(), simd_error(e));
    if (type == od::json_type::null) return true;
    od::object obj;
    if (auto e = v.get_object().get(obj)) {
      return fail(error, f->name(), "expected an object: " + simd_error(e));
    }
    const bool metrics = f->number() == v1::CustomerProfile::kMetricsFieldNumber;
    for (auto field_result : obj) {
      od::field field;
      if (auto e = std::move(field_result).get(field)) return fail(error, f->name(), simd_error(e));
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return fail(error, f->name(), simd_error(e));
      // Named only for a message: formatting the name of every entry cost an allocation.
      const auto name_of = [&] { return fmt::format("{}.{}", f->name(), key); };
      od::value value = field.value();
      od::json_type vt;
      if (auto e = value.type().get(vt)) return fail(error, name_of(), simd_error(e));
      if (metrics) {
        double d = 0;
        if (vt == od::json_type::number) {
          if (auto e = value.get_double().get(d)) return fail(error, name_of(), simd_error(e));
        } else if (vt == od::json_type::string) {
          std::string_view s;
          if (auto e = value.get_string().get(s)) return fail(error, name_of(), simd_error(e));
          if (!parse_number_text(s, &d)) {
            return fail(error, name_of(), fmt::format("'{}' is not a number", s));
          }
        } else {
          return fail(error, name_of(), "expected a number");
        }
        if (!p->mutable_metrics()->insert({std::string(key), d}).second) {
          return fail(error, name_of(), "the key appears twice");
        }
      } else {
        if (vt != od::json_type::string) return fail(error, name_of(), "expected a string");
        std::string_view s;
        if (auto e = value.get_string().get(s)) return fail(error, name_of(), simd_error(e));
        if (!p->mutable_attributes()->insert({std::string(key), std::string(s)}).second) {
          return fail(error, name_of(), "the key appears twice");
        }
      }
    }
    return true;
  }

  bool parse_object(od::object obj, pb::Message* m, RowError* error, const std::string& prefix) {
    const FieldTable& table = table_for(m->GetDescriptor());
    const pb::Reflection* refl = m->GetReflection();
    std::size_t position = 0;
    // Fields given in a nested object (a recent action): those messages have a few fields,
    // one bit each; the top level has field_seen.
    std::uint64_t nested_seen = 0;
    for (auto field_result : obj) {
      od::field field;
      if (auto e = std::move(field_result).get(field)) return fail(error, prefix, simd_error(e));
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return fail(error, prefix, simd_error(e));
      const FieldEntry* entry =
          prefix.empty() ? find_top_level(table, key, position++) : table.find(key);
      const pb::FieldDescriptor* f = entry != nullptr ? entry->field : nullptr;
      if (f == nullptr && prefix.empty()) {
        const auto it = std::find(extra_names.begin(), extra_names.end(), key);
        if (it != extra_names.end()) {
          const auto i = static_cast<std::size_t>(it - extra_names.begin());
          if (!capture_extra(i, key, field.value(), error)) return false;
          continue;
        }
      }
      if (f == nullptr) {
        const std::string name =
            prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
        std::string reason = fmt::format("unknown field '{}'", key);
        if (prefix.empty()) {
          const std::string suggestion = suggest_field(key);
          if (!suggestion.empty()) reason += fmt::format(" (did you mean '{}'?)", suggestion);
        }
        return fail(error, name, reason);
      }
      if (prefix.empty()) {
        char& seen = field_seen[static_cast<std::size_t>(f->index())];
        if (seen != 0) return fail(error, f->name(), "the key appears twice");
        seen = 1;
      } else if (f->index() < 64) {
        const std::uint64_t bit = std::uint64_t{1} << f->index();
        if ((nested_seen & bit) != 0) {
          return fail(error, prefix + "." + f->name(), "the key appears twice");
        }
        nested_seen |= bit;
      }
      od::value v = field.value();
      if (f->is_map()) {
        if (!parse_map(f, v, static_cast<v1::CustomerProfile*>(m), error)) return false;
      } else if (f->is_repeated()) {
        od::json_type type;
        if (auto e = v.type().get(type)) return fail(error, f->name(), simd_error(e));
        if (type == od::json_type::null) continue;
        od::array arr;
        if (auto e = v.get_array().get(arr)) {
          return fail(error, f->name(), "expected an array: " + simd_error(e));
        }
        int i = 0;
        for (auto item_result : arr) {
          od::value item;
          if (auto e = std::move(item_result).get(item))
            return fail(error, f->name(), simd_error(e));
          const std::string item_name = fmt::format("{}[{}]", f->name(), i++);
          if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
            return fail(error, item_name, "repeated scalar fields are not supported");
          }
          od::object item_obj;
          if (auto e = item.get_object().get(item_obj)) {
            return fail(error, item_name, "expected an object: " + simd_error(e));
          }
          if (!parse_object(item_obj, refl->AddMessage(m, f), error, item_name)) return false;
        }
      } else if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        return fail(error, f->name(), "nested messages are not supported");
      } else {
        if (!set_scalar(*entry, v, m, error)) return false;
      }
    }
    return true;
  }

  bool parse_simdjson(std::string_view line, std::size_t capacity, v1::CustomerProfile* p,
                      RowError* error) {
    const char* data = line.data();
    if (capacity < line.size() + simdjson::SIMDJSON_PADDING) {
      padded.assign(line);
      padded.append(simdjson::SIMDJSON_PADDING, ' ');
      data = padded.data();
      capacity = padded.size();
    }
    od::document doc;
    if (auto e = parser.iterate(data, line.size(), capacity).get(doc)) {
      return fail(error, "", "invalid JSON: " + simd_error(e));
    }
    od::object obj;
    if (auto e = doc.get_object().get(obj)) {
      return fail(error, "", "expected a JSON object: " + simd_error(e));
    }
    if (!parse_object(obj, p, error, "")) {
      if (error->reason.rfind("invalid JSON", 0) != 0 && error->field.empty()) {
        error->reason = "invalid JSON: " + error->reason;
      }
      return false;
    }
    const char* rest = nullptr;
    if (!doc.current_location().get(rest)) {
      return fail(error, "", "invalid JSON: text after the object");
    }
    return true;
  }

  bool parse_protobuf(std::string_view line, v1::CustomerProfile* p, RowError* error) {
    pb::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    const auto status = pb::util::JsonStringToMessage(line, p, options);
    if (!status.ok()) return fail(error, "", std::string(status.message()));
    return true;
  }
};

JsonRowParser::JsonRowParser(Engine engine) : impl_(std::make_unique<Impl>()) {
  impl_->engine = engine;
}
JsonRowParser::~JsonRowParser() = default;

bool JsonRowParser::parse(std::string_view line, std::size_t padded_capacity,
                          v1::CustomerProfile* profile, RowError* error) {
  profile->Clear();
  for (auto& e : impl_->extras) e.reset();
  std::fill(impl_->extra_seen.begin(), impl_->extra_seen.end(), 0);
  std::fill(impl_->field_seen.begin(), impl_->field_seen.end(), 0);
  if (impl_->engine == Engine::Protobuf) return impl_->parse_protobuf(line, profile, error);
  return impl_->parse_simdjson(line, padded_capacity, profile, error);
}

void JsonRowParser::set_extra_fields(std::vector<std::string> names) {
  impl_->extras.assign(names.size(), std::nullopt);
  impl_->extra_seen.assign(names.size(), 0);
  impl_->extra_names = std::move(names);
}

const std::optional<std::string>& JsonRowParser::extra(std::size_t i) const {
  return impl_->extras[i];
}

}  // namespace retain::batch
