#include "batch/decision_writer.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include <fmt/compile.h>
#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include "batch/csv.hpp"
#include "engine/json_text.hpp"

namespace retain::batch {

namespace {

using StringMap = google::protobuf::Map<std::string, std::string>;

class JsonWriter final : public DecisionWriter {
 public:
  std::string header() const override { return {}; }

  void write(const v1::Decision& d, std::string& out) override {
    out.push_back('{');
    first_ = true;
    if (!d.customer_id().empty()) string_field(out, "customer_id", d.customer_id());
    if (d.has_ruleset()) {
      key(out, "ruleset");
      ruleset(out, d.ruleset());
    }
    if (!d.tier().empty()) string_field(out, "tier", d.tier());
    if (d.churn_risk() != 0) {
      key(out, "churn_risk");
      append_json_number(out, d.churn_risk());
    }
    list(out, "causes", d.causes(), [&](const v1::Cause& c) {
      Object o(this, out);
      if (!c.id().empty()) string_field(out, "id", c.id());
      map_field(out, "label", c.label());
      if (c.weight() != 0) {
        key(out, "weight");
        append_json_number(out, c.weight());
      }
      map_field(out, "because", c.because());
      if (c.has_evidence()) evidence(out, c.evidence());
    });
    list(out, "tactics", d.tactics(), [&](const v1::Tactic& t) {
      Object o(this, out);
      if (!t.id().empty()) string_field(out, "id", t.id());
      map_field(out, "label", t.label());
      if (t.priority() != 0) int_field(out, "priority", t.priority());
      if (!t.answers().empty()) {
        key(out, "answers");
        out.push_back('[');
        for (int i = 0; i < t.answers_size(); ++i) {
          if (i > 0) out.push_back(',');
          append_json_quoted(out, t.answers(i));
        }
        out.push_back(']');
      }
      map_field(out, "because", t.because());
      if (t.has_evidence()) evidence(out, t.evidence());
    });
    const auto finding = [&](const v1::Finding& f) {
      Object o(this, out);
      if (!f.id().empty()) string_field(out, "id", f.id());
      map_field(out, "label", f.label());
      map_field(out, "because", f.because());
      if (f.has_evidence()) evidence(out, f.evidence());
      if (f.priority() != 0) int_field(out, "priority", f.priority());
    };
    list(out, "segments", d.segments(), finding);
    list(out, "account_actions", d.account_actions(), finding);
    list(out, "credit_checks", d.credit_checks(), finding);
    if (!d.credit_grade().empty()) string_field(out, "credit_grade", d.credit_grade());
    list(out, "bands", d.bands(), [&](const v1::Band& b) {
      Object o(this, out);
      if (!b.tiers().empty()) string_field(out, "tiers", b.tiers());
      if (!b.band().empty()) string_field(out, "band", b.band());
      map_field(out, "label", b.label());
      if (b.score() != 0) {
        key(out, "score");
        append_json_number(out, b.score());
      }
    });
    list(out, "unknowns", d.unknowns(), [&](const v1::Unknown& u) {
      Object o(this, out);
      if (!u.rule().empty()) string_field(out, "rule", u.rule());
      if (!u.reason().empty()) string_field(out, "reason", u.reason());
    });
    list(out, "trace", d.trace(), [&](const v1::TraceEntry& t) {
      Object o(this, out);
      if (!t.rule().empty()) string_field(out, "rule", t.rule());
      if (!t.kind().empty()) string_field(out, "kind", t.kind());
      if (!t.location().empty()) string_field(out, "location", t.location());
      if (!t.outcome().empty()) string_field(out, "outcome", t.outcome());
      if (!t.detail().empty()) string_field(out, "detail", t.detail());
      map_field(out, "values", t.values());
    });
    out += "}\n";
  }

 private:
  // Opens an object on construction and closes it on destruction, keeping the comma state.
  struct Object {
    Object(JsonWriter* w, std::string& out) : w_(w), out_(out), saved_(w->first_) {
      out_.push_back('{');
      w_->first_ = true;
    }
    ~Object() {
      out_.push_back('}');
      w_->first_ = saved_;
    }
    JsonWriter* w_;
    std::string& out_;
    bool saved_;
  };

  void key(std::string& out, std::string_view name) {
    if (!first_) out.push_back(',');
    first_ = false;
    out.push_back('"');
    out.append(name);
    out += "\":";
  }
  void string_field(std::string& out, std::string_view name, const std::string& value) {
    key(out, name);
    append_json_quoted(out, value);
  }
  void int_field(std::string& out, std::string_view name, std::int64_t value) {
    key(out, name);
    fmt::format_to(std::back_inserter(out), "{}", value);
  }
  void map_field(std::string& out, std::string_view name, const StringMap& map) {
    if (map.empty()) return;
    key(out, name);
    out.push_back('{');
    if (map.size() == 1) {
      append_json_quoted(out, map.begin()->first);
      out.push_back(':');
      append_json_quoted(out, map.begin()->second);
    } else {
      entries_.clear();
      for (const auto& kv : map) entries_.push_back(&kv);
      std::sort(entries_.begin(), entries_.end(),
                [](const auto* a, const auto* b) { return a->first < b->first; });
      for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (i > 0) out.push_back(',');
        append_json_quoted(out, entries_[i]->first);
        out.push_back(':');
        append_json_quoted(out, entries_[i]->second);
      }
    }
    out.push_back('}');
  }
  template <class Repeated, class Fn>
  void list(std::string& out, std::string_view name, const Repeated& items, Fn&& fn) {
    if (items.empty()) return;
    key(out, name);
    out.push_back('[');
    bool first_item = true;
    for (const auto& item : items) {
      if (!first_item) out.push_back(',');
      first_item = false;
      fn(item);
    }
    out.push_back(']');
  }
  void evidence(std::string& out, const v1::Evidence& e) {
    key(out, "evidence");
    Object o(this, out);
    if (!e.rule().empty()) string_field(out, "rule", e.rule());
    if (!e.condition().empty()) string_field(out, "condition", e.condition());
    map_field(out, "values", e.values());
  }
  void ruleset(std::string& out, const v1::RuleSetInfo& r) {
    // The same for every decision of a run: rendered once.
    if (!(r.content_hash() == cached_hash_ && r.name() == cached_name_ &&
          r.version() == cached_version_) ||
        cached_ruleset_.empty()) {
      cached_hash_ = r.content_hash();
      cached_name_ = r.name();
      cached_version_ = r.version();
      cached_ruleset_.clear();
      const bool saved = first_;
      Object o(this, cached_ruleset_);
      if (!r.name().empty()) string_field(cached_ruleset_, "name", r.name());
      if (!r.version().empty()) string_field(cached_ruleset_, "version", r.version());
      if (!r.content_hash().empty()) {
        string_field(cached_ruleset_, "content_hash", r.content_hash());
      }
      (void)saved;
    }
    out += cached_ruleset_;
  }

  bool first_ = true;
  std::vector<const StringMap::value_type*> entries_;
  std::string cached_ruleset_, cached_hash_, cached_name_, cached_version_;
};

class ProtobufJsonWriter final : public DecisionWriter {
 public:
  std::string header() const override { return {}; }
  void write(const v1::Decision& d, std::string& out) override {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    scratch_.clear();
    (void)google::protobuf::util::MessageToJsonString(d, &scratch_, options);
    out += scratch_;
    out.push_back('\n');
  }

 private:
  std::string scratch_;
};

class CsvWriter final : public DecisionWriter {
 public:
  std::string header() const override {
    std::string h;
    for (const auto& c : csv_output_columns()) {
      if (!h.empty()) h.push_back(',');
      h += c;
    }
    h.push_back('\n');
    return h;
  }

  void write(const v1::Decision& d, std::string& out) override {
    append_csv_cell(out, d.customer_id());
    out.push_back(',');
    append_csv_cell(out, d.tier());
    out.push_back(',');
    append_number(out, d.churn_risk());
    out.push_back(',');
    append_csv_cell(out, d.credit_grade());
    out.push_back(',');
    ids(out, d.causes());
    out.push_back(',');
    ids(out, d.tactics());
    out.push_back(',');
    ids(out, d.segments());
    out.push_back(',');
    ids(out, d.account_actions());
    out.push_back(',');
    ids(out, d.credit_checks());
    out.push_back(',');
    cell_.clear();
    for (const auto& b : d.bands()) {
      if (!cell_.empty()) cell_.push_back(';');
      cell_ += b.tiers();
      cell_.push_back('=');
      cell_ += b.band();
    }
    append_csv_cell(out, cell_);
    out.push_back(',');
    cell_.clear();
    for (const auto& u : d.unknowns()) {
      if (!cell_.empty()) cell_.push_back(';');
      cell_ += u.rule();
    }
    append_csv_cell(out, cell_);
    out.push_back('\n');
  }

 private:
  template <class Repeated>
  void ids(std::string& out, const Repeated& items) {
    cell_.clear();
    for (const auto& item : items) {
      if (!cell_.empty()) cell_.push_back(';');
      cell_ += item.id();
    }
    append_csv_cell(out, cell_);
  }
  std::string cell_;
};

}  // namespace

const std::vector<std::string>& csv_output_columns() {
  static const std::vector<std::string> columns = {
      "customer_id",   "tier",    "churn_risk", "credit_grade",
      "causes",        "tactics", "segments",   "account_actions",
      "credit_checks", "bands",   "unknowns"};
  return columns;
}

std::unique_ptr<DecisionWriter> make_decision_writer(OutputFormat format, JsonEngine engine) {
  if (format == OutputFormat::Csv) return std::make_unique<CsvWriter>();
  if (engine == JsonEngine::Protobuf) return std::make_unique<ProtobufJsonWriter>();
  return std::make_unique<JsonWriter>();
}

namespace {

// fmt's "{}" (the shortest form that reads back as `value`) for numbers of at most three
// decimals between 0.001 and 1e9, such as the risk and the band scores, without the general
// algorithm (dragonbox took ~4% of `retain score`'s samples). The fewest decimals k for which
// the nearest k-decimal number reads back as `value` give that shortest form: two k-decimal
// numbers are 10^-k apart, far more than the spacing of doubles below 1e9, so at most one reads
// back, and a form with fewer significant digits would have fewer decimals. nullptr: not such
// a number.
char* write_short_decimal(char* out, double value) {
  const double magnitude = std::fabs(value);
  if (!(magnitude >= 1e-3 && magnitude < 1e9)) return nullptr;
  static constexpr double kScale[] = {1, 10, 100, 1000};
  static constexpr std::uint64_t kUnit[] = {1, 10, 100, 1000};
  for (int k = 0; k < 4; ++k) {
    const double scaled = std::nearbyint(magnitude * kScale[k]);
    if (scaled / kScale[k] != magnitude) continue;
    const auto n = static_cast<std::uint64_t>(scaled);
    if (value < 0) *out++ = '-';
    out = fmt::format_to(out, FMT_COMPILE("{}"), n / kUnit[k]);
    if (k > 0) {
      *out++ = '.';
      std::uint64_t fraction = n % kUnit[k];
      for (int digit = k - 1; digit >= 0; --digit) {
        out[digit] = static_cast<char>('0' + fraction % 10);
        fraction /= 10;
      }
      out += k;
    }
    return out;
  }
  return nullptr;
}

}  // namespace

char* write_json_number(char* out, double value) {
  const auto put = [out](std::string_view text) {
    return std::copy(text.begin(), text.end(), out);
  };
  if (char* end = write_short_decimal(out, value)) return end;
  if (std::isnan(value)) return put("\"NaN\"");
  if (std::isinf(value)) return put(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  return fmt::format_to(out, FMT_COMPILE("{}"), value);
}

void append_json_number(std::string& out, double value) {
  char buffer[kMaxJsonNumber];
  out.append(buffer, static_cast<std::size_t>(write_json_number(buffer, value) - buffer));
}

void append_number(std::string& out, double value) {
  char buffer[64];
  char* end = write_short_decimal(buffer, value);
  if (end == nullptr) end = fmt::format_to(buffer, FMT_COMPILE("{}"), value);
  out.append(buffer, static_cast<std::size_t>(end - buffer));
}

}  // namespace retain::batch
