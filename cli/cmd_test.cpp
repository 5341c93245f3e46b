// retain test PATH...: run the rule tests of *_test.json files (docs/testing.md).
#include <fmt/format.h>

#include "analyst/rule_tests.hpp"
#include "cli/command.hpp"
#include "cli/common.hpp"

namespace retain::cli {

namespace {

int run_test(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"Run rule tests (*_test.json: profiles and the decisions expected for them).",
               "retain test"};
  std::vector<std::string> paths;
  bool coverage = false, quiet = false;
  double threshold = -1;
  app.add_option("paths", paths, "Test files, or directories searched for *_test.json")->required();
  app.add_flag("--coverage", coverage, "List the rules and bands no case made fire");
  app.add_option("--threshold", threshold, "With --coverage: fail below P percent coverage")
      ->check(CLI::Range(0.0, 100.0));
  app.add_flag("-q,--quiet", quiet, "Show failures only, not PASS lines");
  if (auto code = parse_args(app, args, out, err)) return *code;

  std::vector<std::string> missing;
  const auto files = analyst::collect_test_files(paths, &missing);
  for (const auto& m : missing) err << fmt::format("{}: no such file or directory\n", m);
  if (!missing.empty()) return kUsage;
  if (files.empty()) {
    err << "retain test: no *_test.json files\n";
    return kUsage;
  }
  const auto run = analyst::run_rule_tests(files);
  render_text(run.diagnostics, err);
  out << analyst::render_test_report(run, !quiet);
  bool ok = run.failed() == 0 && run.errors.empty();
  if (coverage || threshold >= 0) {
    out << analyst::render_coverage(run);
    if (threshold >= 0 && run.coverage_percent() < threshold) {
      out << fmt::format("coverage {:.1f}% is below the threshold {:.1f}%\n",
                         run.coverage_percent(), threshold);
      ok = false;
    }
  }
  return ok ? kOk : kFailed;
}

}  // namespace

RETAIN_COMMAND("test", "Run rule tests (*_test.json)", run_test);

}  // namespace retain::cli
