// The shipped rule set encodes DOMAIN.md completely (issue #3):
//  - every identifier of DOMAIN.md §1–5 is declared in rules/ (a rule, tiers or band id — found
//    by parsing the rule files, not by searching their comments);
//  - the checked-in list tests/domain/domain_ids.txt is complete against DOMAIN.md itself when
//    ../shared/DOMAIN.md is present;
//  - the customer pyramid has the seed bands VIP top 1%, MAJOR top 5%, ORDINARY top 20%,
//    SMALL rest, in that order; the ABC and credit-grade bands follow OI-5 / OI-9;
//  - every rule is labelled in Chinese and English and explains itself in both;
//  - the whole rule set loads with no errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "engine/syntax/parser.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kSourceDir = RETAIN_SOURCE_DIR;
const std::string kRulesDir = kSourceDir + "/rules";
const std::string kIdList = kSourceDir + "/tests/domain/domain_ids.txt";
const std::string kDomainMd = kSourceDir + "/../shared/DOMAIN.md";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

std::vector<std::string> checked_in_ids() {
  std::vector<std::string> ids;
  std::istringstream in(read_file(kIdList));
  std::string line;
  while (std::getline(in, line)) {
    line.erase(0, line.find_first_not_of(" \t\r"));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (line.empty() || line[0] == '#') continue;
    ids.push_back(line);
  }
  return ids;
}

// The identifiers of DOMAIN.md §1–5: every UPPER_SNAKE token with an underscore, the first cell
// of every table row when it is an upper-case id (VIP, MAJOR, …), and the credit grades named in
// "The ids are the grade names themselves: AAA, AA, …".
std::set<std::string> extract_ids(const std::string& markdown) {
  std::istringstream in(markdown);
  std::string line;
  std::string section;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) {
      inside = line.rfind("## 1.", 0) == 0 || line.rfind("## 2.", 0) == 0 ||
               line.rfind("## 3.", 0) == 0 || line.rfind("## 4.", 0) == 0 ||
               line.rfind("## 5.", 0) == 0;
    }
    if (inside) section += line + "\n";
  }
  std::set<std::string> ids;
  const std::regex snake(R"(\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b)");
  for (auto it = std::sregex_iterator(section.begin(), section.end(), snake);
       it != std::sregex_iterator(); ++it) {
    ids.insert(it->str());
  }
  const std::regex first_cell(R"(^\|\s*([A-Z][A-Z0-9_]*)\s*\|)");
  std::istringstream rows(section);
  while (std::getline(rows, line)) {
    std::smatch m;
    if (std::regex_search(line, m, first_cell)) ids.insert(m[1].str());
  }
  std::string flat = section;
  std::replace(flat.begin(), flat.end(), '\n', ' ');
  const std::regex grades(R"(grade names themselves:\s*([A-Z, ]+)\.)");
  std::smatch m;
  if (std::regex_search(flat, m, grades)) {
    const std::string list = m[1].str();
    const std::regex word(R"([A-Z]+)");
    for (auto it = std::sregex_iterator(list.begin(), list.end(), word);
         it != std::sregex_iterator(); ++it) {
      ids.insert(it->str());
    }
  }
  return ids;
}

struct ParsedRules {
  std::map<std::string, retain::ast::RuleFile> files;  // file name -> AST
  std::vector<std::string> errors;
};

const ParsedRules& parsed_rules() {
  static const ParsedRules parsed = [] {
    ParsedRules out;
    std::vector<fs::path> paths;
    for (const auto& entry : fs::directory_iterator(kRulesDir)) {
      if (entry.path().extension() == ".rules") paths.push_back(entry.path());
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      retain::SourceFile source(path.string(), read_file(path.string()));
      auto result = retain::syntax::parse(source);
      for (const auto& d : result.diagnostics) out.errors.push_back(retain::render_text(d));
      if (result.file) out.files.emplace(path.filename().string(), std::move(*result.file));
    }
    return out;
  }();
  return parsed;
}

// Declared names: every declaration's name and every band id, with the file that declares it.
std::map<std::string, std::string> declared_ids() {
  std::map<std::string, std::string> ids;
  for (const auto& [file, rules] : parsed_rules().files) {
    for (const auto& decl : rules.decls) {
      if (!decl.name.empty()) ids.emplace(decl.name, file);
      for (const auto& prop : decl.props) {
        if (prop.band) ids.emplace(prop.band->id, file);
      }
    }
  }
  return ids;
}

const retain::ast::Decl* find_decl(const std::string& kind, const std::string& name) {
  for (const auto& [file, rules] : parsed_rules().files) {
    for (const auto& decl : rules.decls) {
      if (decl.kind == kind && decl.name == name) return &decl;
    }
  }
  return nullptr;
}

const retain::ast::Property* find_prop(const retain::ast::Decl& decl, const std::string& key) {
  for (const auto& prop : decl.props) {
    if (prop.key == key) return &prop;
  }
  return nullptr;
}

bool mentions(const retain::ast::Expr& expr, const std::string& name) {
  if (expr.kind == retain::ast::ExprKind::Path && expr.text == name) return true;
  return std::any_of(expr.args.begin(), expr.args.end(),
                     [&](const retain::ast::Expr& arg) { return mentions(arg, name); });
}

std::set<std::string> languages(const retain::ast::Text& text) {
  std::set<std::string> langs;
  for (const auto& part : text.parts) langs.insert(part.lang);
  return langs;
}

TEST(DomainTest, RuleFilesParse) {
  const auto& parsed = parsed_rules();
  EXPECT_TRUE(parsed.errors.empty()) << join(parsed.errors, "\n");
  for (const char* file :
       {"main.rules", "common.rules", "causes.rules", "tactics.rules", "retention.rules",
        "key_accounts.rules", "tiers.rules", "credit.rules"}) {
    EXPECT_TRUE(parsed.files.count(file)) << "rules/" << file << " is missing or does not parse";
  }
}

TEST(DomainTest, IdListIsCompleteAgainstDomainMd) {
  if (!fs::exists(kDomainMd)) GTEST_SKIP() << kDomainMd << " not present";
  const auto listed = checked_in_ids();
  const std::set<std::string> listed_set(listed.begin(), listed.end());
  const auto extracted = extract_ids(read_file(kDomainMd));
  ASSERT_GT(extracted.size(), 50u) << "extraction from DOMAIN.md found too few ids";
  std::vector<std::string> missing;
  for (const auto& id : extracted) {
    if (!listed_set.count(id)) missing.push_back(id);
  }
  EXPECT_TRUE(missing.empty()) << "DOMAIN.md §1-5 ids missing from tests/domain/domain_ids.txt: "
                               << join(missing);
}

TEST(DomainTest, EveryDomainIdIsDeclaredInRules) {
  const auto listed = checked_in_ids();
  ASSERT_GE(listed.size(), 60u) << "tests/domain/domain_ids.txt is missing or too short";
  const auto declared = declared_ids();
  std::vector<std::string> missing;
  for (const auto& id : listed) {
    if (!declared.count(id)) missing.push_back(id);
  }
  EXPECT_TRUE(missing.empty()) << missing.size()
                               << " DOMAIN.md ids are not declared in rules/: " << join(missing);
}

// The seed counts of DOMAIN.md §11 that the rule set must hold.
TEST(DomainTest, SeedCountsHold) {
  std::map<std::string, int> kinds;
  for (const auto& [file, rules] : parsed_rules().files) {
    for (const auto& decl : rules.decls) ++kinds[decl.kind];
  }
  int causes = 0;
  for (const char* id : {"QUALITY_UNSTABLE", "WEAK_SERVICE_AWARENESS", "LACK_OF_INNOVATION",
                         "WEAK_MARKET_MONITORING", "STAFF_TURNOVER", "COMPETITOR_TEMPTATION",
                         "SHORT_TERM_BEHAVIOUR"}) {
    EXPECT_NE(find_decl("cause", id), nullptr) << id << " is not a cause";
    ++causes;
  }
  EXPECT_EQ(kinds["cause"], causes) << "DOMAIN.md has exactly [7] churn causes";
  for (const char* id : {"QUALITY_MARKETING", "IMPROVE_SERVICE_QUALITY", "REDUCE_CUSTOMER_COST",
                         "CHURN_COST_ANALYSIS", "STRENGTHEN_MARKET_MONITORING",
                         "COMPLAINT_SUGGESTION_SYSTEM", "BUILD_CUSTOMER_TIES"}) {
    EXPECT_NE(find_decl("tactic", id), nullptr) << id << " is not a tactic";
  }
  for (const char* id : {"RETAIN_LOYAL", "RETAIN_AT_RISK", "RETAIN_HIGH_VALUE",
                         "RETAIN_LOW_SATISFACTION", "KEY_ACCOUNT"}) {
    EXPECT_NE(find_decl("segment", id), nullptr) << id << " is not a segment";
  }
  for (const char* id :
       {"PRIORITY_SUPPLY", "MOBILIZE_RESOURCES", "NEW_PRODUCT_TRIAL", "CLOSE_ATTENTION",
        "EXECUTIVE_VISIT", "PROMOTION_DESIGN", "STAFF_FEEDBACK", "REWARD_POLICY",
        "ANNUAL_SYMPOSIUM", "KEY_ACCOUNT_MANAGER", "STRATEGIC_ALLIANCE"}) {
    EXPECT_NE(find_decl("account", id), nullptr) << id << " is not an account measure";
  }
  EXPECT_EQ(kinds["credit_check"], 7) << "DOMAIN.md has exactly [7] credit-investigation triggers";
  // The symposium is held once a year: invited when not attended in the last 12 months.
  const auto* symposium = find_decl("account", "ANNUAL_SYMPOSIUM");
  ASSERT_NE(symposium, nullptr);
  const auto* when = find_prop(*symposium, "when");
  ASSERT_NE(when, nullptr);
  ASSERT_TRUE(when->expr.has_value());
  EXPECT_TRUE(mentions(*when->expr, "symposium_attended_12m"));
  // Executive visits have a cadence.
  const auto* visit = find_decl("account", "EXECUTIVE_VISIT");
  ASSERT_NE(visit, nullptr);
  const auto* every = find_prop(*visit, "every");
  ASSERT_NE(every, nullptr)
      << "EXECUTIVE_VISIT needs `every N days since last_executive_visit_days`";
  ASSERT_TRUE(every->since.has_value());
  EXPECT_EQ(every->since->text, "last_executive_visit_days");
}

struct ExpectedBand {
  std::string id;
  retain::ast::BandBound bound;
  double value;  // percent for Top (1 = 1%), threshold for Below; ignored for Rest
};

void expect_bands(const std::string& tiers, const std::vector<ExpectedBand>& expected) {
  const auto* decl = find_decl("tiers", tiers);
  ASSERT_NE(decl, nullptr) << "tiers " << tiers << " is not declared";
  std::vector<const retain::ast::Band*> bands;
  for (const auto& prop : decl->props) {
    if (prop.band) bands.push_back(&*prop.band);
  }
  ASSERT_EQ(bands.size(), expected.size()) << tiers << " has the wrong number of bands";
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(tiers + " band " + std::to_string(i + 1));
    EXPECT_EQ(bands[i]->id, expected[i].id);
    EXPECT_EQ(bands[i]->bound, expected[i].bound);
    if (expected[i].bound == retain::ast::BandBound::Rest) continue;
    ASSERT_TRUE(bands[i]->value.has_value());
    const auto& v = *bands[i]->value;
    ASSERT_EQ(v.kind, retain::ast::ExprKind::Number);
    if (expected[i].bound == retain::ast::BandBound::Top) {
      EXPECT_TRUE(v.percent) << "write `top N%`";
      EXPECT_NEAR(v.number * 100.0, expected[i].value, 1e-9);
    } else {
      EXPECT_NEAR(v.number, expected[i].value, 1e-9);
    }
  }
}

std::string path_text(const retain::ast::Property* prop) {
  if (prop == nullptr || !prop->expr || prop->expr->kind != retain::ast::ExprKind::Path) return "";
  return prop->expr->text;
}

TEST(DomainTest, PyramidBandsAreOneFiveTwentyPercent) {
  using B = retain::ast::BandBound;
  expect_bands(
      "PYRAMID",
      {{"VIP", B::Top, 1}, {"MAJOR", B::Top, 5}, {"ORDINARY", B::Top, 20}, {"SMALL", B::Rest, 0}});
  const auto* pyramid = find_decl("tiers", "PYRAMID");
  ASSERT_NE(pyramid, nullptr);
  EXPECT_EQ(path_text(find_prop(*pyramid, "rank")), "revenue_12m") << "ranked by turnover";
  EXPECT_EQ(path_text(find_prop(*pyramid, "fallback")), "revenue_rank_pct");
  const auto* sets = find_prop(*pyramid, "sets");
  ASSERT_NE(sets, nullptr);
  EXPECT_EQ(sets->word.name, "tier");
}

TEST(DomainTest, AbcAndCreditGradeBands) {
  using B = retain::ast::BandBound;
  expect_bands("ABC_BY_VALUE",
               {{"ABC_A", B::Top, 20}, {"ABC_B", B::Top, 50}, {"ABC_C", B::Rest, 0}});
  expect_bands("ABC_BY_POTENTIAL",
               {{"ABC_A", B::Top, 20}, {"ABC_B", B::Top, 50}, {"ABC_C", B::Rest, 0}});
  const auto* by_value = find_decl("tiers", "ABC_BY_VALUE");
  const auto* by_potential = find_decl("tiers", "ABC_BY_POTENTIAL");
  ASSERT_NE(by_value, nullptr);
  ASSERT_NE(by_potential, nullptr);
  EXPECT_EQ(path_text(find_prop(*by_value, "rank")), "revenue_12m");
  EXPECT_EQ(path_text(find_prop(*by_potential, "rank")), "potential_score");
  // Seven grades in increasing risk (S2 第八章 §4); the cut-offs are OI-9.
  expect_bands("CREDIT_GRADE", {{"AAA", B::Below, 10},
                                {"AA", B::Below, 20},
                                {"A", B::Below, 30},
                                {"BBB", B::Below, 45},
                                {"BB", B::Below, 60},
                                {"B", B::Below, 75},
                                {"F", B::Rest, 0}});
}

TEST(DomainTest, EveryRuleIsLabelledAndExplainedInChineseAndEnglish) {
  std::vector<std::string> problems;
  for (const auto& [file, rules] : parsed_rules().files) {
    for (const auto& decl : rules.decls) {
      if (decl.kind == "let" || decl.kind == "settings") continue;
      const auto* label = find_prop(decl, "label");
      if (label == nullptr || !label->text || !languages(*label->text).count("zh") ||
          !languages(*label->text).count("en")) {
        problems.push_back(file + ": " + decl.name + " needs label zh \"…\" en \"…\"");
      }
      if (decl.kind == "tiers") {
        for (const auto& prop : decl.props) {
          if (!prop.band) continue;
          if (!prop.band->label || !languages(*prop.band->label).count("zh") ||
              !languages(*prop.band->label).count("en")) {
            problems.push_back(file + ": band " + prop.band->id + " needs a zh and en label");
          }
        }
        continue;
      }
      const auto* because = find_prop(decl, "because");
      if (because == nullptr || !because->text || !languages(*because->text).count("zh") ||
          !languages(*because->text).count("en")) {
        problems.push_back(file + ": " + decl.name + " needs because zh \"…\" en \"…\"");
      }
    }
  }
  EXPECT_TRUE(problems.empty()) << join(problems, "\n");
}

TEST(DomainTest, OnlyMainRulesCarriesTheHeader) {
  for (const auto& [file, rules] : parsed_rules().files) {
    EXPECT_EQ(rules.header.has_value(), file == "main.rules") << file;
  }
}

TEST(DomainTest, RuleSetLoadsWithoutErrors) {
  auto loaded = retain::load_rules({kRulesDir});
  std::ostringstream diagnostics;
  retain::render_text(loaded.diagnostics, diagnostics);
  EXPECT_FALSE(retain::has_errors(loaded.diagnostics)) << diagnostics.str();
  ASSERT_TRUE(loaded.value.has_value()) << diagnostics.str();
  EXPECT_EQ(retain::count(loaded.diagnostics, retain::Severity::Warning), 0u) << diagnostics.str();
  const auto& rules = **loaded.value;
  EXPECT_EQ(rules.name(), "retention");
  auto counts = rules.counts();
  EXPECT_EQ(counts["cause"], 7);
  EXPECT_EQ(counts["credit_check"], 7);
}

TEST(DomainTest, EntryFileLoadsTheWholeRuleSet) {
  auto loaded = retain::load_rules({kRulesDir + "/main.rules"});
  std::ostringstream diagnostics;
  retain::render_text(loaded.diagnostics, diagnostics);
  EXPECT_FALSE(retain::has_errors(loaded.diagnostics)) << diagnostics.str();
  ASSERT_TRUE(loaded.value.has_value()) << diagnostics.str();
  auto from_dir = retain::load_rules({kRulesDir});
  ASSERT_TRUE(from_dir.value.has_value());
  EXPECT_EQ((*loaded.value)->counts(), (*from_dir.value)->counts())
      << "main.rules must import every topic file";
}

}  // namespace
