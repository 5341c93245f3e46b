// Direct setters of CustomerProfile's top-level scalar fields, generated at build time from the
// descriptor (engine/codegen/gen_profile_loaders.cpp), for readers that fill many profiles
// (batch CSV and JSON lines): the generated protobuf setters instead of Reflection, which looks
// up offsets and has-bits on every call. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace retain::v1 {
class CustomerProfile;
}

namespace retain {

// The one member matching the field's type is set; the others are null.
struct ProfileWriter {
  void (*set_int32)(v1::CustomerProfile&, std::int32_t) = nullptr;
  void (*set_double)(v1::CustomerProfile&, double) = nullptr;
  void (*set_bool)(v1::CustomerProfile&, bool) = nullptr;
  void (*set_enum)(v1::CustomerProfile&, int) = nullptr;  // a valid enum number
  void (*set_string)(v1::CustomerProfile&, std::string_view) = nullptr;
};

// The writer of the top-level scalar field with this number, or null.
const ProfileWriter* profile_writer(int field_number);

}  // namespace retain
