// retain fmt: canonical text, idempotence on the shipped rules, meaning preserved (decisions
// identical), --check/-w/-d, syntax errors write nothing.
#include <algorithm>
#include <iostream>

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "analyst/fmt.hpp"
#include "engine/engine.hpp"
#include "engine/profile_json.hpp"
#include "engine/syntax/parser.hpp"
#include "test_support.hpp"

namespace retain::analyst {
namespace {

using namespace retain::analyst::testing;
using ::testing::HasSubstr;

std::vector<fs::path> shipped_rule_files() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(kSourceDir / "rules")) {
    if (e.path().extension() == ".rules") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The same file with every indentation doubled and extra blank lines between declarations:
// not canonical, same meaning.
std::string messy(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    const std::size_t indent = line.find_first_not_of(' ');
    if (indent != std::string::npos && indent > 0) line = std::string(indent, ' ') + line;
    if (line.rfind("cause ", 0) == 0 || line.rfind("tactic ", 0) == 0) out += "\n\n";
    if (line.rfind("let ", 0) == 0) {
      const std::size_t eq = line.find(" = ");
      if (eq != std::string::npos) line.replace(eq, 3, "   =   ");
    }
    out += line;
    out += '\n';
    start = nl + 1;
  }
  return out;
}

TEST(FmtLibrary, EveryShippedRuleFileIsCanonicalAndFormattingIsIdempotent) {
  const auto files = shipped_rule_files();
  ASSERT_GE(files.size(), 5u);
  for (const auto& path : files) {
    const std::string text = read_text(path);
    const auto once = format_rules(path.string(), text);
    ASSERT_EQ(once.status, FormatStatus::Ok) << path;
    const auto twice = format_rules(path.string(), once.formatted);
    ASSERT_EQ(twice.status, FormatStatus::Ok) << path;
    EXPECT_EQ(twice.formatted, once.formatted) << path;
    EXPECT_FALSE(twice.changed) << path;
    EXPECT_EQ(once.formatted, text) << path << " is not canonical";
  }
}

TEST(FmtLibrary, MessyTextFormatsBackToTheShippedText) {
  for (const auto& path : shipped_rule_files()) {
    const std::string text = read_text(path);
    const auto result = format_rules(path.string(), messy(text));
    ASSERT_EQ(result.status, FormatStatus::Ok) << path;
    EXPECT_TRUE(result.changed) << path;
    EXPECT_EQ(result.formatted, text) << path;
  }
}

TEST(FmtLibrary, SameTreeIgnoresSpansButNotMeaning) {
  auto parse = [](const std::string& text) {
    const SourceFile source("x.rules", text);
    return *syntax::parse(source).file;
  };
  const auto a = parse("segment A {\n  label en \"a\"\n  when tenure_months > 1\n}\n");
  const auto b = parse("segment   A { label en \"a\"   when tenure_months>1 }");
  const auto c = parse("segment A { label en \"a\" when tenure_months > 2 }");
  const auto d = parse("segment A { label en \"a\" when tenure_months >= 1 }");
  EXPECT_TRUE(same_tree(a, b));
  EXPECT_FALSE(same_tree(a, c));
  EXPECT_FALSE(same_tree(a, d));
}

TEST(FmtLibrary, SyntaxErrorsAreReportedNotFormatted) {
  const auto r = format_rules("bad.rules", "segment A { label en \"a\" when > }\n");
  EXPECT_EQ(r.status, FormatStatus::SyntaxError);
  EXPECT_TRUE(r.formatted.empty());
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics[0].file, "bad.rules");
}

TEST(FmtLibrary, UnifiedDiffShowsChangedLinesWithHunkHeaders) {
  const std::string diff = unified_diff("a\nb\nc\nd\n", "a\nB\nc\nd\ne\n", "old", "new", 1);
  EXPECT_EQ(diff,
            "--- old\n+++ new\n"
            "@@ -1,4 +1,5 @@\n a\n-b\n+B\n c\n d\n+e\n");
  EXPECT_EQ(unified_diff("x\n", "x\n", "a", "b"), "");
  EXPECT_EQ(unified_diff("x\ny", "x\ny\n", "a", "b"),
            "--- a\n+++ b\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+y\n");
}

class FmtCli : public TempDirTest {};

TEST_F(FmtCli, CheckPassesOnTheShippedRules) {
  const auto r = retain({"fmt", "--check", (kSourceDir / "rules").string()});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(FmtCli, CheckListsFilesThatAreNotCanonical) {
  const std::string good =
      write("good.rules", "segment A {\n  label en \"a\"\n  when is_lost\n}\n");
  const std::string bad = write("bad.rules", "segment B { label en \"b\" when is_lost }\n");
  const auto r = retain({"fmt", "--check", dir_.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, fs::path(bad).lexically_normal().generic_string() + "\n");
  EXPECT_THAT(r.err, HasSubstr("1 file is not formatted"));
}

TEST_F(FmtCli, PrintsCanonicalTextByDefaultAndWriteRewritesOnlyChangedFiles) {
  const std::string bad = write("bad.rules", "segment B { label en \"b\" when is_lost }\n");
  const std::string canonical = "segment B {\n  label en \"b\"\n  when is_lost\n}\n";
  auto r = retain({"fmt", bad});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, canonical);
  EXPECT_EQ(read_text(bad), "segment B { label en \"b\" when is_lost }\n");  // untouched

  const std::string good = write("good.rules", canonical);
  const auto before = fs::last_write_time(good);
  r = retain({"fmt", "-w", bad, good});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_text(bad), canonical);
  EXPECT_THAT(r.err, HasSubstr("formatted " + bad));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("formatted " + good)));
  EXPECT_EQ(fs::last_write_time(good), before);
  EXPECT_FALSE(fs::exists(bad + ".fmt-tmp"));
  EXPECT_EQ(retain({"fmt", "--check", bad, good}).code, 0);
}

TEST_F(FmtCli, DiffShowsTheChange) {
  const std::string bad =
      write("bad.rules", "segment B {\n    label en \"b\"\n  when is_lost\n}\n");
  const auto r = retain({"fmt", "-d", bad});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("-    label en \"b\"\n+  label en \"b\"\n"));
  EXPECT_THAT(r.out, HasSubstr("@@ -1,4 +1,4 @@"));
}

TEST_F(FmtCli, FormatsStandardInput) {
  std::istringstream in("segment B { label en \"b\" when is_lost }");
  auto* saved = std::cin.rdbuf(in.rdbuf());
  const auto r = retain({"fmt", "-"});
  std::cin.rdbuf(saved);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "segment B {\n  label en \"b\"\n  when is_lost\n}\n");
  EXPECT_EQ(retain({"fmt", "--check", "-"}).code, 1);
}

TEST_F(FmtCli, SyntaxErrorExitsTwoAndWritesNothing) {
  const std::string bad = write("a.rules", "segment B { label en \"b\" when is_lost }\n");
  const std::string broken = write("b.rules", "segment C { label en \"c\" when and }\n");
  const auto r = retain({"fmt", "-w", bad, broken});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr(broken + ":1:"));
  EXPECT_THAT(r.err, HasSubstr("error"));
  EXPECT_EQ(read_text(bad), "segment B { label en \"b\" when is_lost }\n");
}

TEST_F(FmtCli, FormattedRulesDecideExactlyLikeTheOriginals) {
  // Messy copies of rules/, formatted by `retain fmt -w`, against copies of the shipped files.
  // Both are loaded by the same relative path so that rule locations compare equal.
  for (const auto& path : shipped_rule_files()) {
    write("new/rules/" + path.filename().string(), messy(read_text(path)));
    write("old/rules/" + path.filename().string(), read_text(path));
  }
  const auto r = retain({"fmt", "-w", (dir_ / "new/rules").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const fs::path cwd = fs::current_path();
  fs::current_path(dir_ / "old");
  auto original = load_rules({"rules"});
  fs::current_path(dir_ / "new");
  auto formatted = load_rules({"rules"});
  fs::current_path(cwd);
  ASSERT_TRUE(original.value);
  ASSERT_TRUE(formatted.value);
  int compared = 0;
  for (const auto& e : fs::directory_iterator(kSourceDir / "examples/profiles")) {
    if (e.path().extension() != ".json") continue;
    const auto parsed = parse_profiles_json(read_text(e.path()));
    ASSERT_EQ(parsed.profiles.size(), 1u) << e.path();
    const auto& profile = parsed.profiles[0];
    EvalOptions options;
    options.trace = true;
    v1::Decision a = decide(**original.value, profile, nullptr, options);
    v1::Decision b = decide(**formatted.value, profile, nullptr, options);
    std::string report;
    google::protobuf::util::MessageDifferencer differ;
    differ.ReportDifferencesToString(&report);
    EXPECT_TRUE(differ.Compare(a, b)) << e.path() << "\n" << report;
    ++compared;
  }
  EXPECT_GE(compared, 20);
}

}  // namespace
}  // namespace retain::analyst
