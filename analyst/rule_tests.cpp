// retain test: reading *_test.json, running the cases, comparing, coverage.
#include "analyst/rule_tests.hpp"

#include "analyst/file_list.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "engine/engine.hpp"
#include "engine/explanation.hpp"
#include "engine/profile_json.hpp"

namespace retain::analyst {

namespace {

namespace fs = std::filesystem;
namespace pb = google::protobuf;

constexpr double kRiskTolerance = 0.001;

std::optional<std::string> slurp(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string list_text(const std::vector<std::string>& ids) {
  return "[" + fmt::format("{}", fmt::join(ids, ", ")) + "]";
}

// A JSON array of strings; false (with a reason) for anything else.
bool string_list(const pb::Value& value, std::vector<std::string>* out, std::string* why) {
  if (value.kind_case() != pb::Value::kListValue) {
    *why = "must be a list of strings";
    return false;
  }
  for (const auto& v : value.list_value().values()) {
    if (v.kind_case() != pb::Value::kStringValue) {
      *why = "must be a list of strings";
      return false;
    }
    out->push_back(v.string_value());
  }
  return true;
}

template <class Findings>
std::vector<std::string> ids_of(const Findings& findings) {
  std::vector<std::string> ids;
  for (const auto& f : findings) ids.push_back(f.id());
  return ids;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

const std::set<std::string> kExpectKeys = {
    "causes", "tactics",      "segments",   "account_actions", "credit_checks",
    "tier",   "credit_grade", "churn_risk", "bands",           "unknowns"};

// Compares the expected fields with the decision; returns the mismatches, or a problem with
// the expectation itself in *bad.
std::vector<std::string> compare(const pb::Struct& expect, const v1::Decision& d,
                                 std::string* bad) {
  std::vector<std::string> out;
  for (const auto& [key, value] : expect.fields()) {
    if (!kExpectKeys.count(key)) {
      *bad =
          fmt::format("unknown expect field '{}' (known: {})", key, fmt::join(kExpectKeys, ", "));
      return {};
    }
    std::string why;
    if (key == "tier" || key == "credit_grade") {
      if (value.kind_case() != pb::Value::kStringValue) {
        *bad = fmt::format("expect.{} must be a string", key);
        return {};
      }
      const std::string& actual = key == "tier" ? d.tier() : d.credit_grade();
      if (actual != value.string_value()) {
        out.push_back(fmt::format("{}: expected {}, got {}", key, value.string_value(),
                                  actual.empty() ? "(none)" : actual));
      }
    } else if (key == "churn_risk") {
      if (value.kind_case() != pb::Value::kNumberValue) {
        *bad = "expect.churn_risk must be a number";
        return {};
      }
      if (std::abs(d.churn_risk() - value.number_value()) > kRiskTolerance) {
        out.push_back(fmt::format("churn_risk: expected {:.3f}, got {:.3f}", value.number_value(),
                                  d.churn_risk()));
      }
    } else if (key == "bands") {
      if (value.kind_case() != pb::Value::kStructValue) {
        *bad = "expect.bands must be an object: {\"TIERS\": \"BAND\"}";
        return {};
      }
      std::map<std::string, std::string> actual;
      for (const auto& b : d.bands()) actual[b.tiers()] = b.band();
      for (const auto& [tiers, band] : value.struct_value().fields()) {
        if (band.kind_case() != pb::Value::kStringValue) {
          *bad = "expect.bands values must be band ids";
          return {};
        }
        auto it = actual.find(tiers);
        const std::string got = it == actual.end() || it->second.empty() ? "(none)" : it->second;
        if (got != band.string_value()) {
          out.push_back(
              fmt::format("bands.{}: expected {}, got {}", tiers, band.string_value(), got));
        }
      }
    } else {
      std::vector<std::string> expected;
      if (!string_list(value, &expected, &why)) {
        *bad = fmt::format("expect.{} {}", key, why);
        return {};
      }
      std::vector<std::string> actual;
      if (key == "causes") actual = ids_of(d.causes());
      if (key == "tactics") actual = ids_of(d.tactics());
      if (key == "segments") actual = ids_of(d.segments());
      if (key == "account_actions") actual = ids_of(d.account_actions());
      if (key == "credit_checks") actual = ids_of(d.credit_checks());
      if (key == "unknowns") {
        for (const auto& u : d.unknowns()) actual.push_back(u.rule());
      }
      if (key != "tactics") {  // tactics are ranked: their order is part of the decision
        expected = sorted(std::move(expected));
        actual = sorted(std::move(actual));
      }
      if (expected != actual) {
        out.push_back(
            fmt::format("{}: expected {}, got {}", key, list_text(expected), list_text(actual)));
      }
    }
  }
  return out;
}

Coverage coverage_of(const std::string& rules_path, const compile::RuleSet& rules) {
  Coverage c;
  c.rules = rules_path;
  const auto& p = rules.program();
  auto add = [&](const char* kind, const std::vector<compile::Rule>& list) {
    for (const auto& r : list) c.items.push_back({kind, r.id, false});
  };
  add("cause", p.causes);
  add("tactic", p.tactics);
  add("segment", p.segments);
  add("account", p.accounts);
  add("credit_check", p.credit_checks);
  for (const auto& t : p.tiers) {
    for (const auto& b : t.bands) c.items.push_back({"band", t.id + "." + b.id, false});
  }
  return c;
}

void mark_covered(Coverage& c, const v1::Decision& d) {
  std::set<std::pair<std::string, std::string>> fired;
  for (const auto& x : d.causes()) fired.insert({"cause", x.id()});
  for (const auto& x : d.tactics()) fired.insert({"tactic", x.id()});
  for (const auto& x : d.segments()) fired.insert({"segment", x.id()});
  for (const auto& x : d.account_actions()) fired.insert({"account", x.id()});
  for (const auto& x : d.credit_checks()) fired.insert({"credit_check", x.id()});
  for (const auto& b : d.bands()) {
    if (!b.band().empty()) fired.insert({"band", b.tiers() + "." + b.band()});
  }
  for (auto& item : c.items) {
    if (fired.count({item.kind, item.id})) item.covered = true;
  }
}

std::string indent(const std::string& text, const std::string& prefix) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out += prefix + text.substr(start, nl - start) + "\n";
    start = nl + 1;
  }
  return out;
}

struct Loaded {
  RuleSetPtr rules;
  int coverage = -1;  // index into TestRun::coverage
};

}  // namespace

std::size_t Coverage::covered() const {
  return static_cast<std::size_t>(
      std::count_if(items.begin(), items.end(), [](const Item& i) { return i.covered; }));
}

int TestRun::passed() const {
  return static_cast<int>(
      std::count_if(cases.begin(), cases.end(), [](const CaseResult& c) { return c.passed; }));
}

int TestRun::failed() const {
  return static_cast<int>(cases.size()) - passed();
}

double TestRun::coverage_percent() const {
  std::size_t total = 0, covered = 0;
  for (const auto& c : coverage) {
    total += c.items.size();
    covered += c.covered();
  }
  return total == 0 ? 100.0 : 100.0 * static_cast<double>(covered) / static_cast<double>(total);
}

std::vector<std::string> collect_test_files(const std::vector<std::string>& paths,
                                            std::vector<std::string>* missing) {
  return expand_paths(
      paths, true, [](const fs::path& p) { return ends_with(p.filename().string(), "_test.json"); },
      missing);
}

TestRun run_rule_tests(const std::vector<std::string>& test_files) {
  TestRun run;
  std::map<std::string, Loaded> rule_sets;  // resolved rules path -> loaded rules
  eval::EvalFrame frame;
  for (const auto& file : test_files) {
    auto text = slurp(file);
    if (!text) {
      run.errors.push_back(fmt::format("{}: cannot read test file", file));
      continue;
    }
    pb::Struct doc;
    const auto status = pb::util::JsonStringToMessage(*text, &doc);
    if (!status.ok()) {
      run.errors.push_back(fmt::format("{}: not a JSON object: {}", file, status.ToString()));
      continue;
    }
    const fs::path dir = fs::path(file).parent_path();
    const auto& fields = doc.fields();
    for (const auto& [key, unused] : fields) {
      (void)unused;
      if (key != "rules" && key != "cases" && key != "description") {
        run.errors.push_back(
            fmt::format("{}: unknown field '{}' (rules, cases, description)", file, key));
      }
    }
    // The rule set: a file or directory relative to the test file; by default its directory.
    std::string rules_path =
        (dir.empty() ? fs::path(".") : dir).lexically_normal().generic_string();
    if (auto it = fields.find("rules"); it != fields.end()) {
      if (it->second.kind_case() != pb::Value::kStringValue) {
        run.errors.push_back(fmt::format("{}: \"rules\" must be a path", file));
        continue;
      }
      rules_path = (dir / it->second.string_value()).lexically_normal().generic_string();
    }
    auto [entry, inserted] = rule_sets.try_emplace(rules_path);
    if (inserted) {
      auto loaded = load_rules({rules_path});
      if (!loaded.value) {
        run.diagnostics.insert(run.diagnostics.end(), loaded.diagnostics.begin(),
                               loaded.diagnostics.end());
        run.errors.push_back(fmt::format("{}: the rules in {} do not load", file, rules_path));
      } else {
        entry->second.rules = *loaded.value;
        entry->second.coverage = static_cast<int>(run.coverage.size());
        run.coverage.push_back(coverage_of(rules_path, **loaded.value));
      }
    }
    if (!entry->second.rules) continue;
    const auto& rules = *entry->second.rules;
    Coverage& coverage = run.coverage[entry->second.coverage];

    auto cases = fields.find("cases");
    if (cases == fields.end() || cases->second.kind_case() != pb::Value::kListValue) {
      run.errors.push_back(fmt::format("{}: \"cases\" must be a list", file));
      continue;
    }
    int index = 0;
    for (const auto& c : cases->second.list_value().values()) {
      ++index;
      CaseResult result;
      result.file = file;
      result.name = fmt::format("case {}", index);
      auto fail_case = [&](std::string why) {
        run.errors.push_back(fmt::format("{}: {}: {}", file, result.name, why));
      };
      if (c.kind_case() != pb::Value::kStructValue) {
        fail_case("a case must be an object");
        continue;
      }
      const auto& cf = c.struct_value().fields();
      if (auto n = cf.find("name");
          n != cf.end() && n->second.kind_case() == pb::Value::kStringValue) {
        result.name = n->second.string_value();
      }
      std::string profile_json;
      if (auto p = cf.find("profile"); p != cf.end()) {
        if (p->second.kind_case() != pb::Value::kStructValue) {
          fail_case("\"profile\" must be an object");
          continue;
        }
        (void)pb::util::MessageToJsonString(p->second.struct_value(), &profile_json);
      } else if (auto pf = cf.find("profile_file"); pf != cf.end()) {
        const fs::path path = dir / pf->second.string_value();
        auto ptext = pf->second.kind_case() == pb::Value::kStringValue ? slurp(path) : std::nullopt;
        if (!ptext) {
          fail_case(fmt::format("cannot read profile_file {}", path.generic_string()));
          continue;
        }
        profile_json = std::move(*ptext);
      } else {
        fail_case("needs \"profile\" or \"profile_file\"");
        continue;
      }
      auto parsed = parse_profiles_json(profile_json);
      if (!parsed.errors.empty() || parsed.profiles.size() != 1) {
        fail_case(fmt::format("bad profile: {}", parsed.errors.empty()
                                                     ? std::string("expected one profile")
                                                     : parsed.errors.front()));
        continue;
      }
      if (auto problem = validate_profile(parsed.profiles[0])) {
        fail_case(fmt::format("bad profile: {}: {}", problem->field, problem->message));
        continue;
      }
      auto e = cf.find("expect");
      if (e == cf.end() || e->second.kind_case() != pb::Value::kStructValue) {
        fail_case("needs an \"expect\" object");
        continue;
      }
      v1::Decision decision;
      EvalOptions options;
      options.trace = true;
      decide(rules, parsed.profiles[0], nullptr, frame, &decision, options);
      mark_covered(coverage, decision);
      std::string bad;
      result.mismatches = compare(e->second.struct_value(), decision, &bad);
      if (!bad.empty()) {
        fail_case(bad);
        continue;
      }
      result.passed = result.mismatches.empty();
      if (!result.passed) result.explanation = render_explanation(decision, "en");
      run.cases.push_back(std::move(result));
    }
  }
  return run;
}

std::string render_test_report(const TestRun& run, bool verbose) {
  std::string out;
  for (const auto& c : run.cases) {
    if (c.passed) {
      if (verbose) out += fmt::format("PASS  {}: {}\n", c.file, c.name);
      continue;
    }
    out += fmt::format("FAIL  {}: {}\n", c.file, c.name);
    for (const auto& m : c.mismatches) out += "      " + m + "\n";
    out += "      explanation:\n";
    out += indent(c.explanation, "        ");
  }
  for (const auto& e : run.errors) out += "ERROR " + e + "\n";
  out += fmt::format("{} passed, {} failed", run.passed(), run.failed());
  if (!run.errors.empty())
    out += fmt::format(", {} error{}", run.errors.size(), run.errors.size() == 1 ? "" : "s");
  out += "\n";
  return out;
}

std::string render_coverage(const TestRun& run) {
  std::string out;
  for (const auto& c : run.coverage) {
    const double pct = c.items.empty() ? 100.0
                                       : 100.0 * static_cast<double>(c.covered()) /
                                             static_cast<double>(c.items.size());
    out +=
        fmt::format("coverage of {}: {}/{} ({:.1f}%)\n", c.rules, c.covered(), c.items.size(), pct);
    for (const auto& item : c.items) {
      if (!item.covered) out += fmt::format("  never fired: {:<12} {}\n", item.kind, item.id);
    }
  }
  out += fmt::format("total coverage: {:.1f}%\n", run.coverage_percent());
  return out;
}

}  // namespace retain::analyst
