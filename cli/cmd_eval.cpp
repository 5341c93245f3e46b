// retain eval --rules PATH --profile FILE|-: the decision for each profile, as protobuf JSON
// or, with --explain, as a readable trace.
#include <fmt/format.h>

#include "analyst/explain_phrases.hpp"
#include "cli/command.hpp"
#include "cli/common.hpp"
#include "engine/explanation.hpp"
#include "engine/profile_json.hpp"

namespace retain::cli {

namespace {

int run_eval(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"Evaluate customer profiles (JSON, or JSON lines) against rules.", "retain eval"};
  std::vector<std::string> rule_paths;
  std::string profile_path;
  bool explain = false;
  bool trace = false;
  std::string lang = "en";
  app.add_option("--rules", rule_paths, "Rule files or directories")->required();
  app.add_option("--profile", profile_path, "Profile JSON file, or - for standard input")
      ->required();
  bool summary = false;
  app.add_flag("--explain", explain, "Print a readable trace instead of JSON");
  app.add_flag("--summary", summary, "Print a short business summary instead of JSON");
  app.add_flag("--trace", trace, "Include the trace in the JSON decision");
  auto* lang_option = app.add_option(
      "--lang", lang,
      "Language of labels and because texts: --explain and --summary in it (default en), the "
      "JSON decision with only its texts (default every language)");
  if (auto code = parse_args(app, args, out, err)) return *code;

  const RuleSetPtr rules = load_and_report(rule_paths, "text", err);
  if (!rules) return kFailed;
  auto text = read_input(profile_path, err);
  if (!text) return kUsage;
  const ParsedProfiles parsed = parse_profiles_json(*text);
  for (const auto& e : parsed.errors) err << fmt::format("{}: {}\n", profile_path, e);

  eval::EvalFrame frame;
  v1::Decision decision;
  int invalid = 0;
  const bool pretty = parsed.profiles.size() == 1;
  for (const auto& profile : parsed.profiles) {
    if (auto problem = validate_profile(profile)) {
      err << fmt::format("{}: customer '{}': {}: {}\n", profile_path, profile.customer_id(),
                         problem->field, problem->message);
      ++invalid;
      continue;
    }
    EvalOptions eval_options;
    eval_options.trace = explain || trace;
    if (lang_option->count() > 0) eval_options.language = lang;
    decide(*rules, profile, nullptr, frame, &decision, eval_options);
    if (explain) {
      out << render_explanation(decision, lang);
      if (parsed.profiles.size() > 1) out << "\n";
    } else if (summary) {
      // The framing words in the reader's language too, as `retain explain` says them.
      SummaryOptions options;
      options.langs = {lang};
      options.words = analyst::summary_words({lang});
      out << render_summary(decision, options);
    } else {
      out << decision_to_json(decision, pretty) << "\n";
    }
  }
  return parsed.errors.empty() && invalid == 0 ? kOk : kUsage;
}

}  // namespace

RETAIN_COMMAND("eval", "Evaluate profiles and print decisions", run_eval);

}  // namespace retain::cli
