#include <gtest/gtest.h>

#include <random>
#include <string>

#include "engine/syntax/parser.hpp"
#include "syntax_test_util.hpp"

namespace retain::syntax {
namespace {

using testing::sexpr;

// The first line of a rendered diagnostic: `file:line:col: error: message [code]`.
std::string head(const Diagnostic& d) {
  const std::string text = render_text(d);
  return text.substr(0, text.find('\n'));
}

std::vector<std::string> heads(const Diagnostics& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(head(d));
  return out;
}

std::string expr_of(const std::string& text) {
  const SourceFile src("e.rules", text);
  const auto r = parse_expression(src);
  if (!r.value) return "ERROR " + (r.diagnostics.empty() ? "" : head(r.diagnostics.front()));
  return sexpr(*r.value);
}

struct Parsed {
  SourceFile source;
  ParseResult result;
  explicit Parsed(std::string text, std::string path = "t.rules")
      : source(std::move(path), std::move(text)), result(parse(source)) {}
  const ast::RuleFile& file() const { return *result.file; }
  std::string slice(Span s) const { return std::string(source.slice(s)); }
};

// ---------------------------------------------------------------------------- docs

TEST(SyntaxDocs, EveryRulesBlockOfTheLanguageReferenceParses) {
  const auto examples = testing::docs_examples();
  ASSERT_GE(examples.size(), 5u);
  for (const auto& [line, text] : examples) {
    Parsed p(text, "language.md:" + std::to_string(line));
    EXPECT_TRUE(p.result.diagnostics.empty())
        << "example at docs/language.md:" << line << "\n"
        << (p.result.diagnostics.empty() ? "" : render_text(p.result.diagnostics.front()));
    ASSERT_TRUE(p.result.file.has_value());
    EXPECT_TRUE(p.file().header.has_value());
    EXPECT_FALSE(p.file().decls.empty());
  }
}

TEST(SyntaxDocs, FirstExampleHasTheExpectedTree) {
  const auto examples = testing::docs_examples();
  Parsed p(examples.at(0).second);
  ASSERT_TRUE(p.result.file) << render_text(p.result.diagnostics.front());
  const auto& f = p.file();
  EXPECT_EQ(f.header->name, "first_steps");
  EXPECT_EQ(f.header->version, "1.0");
  ASSERT_EQ(f.decls.size(), 3u);
  EXPECT_EQ(f.decls[0].kind, "let");
  EXPECT_EQ(f.decls[0].name, "order_drop");
  EXPECT_EQ(sexpr(*f.decls[0].value), "(< orders_90d (* 0.5% orders_prev_90d))");
  const auto& cause = f.decls[1];
  EXPECT_EQ(cause.kind, "cause");
  EXPECT_EQ(cause.name, "QUALITY_UNSTABLE");
  ASSERT_EQ(cause.props.size(), 4u);
  EXPECT_EQ(cause.props[0].key, "label");
  ASSERT_EQ(cause.props[0].text->parts.size(), 2u);
  EXPECT_EQ(cause.props[0].text->parts[0].lang, "zh");
  EXPECT_EQ(cause.props[0].text->parts[0].value, "质量不稳定");
  EXPECT_EQ(cause.props[0].text->parts[1].lang, "en");
  EXPECT_EQ(sexpr(*cause.props[2].expr),
            "(or (>= quality_complaints_90d 3) (> defect_rate 0.02%))");
  const auto& because = *cause.props[3].text;
  ASSERT_EQ(because.parts.size(), 2u);
  EXPECT_EQ(because.parts[1].lang, "zh");
  const auto& tactic = f.decls[2];
  ASSERT_EQ(tactic.props.size(), 4u);
  EXPECT_EQ(tactic.props[1].key, "answers");
  ASSERT_EQ(tactic.props[1].ids.size(), 1u);
  EXPECT_EQ(tactic.props[1].ids[0].name, "QUALITY_UNSTABLE");
  EXPECT_EQ(tactic.props[3].key, "cooldown");
  EXPECT_EQ(sexpr(*tactic.props[3].expr), "30");
  ASSERT_EQ(f.comments.size(), 1u);
  EXPECT_EQ(f.comments[0].text,
            " Orders in the last 90 days fell below half of the 90 days before.");
  EXPECT_FALSE(f.comments[0].trailing);
}

// ---------------------------------------------------------------------------- expressions

TEST(SyntaxExpr, Precedence) {
  EXPECT_EQ(expr_of("a or b and c"), "(or a (and b c))");
  EXPECT_EQ(expr_of("a and b or c"), "(or (and a b) c)");
  EXPECT_EQ(expr_of("not a == b"), "(not (== a b))");
  EXPECT_EQ(expr_of("not a and b"), "(and (not a) b)");
  EXPECT_EQ(expr_of("-x * y"), "(* (- x) y)");
  EXPECT_EQ(expr_of("a + b * c - d / e"), "(- (+ a (* b c)) (/ d e))");
  EXPECT_EQ(expr_of("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(expr_of("(a - b) * c"), "(* (- a b) c)");
  EXPECT_EQ(expr_of("x between 1 and 2 and y"), "(and (between x 1 2) y)");
  EXPECT_EQ(expr_of("x between a + 1 and b * 2"), "(between x (+ a 1) (* b 2))");
  EXPECT_EQ(expr_of("a or b or c"), "(or (or a b) c)");
  EXPECT_EQ(expr_of("not not a"), "(not (not a))");
  EXPECT_EQ(expr_of("- -a"), "(- (- a))");
  EXPECT_EQ(expr_of("a + -b"), "(+ a (- b))");
  EXPECT_EQ(expr_of("a < b + 1"), "(< a (+ b 1))");
}

TEST(SyntaxExpr, ComparisonsInListsAndCounts) {
  EXPECT_EQ(expr_of("credit_grade in [BB, B, F]"), "(in credit_grade (list BB B F))");
  EXPECT_EQ(expr_of("x not in [1, 2]"), "(not in x (list 1 2))");
  EXPECT_EQ(expr_of("[]"), "(list)");
  EXPECT_EQ(expr_of("count(recent_actions)"), "(count recent_actions)");
  EXPECT_EQ(expr_of("count(recent_actions where outcome == \"declined\" and days_ago <= 90)"),
            "(count recent_actions (and (== outcome \"declined\") (<= days_ago 90)))");
  EXPECT_EQ(expr_of("pct_change(a, b) < -30%"), "(< (call pct_change a b) (- 0.3%))");
  EXPECT_EQ(expr_of("known()"), "(call known)");
  EXPECT_EQ(expr_of("metrics.nps >= 7 and attributes.region != \"north\""),
            "(and (>= metrics.nps 7) (!= attributes.region \"north\"))");
  EXPECT_EQ(expr_of("true or false"), "(or true false)");
}

TEST(SyntaxExpr, ComparisonsDoNotChain) {
  EXPECT_EQ(expr_of("a < b < c"),
            "ERROR e.rules:1:7: error: expected the end of the comparison (comparisons do not "
            "chain: join them with 'and') but found '<' [parse.expected]");
  EXPECT_EQ(expr_of("a == b in c").substr(0, 20), "ERROR e.rules:1:8: e");
}

TEST(SyntaxExpr, Numbers) {
  const SourceFile src("n.rules", "40%");
  const auto r = parse_expression(src);
  ASSERT_TRUE(r.value);
  EXPECT_EQ(r.value->kind, ast::ExprKind::Number);
  EXPECT_DOUBLE_EQ(r.value->number, 0.4);
  EXPECT_TRUE(r.value->percent);
  EXPECT_EQ(r.value->text, "40%");

  const auto num = [](const std::string& text) {
    const SourceFile s("n.rules", text);
    auto v = parse_expression(s);
    EXPECT_TRUE(v.value) << text;
    return v.value ? *v.value : ast::Expr{};
  };
  EXPECT_DOUBLE_EQ(num("1_000_000").number, 1e6);
  EXPECT_EQ(num("1_000_000").text, "1_000_000");
  EXPECT_FALSE(num("1_000_000").percent);
  EXPECT_DOUBLE_EQ(num("0.35").number, 0.35);
  EXPECT_DOUBLE_EQ(num("1.5e6").number, 1.5e6);
  EXPECT_DOUBLE_EQ(num("2.5E-3").number, 0.0025);
  EXPECT_DOUBLE_EQ(num("12.5%").number, 0.125);
  EXPECT_EQ(num("12.5%").text, "12.5%");
  EXPECT_DOUBLE_EQ(num("1_0.2_5").number, 10.25);
  EXPECT_EQ(num("1e-400").number, 0.0);  // underflow is zero, not an error

  EXPECT_EQ(expr_of("1e999"),
            "ERROR e.rules:1:1: error: expected a number that fits in a double but found "
            "'1e999' [parse.expected]");
  EXPECT_EQ(expr_of("3days"),
            "ERROR e.rules:1:1: error: expected an expression but found "
            "'3days' [parse.expected]");
}

TEST(SyntaxExpr, Strings) {
  const SourceFile src("s.rules", R"("a \"q\" \\ \n \t 中文")");
  const auto r = parse_expression(src);
  ASSERT_TRUE(r.value);
  EXPECT_EQ(r.value->kind, ast::ExprKind::String);
  EXPECT_EQ(r.value->text, "a \"q\" \\ \n \t 中文");
  EXPECT_EQ(r.value->span.begin, 0u);
  EXPECT_EQ(r.value->span.end, src.text().size());
  EXPECT_EQ(expr_of("\"a\\qb\""),
            "ERROR e.rules:1:4: error: expected an escape sequence (\\\" \\\\ \\n or \\t) after "
            "'\\' but found 'qb' [parse.expected]");
  EXPECT_EQ(expr_of("\"abc\n\""),
            "ERROR e.rules:1:5: error: expected '\"' to close the string "
            "but found end of line [parse.expected]");
}

TEST(SyntaxExpr, KeywordsAreNotPrefixesOfNames) {
  EXPECT_EQ(expr_of("order_drop or android"), "(or order_drop android)");
  EXPECT_EQ(expr_of("notes and not nothing"), "(and notes (not nothing))");
  EXPECT_EQ(expr_of("days_ago <= 90 and income between betweenness and inx"),
            "(and (<= days_ago 90) (between income betweenness inx))");
  EXPECT_EQ(expr_of("truex or false_"), "(or truex false_)");
  EXPECT_EQ(expr_of("counts + count(wherever)"), "(+ counts (count wherever))");
  // Property words are names inside expressions.
  EXPECT_EQ(expr_of("weight + rank + days + label"), "(+ (+ (+ weight rank) days) label)");
  // Reserved words are not names.
  EXPECT_EQ(expr_of("and"),
            "ERROR e.rules:1:1: error: expected an expression but found 'and' "
            "[parse.expected]");
  EXPECT_EQ(expr_of("x + where").substr(0, 19), "ERROR e.rules:1:5: ");
}

TEST(SyntaxExpr, Spans) {
  const SourceFile src("e.rules", "a  +  f(b, [c])   *  (d or e)");
  const auto r = parse_expression(src);
  ASSERT_TRUE(r.value);
  const auto slice = [&](const ast::Expr& e) { return std::string(src.slice(e.span)); };
  const ast::Expr& add = *r.value;
  EXPECT_EQ(slice(add), "a  +  f(b, [c])   *  (d or e)");
  EXPECT_EQ(slice(add.args[0]), "a");
  const ast::Expr& mul = add.args[1];
  EXPECT_EQ(slice(mul), "f(b, [c])   *  (d or e)");
  EXPECT_EQ(slice(mul.args[0]), "f(b, [c])");
  EXPECT_EQ(mul.args[0].text, "f");
  EXPECT_EQ(slice(mul.args[0].args[1]), "[c]");
  EXPECT_EQ(slice(mul.args[1]), "(d or e)");  // parentheses included
  EXPECT_EQ(slice(mul.args[1].args[1]), "e");

  const SourceFile src2("e.rules", "not  x   between 1 and 2 # c\n");
  const auto r2 = parse_expression(src2);
  ASSERT_TRUE(r2.value);
  EXPECT_EQ(std::string(src2.slice(r2.value->span)), "not  x   between 1 and 2");
  EXPECT_EQ(std::string(src2.slice(r2.value->args[0].span)), "x   between 1 and 2");
}

TEST(SyntaxExpr, ParseExpressionNeedsTheWholeText) {
  EXPECT_EQ(expr_of("a b"),
            "ERROR e.rules:1:3: error: expected the end of the expression but "
            "found 'b' [parse.expected]");
  EXPECT_EQ(expr_of(""),
            "ERROR e.rules:1:1: error: expected an expression but found end of "
            "file [parse.expected]");
  EXPECT_EQ(expr_of("f(a,"),
            "ERROR e.rules:1:4: error: expected ')' but found ',' "
            "[parse.expected]");
  EXPECT_EQ(expr_of("  a  # comment"), "a");
}

// ---------------------------------------------------------------------------- files

TEST(SyntaxFile, AllPropertiesAndSpans) {
  Parsed p(R"(ruleset demo version "2.1"
import "common.rules"
import "more/tiers.rules"

tactic T {
  answers A, B
  answers any
  every 180 days since last_visit_days
  sets tier
  max_tactics 3
  rank revenue_12m
  by (a + b) / 2
  fallback revenue_rank_pct
  band VIP top 1% label zh "V" en "VIP"
  band LOW below 10
  band MID at_least 10
  band REST rest
}
credit_check C { when x }
account AC { when y }
segment S { when z }
settings { max_tactics 4 }
)");
  ASSERT_TRUE(p.result.file) << render_text(p.result.diagnostics.front());
  const auto& f = p.file();
  EXPECT_EQ(p.slice(f.header->span), "ruleset demo version \"2.1\"");
  ASSERT_EQ(f.imports.size(), 2u);
  EXPECT_EQ(f.imports[1].path, "more/tiers.rules");
  EXPECT_EQ(p.slice(f.imports[1].span), "import \"more/tiers.rules\"");
  ASSERT_EQ(f.decls.size(), 5u);
  const auto& t = f.decls[0];
  EXPECT_EQ(p.slice(t.name_span), "T");
  EXPECT_EQ(p.slice(t.span).substr(0, 10), "tactic T {");
  EXPECT_EQ(p.slice(t.span).back(), '}');
  const auto& props = t.props;
  ASSERT_EQ(props.size(), 12u);
  EXPECT_EQ(props[0].ids.size(), 2u);
  EXPECT_EQ(p.slice(props[0].ids[1].span), "B");
  EXPECT_EQ(p.slice(props[0].span), "answers A, B");
  EXPECT_EQ(p.slice(props[0].key_span), "answers");
  EXPECT_TRUE(props[1].any);
  EXPECT_EQ(props[2].key, "every");
  EXPECT_EQ(sexpr(*props[2].expr), "180");
  EXPECT_EQ(props[2].since->text, "last_visit_days");
  EXPECT_EQ(p.slice(props[2].span), "every 180 days since last_visit_days");
  EXPECT_EQ(props[3].word.name, "tier");
  EXPECT_EQ(p.slice(props[3].word.span), "tier");
  EXPECT_EQ(props[4].key, "max_tactics");
  EXPECT_EQ(props[5].key, "rank");
  EXPECT_EQ(sexpr(*props[6].expr), "(/ (+ a b) 2)");
  EXPECT_EQ(props[7].key, "fallback");
  const auto& vip = *props[8].band;
  EXPECT_EQ(props[8].key, "band");
  EXPECT_EQ(vip.id, "VIP");
  EXPECT_EQ(p.slice(vip.id_span), "VIP");
  EXPECT_EQ(vip.bound, ast::BandBound::Top);
  EXPECT_DOUBLE_EQ(vip.value->number, 0.01);
  ASSERT_TRUE(vip.label);
  EXPECT_EQ(vip.label->parts.size(), 2u);
  EXPECT_EQ(p.slice(props[8].span), "band VIP top 1% label zh \"V\" en \"VIP\"");
  EXPECT_EQ(props[9].band->bound, ast::BandBound::Below);
  EXPECT_EQ(props[10].band->bound, ast::BandBound::AtLeast);
  EXPECT_EQ(props[11].band->bound, ast::BandBound::Rest);
  EXPECT_FALSE(props[11].band->value);
  EXPECT_EQ(f.decls[1].kind, "credit_check");
  EXPECT_EQ(f.decls[2].kind, "account");
  EXPECT_EQ(f.decls[3].kind, "segment");
  EXPECT_EQ(f.decls[4].kind, "settings");
  EXPECT_EQ(f.decls[4].name, "");
  EXPECT_EQ(sexpr(*f.decls[4].props[0].expr), "4");
}

TEST(SyntaxFile, TextsAndTemplates) {
  Parsed p(
      "cause A {\n"
      "  because en \"x \\\"q\\\" {defect_rate:%} and {{lit}} {coalesce(n, \\\"?\\\"):.1}\"\n"
      "          \"{a + b}\"\n"
      "}\n");
  ASSERT_TRUE(p.result.file) << render_text(p.result.diagnostics.front());
  const auto& text = *p.file().decls[0].props[0].text;
  ASSERT_EQ(text.parts.size(), 2u);
  const auto& en = text.parts[0];
  EXPECT_EQ(en.lang, "en");
  EXPECT_EQ(en.value, "x \"q\" {defect_rate:%} and {{lit}} {coalesce(n, \"?\"):.1}");
  EXPECT_EQ(p.slice(en.span).front(), '"');
  EXPECT_EQ(p.slice(en.span).back(), '"');
  ASSERT_EQ(en.pieces.size(), 4u);
  EXPECT_EQ(en.pieces[0].literal, "x \"q\" ");
  ASSERT_TRUE(en.pieces[1].expr);
  EXPECT_EQ(en.pieces[1].format, "%");
  EXPECT_EQ(en.pieces[1].expr->text, "defect_rate");
  // The placeholder's span points into the file, past the escapes before it.
  EXPECT_EQ(p.slice(en.pieces[1].expr->span), "defect_rate");
  EXPECT_EQ(p.source.location(en.pieces[1].expr->span.begin).line, 2);
  EXPECT_EQ(p.source.location(en.pieces[1].expr->span.begin).column, 24);
  EXPECT_EQ(en.pieces[2].literal, " and {lit} ");
  EXPECT_EQ(en.pieces[3].format, ".1");
  EXPECT_EQ(sexpr(*en.pieces[3].expr), "(call coalesce n \"?\")");
  // Spans of a placeholder with escaped quotes cover the raw text.
  EXPECT_EQ(p.slice(en.pieces[3].expr->span), "coalesce(n, \\\"?\\\")");
  EXPECT_EQ(p.slice(en.pieces[3].expr->args[1].span), "\\\"?\\\"");
  const auto& second = text.parts[1];
  EXPECT_EQ(second.lang, "");
  ASSERT_EQ(second.pieces.size(), 1u);
  EXPECT_EQ(sexpr(*second.pieces[0].expr), "(+ a b)");
  EXPECT_EQ(p.slice(second.pieces[0].expr->args[1].span), "b");
  EXPECT_EQ(p.slice(text.span), p.slice({en.span.begin - 3, second.span.end}));
}

TEST(SyntaxFile, TemplateErrors) {
  Parsed p(
      "cause A {\n"
      "  label \"{x:.3}\" en \"{y\"\n"
      "  because \"a } b\" \"{}\" \"{a +}\"\n"
      "}\n");
  EXPECT_FALSE(p.result.file);
  EXPECT_EQ(heads(p.result.diagnostics),
            (std::vector<std::string>{
                "t.rules:2:13: error: expected a format '%', '.0', '.1' or '.2' after ':' but "
                "found '.3' [parse.expected]",
                "t.rules:2:22: error: expected '}' to close the placeholder '{' but found the "
                "end of the text [parse.expected]",
                "t.rules:3:14: error: expected '}}' for a literal brace in a text but found '}' "
                "[parse.expected]",
                "t.rules:3:21: error: expected an expression in the placeholder but found '}' "
                "[parse.expected]",
                "t.rules:3:29: error: expected an expression but found the end of the "
                "placeholder [parse.expected]",
            }));
}

TEST(SyntaxFile, CommentsAreCollectedButNotInsideStrings) {
  Parsed p(
      "# head\n"
      "let a = 1  # trailing\n"
      "let b = \"# not a comment\" # real\n"
      "  # indented\n");
  ASSERT_TRUE(p.result.file);
  const auto& c = p.file().comments;
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].text, " head");
  EXPECT_FALSE(c[0].trailing);
  EXPECT_EQ(c[1].text, " trailing");
  EXPECT_TRUE(c[1].trailing);
  EXPECT_EQ(p.slice(c[1].span), "# trailing");
  EXPECT_EQ(c[2].text, " real");
  EXPECT_TRUE(c[2].trailing);
  EXPECT_EQ(c[3].text, " indented");
  EXPECT_FALSE(c[3].trailing);
  EXPECT_EQ(p.file().decls[1].value->text, "# not a comment");
}

TEST(SyntaxFile, PropertyWordsStartPropertiesOnlyAtTheStartOfALine) {
  Parsed ok("cause A {\n  label \"x\"\n  when a or\n    b and weight > 1\n  weight 0.2\n}\n");
  ASSERT_TRUE(ok.result.file) << render_text(ok.result.diagnostics.front());
  EXPECT_EQ(sexpr(*ok.file().decls[0].props[1].expr), "(or a (and b (> weight 1)))");
  EXPECT_EQ(ok.file().decls[0].props[2].key, "weight");

  // A language tag is never a property word.
  Parsed texts("cause A {\n  label \"x\"\n  because \"y\"\n}\n");
  ASSERT_TRUE(texts.result.file);
  EXPECT_EQ(texts.file().decls[0].props.size(), 2u);

  // A band's label is on the band's line; `label` starting a line is the block's label.
  Parsed bands("tiers T {\n  by x\n  band A rest\n  label \"t\"\n}\n");
  ASSERT_TRUE(bands.result.file) << render_text(bands.result.diagnostics.front());
  ASSERT_EQ(bands.file().decls[0].props.size(), 3u);
  EXPECT_FALSE(bands.file().decls[0].props[1].band->label);
  EXPECT_EQ(bands.file().decls[0].props[2].key, "label");

  Parsed bad("cause A {\n  weight 0.3 +\n  when a\n}\n");
  EXPECT_EQ(heads(bad.result.diagnostics),
            (std::vector<std::string>{"t.rules:3:3: error: expected an expression but found "
                                      "'when' [parse.expected]"}));
}

// ---------------------------------------------------------------------------- errors

TEST(SyntaxErrors, PositionsAndMessages) {
  Parsed p(
      "ruleset x version \"1\"\n"
      "\n"
      "cause A {\n"
      "  label \"a\"\n"
      "  when a >\n"
      "}\n",
      "rules/causes.rules");
  EXPECT_FALSE(p.result.file);
  ASSERT_EQ(p.result.diagnostics.size(), 1u);
  const Diagnostic& d = p.result.diagnostics[0];
  EXPECT_EQ(d.code, "parse.expected");
  EXPECT_EQ(d.severity, Severity::Error);
  EXPECT_EQ(d.line, 6);
  EXPECT_EQ(d.column, 1);
  EXPECT_EQ(render_text(d),
            "rules/causes.rules:6:1: error: expected an expression but found '}' "
            "[parse.expected]\n"
            "  }\n"
            "  ^\n");
}

TEST(SyntaxErrors, ExpectedDescriptions) {
  const auto first = [](const std::string& text) {
    Parsed p(text);
    EXPECT_FALSE(p.result.file) << text;
    return p.result.diagnostics.empty() ? std::string("none") : head(p.result.diagnostics[0]);
  };
  EXPECT_EQ(first("cause A {\n  label \"x\"\n"),
            "t.rules:3:1: error: expected '}' to close the cause block but found end of file "
            "[parse.expected]");
  EXPECT_EQ(first("tactic T label \"x\" }"),
            "t.rules:1:10: error: expected '{' to open the tactic block but found 'label' "
            "[parse.expected]");
  EXPECT_EQ(first("segment S {\n  colour 3\n}"),
            "t.rules:2:3: error: expected a property such as 'label', 'when' or 'weight' but "
            "found 'colour' [parse.expected]");
  EXPECT_EQ(first("let = 3"), "t.rules:1:5: error: expected a name but found '=' [parse.expected]");
  EXPECT_EQ(first("let x 3"), "t.rules:1:7: error: expected '=' but found '3' [parse.expected]");
  EXPECT_EQ(first("let and = 3"),
            "t.rules:1:5: error: expected a name but found 'and' [parse.expected]");
  EXPECT_EQ(first("hello"),
            "t.rules:1:1: error: expected a declaration such as 'let', 'cause', 'tactic', "
            "'segment' or 'tiers' but found 'hello' [parse.expected]");
  EXPECT_EQ(first("tactic T {\n  cooldown 3 weeks\n}"),
            "t.rules:2:14: error: expected 'days' but found 'weeks' [parse.expected]");
  EXPECT_EQ(first("tiers X {\n  band A above 3\n}"),
            "t.rules:2:10: error: expected a band bound ('top', 'below', 'at_least' or 'rest') "
            "but found 'above' [parse.expected]");
  EXPECT_EQ(first("tactic T {\n  answers\n}"),
            "t.rules:3:1: error: expected a cause id or 'any' but found '}' [parse.expected]");
  EXPECT_EQ(first("cause A {\n  label\n}"),
            "t.rules:3:1: error: expected a text such as \"...\" or en \"...\" but found '}' "
            "[parse.expected]");
  EXPECT_EQ(first("ruleset x version 1"),
            "t.rules:1:19: error: expected a string but found '1' [parse.expected]");
  EXPECT_EQ(first("let x = a\nimport \"b\""),
            "t.rules:2:1: error: expected a declaration but found 'import': imports come "
            "before all declarations [parse.expected]");
  EXPECT_EQ(first("let x = f(a\n"),
            "t.rules:2:1: error: expected ')' but found end of file [parse.expected]");
  EXPECT_EQ(first("let x = a @ b"),
            "t.rules:1:11: error: expected a declaration such as 'let', 'cause', 'tactic', "
            "'segment' or 'tiers' but found '@' [parse.expected]");
}

TEST(SyntaxErrors, EveryErrorOfAFileAtOnceWithRecovery) {
  Parsed p(
      "ruleset x version \"1\"\n"       // 1
      "cause A {\n"                     // 2
      "  label \"a\"\n"                 // 3
      "  when a and\n"                  // 4
      "}\n"                             // 5
      "let ok = 1\n"                    // 6
      "let bad = (1 + \n"               // 7
      "tactic T {\n"                    // 8
      "  label \"t\"\n"                 // 9
      "  priority 1\n"                  // 10
      "segment S {\n"                   // 11
      "  label \"s\" when x == == y\n"  // 12
      "}\n"                             // 13
      "  let fine = 2\n"                // 14
      "let x = \"unterminated\n"        // 15
      "settings { max_tactics 3 }\n");  // 16
  EXPECT_FALSE(p.result.file);
  EXPECT_EQ(heads(p.result.diagnostics),
            (std::vector<std::string>{
                "t.rules:5:1: error: expected an expression but found '}' [parse.expected]",
                "t.rules:8:1: error: expected an expression but found 'tactic' [parse.expected]",
                "t.rules:11:1: error: expected '}' to close the tactic block but found "
                "'segment' [parse.expected]",
                "t.rules:12:23: error: expected an expression but found '==' [parse.expected]",
                "t.rules:15:22: error: expected '\"' to close the string but found end of line "
                "[parse.expected]",
            }));
}

TEST(SyntaxErrors, RecoveryAlwaysProgresses) {
  // Errors at the very start of items, at the end of the file, and items on one line.
  for (const std::string text :
       {"}", "{", "cause", "cause A", "cause A {", "let", "let x =", "ruleset", "import",
        "cause cause cause", "let x = 1 let y = let", "tiers T { band }", "\"\"", "# only\n",
        "settings settings { }", "let x = [1, 2", "let x = count(", "let x = count(a where"}) {
    Parsed p(text);
    if (text == "# only\n") {
      EXPECT_TRUE(p.result.file);
      continue;
    }
    EXPECT_FALSE(p.result.file) << text;
    EXPECT_FALSE(p.result.diagnostics.empty()) << text;
    EXPECT_LE(p.result.diagnostics.size(), 3u) << text;
  }
}

TEST(SyntaxErrors, InvalidUtf8) {
  Parsed p("let a = \"ok \xff\xfe\"\n# comment \xc3\x28\nlet b = 1\n");
  EXPECT_FALSE(p.result.file);
  EXPECT_EQ(heads(p.result.diagnostics),
            (std::vector<std::string>{
                "t.rules:1:13: error: invalid UTF-8: byte 0xFF [parse.utf8]",
                "t.rules:2:11: error: invalid UTF-8: byte 0xC3 [parse.utf8]",
            }));
  // Overlong encodings and surrogates are not UTF-8 either.
  Parsed overlong("let a = \"\xc0\xaf\"");
  ASSERT_FALSE(overlong.result.diagnostics.empty());
  EXPECT_EQ(overlong.result.diagnostics[0].code, "parse.utf8");
  Parsed surrogate("let a = \"\xed\xa0\x80\"");
  ASSERT_FALSE(surrogate.result.diagnostics.empty());
  EXPECT_EQ(surrogate.result.diagnostics[0].code, "parse.utf8");
  // Valid multi-byte text is fine.
  Parsed fine("let a = \"质量 é 😀\"");
  EXPECT_TRUE(fine.result.file);
}

TEST(SyntaxErrors, DeepNestingIsAnErrorNotACrash) {
  const auto nested = [](int depth, const std::string& open, const std::string& close) {
    std::string s = "let x = ";
    for (int i = 0; i < depth; ++i) s += open;
    s += "a";
    for (int i = 0; i < depth; ++i) s += close;
    return s + "\n";
  };
  Parsed ok(nested(200, "(", ")"));
  EXPECT_TRUE(ok.result.file) << render_text(ok.result.diagnostics.front());
  Parsed lists(nested(150, "[", "]"));
  EXPECT_TRUE(lists.result.file);

  Parsed deep(nested(100000, "(", ")") + "let y = 1 +\n");
  EXPECT_FALSE(deep.result.file);
  ASSERT_EQ(deep.result.diagnostics.size(), 2u);
  EXPECT_EQ(deep.result.diagnostics[0].code, "parse.too-deep");
  EXPECT_EQ(head(deep.result.diagnostics[0]),
            "t.rules:1:210: error: expression nested deeper than 200 levels [parse.too-deep]");
  // Recovery goes on after it.
  EXPECT_EQ(deep.result.diagnostics[1].line, 3);

  for (const std::string& text :
       {nested(100000, "not ", ""), nested(100000, "-", ""), nested(100000, "[", "]"),
        nested(100000, "f(", ")"), nested(50000, "count(a where ", ")"),
        "cause A {\n  because \"{" + std::string(5000, '(') + "x" + std::string(5000, ')') +
            "}\"\n}\n"}) {
    Parsed p(text);
    EXPECT_FALSE(p.result.file);
    ASSERT_FALSE(p.result.diagnostics.empty());
    EXPECT_EQ(p.result.diagnostics[0].code, "parse.too-deep") << text.substr(0, 30);
  }
  const SourceFile src("e.rules", std::string(100000, '(') + "1" + std::string(100000, ')'));
  const auto r = parse_expression(src);
  EXPECT_FALSE(r.value);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "parse.too-deep");
}

TEST(SyntaxErrors, ArbitraryBytesNeverCrash) {
  std::mt19937 rng(42);
  const std::string alphabet = "abc_ (){}[]\"\\#%.,:=<>!+-*/0123456789\n\t\r\x00\xff\xc3";
  const std::vector<std::string> words = {
      "cause ", "let ",  "tiers ",   "band ",    "label ",    "when ",    "and ",
      "or ",    "not ",  "between ", "in ",      "count(",    "where ",   "top ",
      "rest ",  "days ", "since ",   "\"{x}\" ", "settings ", "answers ", "any ",
      "every ", "sets ", "import ",  "ruleset ", "version "};
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    const int len = static_cast<int>(rng() % 120);
    for (int k = 0; k < len; ++k) {
      if (rng() % 3 == 0) {
        text += words[rng() % words.size()];
      } else {
        text += alphabet[rng() % alphabet.size()];
      }
    }
    Parsed p(text);
    EXPECT_EQ(p.result.file.has_value(), p.result.diagnostics.empty()) << text;
    for (const auto& d : p.result.diagnostics) {
      EXPECT_LE(d.span.begin, text.size());
      EXPECT_LE(d.span.end, text.size());
      EXPECT_LE(d.span.begin, d.span.end);
    }
  }
  Parsed nul(std::string("let a = 1\0 + 2", 14));
  EXPECT_FALSE(nul.result.file);
  ASSERT_FALSE(nul.result.diagnostics.empty());
  EXPECT_EQ(head(nul.result.diagnostics[0]),
            "t.rules:1:10: error: expected a declaration such as 'let', 'cause', 'tactic', "
            "'segment' or 'tiers' but found the control character 0x00 [parse.expected]");
}

TEST(SyntaxErrors, LongChainsAreBoundedToo) {
  // `a or a or ...` nests in the tree without parentheses: the operator limit keeps the tree
  // shallow enough for recursive walks.
  const auto chain = [](int n) {
    std::string s = "let x = a";
    for (int i = 1; i < n; ++i) s += " or a";
    return s + "\n";
  };
  Parsed ok(chain(1000));
  EXPECT_TRUE(ok.result.file);
  Parsed many(chain(200000) + "let y = 1 +\n");
  EXPECT_FALSE(many.result.file);
  ASSERT_EQ(many.result.diagnostics.size(), 2u);
  EXPECT_EQ(head(many.result.diagnostics[0]),
            "t.rules:1:5014: error: expression too large: more than 1000 operators, calls and "
            "lists [parse.too-deep]");
  EXPECT_EQ(many.result.diagnostics[1].line, 3);
  // Lists of leaves do not count per element.
  std::string list = "let x = [";
  for (int i = 0; i < 5000; ++i) list += std::to_string(i) + ", ";
  Parsed big_list(list + "0]\n");
  EXPECT_TRUE(big_list.result.file);
}

TEST(SyntaxErrors, HeaderMustComeFirst) {
  Parsed p("let a = 1\nruleset x version \"1\"\n");
  EXPECT_EQ(heads(p.result.diagnostics),
            (std::vector<std::string>{
                "t.rules:2:1: error: expected a declaration but found 'ruleset': the header "
                "comes before imports and declarations [parse.expected]"}));
}

}  // namespace
}  // namespace retain::syntax
