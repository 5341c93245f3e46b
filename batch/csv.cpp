#include "batch/csv.hpp"

#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace retain::batch {

namespace {

// The next comma in [p, end), or null. Cells average a few bytes, so most calls end in the
// first 16-byte compare; memchr's call and set-up cost more than that. (A byte loop was
// slower still: its exit mispredicts.)
inline const char* find_comma(const char* p, const char* end) {
#ifdef __SSE2__
  const __m128i comma = _mm_set1_epi8(',');
  while (end - p >= 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, comma)));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  return static_cast<const char*>(std::memchr(p, ',', static_cast<std::size_t>(end - p)));
}

}  // namespace

bool split_csv(std::string_view record, std::vector<std::string_view>& cells, std::string& scratch,
               std::string* error) {
  cells.clear();
  scratch.clear();
  if (scratch.capacity() < record.size()) scratch.reserve(record.size());
  const char* p = record.data();
  const char* const end = p + record.size();
  for (;;) {
    if (p < end && *p == '"') {
      // Quoted cell: copy into scratch, turning "" into ".
      ++p;
      const std::size_t start = scratch.size();
      for (;;) {
        const char* q = static_cast<const char*>(std::memchr(p, '"', end - p));
        if (q == nullptr) {
          *error = "unterminated quoted cell";
          return false;
        }
        scratch.append(p, q);
        p = q + 1;
        if (p < end && *p == '"') {
          scratch.push_back('"');
          ++p;
          continue;
        }
        break;
      }
      cells.emplace_back(scratch.data() + start, scratch.size() - start);
      if (p == end) return true;
      if (*p != ',') {
        *error =
            "unexpected character after a closing quote in cell " + std::to_string(cells.size());
        return false;
      }
      ++p;
      continue;
    }
    const char* comma = find_comma(p, end);
    if (comma == nullptr) {
      cells.emplace_back(p, end - p);
      return true;
    }
    cells.emplace_back(p, comma - p);
    p = comma + 1;
  }
}

void append_csv_cell(std::string& out, std::string_view cell) {
  bool quote = !cell.empty() && cell.front() == ' ';
  for (char c : cell) {
    if (c == ',' || c == '"' || c == '\n' || c == '\r') {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out.append(cell);
    return;
  }
  out.push_back('"');
  for (char c : cell) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace retain::batch
