// Diagnostics: rule-author mistakes are values, reported as `file:line:col: severity: message`
// with the source line and a caret. Plain data; safe to copy between threads.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "engine/source.hpp"

namespace retain {

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string code;  // stable, e.g. "check.unknown-field"
  std::string file;
  Span span;
  int line = 0;  // 1-based; 0 when the diagnostic has no position
  int column = 0;
  std::string message;
  std::vector<std::string> notes;  // e.g. "did you mean 'tenure_months'?"
  std::string source_line;         // the line the span starts on, for the caret display
  int caret_width = 1;             // code points underlined on that line
};

using Diagnostics = std::vector<Diagnostic>;

template <class T>
struct PhaseResult {
  std::optional<T> value;
  Diagnostics diagnostics;
};

// Builds a positioned diagnostic: fills file, line, column, source line and caret width.
Diagnostic make_diagnostic(const SourceFile& source, Span span, Severity severity, std::string code,
                           std::string message, std::vector<std::string> notes = {});

bool has_errors(const Diagnostics& diagnostics);
std::size_t count(const Diagnostics& diagnostics, Severity severity);
// Stable order: by file, then offset, then message.
void sort_diagnostics(Diagnostics& diagnostics);

const char* severity_name(Severity severity);
// `file:line:col: error: message [code]`, the source line, a caret line, then `note:` lines.
std::string render_text(const Diagnostic& diagnostic);
void render_text(const Diagnostics& diagnostics, std::ostream& out);
// One JSON object per diagnostic in an array, the same fields as the text form.
void render_json(const Diagnostics& diagnostics, std::ostream& out);

}  // namespace retain
