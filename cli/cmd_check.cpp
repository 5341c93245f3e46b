// retain check PATH...: parse and check rule files; silent on success (warnings aside).
#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/common.hpp"

namespace retain::cli {

namespace {

int run_check(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"Check rule files: syntax, names, types and the rule graph.", "retain check"};
  std::vector<std::string> paths;
  std::string format = "text";
  std::size_t max_errors = 0;
  app.add_option("paths", paths, "Rule files or directories")->required();
  app.add_option("--format", format, "Diagnostics as text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--max-errors", max_errors, "Show at most N errors (0: all)");
  if (auto code = parse_args(app, args, out, err)) return *code;
  const RuleSetPtr rules = load_and_report(paths, format, err, max_errors);
  return rules ? kOk : kUsage;  // issue #2: check exits 0 or 1
}

}  // namespace

RETAIN_COMMAND("check", "Check rule files for errors", run_check);

}  // namespace retain::cli
