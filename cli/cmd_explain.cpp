// retain explain --rules PATH... --profile FILE|-: the decision in business language and, for
// every tactic not proposed, why not and the smallest verified single-field change that would
// propose it (analyst/explain.hpp).
#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "analyst/explain.hpp"
#include "batch/stats_file.hpp"
#include "cli/command.hpp"
#include "cli/common.hpp"
#include "engine/profile_json.hpp"

namespace retain::cli {

namespace {

int run_explain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "Explain a customer's decision in business language, and why each other tactic was not "
      "proposed, with the smallest change of one field that would propose it.",
      "retain explain"};
  std::vector<std::string> rule_paths;
  std::string profile_path;
  std::string lang = "both";
  std::string format = "text";
  std::string stats_path;
  std::string tactic;
  std::size_t max_changes = 3;
  app.add_option("--rules", rule_paths, "Rule files or directories")->required();
  app.add_option("--profile", profile_path, "Profile JSON file (or JSON lines), - for stdin")
      ->required();
  app.add_option("--lang", lang, "Language of labels and because texts: zh, en or both")
      ->check(CLI::IsMember({"zh", "en", "both"}));
  app.add_option("--format", format, "text, or json (one object per profile and line)")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--stats", stats_path,
                 "Population statistics from `retain stats` for percentile tiers (default: "
                 "their fallback field)");
  app.add_option("--tactic", tactic, "Explain only why this tactic is not proposed");
  app.add_option("--changes", max_changes, "Single-field changes shown per tactic (default 3)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{20}));
  if (auto code = parse_args(app, args, out, err)) return *code;

  // Read once: the conditions as written and the rule set that decides must be the same rules.
  const CheckedModulePtr checked = check_and_report(rule_paths, "text", err);
  if (!checked) return kFailed;
  const RuleSetPtr rules = compile_checked(*checked);
  std::string error;
  auto explainer = analyst::Explainer::create(rules, checked, &error);
  if (!explainer) {
    err << fmt::format("retain explain: {}\n", error);
    return kFailed;
  }
  if (!tactic.empty()) {
    const auto ids = explainer->tactic_ids();
    if (std::find(ids.begin(), ids.end(), tactic) == ids.end()) {
      err << fmt::format("retain explain: no tactic '{}' in the rules; they declare: {}\n", tactic,
                         fmt::join(ids, ", "));
      return kUsage;
    }
  }

  std::optional<PopulationStats> stats;
  if (!stats_path.empty()) {
    batch::StatsFile file;
    if (!batch::load_stats_file(stats_path, &file, &error)) {
      err << "retain: " << error << "\n";
      return kUsage;
    }
    for (const auto& t : rules->program().tiers) {
      if (t.ranked && !file.columns.count(t.id)) {
        err << fmt::format(
            "retain: {} has no values for the percentile tiers '{}'; compute it with `retain "
            "stats` and these rules\n",
            stats_path, t.id);
        return kUsage;
      }
    }
    stats.emplace(std::move(file.columns));
  }

  auto text = read_input(profile_path, err);
  if (!text) return kUsage;
  const ParsedProfiles parsed = parse_profiles_json(*text);
  const std::string input = profile_path == "-" ? "stdin" : profile_path;
  for (const auto& e : parsed.errors) {
    // "line 3: ..." from the reader, as file:line: like every other located message.
    const bool located = e.rfind("line ", 0) == 0 && e.find(": ") != std::string::npos;
    err << (located ? fmt::format("{}:{}\n", input, e.substr(5))
                    : fmt::format("{}: {}\n", input, e));
  }

  const std::vector<std::string> langs =
      lang == "both" ? std::vector<std::string>{"zh", "en"} : std::vector<std::string>{lang};
  analyst::ExplainOptions options;
  options.tactic = tactic;
  options.max_changes = max_changes;
  int invalid = 0;
  bool first = true;
  for (std::size_t i = 0; i < parsed.profiles.size(); ++i) {
    const v1::CustomerProfile& profile = parsed.profiles[i];
    if (auto problem = validate_profile(profile)) {
      // Customer ids repeat and may be empty: the line is what finds the profile in the file.
      err << fmt::format("{}:{}: customer '{}': {}: {}\n", input, parsed.lines[i],
                         profile.customer_id(), problem->field, problem->message);
      ++invalid;
      continue;
    }
    const auto explanation = explainer->explain(profile, stats ? &*stats : nullptr, options);
    if (format == "json") {
      out << analyst::render_explanation_json(explanation) << "\n";
    } else {
      if (!first) out << "\n";
      out << analyst::render_explanation_text(explanation, langs);
    }
    first = false;
  }
  return parsed.errors.empty() && invalid == 0 ? kOk : kUsage;
}

}  // namespace

RETAIN_COMMAND("explain", "Explain a decision, and why each other tactic was not proposed",
               run_explain);

}  // namespace retain::cli
