#include "engine/check/schema.hpp"

#include <google/protobuf/descriptor.h>

#include "retain/v1/profile.pb.h"

namespace retain::check {

namespace pb = google::protobuf;

Schema::Schema(const pb::Descriptor* root) {
  add_fields(root, "", {}, 0);
}

const Schema& Schema::profile() {
  static const Schema schema(v1::CustomerProfile::descriptor());
  return schema;
}

void Schema::add_fields(const pb::Descriptor* message, const std::string& prefix,
                        std::vector<const pb::FieldDescriptor*> chain, int depth) {
  for (int i = 0; i < message->field_count(); ++i) {
    const pb::FieldDescriptor* field = message->field(i);
    if (field->is_repeated()) continue;  // maps and lists are read through metrics./count()
    std::vector<const pb::FieldDescriptor*> path_chain = chain;
    path_chain.push_back(field);
    const std::string path = prefix + field->name();
    if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (depth < 4) add_fields(field->message_type(), path + ".", path_chain, depth + 1);
      continue;
    }
    FieldInfo info;
    info.path = path;
    info.chain = path_chain;
    info.may_be_unknown = field->has_presence() || !chain.empty();
    switch (field->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        info.type = Type::of(TypeKind::Bool);
        break;
      case pb::FieldDescriptor::CPPTYPE_STRING:
        info.type = Type::of(TypeKind::String);
        break;
      case pb::FieldDescriptor::CPPTYPE_ENUM:
        info.type = Type::of(TypeKind::Enum);
        info.type.enumeration = field->enum_type();
        info.may_be_unknown = true;  // value 0 (..._UNSPECIFIED) reads as unknown
        break;
      default:
        info.type = Type::of(TypeKind::Number);
    }
    fields_.emplace(path, std::move(info));
  }
}

const FieldInfo* Schema::find(std::string_view path) const {
  auto it = fields_.find(path);
  return it == fields_.end() ? nullptr : &it->second;
}

std::vector<std::string> Schema::paths() const {
  std::vector<std::string> out;
  for (const auto& [path, info] : fields_) out.push_back(path);
  return out;
}

bool Schema::is_metric_path(std::string_view path) {
  return path.size() > 8 && path.substr(0, 8) == "metrics.";
}

bool Schema::is_attribute_path(std::string_view path) {
  return path.size() > 11 && path.substr(0, 11) == "attributes.";
}

}  // namespace retain::check
