#include "batch/number_arrays.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>

#include "engine/huge_pages.hpp"

namespace retain::batch {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The end of the JSON number starting at p (RFC 8259:
// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?), or null when none starts there.
const char* json_number_end(const char* p, const char* end) {
  if (p < end && *p == '-') ++p;
  if (p == end || !is_digit(*p)) return nullptr;
  if (*p == '0') {
    ++p;
  } else {
    while (p < end && is_digit(*p)) ++p;
  }
  if (p < end && *p == '.') {
    ++p;
    if (p == end || !is_digit(*p)) return nullptr;
    while (p < end && is_digit(*p)) ++p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p == end || !is_digit(*p)) return nullptr;
    while (p < end && is_digit(*p)) ++p;
  }
  return p;
}

struct Candidate {
  std::size_t open = 0;   // '['
  std::size_t close = 0;  // ']'
};

// The '[' of the array that is the value of `"key"` starting at quote, and its ']' if only
// number characters and whitespace come between them.
bool candidate_at(const char* text, std::size_t size, std::size_t quote, std::string_view key,
                  Candidate* out) {
  // A quote with an odd run of backslashes before it is inside a string; in JSON text, one with
  // an even run followed by key, quote and colon can only open that member's name.
  std::size_t backslashes = 0;
  while (backslashes < quote && text[quote - 1 - backslashes] == '\\') ++backslashes;
  if (backslashes % 2 != 0) return false;
  std::size_t p = quote + 1 + key.size();
  if (p >= size || text[p] != '"') return false;
  ++p;
  while (p < size && is_space(text[p])) ++p;
  if (p >= size || text[p] != ':') return false;
  ++p;
  while (p < size && is_space(text[p])) ++p;
  if (p >= size || text[p] != '[') return false;
  out->open = p;
  for (++p; p < size; ++p) {
    const char c = text[p];
    if (c == ']') {
      out->close = p;
      return true;
    }
    if (!is_digit(c) && !is_space(c) && c != ',' && c != '-' && c != '+' && c != '.' && c != 'e' &&
        c != 'E') {
      return false;
    }
  }
  return false;
}

// Parses [begin, end): numbers separated by commas, whitespace around them. False when that is
// not what it holds.
bool parse_numbers(const char* begin, const char* end, std::vector<double>* values) {
  // One number per comma and one more: exact for the arrays that parse, so the column is
  // allocated once, at its size.
  values->reserve(static_cast<std::size_t>(std::count(begin, end, ',')) + 1);
  advise_huge_pages(values->data(), values->capacity() * sizeof(double));
  const char* p = begin;
  while (p < end && is_space(*p)) ++p;
  if (p == end) return true;  // []
  for (;;) {
    const char* number_end = json_number_end(p, end);
    if (number_end == nullptr) return false;
    double value = 0;
    const auto [stop, error] = std::from_chars(p, number_end, value);
    if (error != std::errc() || stop != number_end) return false;
    values->push_back(value);
    p = number_end;
    while (p < end && is_space(*p)) ++p;
    if (p == end) return true;
    if (*p != ',') return false;
    ++p;
    while (p < end && is_space(*p)) ++p;
  }
}

}  // namespace

std::vector<NumberArray> cut_number_arrays(char* text, std::size_t size, std::string_view key,
                                           unsigned threads) {
  const std::string_view all(text, size);
  const std::string pattern = "\"" + std::string(key) + "\"";
  std::vector<Candidate> candidates;
  for (std::size_t at = all.find(pattern); at != std::string_view::npos;
       at = all.find(pattern, at + 1)) {
    Candidate c;
    if (candidate_at(text, size, at, key, &c)) {
      candidates.push_back(c);
      at = c.close;
    }
  }

  std::vector<NumberArray> parsed(candidates.size());
  std::vector<char> ok(candidates.size(), 0);
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i = next++; i < candidates.size(); i = next++) {
      parsed[i].open = candidates[i].open;
      ok[i] = parse_numbers(text + candidates[i].open + 1, text + candidates[i].close,
                            &parsed[i].values);
    }
  };
  const std::size_t workers = std::min<std::size_t>(candidates.size(), std::max(1u, threads));
  std::vector<std::thread> helpers;
  for (std::size_t t = 1; t < workers; ++t) helpers.emplace_back(work);
  work();
  for (auto& h : helpers) h.join();

  std::vector<NumberArray> cut;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (!ok[i]) continue;
    std::memset(text + candidates[i].open + 1, ' ', candidates[i].close - candidates[i].open - 1);
    cut.push_back(std::move(parsed[i]));
  }
  return cut;
}

}  // namespace retain::batch
