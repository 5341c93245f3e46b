#include "service/convert.hpp"

#include <ctime>

#include <fmt/format.h>

namespace retain::service {

std::string rfc3339(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
  const int millis = static_cast<int>(((ms % 1000) + 1000) % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

void to_proto(const Diagnostic& in, v1::Diagnostic* out) {
  out->set_severity(severity_name(in.severity));
  out->set_code(in.code);
  out->set_file(in.file);
  out->set_line(in.line);
  out->set_column(in.column);
  out->set_message(in.message);
  for (const auto& note : in.notes) out->add_notes(note);
  out->set_rendered(render_text(in));
}

void to_proto(const Diagnostics& in, google::protobuf::RepeatedPtrField<v1::Diagnostic>* out) {
  out->Reserve(static_cast<int>(in.size()));
  for (const auto& d : in) to_proto(d, out->Add());
}

void to_proto(const compile::RuleSet& in, v1::RuleSetInfo* out) {
  out->set_name(in.name());
  out->set_version(in.version());
  out->set_content_hash(in.content_hash());
}

void to_proto(const LoadedRules& in, v1::GetRuleSetResponse* out) {
  if (in.rules) {
    to_proto(*in.rules, out->mutable_ruleset());
    for (const auto& f : in.rules->source_files()) out->add_source_files(f);
    auto& counts = *out->mutable_counts();
    for (const auto& [kind, n] : in.rules->counts()) counts[kind] = n;
  }
  out->set_loaded_at(rfc3339(in.loaded_at));
}

namespace {

template <class Rule>
void strip_texts(google::protobuf::RepeatedPtrField<Rule>* rules) {
  for (auto& r : *rules) {
    r.clear_label();
    r.clear_because();
    r.clear_evidence();
  }
}

}  // namespace

void compact(v1::Decision* decision) {
  strip_texts(decision->mutable_causes());
  strip_texts(decision->mutable_tactics());
  strip_texts(decision->mutable_segments());
  strip_texts(decision->mutable_account_actions());
  strip_texts(decision->mutable_credit_checks());
  for (auto& band : *decision->mutable_bands()) band.clear_label();
}

std::string profile_field_path(const std::string& field) {
  if (field.rfind("profile.", 0) == 0 || field == "profile") return field;
  return "profile." + field;
}

}  // namespace retain::service
