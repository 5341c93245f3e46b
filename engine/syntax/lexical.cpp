#include "engine/syntax/lexical.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace retain::syntax::lex {

namespace {

constexpr std::array<std::string_view, 20> kReserved = {
    "ruleset", "version",      "import", "let",      "cause", "tactic", "segment",
    "account", "credit_check", "tiers",  "settings", "and",   "or",     "not",
    "in",      "between",      "true",   "false",    "count", "where"};

constexpr std::array<std::string_view, 14> kPropertyKeys = {
    "label",    "because",     "weight",  "priority", "when",  "rank", "by",
    "fallback", "max_tactics", "answers", "cooldown", "every", "sets", "band"};

constexpr std::array<std::string_view, 10> kTopKeywords = {
    "ruleset", "import",  "let",          "cause", "tactic",
    "segment", "account", "credit_check", "tiers", "settings"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

std::string hex_byte(unsigned char c) {
  static const char* digits = "0123456789ABCDEF";
  std::string out = "0x";
  out += digits[c >> 4];
  out += digits[c & 15];
  return out;
}

std::size_t digits_end(std::string_view text, std::size_t pos) {
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  return pos;
}

// digits ('_' digits)*
std::size_t digit_group_end(std::string_view text, std::size_t pos) {
  std::size_t end = digits_end(text, pos);
  if (end == pos) return pos;
  while (end + 1 < text.size() && text[end] == '_' && is_digit(text[end + 1])) {
    end = digits_end(text, end + 1);
  }
  return end;
}

}  // namespace

bool is_reserved(std::string_view word) {
  return contains(kReserved, word);
}
bool is_property_key(std::string_view word) {
  return contains(kPropertyKeys, word);
}
bool is_top_keyword(std::string_view word) {
  return contains(kTopKeywords, word);
}

std::size_t utf8_length(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) -> unsigned {
    return i < text.size() ? static_cast<unsigned char>(text[i]) : 0u;
  };
  const unsigned c = byte(pos);
  if (pos >= text.size()) return 0;
  if (c < 0x80) return 1;
  const auto cont = [&](std::size_t i) { return (byte(i) & 0xC0) == 0x80 && i < text.size(); };
  if (c >= 0xC2 && c <= 0xDF) return cont(pos + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned c1 = byte(pos + 1);
    if (!cont(pos + 1) || !cont(pos + 2)) return 0;
    if (c == 0xE0 && c1 < 0xA0) return 0;   // overlong
    if (c == 0xED && c1 >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned c1 = byte(pos + 1);
    if (!cont(pos + 1) || !cont(pos + 2) || !cont(pos + 3)) return 0;
    if (c == 0xF0 && c1 < 0x90) return 0;   // overlong
    if (c == 0xF4 && c1 >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

Scan scan(std::string_view text) {
  Scan out;
  const std::size_t n = text.size();
  out.skippable.assign(n, 0);
  std::size_t i = 0;
  while (i < n) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      out.skippable[i] = 1;
      ++i;
    } else if (c == '#') {
      const std::size_t begin = i;
      while (i < n && text[i] != '\n') out.skippable[i++] = 1;
      out.comments.push_back({static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(i)});
    } else if (c == '"') {
      ++i;
      while (i < n && text[i] != '"' && text[i] != '\n') {
        if (text[i] == '\\' && i + 1 < n && text[i + 1] != '\n') ++i;
        ++i;
      }
      if (i < n && text[i] == '"') ++i;
    } else {
      ++i;
    }
  }
  for (std::size_t p = 0; p < n;) {
    const std::size_t len = utf8_length(text, p);
    if (len > 0) {
      p += len;
      continue;
    }
    const std::size_t begin = p;
    while (p < n && utf8_length(text, p) == 0) ++p;
    out.bad_utf8.push_back({static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(p)});
  }
  return out;
}

std::string unescape(std::string_view raw, std::vector<std::uint32_t>* begins,
                     std::vector<std::uint32_t>* ends) {
  std::string out;
  out.reserve(raw.size());
  const auto put = [&](char c, std::size_t b, std::size_t e) {
    out += c;
    if (begins) begins->push_back(static_cast<std::uint32_t>(b));
    if (ends) ends->push_back(static_cast<std::uint32_t>(e));
  };
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size()) {
      const char e = raw[i + 1];
      const char value = e == 'n' ? '\n' : e == 't' ? '\t' : e;
      put(value, i, i + 2);
      ++i;
    } else {
      put(raw[i], i, i + 1);
    }
  }
  return out;
}

std::string quote(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
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
      default:
        out += c;
    }
  }
  out += '"';
  return out;
}

std::size_t number_end(std::string_view text, std::size_t pos) {
  std::size_t end = digit_group_end(text, pos);
  if (end == pos) return pos;
  if (end + 1 < text.size() && text[end] == '.' && is_digit(text[end + 1])) {
    end = digit_group_end(text, end + 1);
  }
  if (end < text.size() && (text[end] == 'e' || text[end] == 'E')) {
    std::size_t e = end + 1;
    if (e < text.size() && (text[e] == '+' || text[e] == '-')) ++e;
    const std::size_t d = digits_end(text, e);
    if (d > e) end = d;
  }
  if (end < text.size() && text[end] == '%') ++end;
  return end;
}

std::size_t word_end(std::string_view text, std::size_t pos) {
  if (pos >= text.size() || !is_ident_start(text[pos])) return pos;
  while (pos < text.size() && is_ident_char(text[pos])) ++pos;
  return pos;
}

bool number_value(std::string_view spelling, double& value, bool& percent) {
  std::string digits;
  digits.reserve(spelling.size());
  percent = false;
  for (char c : spelling) {
    if (c == '_') continue;
    if (c == '%') {
      percent = true;
      continue;
    }
    digits += c;
  }
  const char* begin = digits.data();
  const char* end = begin + digits.size();
  double v = 0;
  const auto [ptr, ec] = std::from_chars(begin, end, v, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) {
    // Tell overflow from underflow by the decimal exponent of the first non-zero digit.
    long exponent = 0;
    std::size_t e = digits.find_first_of("eE");
    if (e != std::string::npos) {
      long sign = 1;
      std::size_t k = e + 1;
      if (k < digits.size() && (digits[k] == '+' || digits[k] == '-')) {
        if (digits[k] == '-') sign = -1;
        ++k;
      }
      for (; k < digits.size() && exponent < 100000; ++k)
        exponent = exponent * 10 + (digits[k] - '0');
      exponent *= sign;
    }
    const std::string mantissa = digits.substr(0, e);
    const std::size_t dot = std::min(mantissa.find('.'), mantissa.size());
    const std::size_t first = mantissa.find_first_not_of("0.");
    if (first == std::string::npos) {
      v = 0;
    } else {
      const long position =
          first < dot ? static_cast<long>(dot - first) : -static_cast<long>(first - dot) + 1;
      if (position + exponent > 0) return false;  // overflow
      v = 0;
    }
  } else if (ec != std::errc() || ptr != end) {
    return false;
  }
  if (!std::isfinite(v)) return false;
  value = percent ? v / 100.0 : v;
  return true;
}

Found describe_token(std::string_view text, std::size_t pos) {
  constexpr std::size_t kMax = 40;
  const auto shorten = [&](std::size_t begin, std::size_t end) {
    std::size_t len = end - begin;
    if (len > kMax) {
      len = kMax;
      // Do not cut a UTF-8 sequence in half.
      while (len > 0 && (static_cast<unsigned char>(text[begin + len]) & 0xC0) == 0x80) --len;
    }
    std::string s(text.substr(begin, len));
    if (len < end - begin) s += "...";
    return s;
  };
  Found f;
  f.end = pos;
  if (pos >= text.size()) {
    f.description = "end of file";
    return f;
  }
  const char c = text[pos];
  const auto u = static_cast<unsigned char>(c);
  if (is_ident_char(c)) {
    std::size_t end = is_digit(c) ? number_end(text, pos) : pos;
    while (end < text.size() && is_ident_char(text[end])) ++end;
    f.end = end;
    f.description = "'" + shorten(pos, end) + "'";
  } else if (c == '"') {
    std::size_t end = pos + 1;
    while (end < text.size() && text[end] != '"' && text[end] != '\n') {
      if (text[end] == '\\' && end + 1 < text.size() && text[end + 1] != '\n') ++end;
      ++end;
    }
    if (end < text.size() && text[end] == '"') ++end;
    f.end = end;
    // Keep the description valid UTF-8.
    std::string s = shorten(pos, end);
    bool ok = true;
    for (std::size_t k = 0; k < s.size();) {
      const std::size_t len = utf8_length(s, k);
      if (len == 0) {
        ok = false;
        break;
      }
      k += len;
    }
    f.description = ok ? "the string " + s : "a string";
  } else if (u < 0x20 || u == 0x7F) {
    f.end = pos + 1;
    f.description = "the control character " + hex_byte(u);
  } else if (u >= 0x80) {
    const std::size_t len = utf8_length(text, pos);
    if (len == 0) {
      f.end = pos + 1;
      f.description = "the byte " + hex_byte(u) + " (not UTF-8)";
    } else {
      f.end = pos + len;
      f.description = "'" + std::string(text.substr(pos, len)) + "'";
    }
  } else {
    std::size_t len = 1;
    if (pos + 1 < text.size() && text[pos + 1] == '=' &&
        (c == '=' || c == '!' || c == '<' || c == '>')) {
      len = 2;
    }
    f.end = pos + len;
    f.description = "'" + std::string(text.substr(pos, len)) + "'";
  }
  return f;
}

std::size_t next_top_keyword(std::string_view text, std::size_t from) {
  const std::size_t n = text.size();
  if (from >= n) return n;
  std::size_t line = text.rfind('\n', from == 0 ? 0 : from - 1);
  line = (line == std::string_view::npos || from == 0) ? 0 : line + 1;
  if (from > 0 && text[from - 1] == '\n') line = from;
  while (line < n) {
    std::size_t k = line;
    while (k < n && (text[k] == ' ' || text[k] == '\t')) ++k;
    if (k >= from) {
      const std::size_t end = word_end(text, k);
      if (end > k && is_top_keyword(text.substr(k, end - k))) return k;
    }
    const std::size_t nl = text.find('\n', line);
    if (nl == std::string_view::npos) break;
    line = nl + 1;
  }
  return n;
}

std::size_t code_points(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace retain::syntax::lex
