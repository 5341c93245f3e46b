#include "engine/json_text.hpp"

#include <iterator>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <fmt/format.h>

namespace retain {

namespace {

bool needs_escape(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\';
}

// The offset of the first byte of text[from, size) that JSON must escape (a control character,
// '"' or '\\'), or size. Texts are long (labels and because texts in two languages: ~6 KB a
// full decision) and nearly all plain, UTF-8 bytes included: 16 bytes are looked at a time.
std::size_t next_escape(const char* text, std::size_t from, std::size_t size) {
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i last_control = _mm_set1_epi8(0x1F);
  for (; from + 16 <= size; from += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text + from));
    // Unsigned bytes <= 0x1F are those that the unsigned minimum with 0x1F leaves unchanged.
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(bytes, last_control), bytes);
    const __m128i hit = _mm_or_si128(
        control, _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    if (mask != 0) return from + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  while (from < size && !needs_escape(static_cast<unsigned char>(text[from]))) ++from;
  return from;
}

}  // namespace

void append_json_quoted(std::string& out, std::string_view text) {
  // Copies runs of plain characters at once; escapes the rest.
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = next_escape(text.data(), 0, text.size()); i < text.size();
       i = next_escape(text.data(), run, text.size())) {
    const auto c = static_cast<unsigned char>(text[i]);
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    }
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_json_quoted(out, text);
  return out;
}

}  // namespace retain
