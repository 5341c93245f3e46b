// The profile schema as rules see it: dotted path -> field, built once from the
// CustomerProfile descriptor by protobuf reflection. Immutable; safe to share.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/check/types.hpp"

namespace google::protobuf {
class Descriptor;
class FieldDescriptor;
}  // namespace google::protobuf

namespace retain::check {

struct FieldInfo {
  std::string path;
  std::vector<const google::protobuf::FieldDescriptor*> chain;  // nested messages, then the leaf
  Type type;
  bool may_be_unknown = false;  // optional field, enum, or a field inside a message
};

class Schema {
 public:
  explicit Schema(const google::protobuf::Descriptor* root);
  // The schema of retain.v1.CustomerProfile.
  static const Schema& profile();

  const FieldInfo* find(std::string_view path) const;
  std::vector<std::string> paths() const;
  // The map fields read as metrics.NAME (numbers) and attributes.NAME (strings).
  static bool is_metric_path(std::string_view path);
  static bool is_attribute_path(std::string_view path);

 private:
  void add_fields(const google::protobuf::Descriptor* message, const std::string& prefix,
                  std::vector<const google::protobuf::FieldDescriptor*> chain, int depth);
  std::map<std::string, FieldInfo, std::less<>> fields_;
};

}  // namespace retain::check
