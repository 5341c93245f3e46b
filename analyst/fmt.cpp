// retain fmt: canonical text, meaning check, rule file discovery, line diff.
#include "analyst/fmt.hpp"

#include "analyst/file_list.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "engine/source.hpp"
#include "engine/syntax/parser.hpp"
#include "engine/syntax/printer.hpp"

namespace retain::analyst {

namespace {

namespace fs = std::filesystem;

template <class T, class Eq>
bool same_list(const std::vector<T>& a, const std::vector<T>& b, Eq eq) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!eq(a[i], b[i])) return false;
  }
  return true;
}

template <class T, class Eq>
bool same_opt(const std::optional<T>& a, const std::optional<T>& b, Eq eq) {
  if (a.has_value() != b.has_value()) return false;
  return !a || eq(*a, *b);
}

bool same_expr(const ast::Expr& a, const ast::Expr& b) {
  return same_tree(a, b);
}

bool same_piece(const ast::TemplatePiece& a, const ast::TemplatePiece& b) {
  return a.literal == b.literal && a.format == b.format && same_opt(a.expr, b.expr, same_expr);
}

bool same_part(const ast::TextPart& a, const ast::TextPart& b) {
  return a.lang == b.lang && a.value == b.value && same_list(a.pieces, b.pieces, same_piece);
}

bool same_text(const ast::Text& a, const ast::Text& b) {
  return same_list(a.parts, b.parts, same_part);
}

bool same_band(const ast::Band& a, const ast::Band& b) {
  return a.id == b.id && a.bound == b.bound && same_opt(a.value, b.value, same_expr) &&
         same_opt(a.label, b.label, same_text);
}

bool same_ident(const ast::Ident& a, const ast::Ident& b) {
  return a.name == b.name;
}

bool same_prop(const ast::Property& a, const ast::Property& b) {
  return a.key == b.key && a.any == b.any && same_opt(a.text, b.text, same_text) &&
         same_opt(a.expr, b.expr, same_expr) && same_list(a.ids, b.ids, same_ident) &&
         same_opt(a.since, b.since, same_expr) && same_ident(a.word, b.word) &&
         same_opt(a.band, b.band, same_band);
}

bool same_decl(const ast::Decl& a, const ast::Decl& b) {
  return a.kind == b.kind && a.name == b.name && same_opt(a.value, b.value, same_expr) &&
         same_list(a.props, b.props, same_prop);
}

}  // namespace

bool same_tree(const ast::Expr& a, const ast::Expr& b) {
  return a.kind == b.kind && a.op == b.op && a.number == b.number && a.percent == b.percent &&
         a.boolean == b.boolean && a.text == b.text && same_list(a.args, b.args, same_expr);
}

bool same_tree(const ast::RuleFile& a, const ast::RuleFile& b) {
  const bool headers = same_opt(a.header, b.header, [](const auto& x, const auto& y) {
    return x.name == y.name && x.version == y.version;
  });
  const bool imports = same_list(a.imports, b.imports,
                                 [](const auto& x, const auto& y) { return x.path == y.path; });
  const bool comments = same_list(a.comments, b.comments,
                                  [](const auto& x, const auto& y) { return x.text == y.text; });
  return headers && imports && comments && same_list(a.decls, b.decls, same_decl);
}

FormatResult format_rules(const std::string& path, const std::string& text) {
  FormatResult result;
  const SourceFile source(path, text);
  auto parsed = syntax::parse(source);
  if (!parsed.file) {
    result.status = FormatStatus::SyntaxError;
    result.diagnostics = std::move(parsed.diagnostics);
    return result;
  }
  std::string formatted = syntax::print(*parsed.file);
  const SourceFile again(path, formatted);
  auto reparsed = syntax::parse(again);
  if (!reparsed.file) {
    result.status = FormatStatus::MeaningChanged;
    result.message = "the formatted text does not parse";
    result.diagnostics = std::move(reparsed.diagnostics);
    return result;
  }
  if (!same_tree(*parsed.file, *reparsed.file)) {
    result.status = FormatStatus::MeaningChanged;
    result.message = "the formatted text parses to a different tree";
    return result;
  }
  result.changed = formatted != text;
  result.formatted = std::move(formatted);
  return result;
}

std::vector<std::string> collect_rule_files(const std::vector<std::string>& paths,
                                            std::vector<std::string>* missing) {
  return expand_paths(
      paths, false, [](const fs::path& p) { return p.extension() == ".rules"; }, missing);
}

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      // As diff does: a last line without a line break differs from the same line with one.
      lines.push_back(text.substr(start) + "\n\\ No newline at end of file");
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

}  // namespace

std::string unified_diff(const std::string& old_text, const std::string& new_text,
                         const std::string& old_name, const std::string& new_name, int context) {
  if (old_text == new_text) return "";
  const auto a = split_lines(old_text);
  const auto b = split_lines(new_text);
  const std::size_t n = a.size(), m = b.size();
  // Longest common subsequence table, from the end.
  std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  // The edit script: ' ' keep, '-' delete, '+' insert, with line indices.
  struct Edit {
    char op;
    std::size_t i, j;
  };
  std::vector<Edit> edits;
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      edits.push_back({' ', i++, j++});
    } else if (j < m && (i == n || lcs[i][j + 1] > lcs[i + 1][j])) {
      edits.push_back({'+', i, j++});
    } else {
      edits.push_back({'-', i++, j});
    }
  }
  std::string out = fmt::format("--- {}\n+++ {}\n", old_name, new_name);
  const std::size_t count = edits.size();
  std::size_t k = 0;
  while (k < count) {
    if (edits[k].op == ' ') {
      ++k;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change
    // that is at most 2*context lines away from the next.
    const std::size_t begin = k >= static_cast<std::size_t>(context) ? k - context : 0;
    std::size_t end = k;
    while (true) {
      while (end < count && edits[end].op != ' ') ++end;
      std::size_t next = end;
      while (next < count && edits[next].op == ' ') ++next;
      if (next < count && next - end <= static_cast<std::size_t>(2 * context)) {
        end = next;
        continue;
      }
      end = std::min(count, end + context);
      break;
    }
    std::size_t old_start = edits[begin].i, new_start = edits[begin].j;
    std::size_t old_len = 0, new_len = 0;
    std::string body;
    for (std::size_t e = begin; e < end; ++e) {
      const Edit& ed = edits[e];
      if (ed.op != '+') ++old_len;
      if (ed.op != '-') ++new_len;
      const std::string& line = ed.op == '+' ? b[ed.j] : a[ed.i];
      body += ed.op;
      body += line;
      body += '\n';
    }
    out += fmt::format("@@ -{},{} +{},{} @@\n", old_len ? old_start + 1 : old_start, old_len,
                       new_len ? new_start + 1 : new_start, new_len);
    out += body;
    k = end;
  }
  return out;
}

}  // namespace retain::analyst
