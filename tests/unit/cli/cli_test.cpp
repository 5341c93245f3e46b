// The retain verbs run in-process on real files: exit codes, output and diagnostics.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/command.hpp"

namespace retain::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run retain(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = run(args, out, err);
  return {code, out.str(), err.str()};
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("retain_cli_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  fs::path dir_;
};

const char* kRules = R"(ruleset cli_rules version "3"
cause STAFF_TURNOVER {
  label zh "员工跳槽带走客户" en "Account manager left"
  weight 0.4
  when account_manager_changed_days <= 90 and days_since_last_contact > 30
  because en "Manager changed {account_manager_changed_days} days ago" zh "承办人{account_manager_changed_days}天前更换"
}
tactic BUILD_CUSTOMER_TIES {
  label en "Tie the customer to the company"
  answers STAFF_TURNOVER
}
)";

TEST_F(CliTest, CheckIsSilentOnCleanRulesAndExitsZero) {
  const auto r = retain({"check", write("ok.rules", kRules)});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST_F(CliTest, CheckReportsAllErrorsWithPositionsAndExitsOne) {
  const std::string path = write("bad.rules",
                                 "segment A { label en \"a\" when tenure_monts > 1 }\n"
                                 "segment B { label en \"b\" when customer_id > 2 }\n");
  const auto r = retain({"check", path});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr(path + ":1:31: error: unknown field 'tenure_monts'"));
  EXPECT_THAT(r.err, HasSubstr("note: did you mean 'tenure_months'?"));
  EXPECT_THAT(r.err, HasSubstr(path + ":2:31: error: "));
  EXPECT_THAT(r.err, HasSubstr("2 errors"));
}

TEST_F(CliTest, CheckJsonFormat) {
  const auto r = retain({"check", "--format", "json",
                         write("bad.rules", "segment A { label en \"a\" when nope }\n")});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("\"code\": \"check.unknown-field\""));
}

TEST_F(CliTest, EvalPrintsTheDecisionAsProtobufJson) {
  const auto rules = write("r.rules", kRules);
  const auto profile = write("p.json", R"({"customer_id": "C9", "account_manager_changed_days": 20,
                                           "days_since_last_contact": 45})");
  const auto r = retain({"eval", "--rules", rules, "--profile", profile});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"customer_id\": \"C9\""));
  EXPECT_THAT(r.out, HasSubstr("\"id\": \"STAFF_TURNOVER\""));
  EXPECT_THAT(r.out, HasSubstr("\"churn_risk\": 0.4"));
  EXPECT_THAT(r.out, HasSubstr("Manager changed 20 days ago"));
  EXPECT_THAT(r.out, HasSubstr("\"id\": \"BUILD_CUSTOMER_TIES\""));
}

TEST_F(CliTest, EvalExplainShowsWhyRulesFiredOrNot) {
  const auto rules = write("r.rules", kRules);
  const auto fired =
      retain({"eval", "--rules", rules, "--explain", "--profile",
              write("p.json", R"({"customer_id": "C1", "account_manager_changed_days": 20,
                                                 "days_since_last_contact": 45})")});
  EXPECT_EQ(fired.code, 0) << fired.err;
  EXPECT_THAT(fired.out, HasSubstr("+ STAFF_TURNOVER"));
  EXPECT_THAT(fired.out, HasSubstr("account_manager_changed_days = 20"));
  EXPECT_THAT(fired.out, HasSubstr("because: Manager changed 20 days ago"));
  const auto zh = retain(
      {"eval", "--rules", rules, "--explain", "--lang", "zh", "--profile",
       write("p.json", R"({"account_manager_changed_days": 20, "days_since_last_contact": 45})")});
  EXPECT_THAT(zh.out, HasSubstr("because: 承办人20天前更换"));
  const auto unknown = retain({"eval", "--rules", rules, "--explain", "--profile",
                               write("q.json", R"({"customer_id": "C2"})")});
  EXPECT_THAT(unknown.out, HasSubstr("? STAFF_TURNOVER"));
  EXPECT_THAT(unknown.out, HasSubstr("not known: account_manager_changed_days"));
}

TEST_F(CliTest, EvalSummaryShowsRiskCausesAndRankedTactics) {
  const auto r =
      retain({"eval", "--rules", write("r.rules", kRules), "--summary", "--lang", "zh", "--profile",
              write("p.json", R"({"customer_id": "C7", "account_manager_changed_days": 20,
                                                          "days_since_last_contact": 45})")});
  EXPECT_EQ(r.code, 0) << r.err;
  // --lang zh frames the summary in Chinese too.
  EXPECT_THAT(r.out, HasSubstr("C7  客户分层 - · 信用等级 - · 流失风险 40%"));
  EXPECT_THAT(r.out, HasSubstr("流失原因 STAFF_TURNOVER (员工跳槽带走客户)"));
  EXPECT_THAT(r.out, HasSubstr("承办人20天前更换"));
  EXPECT_THAT(r.out, HasSubstr("挽留措施 1. BUILD_CUSTOMER_TIES"));
  EXPECT_THAT(r.out, Not(HasSubstr("churn risk")));
}

TEST_F(CliTest, EvalRejectsABadProfileNamingTheField) {
  const auto rules = write("r.rules", kRules);
  const auto bad_json =
      retain({"eval", "--rules", rules, "--profile", write("p.json", R"({"tenure_monthz": 3})")});
  EXPECT_EQ(bad_json.code, 1);
  EXPECT_THAT(bad_json.err, HasSubstr("tenure_monthz"));
  const auto bad_value =
      retain({"eval", "--rules", rules, "--profile", write("q.json", R"({"satisfaction": 12})")});
  EXPECT_EQ(bad_value.code, 1);
  EXPECT_THAT(bad_value.err, HasSubstr("satisfaction: must be between 0 and 10"));
}

TEST_F(CliTest, EvalRefusesRulesWithErrors) {
  const auto r = retain({"eval", "--rules", write("bad.rules", "segment A { when }\n"), "--profile",
                         write("p.json", "{}")});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("error:"));
}

// `retain score` writes compact decisions unless asked for texts; --lang asks for them.
TEST_F(CliTest, ScoreViewsCompactByDefaultFullOnRequest) {
  const auto rules = write("r.rules", kRules);
  const auto in = write(
      "in.jsonl",
      R"({"customer_id": "C9", "account_manager_changed_days": 20, "days_since_last_contact": 45})"
      "\n");
  const auto score = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"score", "--rules", rules, "--in", in, "--out", "-", "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    return retain(args);
  };
  const auto compact = score({});
  EXPECT_EQ(compact.code, 0) << compact.err;
  EXPECT_THAT(compact.out, HasSubstr(R"({"id":"STAFF_TURNOVER","weight":0.4})"));
  EXPECT_THAT(compact.out, ::testing::Not(HasSubstr("Manager changed")));
  EXPECT_EQ(score({"--view", "compact"}).out, compact.out);
  EXPECT_EQ(score({"--lean"}).out, compact.out);

  const auto full = score({"--view", "full"});
  EXPECT_EQ(full.code, 0) << full.err;
  EXPECT_THAT(full.out, HasSubstr("Manager changed 20 days ago"));
  EXPECT_THAT(full.out, HasSubstr("承办人20天前更换"));
  EXPECT_THAT(full.out, HasSubstr(R"("evidence":)"));

  const auto zh = score({"--lang", "zh"});
  EXPECT_EQ(zh.code, 0) << zh.err;
  EXPECT_THAT(zh.out, HasSubstr("承办人20天前更换"));
  EXPECT_THAT(zh.out, ::testing::Not(HasSubstr("Manager changed")));

  const auto contradiction = score({"--view", "compact", "--lang", "zh"});
  EXPECT_EQ(contradiction.code, 1);
  EXPECT_THAT(contradiction.err, HasSubstr("--lang"));
  EXPECT_EQ(score({"--lean", "--view", "full"}).code, 1);

  // CSV has no columns for texts: the full view is the compact one there, with a warning.
  const auto csv_args = std::vector<std::string>{"score", "--rules", rules,      "--in", in,
                                                 "--out", "-",       "--format", "csv"};
  auto full_csv_args = csv_args;
  full_csv_args.insert(full_csv_args.end(), {"--view", "full"});
  const auto csv = retain(csv_args);
  const auto full_csv = retain(full_csv_args);
  EXPECT_EQ(full_csv.code, 0) << full_csv.err;
  EXPECT_EQ(full_csv.out, csv.out);
  EXPECT_THAT(full_csv.err, HasSubstr("warning: CSV decisions have no columns for labels"));
  EXPECT_THAT(csv.err, ::testing::Not(HasSubstr("warning")));
}

TEST_F(CliTest, UnknownVerbAndHelp) {
  EXPECT_EQ(retain({"frobnicate"}).code, 1);
  const auto help = retain({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_THAT(help.out, HasSubstr("check"));
  EXPECT_THAT(help.out, HasSubstr("eval"));
  EXPECT_EQ(retain({"eval", "--help"}).code, 0);
  EXPECT_EQ(retain({"eval"}).code, 1);  // missing required options
}

}  // namespace
}  // namespace retain::cli
