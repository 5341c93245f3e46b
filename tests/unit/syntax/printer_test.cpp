#include "engine/syntax/printer.hpp"

#include <gtest/gtest.h>

#include <string>

#include "engine/syntax/parser.hpp"
#include "syntax_test_util.hpp"

namespace retain::syntax {
namespace {

ast::RuleFile parse_ok(const std::string& text) {
  const SourceFile src("p.rules", text);
  auto r = parse(src);
  EXPECT_TRUE(r.diagnostics.empty())
      << (r.diagnostics.empty() ? "" : render_text(r.diagnostics[0])) << "\n--- text:\n"
      << text;
  return r.file ? std::move(*r.file) : ast::RuleFile{};
}

std::string fmt(const std::string& text) {
  return print(parse_ok(text));
}

// print is idempotent and meaning-preserving on `text`; returns the canonical text.
std::string check_round_trip(const std::string& text) {
  const ast::RuleFile first = parse_ok(text);
  const std::string once = print(first);
  const ast::RuleFile second = parse_ok(once);
  EXPECT_TRUE(testing::same(first, second)) << "tree changed by printing:\n" << once;
  const std::string twice = print(second);
  EXPECT_EQ(once, twice) << "not idempotent";
  return once;
}

std::string pe(const std::string& text) {
  const SourceFile src("e.rules", text);
  const auto r = parse_expression(src);
  EXPECT_TRUE(r.value) << text;
  if (!r.value) return "";
  const std::string printed = print_expr(*r.value);
  // The printed form means the same.
  const SourceFile again("e.rules", printed);
  const auto r2 = parse_expression(again);
  EXPECT_TRUE(r2.value && testing::same(*r.value, *r2.value)) << text << " -> " << printed;
  return printed;
}

TEST(SyntaxPrinter, MinimalParentheses) {
  EXPECT_EQ(pe("((a))"), "a");
  EXPECT_EQ(pe("(a or b) and c"), "(a or b) and c");
  EXPECT_EQ(pe("a or (b and c)"), "a or b and c");
  EXPECT_EQ(pe("a or (b or c)"), "a or (b or c)");
  EXPECT_EQ(pe("(a or b) or c"), "a or b or c");
  EXPECT_EQ(pe("a - (b - c)"), "a - (b - c)");
  EXPECT_EQ(pe("(a - b) - c"), "a - b - c");
  EXPECT_EQ(pe("a * (b + c)"), "a * (b + c)");
  EXPECT_EQ(pe("(a * b) + c"), "a * b + c");
  EXPECT_EQ(pe("-(x*y)"), "-(x * y)");
  EXPECT_EQ(pe("(-x)*y"), "-x * y");
  EXPECT_EQ(pe("- - x"), "--x");
  EXPECT_EQ(pe("a - -b"), "a - -b");
  EXPECT_EQ(pe("not (a and b)"), "not (a and b)");
  EXPECT_EQ(pe("not (a == b)"), "not a == b");
  EXPECT_EQ(pe("(not a) == b"), "(not a) == b");
  EXPECT_EQ(pe("(a < b) == c"), "(a < b) == c");
  EXPECT_EQ(pe("x between (a or b) and c + 1"), "x between (a or b) and c + 1");
  EXPECT_EQ(pe("(x between 1 and 2) and y"), "x between 1 and 2 and y");
  EXPECT_EQ(pe("x in [1,2,3]"), "x in [1, 2, 3]");
  EXPECT_EQ(pe("x not in (y)"), "x not in y");
  EXPECT_EQ(pe("count( recent_actions where (a or b) )"), "count(recent_actions where a or b)");
  EXPECT_EQ(pe("f( (a), [b] )"), "f(a, [b])");
  EXPECT_EQ(pe("1_000  + 40% + 1.5e6"), "1_000 + 40% + 1.5e6");
  EXPECT_EQ(pe("\"a\\\"b\\\\c\\n\\t\""), "\"a\\\"b\\\\c\\n\\t\"");
  EXPECT_EQ(pe("true and not false"), "true and not false");
}

TEST(SyntaxPrinter, DocsExamplesAreCanonicalAndRoundTrip) {
  const auto examples = testing::docs_examples();
  ASSERT_GE(examples.size(), 5u);
  for (const auto& [line, text] : examples) {
    const std::string canonical = check_round_trip(text);
    EXPECT_EQ(canonical, text) << "docs/language.md:" << line << " is not in canonical form";
  }
}

TEST(SyntaxPrinter, CanonicalLayout) {
  const std::string messy =
      "  ruleset   demo version \"1\"\n"
      "import \"a.rules\"   import \"b.rules\"\n"
      "let   x=(a+b)*2 let y = not(x>1)\n"
      "cause C{label en \"C\" weight 0.3\n"
      "when x>1 and (y or z)}\n"
      "tiers T {\n"
      "label \"t\"\n"
      "by score\n"
      "band A below 10 label \"Aaa\"\n"
      "band LONGER at_least 10\n"
      "band R rest label zh \"余\" en \"rest\"\n"
      "}\n"
      "tactic T { label \"t\" answers any cooldown 7 days every 1 days since y sets tier }\n"
      "settings{max_tactics 3}";
  const std::string expected =
      "ruleset demo version \"1\"\n"
      "\n"
      "import \"a.rules\"\n"
      "import \"b.rules\"\n"
      "\n"
      "let x = (a + b) * 2\n"
      "let y = not x > 1\n"
      "\n"
      "cause C {\n"
      "  label en \"C\"\n"
      "  weight 0.3\n"
      "  when x > 1 and (y or z)\n"
      "}\n"
      "\n"
      "tiers T {\n"
      "  label \"t\"\n"
      "  by score\n"
      "  band A      below 10  label \"Aaa\"\n"
      "  band LONGER at_least 10\n"
      "  band R      rest      label zh \"余\" en \"rest\"\n"
      "}\n"
      "\n"
      "tactic T {\n"
      "  label \"t\"\n"
      "  answers any\n"
      "  cooldown 7 days\n"
      "  every 1 days since y\n"
      "  sets tier\n"
      "}\n"
      "\n"
      "settings {\n"
      "  max_tactics 3\n"
      "}\n";
  EXPECT_EQ(fmt(messy), expected);
  EXPECT_EQ(check_round_trip(messy), expected);
}

TEST(SyntaxPrinter, LongTextsWrapOneStringPerLine) {
  const std::string text = "cause C {\n  because en \"" + std::string(60, 'e') + "\" zh \"" +
                           std::string(40, 'z') + "\"\n}\n";
  EXPECT_EQ(fmt(text), "cause C {\n  because en \"" + std::string(60, 'e') + "\"\n          zh \"" +
                           std::string(40, 'z') + "\"\n}\n");
  check_round_trip(text);
}

TEST(SyntaxPrinter, CommentsStayWhereTheyWere) {
  const std::string text =
      "# File comment\n"
      "#\n"
      "\n"
      "\n"
      "# Second paragraph\n"
      "ruleset demo version \"1\"  # header note\n"
      "\n"
      "# About x\n"
      "let x = 1   # one\n"
      "# About y\n"
      "let y = 2\n"
      "\n"
      "# About z, after a blank line\n"
      "let z = 3\n"
      "\n"
      "\n"
      "cause C {   # the cause\n"
      "    # the label\n"
      "  label \"c\"\n"
      "\n"
      "  # after a blank line in the block\n"
      "  when x > 1 and   # first half\n"
      "       y < 2       # second half\n"
      "  # before the end\n"
      "}  # after the block\n"
      "# trailing file comment\n"
      "\n"
      "\n"
      "# last paragraph\n";
  const std::string expected =
      "# File comment\n"
      "#\n"
      "\n"
      "# Second paragraph\n"
      "ruleset demo version \"1\"  # header note\n"
      "\n"
      "# About x\n"
      "let x = 1  # one\n"
      "# About y\n"
      "let y = 2\n"
      "\n"
      "# About z, after a blank line\n"
      "let z = 3\n"
      "\n"
      "cause C {  # the cause\n"
      "  # the label\n"
      "  label \"c\"\n"
      "\n"
      "  # after a blank line in the block\n"
      "  # first half\n"
      "  when x > 1 and y < 2  # second half\n"
      "  # before the end\n"
      "}  # after the block\n"
      "# trailing file comment\n"
      "\n"
      "# last paragraph\n";
  EXPECT_EQ(check_round_trip(text), expected);
  // Comments with '#' in strings are not comments.
  EXPECT_EQ(check_round_trip("let s = \"# no\"  # yes\n"), "let s = \"# no\"  # yes\n");
  EXPECT_EQ(check_round_trip("# just a comment\n"), "# just a comment\n");
  // Line ends with carriage returns (found by the fuzzer).
  EXPECT_EQ(check_round_trip("# a\r\r\nlet x = 1 # b\r\n"), "# a\nlet x = 1  # b\n");
}

TEST(SyntaxPrinter, TemplatesAndEscapesRoundTrip) {
  const std::string text =
      "cause C {\n"
      "  because en \"{a:%} of {{b}} \\\"{coalesce(c, \\\"n/a\\\"):.2}\\\"\\n\\tend\"\n"
      "}\n";
  EXPECT_EQ(check_round_trip(text), text);
}

TEST(SyntaxPrinter, BuiltTreesPrintToo) {
  // A tree not made by the parser: no spans, no number spelling.
  ast::Expr n;
  n.kind = ast::ExprKind::Number;
  n.number = 0.25;
  n.percent = true;
  ast::Expr path;
  path.kind = ast::ExprKind::Path;
  path.text = "defect_rate";
  ast::Expr cmp;
  cmp.kind = ast::ExprKind::Binary;
  cmp.op = ast::Op::Gt;
  cmp.args = {path, n};
  EXPECT_EQ(print_expr(cmp), "defect_rate > 25%");
  ast::RuleFile f;
  ast::Decl d;
  d.kind = "let";
  d.name = "bad";
  d.value = cmp;
  f.decls.push_back(d);
  EXPECT_EQ(print(f), "let bad = defect_rate > 25%\n");
}

}  // namespace
}  // namespace retain::syntax
