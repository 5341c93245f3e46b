#include "batch/row_cursor.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <cmath>

namespace retain::batch {

void RowCursor::json_number(double value) {
  if (std::isnan(value)) {
    put("\"NaN\"");
  } else if (std::isinf(value)) {
    if (value > 0) {
      put("\"Infinity\"");
    } else {
      put("\"-Infinity\"");
    }
  } else {
    at_ = fmt::format_to(at_, FMT_COMPILE("{}"), value);
  }
}

}  // namespace retain::batch
