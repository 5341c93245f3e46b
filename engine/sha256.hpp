// SHA-256 of a byte string, as lowercase hex: the content hash of a rule set. Pure function.
#pragma once

#include <string>
#include <string_view>

namespace retain {

std::string sha256_hex(std::string_view data);

}  // namespace retain
