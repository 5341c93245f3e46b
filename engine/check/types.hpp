// Static types of rule expressions. Plain values; thread-safe.
#pragma once

#include <string>

namespace google::protobuf {
class EnumDescriptor;
}

namespace retain::check {

enum class TypeKind { Error, Bool, Number, String, Enum, Band, List };

struct Type {
  TypeKind kind = TypeKind::Error;
  const google::protobuf::EnumDescriptor* enumeration = nullptr;  // Enum
  int tiers = -1;                      // Band: index of the tiers declaration in the module
  TypeKind element = TypeKind::Error;  // List: element kind

  static Type of(TypeKind kind) { return Type{kind, nullptr, -1, TypeKind::Error}; }
  bool is(TypeKind k) const { return kind == k; }
  bool same_as(const Type& other) const;
};

// "number", "bool", "enum CreditGrade", "band of PYRAMID" ...; tiers names come from the caller.
std::string describe(const Type& type, const std::string& tiers_name = {});

}  // namespace retain::check
