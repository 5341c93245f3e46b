// editors/: the TextMate grammar is valid JSON naming source.retain, its patterns compile, it
// knows every keyword of the language, and the VS Code manifest points at it.
#include <regex>

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace retain::analyst {
namespace {

using namespace retain::analyst::testing;
namespace pb = google::protobuf;

pb::Struct parse_json(const fs::path& path) {
  pb::Struct doc;
  const auto status = pb::util::JsonStringToMessage(read_text(path), &doc);
  EXPECT_TRUE(status.ok()) << path << ": " << status.ToString();
  return doc;
}

// Every "match", "begin" and "end" regex of the grammar.
void collect_patterns(const pb::Value& v, std::vector<std::string>& out) {
  if (v.has_struct_value()) {
    for (const auto& [k, x] : v.struct_value().fields()) {
      if ((k == "match" || k == "begin" || k == "end") && x.has_string_value()) {
        out.push_back(x.string_value());
      } else {
        collect_patterns(x, out);
      }
    }
  } else if (v.has_list_value()) {
    for (const auto& x : v.list_value().values()) collect_patterns(x, out);
  }
}

const fs::path kGrammar = kSourceDir / "editors/textmate/retain.tmLanguage.json";

TEST(Editors, GrammarIsJsonNamingSourceRetain) {
  const auto doc = parse_json(kGrammar);
  ASSERT_TRUE(doc.fields().count("scopeName"));
  EXPECT_EQ(doc.fields().at("scopeName").string_value(), "source.retain");
  ASSERT_TRUE(doc.fields().count("repository"));
  EXPECT_EQ(doc.fields().at("fileTypes").list_value().values(0).string_value(), "rules");
}

TEST(Editors, PatternsCompileAndMatchTheLanguage) {
  pb::Value root;
  *root.mutable_struct_value() = parse_json(kGrammar);
  std::vector<std::string> patterns;
  collect_patterns(root, patterns);
  ASSERT_GT(patterns.size(), 15u);
  std::string all;
  for (const auto& p : patterns) {
    EXPECT_NO_THROW(std::regex(p, std::regex::ECMAScript)) << p;
    all += p + "\n";
  }
  for (const char* word :
       {"ruleset", "version",      "import",  "let",      "cause",    "tactic",   "segment",
        "account", "credit_check", "tiers",   "settings", "and",      "or",       "not",
        "in",      "between",      "true",    "false",    "count",    "where",    "label",
        "when",    "weight",       "because", "answers",  "priority", "cooldown", "every",
        "since",   "rank",         "by",      "fallback", "sets",     "band",     "top",
        "rest",    "max_tactics"}) {
    EXPECT_THAT(all, ::testing::HasSubstr(word)) << word;
  }
  // Rule ids and percentages.
  const std::regex number("\\b[0-9][0-9_]*(?:\\.[0-9_]+)?(?:[eE][+-]?[0-9]+)?(%)?");
  std::smatch m;
  const std::string pct = "weight 40%";
  ASSERT_TRUE(std::regex_search(pct, m, number));
  EXPECT_EQ(m.str(0), "40%");
}

TEST(Editors, VsCodeManifestPointsAtTheGrammar) {
  const auto manifest = parse_json(kSourceDir / "editors/vscode/package.json");
  const auto& grammar = manifest.fields()
                            .at("contributes")
                            .struct_value()
                            .fields()
                            .at("grammars")
                            .list_value()
                            .values(0);
  EXPECT_EQ(grammar.struct_value().fields().at("scopeName").string_value(), "source.retain");
  const fs::path path =
      kSourceDir / "editors/vscode" / grammar.struct_value().fields().at("path").string_value();
  EXPECT_TRUE(fs::exists(path)) << path;
  EXPECT_EQ(read_text(path), read_text(kGrammar));
  parse_json(kSourceDir / "editors/vscode/language-configuration.json");
}

}  // namespace
}  // namespace retain::analyst
