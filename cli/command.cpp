#include "cli/command.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace retain::cli {

namespace {

std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}

void print_usage(std::ostream& out) {
  out << "usage: retain <command> [options]\n\ncommands:\n";
  for (const auto& c : commands()) out << fmt::format("  {:<10} {}\n", c.name, c.summary);
  out << "\nRun 'retain <command> --help' for the options of a command.\n";
}

}  // namespace

const std::vector<Command>& commands() {
  return registry();
}

const Command* find_command(const std::string& name) {
  for (const auto& c : registry()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool register_command(Command command) {
  auto& r = registry();
  r.push_back(std::move(command));
  std::sort(r.begin(), r.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  return true;
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(args.empty() ? err : out);
    return args.empty() ? kUsage : kOk;
  }
  if (args[0] == "--version") {
    out << "retain 0.1.0\n";
    return kOk;
  }
  const Command* command = find_command(args[0]);
  if (command == nullptr) {
    err << fmt::format("retain: unknown command '{}'\n\n", args[0]);
    print_usage(err);
    return kUsage;
  }
  return command->run(std::vector<std::string>(args.begin() + 1, args.end()), out, err);
}

}  // namespace retain::cli
