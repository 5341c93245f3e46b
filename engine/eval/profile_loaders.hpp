// Direct readers of CustomerProfile's scalar fields, generated at build time from the
// descriptor (engine/codegen/gen_profile_loaders.cpp). Pure functions; thread-safe.
#pragma once

#include "engine/eval/value.hpp"

namespace retain::v1 {
class CustomerProfile;
}

namespace retain::eval {

// Reads one field: unknown when an optional field is unset or an enum is 0 (UNSPECIFIED).
using ProfileLoader = Value (*)(const v1::CustomerProfile&);

// The reader of the top-level scalar field with this number, or null.
ProfileLoader profile_loader(int field_number);

// A field read as a number (a boolean as 0 or 1, an enumeration as its number) and whether it is
// known. Sixteen bytes of a double and a bool: the x86-64 System V ABI returns it in xmm0 and
// al, which the machine code of native conditions (compile/native_conditions.hpp) relies on.
struct NumberRead {
  double value;
  bool known;
};
using NumberReader = NumberRead (*)(const v1::CustomerProfile&);

// The number reader of the top-level field with this number, or null (strings, messages).
NumberReader profile_number_reader(int field_number);

}  // namespace retain::eval
