// retain lint PATH...: warnings about rules that check cleanly (analyst/lint.hpp).
#include <fmt/format.h>

#include "analyst/lint.hpp"
#include "cli/command.hpp"
#include "cli/common.hpp"

namespace retain::cli {

namespace {

int run_lint(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"Warn about rules that check cleanly but are probably not what was meant.",
               "retain lint"};
  std::vector<std::string> paths;
  std::string format = "text";
  bool fail = false;
  app.add_option("paths", paths, "Rule files or directories")->required();
  app.add_option("--format", format, "Diagnostics as text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--fail", fail, "Exit 1 when there are warnings");
  if (auto code = parse_args(app, args, out, err)) return *code;
  const auto result = analyst::lint_rules(paths);
  if (format == "json") {
    render_json(result.diagnostics, out);
  } else {
    render_text(result.diagnostics, out);
    const std::size_t n = count(result.diagnostics, Severity::Warning);
    if (n > 0) out << fmt::format("{} warning{}\n", n, n == 1 ? "" : "s");
  }
  if (!result.loaded) return kFailed;
  const std::size_t warnings = count(result.diagnostics, Severity::Warning);
  return warnings > 0 && fail ? kUsage : kOk;
}

}  // namespace

RETAIN_COMMAND("lint", "Warn about suspicious rules", run_lint);

}  // namespace retain::cli
