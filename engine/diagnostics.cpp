#include "engine/diagnostics.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "engine/json_text.hpp"

namespace retain {

namespace {

int code_points(std::string_view text) {
  int n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

Diagnostic make_diagnostic(const SourceFile& source, Span span, Severity severity, std::string code,
                           std::string message, std::vector<std::string> notes) {
  Diagnostic d;
  d.severity = severity;
  d.code = std::move(code);
  d.file = source.path();
  d.span = span;
  const Location loc = source.location(span.begin);
  d.line = loc.line;
  d.column = loc.column;
  d.message = std::move(message);
  d.notes = std::move(notes);
  d.source_line = std::string(source.line_text(loc.line));
  // Underline the span, clipped to the first line it is on.
  const std::string_view spanned = source.slice(span);
  const auto newline = spanned.find('\n');
  d.caret_width = std::max(1, code_points(spanned.substr(0, newline)));
  return d;
}

bool has_errors(const Diagnostics& diagnostics) {
  return count(diagnostics, Severity::Error) > 0;
}

std::size_t count(const Diagnostics& diagnostics, Severity severity) {
  return static_cast<std::size_t>(
      std::count_if(diagnostics.begin(), diagnostics.end(),
                    [&](const Diagnostic& d) { return d.severity == severity; }));
}

void sort_diagnostics(Diagnostics& diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::tie(a.file, a.span.begin, a.message) <
                            std::tie(b.file, b.span.begin, b.message);
                   });
}

const char* severity_name(Severity severity) {
  switch (severity) {
    case Severity::Error:
      return "error";
    case Severity::Warning:
      return "warning";
    case Severity::Note:
      return "note";
  }
  return "error";
}

std::string render_text(const Diagnostic& d) {
  std::string out;
  if (d.line > 0) {
    out = fmt::format("{}:{}:{}: {}: {}", d.file, d.line, d.column, severity_name(d.severity),
                      d.message);
  } else if (!d.file.empty()) {
    out = fmt::format("{}: {}: {}", d.file, severity_name(d.severity), d.message);
  } else {
    out = fmt::format("{}: {}", severity_name(d.severity), d.message);
  }
  if (!d.code.empty()) out += fmt::format(" [{}]", d.code);
  out += '\n';
  if (d.line > 0) {
    out += fmt::format("  {}\n", d.source_line);
    // Tabs stay tabs so the caret lines up under the source line.
    std::string pad;
    int col = 1;
    for (std::size_t i = 0; i < d.source_line.size() && col < d.column; ++i) {
      const unsigned char c = static_cast<unsigned char>(d.source_line[i]);
      if ((c & 0xC0) == 0x80) continue;
      pad += (c == '\t') ? '\t' : ' ';
      ++col;
    }
    out += fmt::format("  {}^{}\n", pad,
                       std::string(static_cast<std::size_t>(d.caret_width - 1), '~'));
  }
  for (const auto& note : d.notes) out += fmt::format("  note: {}\n", note);
  return out;
}

void render_text(const Diagnostics& diagnostics, std::ostream& out) {
  for (const auto& d : diagnostics) out << render_text(d);
}

void render_json(const Diagnostics& diagnostics, std::ostream& out) {
  out << "[";
  bool first = true;
  for (const auto& d : diagnostics) {
    out << (first ? "\n  " : ",\n  ");
    first = false;
    out << "{\"severity\": " << json_quote(severity_name(d.severity))
        << ", \"code\": " << json_quote(d.code) << ", \"file\": " << json_quote(d.file)
        << ", \"line\": " << d.line << ", \"column\": " << d.column
        << ", \"message\": " << json_quote(d.message) << ", \"notes\": [";
    for (std::size_t i = 0; i < d.notes.size(); ++i) {
      out << (i ? ", " : "") << json_quote(d.notes[i]);
    }
    out << "]}";
  }
  out << (first ? "]\n" : "\n]\n");
}

}  // namespace retain
