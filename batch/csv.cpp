#include "batch/csv.hpp"

#include <cstdint>
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

// The usual record has no quotes: its cells end at its commas. The commas of 64 bytes at a
// time become one bit mask, walked bit by bit, so a record of 57 short cells costs a few
// compares per 64 bytes and one mispredicted branch per block, where a search per cell
// mispredicted about once per cell. Returns false, having added nothing, when the record holds
// a quote; the caller then splits it by the general rules.
bool split_unquoted(std::string_view record, std::vector<std::string_view>& cells) {
#ifdef __SSE2__
  const char* const data = record.data();
  const std::size_t size = record.size();
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i quote = _mm_set1_epi8('"');
  std::size_t start = 0;
  alignas(16) char tail[64];
  for (std::size_t base = 0; base < size; base += 64) {
    const char* block = data + base;
    if (size - base < 64) {
      // The last bytes, copied so that no load reads past the record; the padding is neither
      // comma nor quote.
      std::memset(tail, 0, sizeof tail);
      std::memcpy(tail, block, size - base);
      block = tail;
    }
    std::uint64_t commas = 0;
    std::uint64_t quotes = 0;
    for (int i = 0; i < 4; ++i) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * i));
      commas |=
          std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, comma)))}
          << (16 * i);
      quotes |=
          std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, quote)))}
          << (16 * i);
    }
    if (quotes != 0) {
      cells.clear();
      return false;
    }
    while (commas != 0) {
      const std::size_t at = base + static_cast<std::size_t>(__builtin_ctzll(commas));
      cells.emplace_back(data + start, at - start);
      start = at + 1;
      commas &= commas - 1;
    }
  }
  cells.emplace_back(data + start, size - start);
  return true;
#else
  (void)record;
  (void)cells;
  return false;
#endif
}

}  // namespace

bool split_csv(std::string_view record, std::vector<std::string_view>& cells, std::string& scratch,
               std::string* error) {
  cells.clear();
  if (split_unquoted(record, cells)) return true;
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
