#include "engine/check/types.hpp"

#include <google/protobuf/descriptor.h>

namespace retain::check {

bool Type::same_as(const Type& other) const {
  if (kind != other.kind) return false;
  if (kind == TypeKind::Enum) return enumeration == other.enumeration;
  if (kind == TypeKind::Band) return tiers == other.tiers;
  return true;
}

std::string describe(const Type& type, const std::string& tiers_name) {
  switch (type.kind) {
    case TypeKind::Error:
      return "an invalid expression";
    case TypeKind::Bool:
      return "bool";
    case TypeKind::Number:
      return "number";
    case TypeKind::String:
      return "string";
    case TypeKind::Enum:
      return "enum " + (type.enumeration ? type.enumeration->name() : std::string("?"));
    case TypeKind::Band:
      return "band of " + (tiers_name.empty() ? std::string("a tiers") : tiers_name);
    case TypeKind::List:
      return "list";
  }
  return "?";
}

}  // namespace retain::check
