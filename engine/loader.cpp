// load_rules / check_rules: files and directories -> parsed files (following imports) -> check
// (-> compile).
#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "engine/check/checker.hpp"
#include "engine/compile/compiler.hpp"
#include "engine/engine.hpp"
#include "engine/sha256.hpp"
#include "engine/syntax/parser.hpp"

namespace retain {

namespace {

namespace fs = std::filesystem;

// Reads a file by path; nullopt when it cannot be read.
using Reader = std::function<std::optional<std::string>(const std::string& path)>;

Diagnostic file_error(const std::string& path, std::string code, std::string message) {
  Diagnostic d;
  d.severity = Severity::Error;
  d.code = std::move(code);
  d.file = path;
  d.message = std::move(message);
  return d;
}

std::string normal(const fs::path& path) {
  return path.lexically_normal().generic_string();
}

// Parses the entry files and everything they import, then checks them together.
PhaseResult<CheckedModulePtr> parse_and_check(const std::vector<std::string>& entries,
                                              const Reader& read, Diagnostics problems) {
  PhaseResult<CheckedModulePtr> result;
  result.diagnostics = std::move(problems);
  std::vector<std::unique_ptr<check::ParsedFile>> files;
  std::set<std::string> seen;
  std::deque<std::string> queue(entries.begin(), entries.end());
  bool syntax_errors = false;
  while (!queue.empty()) {
    const std::string path = queue.front();
    queue.pop_front();
    if (!seen.insert(path).second) continue;
    auto text = read(path);
    if (!text) {
      result.diagnostics.push_back(file_error(path, "load.read", "cannot read rule file"));
      continue;
    }
    auto source = std::make_shared<const SourceFile>(path, std::move(*text));
    auto parsed = syntax::parse(*source);
    result.diagnostics.insert(result.diagnostics.end(), parsed.diagnostics.begin(),
                              parsed.diagnostics.end());
    if (!parsed.file) {
      syntax_errors = true;
      continue;
    }
    for (const auto& import : parsed.file->imports) {
      const std::string target = normal(fs::path(path).parent_path() / import.path);
      if (seen.count(target)) continue;
      if (!read(target)) {
        result.diagnostics.push_back(make_diagnostic(
            *source, import.span, Severity::Error, "load.import",
            fmt::format("cannot import '{}': no such rule file ({})", import.path, target)));
        continue;
      }
      queue.push_back(target);
    }
    auto file = std::make_unique<check::ParsedFile>();
    file->source = source;
    file->ast = std::move(*parsed.file);
    files.push_back(std::move(file));
  }
  // Every file is checked even when another has syntax errors, so one run shows all errors;
  // names declared in a file that did not parse may then be reported as unknown.
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a->source->path() < b->source->path(); });
  auto checked = check::check(std::move(files));
  result.diagnostics.insert(result.diagnostics.end(), checked.diagnostics.begin(),
                            checked.diagnostics.end());
  sort_diagnostics(result.diagnostics);
  if (checked.value && !syntax_errors && !has_errors(result.diagnostics)) {
    result.value = std::move(checked.value);
  }
  return result;
}

// The content hash covers every file's name and text, in path order.
std::string content_hash(const check::CheckedModule& module) {
  std::string hashed;
  for (const auto& file : module.files) {
    hashed += fs::path(file->source->path()).filename().string();
    hashed += '\0';
    hashed += file->source->text();
    hashed += '\0';
  }
  return sha256_hex(hashed);
}

PhaseResult<RuleSetPtr> compiled(PhaseResult<CheckedModulePtr> checked) {
  PhaseResult<RuleSetPtr> result;
  result.diagnostics = std::move(checked.diagnostics);
  if (checked.value) {
    result.value = compile::compile(**checked.value, content_hash(**checked.value));
  }
  return result;
}

std::optional<std::string> read_file(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool is_rule_file(const fs::path& path) {
  const std::string name = path.filename().string();
  const std::string suffix = "_test.rules";
  return path.extension() == ".rules" &&
         !(name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0);
}

// Expands directories into their rule files; paths that do not exist become diagnostics.
std::vector<std::string> entry_files(const std::vector<std::string>& paths, Diagnostics& problems) {
  std::vector<std::string> entries;
  for (const auto& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(path, ec)) {
        if (entry.is_regular_file() && is_rule_file(entry.path())) {
          found.push_back(normal(entry.path()));
        }
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) {
        problems.push_back(file_error(path, "load.read", "no .rules files in this directory"));
      }
      entries.insert(entries.end(), found.begin(), found.end());
    } else if (fs::exists(path, ec)) {
      entries.push_back(normal(path));
    } else {
      problems.push_back(file_error(path, "load.read", "no such file or directory"));
    }
  }
  return entries;
}

}  // namespace

PhaseResult<CheckedModulePtr> check_rules(const std::vector<std::string>& paths) {
  Diagnostics problems;
  const auto entries = entry_files(paths, problems);
  return parse_and_check(entries, read_file, std::move(problems));
}

PhaseResult<CheckedModulePtr> check_rules_from_memory(
    const std::map<std::string, std::string>& files) {
  std::map<std::string, std::string> normalized;
  std::vector<std::string> entries;
  for (const auto& [path, text] : files) {
    normalized[normal(path)] = text;
    entries.push_back(normal(path));
  }
  return parse_and_check(entries,
                         [&](const std::string& path) -> std::optional<std::string> {
                           auto it = normalized.find(path);
                           if (it == normalized.end()) return std::nullopt;
                           return it->second;
                         },
                         {});
}

RuleSetPtr compile_checked(const check::CheckedModule& module) {
  return compile::compile(module, content_hash(module));
}

PhaseResult<RuleSetPtr> load_rules(const std::vector<std::string>& paths) {
  return compiled(check_rules(paths));
}

PhaseResult<RuleSetPtr> load_rules_from_memory(const std::map<std::string, std::string>& files) {
  return compiled(check_rules_from_memory(files));
}

}  // namespace retain
