// Mapping between engine values and the service's protobuf messages. Pure functions; no I/O.
#pragma once

#include <chrono>
#include <string>

#include "engine/compile/rule_set.hpp"
#include "engine/diagnostics.hpp"
#include "retain/v1/service.pb.h"
#include "service/rule_store.hpp"

namespace retain::service {

// RFC 3339 in UTC with milliseconds: 2024-05-01T12:00:00.123Z.
std::string rfc3339(std::chrono::system_clock::time_point t);

void to_proto(const Diagnostic& in, v1::Diagnostic* out);
void to_proto(const Diagnostics& in, google::protobuf::RepeatedPtrField<v1::Diagnostic>* out);
void to_proto(const compile::RuleSet& in, v1::RuleSetInfo* out);
void to_proto(const LoadedRules& in, v1::GetRuleSetResponse* out);

// EvaluateRequest.VIEW_COMPACT: drops labels, because texts and evidence, keeps the rest.
void compact(v1::Decision* decision);

// "profile.satisfaction" for a field name the engine reports as "satisfaction".
std::string profile_field_path(const std::string& field);

}  // namespace retain::service
