// RFC 4180 cells: splitting one record into cells, and quoting a cell for output.
// Pure functions over caller-owned buffers; safe to use from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace retain::batch {

// Splits `record` (one CSV record without its line break) into cells. Quoted cells lose their
// quotes and have "" turned into ". Views point into `record` or into `scratch`, which this
// function reserves up front so that they stay valid until the next call. Returns false with a
// message for a malformed record (a character after a closing quote, an unterminated quote).
bool split_csv(std::string_view record, std::vector<std::string_view>& cells, std::string& scratch,
               std::string* error);

// Appends `cell` to `out`, quoted when it holds a comma, quote, CR or LF (or starts with a
// space), as RFC 4180 wants.
void append_csv_cell(std::string& out, std::string_view cell);

}  // namespace retain::batch
