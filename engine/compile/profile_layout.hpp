// Where the numeric top-level fields of v1::CustomerProfile live inside the generated C++
// object, so that native conditions (native_conditions.hpp) read a field with one load, as
// the compiled getter does, instead of calling its reader.
//
// Protobuf does not publish its object layout, so it is found out, once per process, from the
// object itself: a field is set through reflection and the bytes that change are its value
// and its presence bit. A layout is used only after reading through it has given exactly what
// the generated reader gives (eval::profile_number_reader) for a set of values, unset
// included; a field whose layout cannot be established or verified is read by calling its
// reader. The layout is that of the protobuf code compiled into this binary, so what is
// verified at start-up holds for every profile the process evaluates.
#pragma once

#include <cstdint>

namespace retain::compile {

struct FieldLayout {
  enum class Type : std::uint8_t { Int32, Double, Bool, Enum };
  Type type = Type::Int32;
  std::uint32_t offset = 0;  // of the value, in bytes from the start of the object
  // The byte holding the field's presence bit and its mask; -1 for a field without presence.
  // An enumeration is unknown when its value is 0 (UNSPECIFIED).
  int has_offset = -1;
  std::uint8_t has_mask = 0;
};

// The verified layout of top-level field `number`, or null. Thread-safe.
const FieldLayout* profile_field_layout(int number);

}  // namespace retain::compile
