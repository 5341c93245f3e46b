// The `retain` verbs. Each cmd_<verb>.cpp defines one verb and registers it with
// RETAIN_COMMAND; main.cpp dispatches on the first argument. Verbs write to the streams they
// are given (tests call them in-process) and return the exit code:
// 0 ok, 1 usage or I/O error, 2 rule errors or failed tests/checks.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace retain::cli {

using RunFn =
    std::function<int(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)>;

struct Command {
  std::string name;
  std::string summary;
  RunFn run;
};

// Every registered verb, sorted by name.
const std::vector<Command>& commands();
const Command* find_command(const std::string& name);
bool register_command(Command command);

// Runs `retain <args...>` in-process: args[0] is the verb.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

enum ExitCode : int { kOk = 0, kUsage = 1, kFailed = 2 };

}  // namespace retain::cli

#define RETAIN_COMMAND_CONCAT_(a, b) a##b
#define RETAIN_COMMAND_CONCAT(a, b) RETAIN_COMMAND_CONCAT_(a, b)
// Registers a verb at static-initialisation time: RETAIN_COMMAND("check", "Check rules",
// run_check);
#define RETAIN_COMMAND(name, summary, fn)                                         \
  static const bool RETAIN_COMMAND_CONCAT(retain_command_registered_, __LINE__) = \
      ::retain::cli::register_command({name, summary, fn})
