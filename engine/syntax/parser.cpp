// The syntax API: runs the X3 grammar (grammar.cpp) over a file, splits texts into template
// pieces, collects comments and turns raw errors into diagnostics.
#include "engine/syntax/parser.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "engine/syntax/config.hpp"
#include "engine/syntax/error_handler.hpp"
#include "engine/syntax/grammar.hpp"
#include "engine/syntax/lexical.hpp"
#include "engine/syntax/parse_state.hpp"

namespace retain::syntax {

namespace {

constexpr std::size_t kMaxUtf8Errors = 20;
constexpr std::size_t kMaxSize = std::numeric_limits<std::uint32_t>::max() - 16;

// Runs one entry rule over st.text. Expectation failures that no rule handler caught are
// recorded in st.errors. With `whole`, the rule must consume the whole text.
template <typename Rule, typename Attr>
bool run(const Rule& rule, ParseState& st, Attr& attr, bool whole) {
  const char* first = st.text.data();
  const char* const last = first + st.text.size();
  try {
    const bool ok =
        x3::phrase_parse(first, last, x3::with<parse_state_tag>(st)[rule], skipper_parser{}, attr);
    if (!ok) {
      st.expected(st.offset(first), x3::what(rule), 0);
      return false;
    }
    if (whole && first != last) {
      st.expected(st.offset(first), "the end of the expression", 0);
      return false;
    }
    return true;
  } catch (const x3::expectation_failure<iterator_type>& x) {
    st.expected(st.offset(x.where()), x.which(), 0);
    return false;
  }
}

void add_utf8_errors(const SourceFile& source, const lex::Scan& scan, Diagnostics& out) {
  std::size_t n = 0;
  for (const Span& bad : scan.bad_utf8) {
    if (n++ == kMaxUtf8Errors) break;
    const auto byte = static_cast<unsigned char>(source.text()[bad.begin]);
    static const char* digits = "0123456789ABCDEF";
    std::string hex = "0x";
    hex += digits[byte >> 4];
    hex += digits[byte & 15];
    out.push_back(make_diagnostic(source, {bad.begin, bad.begin + 1}, Severity::Error, "parse.utf8",
                                  "invalid UTF-8: byte " + hex));
  }
}

// Maps offsets of an unescaped string literal back to the file.
struct OffsetMap {
  std::uint32_t raw_begin = 0;              // file offset of the first byte after the opening quote
  std::uint32_t raw_end = 0;                // file offset of the closing quote
  std::vector<std::uint32_t> begins, ends;  // per unescaped byte, relative to raw_begin

  std::uint32_t begin_of(std::size_t i) const {
    return i < begins.size() ? raw_begin + begins[i] : raw_end;
  }
  std::uint32_t end_of(std::size_t i) const {  // exclusive end of byte i - 1
    return i == 0 ? raw_begin : raw_begin + ends[std::min(i, ends.size()) - 1];
  }
  // A span of a sub-text that starts at unescaped index `base`.
  Span map(std::size_t base, Span s) const {
    const std::uint32_t b = begin_of(base + s.begin);
    const std::uint32_t e = s.end > s.begin ? end_of(base + s.end) : b;
    return {b, std::max(b, e)};
  }
};

void remap(ast::Expr& e, const OffsetMap& map, std::size_t base) {
  e.span = map.map(base, e.span);
  for (auto& arg : e.args) remap(arg, map, base);
}

class TemplateSplitter {
 public:
  TemplateSplitter(const SourceFile& source, std::vector<RawError>& errors)
      : source_(source), errors_(errors) {}

  void split(ast::TextPart& part) {
    part.pieces.clear();
    if (part.span.end < part.span.begin + 2) return;
    OffsetMap map;
    map.raw_begin = part.span.begin + 1;
    map.raw_end = part.span.end - 1;
    const std::string_view raw =
        std::string_view(source_.text()).substr(map.raw_begin, map.raw_end - map.raw_begin);
    const std::string u = lex::unescape(raw, &map.begins, &map.ends);
    const std::size_t n = u.size();
    std::string literal;
    const auto flush = [&] {
      if (literal.empty()) return;
      ast::TemplatePiece piece;
      piece.literal = std::move(literal);
      part.pieces.push_back(std::move(piece));
      literal.clear();
    };
    const auto error_at = [&](std::size_t i, std::size_t len, std::string message) {
      errors_.push_back(
          {map.map(0, {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + len)}),
           "parse.expected", std::move(message)});
    };
    std::size_t i = 0;
    while (i < n) {
      const char c = u[i];
      if ((c == '{' || c == '}') && i + 1 < n && u[i + 1] == c) {
        literal += c;
        i += 2;
        continue;
      }
      if (c == '}') {
        error_at(i, 1, "expected '}}' for a literal brace in a text but found '}'");
        ++i;
        continue;
      }
      if (c != '{') {
        literal += c;
        ++i;
        continue;
      }
      // A placeholder: find its '}' and the last ':' outside string literals.
      std::size_t j = i + 1;
      std::size_t colon = std::string::npos;
      bool in_string = false;
      for (; j < n; ++j) {
        const char d = u[j];
        if (in_string) {
          if (d == '\\') {
            ++j;
          } else if (d == '"') {
            in_string = false;
          }
          continue;
        }
        if (d == '"') {
          in_string = true;
        } else if (d == ':') {
          colon = j;
        } else if (d == '}' || d == '{') {
          break;
        }
      }
      if (j >= n || u[j] == '{') {
        error_at(i, 1,
                 std::string("expected '}' to close the placeholder '{' but found ") +
                     (j >= n ? "the end of the text" : "'{'"));
        return;
      }
      const std::size_t expr_end = colon == std::string::npos ? j : colon;
      ast::TemplatePiece piece;
      if (colon != std::string::npos) {
        piece.format = u.substr(colon + 1, j - colon - 1);
        if (piece.format != "%" && piece.format != ".0" && piece.format != ".1" &&
            piece.format != ".2") {
          error_at(colon + 1, std::max<std::size_t>(j - colon - 1, 1),
                   "expected a format '%', '.0', '.1' or '.2' after ':' but found " +
                       (piece.format.empty() ? std::string("'}'") : "'" + piece.format + "'"));
        }
      }
      piece.expr = parse_placeholder(u.substr(i + 1, expr_end - i - 1), map, i + 1);
      if (piece.expr) {
        flush();
        part.pieces.push_back(std::move(piece));
      }
      i = j + 1;
    }
    flush();
  }

 private:
  std::optional<ast::Expr> parse_placeholder(const std::string& text, const OffsetMap& map,
                                             std::size_t base) {
    const lex::Scan scan = lex::scan(text);
    ParseState st(text, scan.skippable);
    ast::Expr e;
    const bool blank = st.skip(0) == text.size();
    if (blank) {
      st.error({0, 0}, "parse.expected", "expected an expression in the placeholder but found '}'");
    } else {
      run(grammar::expression(), st, e, true);
    }
    for (auto& err : st.errors) {
      static constexpr std::string_view kEof = "but found end of file";
      if (err.message.size() >= kEof.size() &&
          err.message.compare(err.message.size() - kEof.size(), kEof.size(), kEof) == 0) {
        err.message.replace(err.message.size() - kEof.size(), kEof.size(),
                            "but found the end of the placeholder");
      }
      err.span = map.map(base, err.span);
      errors_.push_back(std::move(err));
    }
    if (!st.errors.empty() || blank) return std::nullopt;
    remap(e, map, base);
    return e;
  }

  const SourceFile& source_;
  std::vector<RawError>& errors_;
};

void split_templates(ast::RuleFile& file, const SourceFile& source, std::vector<RawError>& errors) {
  TemplateSplitter splitter(source, errors);
  const auto split_text = [&](std::optional<ast::Text>& text) {
    if (!text) return;
    for (auto& part : text->parts) splitter.split(part);
  };
  for (auto& decl : file.decls) {
    for (auto& prop : decl.props) {
      split_text(prop.text);
      if (prop.band) split_text(prop.band->label);
    }
  }
}

std::vector<ast::Comment> collect_comments(const SourceFile& source, const lex::Scan& scan) {
  std::vector<ast::Comment> out;
  out.reserve(scan.comments.size());
  for (Span s : scan.comments) {
    std::uint32_t end = s.end;
    while (end > s.begin + 1 && source.text()[end - 1] == '\r') --end;  // CR LF, CR CR LF
    ast::Comment c;
    c.span = {s.begin, end};
    c.text = std::string(source.slice({s.begin + 1, end}));
    const std::string& text = source.text();
    std::uint32_t line_start = s.begin;
    while (line_start > 0 && text[line_start - 1] != '\n') --line_start;
    for (std::uint32_t i = line_start; i < s.begin; ++i) {
      if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r') c.trailing = true;
    }
    if (!c.trailing && line_start > 0) {
      // Is the line before blank?
      c.blank_line_before = true;
      for (std::uint32_t i = line_start - 1; i > 0 && text[i - 1] != '\n'; --i) {
        const char before = text[i - 1];
        if (before != ' ' && before != '\t' && before != '\r') {
          c.blank_line_before = false;
          break;
        }
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

void to_diagnostics(const SourceFile& source, std::vector<RawError>& errors, Diagnostics& out) {
  std::stable_sort(errors.begin(), errors.end(), [](const RawError& a, const RawError& b) {
    return a.span.begin < b.span.begin;
  });
  for (auto& e : errors) {
    out.push_back(
        make_diagnostic(source, e.span, Severity::Error, std::move(e.code), std::move(e.message)));
  }
}

Diagnostic internal_error(const SourceFile& source, const char* what) {
  return make_diagnostic(source, {0, 0}, Severity::Error, "parse.internal",
                         std::string("internal error in the parser: ") + what);
}

}  // namespace

ParseResult parse(const SourceFile& source) {
  ParseResult result;
  try {
    const std::string& text = source.text();
    if (text.size() > kMaxSize) {
      result.diagnostics.push_back(make_diagnostic(source, {0, 0}, Severity::Error,
                                                   "parse.too-large", "the file is too large"));
      return result;
    }
    const lex::Scan scan = lex::scan(text);
    add_utf8_errors(source, scan, result.diagnostics);

    ParseState st(text, scan.skippable);
    st.property_lines = true;
    ast::RuleFile unused;
    run(grammar::rule_file(), st, unused, true);
    split_templates(st.file, source, st.errors);
    to_diagnostics(source, st.errors, result.diagnostics);
    sort_diagnostics(result.diagnostics);
    if (result.diagnostics.empty()) {
      st.file.comments = collect_comments(source, scan);
      result.file = std::move(st.file);
    }
  } catch (const std::exception& e) {
    result.file.reset();
    result.diagnostics.push_back(internal_error(source, e.what()));
  } catch (...) {
    result.file.reset();
    result.diagnostics.push_back(internal_error(source, "unknown exception"));
  }
  return result;
}

PhaseResult<ast::Expr> parse_expression(const SourceFile& source) {
  PhaseResult<ast::Expr> result;
  try {
    const std::string& text = source.text();
    if (text.size() > kMaxSize) {
      result.diagnostics.push_back(make_diagnostic(source, {0, 0}, Severity::Error,
                                                   "parse.too-large", "the text is too large"));
      return result;
    }
    const lex::Scan scan = lex::scan(text);
    add_utf8_errors(source, scan, result.diagnostics);
    ParseState st(text, scan.skippable);
    ast::Expr e;
    run(grammar::expression(), st, e, true);
    to_diagnostics(source, st.errors, result.diagnostics);
    sort_diagnostics(result.diagnostics);
    if (result.diagnostics.empty()) result.value = std::move(e);
  } catch (const std::exception& e) {
    result.value.reset();
    result.diagnostics.push_back(internal_error(source, e.what()));
  } catch (...) {
    result.value.reset();
    result.diagnostics.push_back(internal_error(source, "unknown exception"));
  }
  return result;
}

}  // namespace retain::syntax
