#include "cli/common.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

namespace retain::cli {

std::optional<int> parse_args(CLI::App& app, const std::vector<std::string>& args,
                              std::ostream& out, std::ostream& err) {
  // CLI11 takes a vector in reverse order.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    err << app.get_name() << ": " << e.what() << "\n";
    err << "Run with --help for the options.\n";
    return 1;
  }
  return std::nullopt;
}

std::optional<std::string> read_input(const std::string& path, std::ostream& err) {
  std::ostringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err << fmt::format("retain: cannot read '{}'\n", path);
    return std::nullopt;
  }
  text << in.rdbuf();
  return text.str();
}

namespace {

void report(const Diagnostics& diagnostics, const std::string& format, std::ostream& err,
            std::size_t max_errors) {
  Diagnostics shown = diagnostics;
  std::size_t omitted = 0;
  if (max_errors > 0) {
    std::size_t errors = 0;
    Diagnostics kept;
    for (auto& d : shown) {
      if (d.severity == Severity::Error && ++errors > max_errors) {
        ++omitted;
        continue;
      }
      kept.push_back(std::move(d));
    }
    shown = std::move(kept);
  }
  if (format == "json") {
    render_json(shown, err);
  } else {
    render_text(shown, err);
    const auto errors = count(diagnostics, Severity::Error);
    const auto warnings = count(diagnostics, Severity::Warning);
    if (errors > 0) {
      err << fmt::format(
          "{} error{}{}", errors, errors == 1 ? "" : "s",
          warnings ? fmt::format(", {} warning{}", warnings, warnings == 1 ? "" : "s") : "");
      if (omitted) err << fmt::format(" ({} not shown: --max-errors {})", omitted, max_errors);
      err << "\n";
    }
  }
}

}  // namespace

RuleSetPtr load_and_report(const std::vector<std::string>& paths, const std::string& format,
                           std::ostream& err, std::size_t max_errors) {
  auto loaded = load_rules(paths);
  report(loaded.diagnostics, format, err, max_errors);
  return loaded.value.value_or(nullptr);
}

CheckedModulePtr check_and_report(const std::vector<std::string>& paths, const std::string& format,
                                  std::ostream& err, std::size_t max_errors) {
  auto checked = check_rules(paths);
  report(checked.diagnostics, format, err, max_errors);
  return checked.value.value_or(nullptr);
}

}  // namespace retain::cli
