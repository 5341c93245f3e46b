// retain diff --old PATH --new PATH --in customers.(csv|jsonl): what a rule change does to the
// decisions of a customer file (analyst/diff.hpp).
#include <fmt/format.h>

#include "analyst/diff.hpp"
#include "cli/command.hpp"
#include "cli/common.hpp"

namespace retain::cli {

namespace {

int run_diff(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"Compare the decisions of two rule versions over a customer file.", "retain diff"};
  std::vector<std::string> old_paths, new_paths;
  std::string input;
  std::size_t examples = 5;
  app.add_option("--old", old_paths, "The current rules (files or directories)")->required();
  app.add_option("--new", new_paths, "The changed rules (files or directories)")->required();
  app.add_option("--in", input, "Customers: .csv, or JSON lines (- for standard input)")
      ->required();
  app.add_option("--examples", examples, "Example customer ids per kind of change");
  if (auto code = parse_args(app, args, out, err)) return *code;

  const RuleSetPtr old_rules = load_and_report(old_paths, "text", err);
  const RuleSetPtr new_rules = load_and_report(new_paths, "text", err);
  if (!old_rules || !new_rules) return kFailed;
  auto text = read_input(input, err);
  if (!text) return kUsage;
  std::vector<std::string> errors;
  const auto customers = analyst::read_customers(input, *text, &errors);
  for (const auto& e : errors) err << fmt::format("{}: {}\n", input, e);
  const auto report = analyst::diff_decisions(*old_rules, *new_rules, customers, examples);
  out << fmt::format("old: {} {}  new: {} {}\n", old_rules->name(), old_rules->version(),
                     new_rules->name(), new_rules->version());
  out << analyst::render_diff(report);
  return errors.empty() ? kOk : kUsage;
}

}  // namespace

RETAIN_COMMAND("diff", "Compare decisions of two rule versions", run_diff);

}  // namespace retain::cli
