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

}  // namespace retain::eval
