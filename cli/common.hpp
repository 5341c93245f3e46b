// Helpers shared by the verbs: argument parsing with CLI11, reading inputs, loading rules
// with diagnostics printed the same way everywhere.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "engine/engine.hpp"

namespace retain::cli {

// Parses args (in order) into app. Returns an exit code when the verb should stop now
// (--help: 0 with the help on out; a usage error: 1 with the message on err).
std::optional<int> parse_args(CLI::App& app, const std::vector<std::string>& args,
                              std::ostream& out, std::ostream& err);

// Reads a whole file, or standard input for "-". nullopt (and a message on err) on failure.
std::optional<std::string> read_input(const std::string& path, std::ostream& err);

// Loads rules and prints their diagnostics (text or json) to err. Returns null on errors.
RuleSetPtr load_and_report(const std::vector<std::string>& paths, const std::string& format,
                           std::ostream& err, std::size_t max_errors = 0);

// The same for the checked rules only (compile them with compile_checked). Null on errors.
CheckedModulePtr check_and_report(const std::vector<std::string>& paths, const std::string& format,
                                  std::ostream& err, std::size_t max_errors = 0);

}  // namespace retain::cli
