// retain explain: why a tactic is not proposed, and the smallest single-field change that
// proposes it. Each suggested change is applied to the profile here, independently of the
// search, and re-evaluated; minimality is checked on the neighbouring value.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "analyst/explain.hpp"
#include "analyst/explain_phrases.hpp"
#include "batch/stats_file.hpp"
#include "engine/profile_json.hpp"
#include "test_support.hpp"

namespace retain::analyst {
namespace {

using namespace retain::analyst::testing;
using ::testing::HasSubstr;
using ::testing::Not;
namespace pb = google::protobuf;

const std::string kRules = R"(ruleset explain_rules version "1"

cause QUALITY_UNSTABLE {
  label zh "质量不稳定" en "Unstable quality"
  weight 0.35
  when quality_complaints_90d >= 3 or defect_rate > 2%
  because en "{quality_complaints_90d} quality complaints" zh "质量投诉{quality_complaints_90d}次"
}

cause STAFF_TURNOVER {
  label zh "员工跳槽带走客户" en "Account manager left"
  weight 0.4
  when account_manager_changed_days <= 90 and days_since_last_contact > 30
}

let lost = is_lost or coalesce(days_since_last_order, 0) > days(180)

tactic QUALITY_MARKETING {
  label zh "做好质量营销" en "Make quality the selling point"
  answers QUALITY_UNSTABLE
  priority 2
  cooldown 30 days
}

tactic BUILD_CUSTOMER_TIES {
  label zh "与客户建立关联" en "Tie the customer to the company"
  answers STAFF_TURNOVER
  priority 1
  cooldown 60 days
}

tactic CHURN_COST_ANALYSIS {
  label zh "对流失的客户进行成本分析" en "Analyse the cost of the lost customer"
  when lost
  priority 3
}

tactic SOOTHE {
  label en "Soothe"
  when satisfaction < 5 and not is_lost
  priority 4
}
)";

struct Loaded {
  RuleSetPtr rules;
  std::shared_ptr<const Explainer> explainer;
};

Loaded load(const std::string& text) {
  const std::map<std::string, std::string> files = {{"r.rules", text}};
  auto rules = load_rules_from_memory(files);
  auto checked = check_rules_from_memory(files);
  EXPECT_TRUE(rules.value && checked.value);
  std::string error;
  auto explainer = Explainer::create(*rules.value, *checked.value, &error);
  EXPECT_TRUE(explainer) << error;
  return {*rules.value, explainer};
}

v1::CustomerProfile profile_from(const std::string& json) {
  auto parsed = parse_profiles_json(json);
  EXPECT_TRUE(parsed.errors.empty()) << parsed.errors.front();
  EXPECT_EQ(parsed.profiles.size(), 1u);
  return parsed.profiles.empty() ? v1::CustomerProfile() : parsed.profiles.front();
}

const WhyNot* find(const Explanation& e, const std::string& tactic) {
  for (const auto& w : e.why_not) {
    if (w.tactic == tactic) return &w;
  }
  return nullptr;
}

bool proposes(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
              const std::string& tactic) {
  const v1::Decision decision = decide(rules, profile);
  for (const auto& t : decision.tactics()) {
    if (t.id() == tactic) return true;
  }
  return false;
}

// Sets a profile field from the text `retain explain` shows (a number, true/false, an enum
// name, a quoted string), written here by hand so the test does not reuse the search's code.
void set_field(v1::CustomerProfile& p, const std::string& field, const std::string& value) {
  if (field.rfind("metrics.", 0) == 0) {
    (*p.mutable_metrics())[field.substr(8)] = std::stod(value);
    return;
  }
  if (field.rfind("attributes.", 0) == 0) {
    (*p.mutable_attributes())[field.substr(11)] = value.substr(1, value.size() - 2);
    return;
  }
  const pb::FieldDescriptor* f = p.GetDescriptor()->FindFieldByName(field);
  ASSERT_NE(f, nullptr) << field;
  const pb::Reflection* r = p.GetReflection();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      r->SetInt32(&p, f, std::stoi(value));
      break;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      r->SetDouble(&p, f, std::stod(value));
      break;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      r->SetBool(&p, f, value == "true");
      break;
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      ASSERT_NE(f->enum_type()->FindValueByName(value), nullptr) << value;
      r->SetEnumValue(&p, f, f->enum_type()->FindValueByName(value)->number());
      break;
    default:
      FAIL() << "unexpected field type of " << field;
  }
}

bool is_integer_field(const std::string& field) {
  const pb::FieldDescriptor* f = v1::CustomerProfile::descriptor()->FindFieldByName(field);
  return f != nullptr && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32;
}

// Applies every suggested change and checks the tactic then fires, and for integers that
// the value one closer to the current one does not.
void expect_changes_verified(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
                             const WhyNot& w) {
  for (const auto& c : w.changes) {
    SCOPED_TRACE(w.tactic + ": " + c.field + " " + c.from + " -> " + c.to);
    EXPECT_TRUE(c.verified);
    v1::CustomerProfile changed = profile;
    set_field(changed, c.field, c.to);
    EXPECT_TRUE(proposes(rules, changed, w.tactic));
    if (is_integer_field(c.field) && c.from != "unset") {
      const int from = std::stoi(c.from), to = std::stoi(c.to);
      v1::CustomerProfile before = profile;
      set_field(before, c.field, std::to_string(to > from ? to - 1 : to + 1));
      EXPECT_FALSE(proposes(rules, before, w.tactic)) << "not the smallest change";
    }
    if (!c.checked_step.empty()) {
      v1::CustomerProfile step = profile;
      set_field(step, c.field, c.checked_step);
      EXPECT_FALSE(proposes(rules, step, w.tactic)) << "fires at " << c.checked_step;
    }
  }
}

TEST(Explain, NoCauseFiredNamesTheFailingPartWithValues) {
  const auto [rules, explainer] = load(kRules);
  const auto profile =
      profile_from(R"({"customer_id": "C1", "quality_complaints_90d": 1, "defect_rate": 0.005})");
  const auto e = explainer->explain(profile, nullptr);
  const WhyNot* w = find(e, "QUALITY_MARKETING");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->blocked, Blocked::NoCause);
  ASSERT_EQ(w->causes.size(), 1u);
  EXPECT_EQ(w->causes[0].id, "QUALITY_UNSTABLE");
  EXPECT_EQ(w->causes[0].outcome, "false");
  const auto& parts = w->causes[0].condition.parts;
  ASSERT_EQ(parts.size(), 2u);  // both branches of the `or` failed
  EXPECT_EQ(parts[0].text, "quality_complaints_90d >= 3");
  EXPECT_EQ(parts[0].outcome, "false");
  EXPECT_EQ(parts[0].values.at("quality_complaints_90d"), "1");
  EXPECT_EQ(parts[1].outcome, "false");
  EXPECT_EQ(parts[1].values.at("defect_rate"), "0.005");

  // Smallest: one more complaint is not enough, two more are; the defect rate just over 2%.
  ASSERT_FALSE(w->changes.empty());
  std::map<std::string, FieldChange> by_field;
  for (const auto& c : w->changes) by_field[c.field] = c;
  ASSERT_TRUE(by_field.count("quality_complaints_90d"));
  EXPECT_EQ(by_field["quality_complaints_90d"].from, "1");
  EXPECT_EQ(by_field["quality_complaints_90d"].to, "3");
  ASSERT_TRUE(by_field.count("defect_rate"));
  EXPECT_GT(std::stod(by_field["defect_rate"].to), 0.02);
  EXPECT_LE(std::stod(by_field["defect_rate"].to), 0.021);
  expect_changes_verified(*rules, profile, *w);
  for (std::size_t i = 1; i < w->changes.size(); ++i) {
    EXPECT_LE(w->changes[i - 1].size, w->changes[i].size);
  }
}

TEST(Explain, FalseWhenThroughADefinition) {
  const auto [rules, explainer] = load(kRules);
  const auto profile = profile_from(R"({"customer_id": "C2", "days_since_last_order": 100})");
  const auto e = explainer->explain(profile, nullptr);
  const WhyNot* w = find(e, "CHURN_COST_ANALYSIS");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->blocked, Blocked::WhenFalse);
  ASSERT_TRUE(w->when);
  EXPECT_EQ(w->when->text, "lost");
  EXPECT_EQ(w->when->outcome, "false");
  // `lost` opens into its definition, and that into its two failed branches.
  ASSERT_EQ(w->when->parts.size(), 1u);
  ASSERT_EQ(w->when->parts[0].parts.size(), 2u);
  EXPECT_EQ(w->when->parts[0].parts[1].values.at("days_since_last_order"), "100");

  ASSERT_FALSE(w->changes.empty());
  EXPECT_EQ(w->changes[0].field, "days_since_last_order");
  EXPECT_EQ(w->changes[0].to, "181");
  EXPECT_EQ(w->changes[0].checked_step, "180");
  expect_changes_verified(*rules, profile, *w);
}

TEST(Explain, CooldownNamesTheActionAndDays) {
  const auto [rules, explainer] = load(kRules);
  const auto profile = profile_from(R"({"customer_id": "C3", "quality_complaints_90d": 4,
      "recent_actions": [{"action_id": "QUALITY_MARKETING", "days_ago": 40},
                         {"action_id": "QUALITY_MARKETING", "days_ago": 10}]})");
  const auto e = explainer->explain(profile, nullptr);
  const WhyNot* w = find(e, "QUALITY_MARKETING");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->blocked, Blocked::Cooldown);
  EXPECT_EQ(w->action, "QUALITY_MARKETING");
  EXPECT_EQ(w->days_ago, 10);
  EXPECT_EQ(w->cooldown_days, 30);
  EXPECT_TRUE(w->changes.empty());
  EXPECT_EQ(w->no_change, NoChange::Cooldown);

  const std::string text = render_explanation_text(e, {"en"});
  EXPECT_THAT(text, HasSubstr("QUALITY_MARKETING was taken 10 days ago, cooldown 30 days"));
  EXPECT_THAT(text, HasSubstr("again in 20 days"));
  const std::string zh = render_explanation_text(e, {"zh"});
  EXPECT_THAT(zh, HasSubstr("仍在冷却期：QUALITY_MARKETING 10 天前刚执行过，冷却期为 30 天"));
  EXPECT_THAT(zh, HasSubstr("20 天后才能再次提出"));
}

TEST(Explain, CapNamesTheTacticsRankedBefore) {
  const auto [rules, explainer] = load(kRules + "\nsettings {\n  max_tactics 1\n}\n");
  const auto profile = profile_from(R"({"customer_id": "C4", "quality_complaints_90d": 4,
      "account_manager_changed_days": 10, "days_since_last_contact": 45})");
  const auto e = explainer->explain(profile, nullptr);
  ASSERT_EQ(e.decision.tactics_size(), 1);
  EXPECT_EQ(e.decision.tactics(0).id(), "BUILD_CUSTOMER_TIES");
  const WhyNot* w = find(e, "QUALITY_MARKETING");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->blocked, Blocked::Cap);
  EXPECT_EQ(w->max_tactics, 1);
  EXPECT_EQ(w->ranked_before, std::vector<std::string>{"BUILD_CUSTOMER_TIES"});
  EXPECT_TRUE(w->changes.empty());
  EXPECT_EQ(w->no_change, NoChange::Cap);
  EXPECT_THAT(render_explanation_text(e, {"en"}), HasSubstr("max_tactics is 1"));
  EXPECT_THAT(render_explanation_text(e, {"zh"}),
              HasSubstr("最多提出 1 项挽留措施（max_tactics），按优先级排在它前面的已有 1 项："
                        "BUILD_CUSTOMER_TIES"));
}

TEST(Explain, UnknownFieldIsNamedAndSettingItIsTheChange) {
  const auto [rules, explainer] = load(kRules);
  const auto profile = profile_from(R"({"customer_id": "C5"})");
  const auto e = explainer->explain(profile, nullptr, {"SOOTHE", 3});
  ASSERT_EQ(e.why_not.size(), 1u);  // --tactic: only the one asked about
  const WhyNot& w = e.why_not[0];
  EXPECT_EQ(w.blocked, Blocked::Unknown);
  EXPECT_EQ(w.unknown, std::vector<std::string>{"satisfaction"});
  ASSERT_EQ(w.changes.size(), 1u);
  EXPECT_EQ(w.changes[0].field, "satisfaction");
  EXPECT_EQ(w.changes[0].from, "unset");
  EXPECT_LT(std::stod(w.changes[0].to), 5);
  expect_changes_verified(*rules, profile, w);
}

TEST(Explain, NeedsTwoFieldsSaysSo) {
  const auto [rules, explainer] = load(kRules);
  // STAFF_TURNOVER needs both a recent manager change and no contact for a month.
  const auto profile = profile_from(R"({"customer_id": "C6", "days_since_last_contact": 5})");
  const auto e = explainer->explain(profile, nullptr, {"BUILD_CUSTOMER_TIES", 3});
  ASSERT_EQ(e.why_not.size(), 1u);
  EXPECT_TRUE(e.why_not[0].changes.empty());
  EXPECT_EQ(e.why_not[0].no_change, NoChange::NotFound);
  EXPECT_EQ(e.why_not[0].fields_tried,
            (std::vector<std::string>{"account_manager_changed_days", "days_since_last_contact"}));
  EXPECT_GT(e.why_not[0].candidates_tried, 0);
  EXPECT_THAT(render_explanation_text(e, {"en"}), HasSubstr("more than one field"));
  EXPECT_THAT(render_explanation_text(e, {"zh"}), HasSubstr("很可能需要同时改动多个字段"));
}

TEST(Explain, OnlyTheFailingOperandsOfAnAndAreShown) {
  const auto [rules, explainer] = load(kRules);
  const auto profile = profile_from(
      R"({"customer_id": "C7", "account_manager_changed_days": 10, "days_since_last_contact": 5})");
  const auto e = explainer->explain(profile, nullptr, {"BUILD_CUSTOMER_TIES", 3});
  ASSERT_EQ(e.why_not.size(), 1u);
  ASSERT_EQ(e.why_not[0].causes.size(), 1u);
  const auto& condition = e.why_not[0].causes[0].condition;
  EXPECT_EQ(condition.outcome, "false");
  ASSERT_EQ(condition.parts.size(), 1u);
  EXPECT_EQ(condition.parts[0].text, "days_since_last_contact > 30");
  EXPECT_EQ(condition.parts[0].values.at("days_since_last_contact"), "5");
  ASSERT_EQ(e.why_not[0].changes.size(), 1u);
  EXPECT_EQ(e.why_not[0].changes[0].to, "31");
  expect_changes_verified(*rules, profile, e.why_not[0]);
}

// A boundary no constant names: half of the previous quarter's orders. Found by walking away
// from the current value and narrowing down, on both fields the comparison reads.
TEST(Explain, DerivedBoundaryIsNarrowedDown) {
  const auto [rules, explainer] = load(R"(ruleset derived version "1"

cause ORDERS_HALVED {
  label en "Orders halved"
  weight 0.3
  when orders_90d < 50% * orders_prev_90d
}

tactic CALL {
  label en "Call"
  answers ORDERS_HALVED
}
)");
  const auto profile =
      profile_from(R"({"customer_id": "C8", "orders_90d": 8, "orders_prev_90d": 10})");
  const auto e = explainer->explain(profile, nullptr);
  ASSERT_EQ(e.why_not.size(), 1u);
  std::map<std::string, FieldChange> by_field;
  for (const auto& c : e.why_not[0].changes) by_field[c.field] = c;
  ASSERT_EQ(by_field.size(), 2u);
  EXPECT_EQ(by_field["orders_90d"].to, "4");               // 4 < 5, 5 is not
  EXPECT_EQ(by_field["orders_prev_90d"].to, "17");         // 8 < 8.5, 8 < 8 is not
  EXPECT_EQ(e.why_not[0].changes[0].field, "orders_90d");  // -50% is smaller than +70%
  expect_changes_verified(*rules, profile, e.why_not[0]);
}

// End to end through the CLI on the shipped rules and every example profile: each change
// printed is applied here and re-evaluated.
TEST(ExplainCli, EveryExampleProfileChangesAreVerified) {
  auto loaded = load_rules({(kSourceDir / "rules").string()});
  ASSERT_TRUE(loaded.value);
  const auto& rules = **loaded.value;
  int changes = 0, why_nots = 0;
  for (const auto& entry : fs::directory_iterator(kSourceDir / "examples" / "profiles")) {
    SCOPED_TRACE(entry.path().filename().string());
    const auto r = retain({"explain", "--rules", (kSourceDir / "rules").string(), "--profile",
                           entry.path().string(), "--format", "json"});
    ASSERT_EQ(r.code, 0) << r.err;
    pb::Struct json;
    ASSERT_TRUE(pb::util::JsonStringToMessage(r.out, &json).ok()) << r.out;
    const auto profile = profile_from(read_text(entry.path()));
    EXPECT_EQ(json.fields().at("decision").struct_value().fields().at("customer_id").string_value(),
              profile.customer_id());
    for (const auto& item : json.fields().at("why_not").list_value().values()) {
      const auto& w = item.struct_value().fields();
      ++why_nots;
      WhyNot parsed;
      parsed.tactic = w.at("tactic").string_value();
      EXPECT_FALSE(proposes(rules, profile, parsed.tactic));
      for (const auto& c : w.at("changes").list_value().values()) {
        const auto& f = c.struct_value().fields();
        FieldChange change;
        change.field = f.at("field").string_value();
        change.from = f.at("from").string_value();
        change.to = f.at("to").string_value();
        change.verified = f.at("verified").bool_value();
        if (f.count("checked_step")) change.checked_step = f.at("checked_step").string_value();
        parsed.changes.push_back(change);
        ++changes;
      }
      if (parsed.changes.empty()) {
        // A code, not a sentence: the JSON is for programs and has no language.
        EXPECT_THAT(w.at("no_change").string_value(),
                    ::testing::AnyOf("cooldown", "max_tactics", "reads_no_field",
                                     "needs_more_than_one_field"))
            << parsed.tactic;
      }
      expect_changes_verified(rules, profile, parsed);
    }
  }
  EXPECT_GT(why_nots, 100);
  EXPECT_GT(changes, 50);
}

TEST(ExplainCli, TextCarriesLabelsInBothLanguages) {
  const std::string profile = (kSourceDir / "examples/profiles/manager_left_orders_dropped.json");
  const auto both =
      retain({"explain", "--rules", (kSourceDir / "rules").string(), "--profile", profile});
  ASSERT_EQ(both.code, 0) << both.err;
  // A proposed tactic, a cause that fired, a tactic not proposed, in both languages.
  EXPECT_THAT(both.out, HasSubstr("与客户建立关联 / Tie the customer to the company"));
  EXPECT_THAT(both.out, HasSubstr("做好质量营销 / Make quality the selling point"));
  EXPECT_THAT(both.out, HasSubstr("Why not:"));
  EXPECT_THAT(both.out, HasSubstr("verified: re-evaluated"));

  const auto zh = retain({"explain", "--rules", (kSourceDir / "rules").string(), "--profile",
                          profile, "--lang", "zh"});
  ASSERT_EQ(zh.code, 0);
  EXPECT_THAT(zh.out, HasSubstr("做好质量营销"));
  EXPECT_THAT(zh.out, Not(HasSubstr("Make quality the selling point")));
  const auto en = retain({"explain", "--rules", (kSourceDir / "rules").string(), "--profile",
                          profile, "--lang", "en"});
  ASSERT_EQ(en.code, 0);
  EXPECT_THAT(en.out, HasSubstr("Make quality the selling point"));
  EXPECT_THAT(en.out, Not(HasSubstr("做好质量营销")));

  // Asked about a tactic that is proposed: its rank in the engine's decision.
  auto loaded = load_rules({(kSourceDir / "rules").string()});
  ASSERT_TRUE(loaded.value);
  const auto decision = decide(**loaded.value, profile_from(read_text(profile)));
  ASSERT_GE(decision.tactics_size(), 2);
  const std::string second = decision.tactics(1).id();
  const auto asked = retain({"explain", "--rules", (kSourceDir / "rules").string(), "--profile",
                             profile, "--tactic", second});
  ASSERT_EQ(asked.code, 0);
  EXPECT_THAT(asked.out, HasSubstr("Why not: " + second + " is proposed (rank 2)"));
}

// The literal text of an English phrase between its placeholders, trimmed: what would show
// if the phrase leaked into Chinese output. Pieces without a letter ("→", ", ") say nothing.
std::vector<std::string> english_pieces(std::string_view format) {
  std::vector<std::string> pieces;
  std::string piece;
  auto flush = [&] {
    const auto begin = piece.find_first_not_of(' ');
    const auto end = piece.find_last_not_of(' ');
    if (begin != std::string::npos) {
      std::string trimmed = piece.substr(begin, end - begin + 1);
      if (std::any_of(trimmed.begin(), trimmed.end(),
                      [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }))
        pieces.push_back(trimmed);
    }
    piece.clear();
  };
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '{') {
      flush();
      i = format.find('}', i);
    } else {
      piece += format[i];
    }
  }
  flush();
  return pieces;
}

bool identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Where `word` occurs in `text` as a word of its own: "account" is not in
// account_manager_changed_days, a field name the conditions show in every language.
std::size_t find_word(const std::string& text, const std::string& word) {
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const bool starts = at == 0 || !identifier_char(text[at - 1]) || !identifier_char(word.front());
    const auto after = at + word.size();
    const bool ends =
        after == text.size() || !identifier_char(text[after]) || !identifier_char(word.back());
    if (starts && ends) return at;
  }
  return std::string::npos;
}

// Chinese characters and the full-width punctuation that goes with them.
bool has_cjk(const std::string& text, std::string* where = nullptr) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    char32_t cp = c & (n == 4 ? 0x07 : n == 3 ? 0x0F : 0x1F);
    for (std::size_t k = 1; k < n && i + k < text.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    if ((cp >= 0x3000 && cp <= 0x303F) || (cp >= 0x3400 && cp <= 0x9FFF) ||
        (cp >= 0xFF00 && cp <= 0xFFEF)) {
      if (where) {
        const auto line = text.rfind('\n', i);
        const auto begin = line == std::string::npos ? 0 : line + 1;
        *where = text.substr(begin, text.find('\n', i) - begin);
      }
      return true;
    }
    i += n;
  }
  return false;
}

// The conditions as written in the rules, which every language quotes as they are: `days(180)`
// is rule code, not the English word the cooldown phrase uses.
void collect_conditions(const pb::Value& value, std::vector<std::string>& out) {
  if (value.has_list_value()) {
    for (const auto& v : value.list_value().values()) collect_conditions(v, out);
    return;
  }
  if (!value.has_struct_value()) return;
  for (const auto& [key, v] : value.struct_value().fields()) {
    if ((key == "text" || key == "condition") && v.has_string_value())
      out.push_back(v.string_value());
    collect_conditions(v, out);
  }
}

// text without any of `quoted`, longest first so that a part does not cut its whole in two.
std::string without(std::string text, std::vector<std::string> quoted) {
  std::sort(quoted.begin(), quoted.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& q : quoted) {
    for (auto at = text.find(q); !q.empty() && at != std::string::npos; at = text.find(q, at))
      text.erase(at, q.size());
  }
  return text;
}

pb::Value explain_json(const std::string& rules, const fs::path& profile) {
  const auto json =
      retain({"explain", "--rules", rules, "--profile", profile.string(), "--format", "json"});
  EXPECT_EQ(json.code, 0) << json.err;
  pb::Value parsed;
  EXPECT_TRUE(pb::util::JsonStringToMessage(json.out, &parsed).ok()) << json.out;
  return parsed;
}

// Label and because texts the rules give without English: the only Chinese `--lang en` may
// show, since there is nothing else to show for them.
void collect_texts_without_en(const pb::Value& value, std::vector<std::string>& out) {
  if (value.has_list_value()) {
    for (const auto& v : value.list_value().values()) collect_texts_without_en(v, out);
    return;
  }
  if (!value.has_struct_value()) return;
  for (const auto& [key, v] : value.struct_value().fields()) {
    if ((key == "label" || key == "because") && v.has_struct_value() &&
        !v.struct_value().fields().count("en")) {
      for (const auto& [lang, text] : v.struct_value().fields()) out.push_back(text.string_value());
    }
    collect_texts_without_en(v, out);
  }
}

std::vector<fs::path> example_profiles() {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(kSourceDir / "examples" / "profiles"))
    paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  return paths;
}

TEST(ExplainPhrases, EveryPhraseHasBothLanguages) {
  for (const auto& p : phrase_table()) {
    SCOPED_TRACE(p.en);
    EXPECT_FALSE(std::string_view(p.en).empty());
    EXPECT_TRUE(has_cjk(p.zh)) << p.zh;
    EXPECT_FALSE(has_cjk(p.en));
  }
}

// An account manager reads `--lang zh` in Chinese: the framing is Chinese and not one English
// phrase of the table shows, on every example profile (together they reach every way a tactic
// can be blocked).
TEST(ExplainCli, ZhIsChineseThroughout) {
  const std::string rules = (kSourceDir / "rules").string();
  std::set<Blocked> blocked_seen;
  std::string all;
  for (const auto& path : example_profiles()) {
    SCOPED_TRACE(path.filename().string());
    const auto zh =
        retain({"explain", "--rules", rules, "--profile", path.string(), "--lang", "zh"});
    ASSERT_EQ(zh.code, 0) << zh.err;
    std::vector<std::string> conditions;
    collect_conditions(explain_json(rules, path), conditions);
    const std::string framing = without(zh.out, conditions);
    for (const auto& p : phrase_table()) {
      for (const auto& piece : english_pieces(p.en)) {
        const auto at = find_word(framing, piece);
        EXPECT_EQ(at, std::string::npos)
            << "English \"" << piece << "\" in: "
            << framing.substr(framing.rfind('\n', at) + 1,
                              framing.find('\n', at) - framing.rfind('\n', at) - 1);
      }
    }
    std::string error;
    const auto explainer =
        Explainer::create(*load_rules({rules}).value, *check_rules({rules}).value, &error);
    ASSERT_TRUE(explainer) << error;
    const auto e = explainer->explain(profile_from(read_text(path)), nullptr);
    for (const auto& w : e.why_not) blocked_seen.insert(w.blocked);
    all += zh.out;
  }
  EXPECT_EQ(blocked_seen.size(), 5u) << "the profiles no longer reach every kind of block";
  for (const char* framing : {"客户分层",
                              "信用等级",
                              "流失风险",
                              "分档",
                              "流失原因",
                              "判断依据",
                              "挽留措施",
                              "应对",
                              "为什么没有提出：",
                              "项挽留措施未提出",
                              "优先级",
                              "受阻原因：它所应对的流失原因",
                              "受阻原因：它的适用条件不成立",
                              "受阻原因：仍在冷却期",
                              "适用条件：",
                              "→ 不成立",
                              "最小改动：把",
                              "或者：",
                              "（已验证：重新评估后会提出",
                              "时不会）",
                              "没有找到只改一个字段的办法",
                              "→ 未出现"}) {
    EXPECT_THAT(all, HasSubstr(framing));
  }
  // Rule labels in Chinese, not English.
  EXPECT_THAT(all, HasSubstr("与客户建立关联"));
  EXPECT_THAT(all, HasSubstr("员工跳槽带走客户"));
  EXPECT_THAT(all, Not(HasSubstr("Tie the customer to the company")));
}

TEST(ExplainCli, EnHasNoChineseButUntranslatedRuleTexts) {
  const std::string rules = (kSourceDir / "rules").string();
  for (const auto& path : example_profiles()) {
    SCOPED_TRACE(path.filename().string());
    const auto en =
        retain({"explain", "--rules", rules, "--profile", path.string(), "--lang", "en"});
    ASSERT_EQ(en.code, 0) << en.err;
    std::vector<std::string> allowed;
    collect_texts_without_en(explain_json(rules, path), allowed);
    const std::string text = without(en.out, allowed);
    std::string where;
    EXPECT_FALSE(has_cjk(text, &where)) << where;
    EXPECT_THAT(en.out, HasSubstr("Why not:"));
  }
}

TEST(ExplainCli, BothGivesEachFramingPhraseInChineseThenEnglish) {
  const std::string profile = (kSourceDir / "examples/profiles/manager_left_orders_dropped.json");
  const auto both =
      retain({"explain", "--rules", (kSourceDir / "rules").string(), "--profile", profile});
  ASSERT_EQ(both.code, 0) << both.err;
  EXPECT_THAT(both.out, HasSubstr("客户分层 / tier ORDINARY · 信用等级 / credit grade A"));
  EXPECT_THAT(both.out,
              HasSubstr("为什么没有提出：17 项挽留措施未提出 / Why not: 17 tactics not proposed"));
  EXPECT_THAT(both.out,
              HasSubstr("受阻原因：它的适用条件不成立 / blocked: its condition (when) is false"));
  EXPECT_THAT(both.out,
              HasSubstr("最小改动：把 is_lost 从 false 改为 true（已验证：重新评估后会提出 "
                        "CHURN_COST_ANALYSIS） / smallest change: is_lost false → true"));
  EXPECT_THAT(both.out, HasSubstr("与客户建立关联 / Tie the customer to the company"));
}

class ExplainCliErrors : public TempDirTest {};

TEST_F(ExplainCliErrors, BadInputs) {
  const std::string rules = write("r.rules", kRules);
  const std::string good = write("good.json", R"({"customer_id": "C1"})");

  const auto bad_json = retain({"explain", "--rules", rules, "--profile",
                                write("bad.json", R"({"customer_id": "C1", "tenure_mnths": 3})")});
  EXPECT_EQ(bad_json.code, 1);
  EXPECT_THAT(bad_json.err, HasSubstr("tenure_mnths"));

  const auto bad_value = retain({"explain", "--rules", rules, "--profile",
                                 write("neg.json", R"({"customer_id": "C1", "defect_rate": 3})")});
  EXPECT_EQ(bad_value.code, 1);
  EXPECT_THAT(bad_value.err, HasSubstr("defect_rate"));

  const auto bad_rules =
      retain({"explain", "--rules", write("bad.rules", "cause X {\n  when tenure_monts > 2\n}\n"),
              "--profile", good});
  EXPECT_EQ(bad_rules.code, 2);
  EXPECT_THAT(bad_rules.err, HasSubstr("bad.rules:2:8: error:"));

  const auto no_tactic =
      retain({"explain", "--rules", rules, "--profile", good, "--tactic", "NOPE"});
  EXPECT_EQ(no_tactic.code, 1);
  EXPECT_THAT(no_tactic.err, HasSubstr("no tactic 'NOPE'"));

  const auto missing = retain({"explain", "--rules", rules, "--profile", dir_ / "none.json"});
  EXPECT_EQ(missing.code, 1);

  const auto one = retain(
      {"explain", "--rules", rules, "--profile", good, "--tactic", "SOOTHE", "--format", "json"});
  ASSERT_EQ(one.code, 0) << one.err;
  pb::Struct json;
  ASSERT_TRUE(pb::util::JsonStringToMessage(one.out, &json).ok()) << one.out;
  const auto& why_not = json.fields().at("why_not").list_value();
  ASSERT_EQ(why_not.values_size(), 1);
  EXPECT_EQ(why_not.values(0).struct_value().fields().at("blocked").string_value(), "unknown");
}

TEST_F(ExplainCliErrors, StatsFileRanksAgainstThePopulation) {
  const std::string rules = (kSourceDir / "rules").string();
  const std::string stats = (dir_ / "stats.json").string();
  const auto made = retain({"stats", "--rules", rules, "--in",
                            (kSourceDir / "examples/customers.csv").string(), "--out", stats});
  ASSERT_EQ(made.code, 0) << made.err;
  const std::string profile = (kSourceDir / "examples/profiles/channel_stockouts.json").string();
  const auto with = retain(
      {"explain", "--rules", rules, "--profile", profile, "--stats", stats, "--format", "json"});
  ASSERT_EQ(with.code, 0) << with.err;
  // The same tier as `retain score` gives with that file: check against the engine directly.
  auto loaded = load_rules({rules});
  ASSERT_TRUE(loaded.value);
  batch::StatsFile file;
  std::string error;
  ASSERT_TRUE(batch::load_stats_file(stats, &file, &error)) << error;
  const PopulationStats population(file.columns);
  const auto expected = decide(**loaded.value, profile_from(read_text(profile)), &population);
  pb::Struct json;
  ASSERT_TRUE(pb::util::JsonStringToMessage(with.out, &json).ok());
  const auto& decision = json.fields().at("decision").struct_value().fields();
  EXPECT_EQ(decision.at("tier").string_value(), expected.tier());
  // This customer's tier differs by the population from the CRM's fallback rank, so the
  // file was really used.
  EXPECT_NE(expected.tier(), decide(**loaded.value, profile_from(read_text(profile))).tier());

  const auto missing = retain(
      {"explain", "--rules", rules, "--profile", profile, "--stats", (dir_ / "no.json").string()});
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("no.json"));
}

// Each side of the current value is narrowed before the sides are compared: the doubling walk
// overshoots up to 58 (8 away) while 44 is a constant's neighbour (6 away), but 55 (5 away)
// fires too.
TEST(Explain, NearestSideIsComparedAfterNarrowing) {
  const auto [rules, explainer] = load(R"(ruleset sides version "1"

cause SWING {
  label en "Swing"
  weight 0.3
  when orders_90d > orders_prev_90d + 4 or orders_90d < 45
}

tactic CALL {
  label en "Call"
  answers SWING
}
)");
  const auto profile =
      profile_from(R"({"customer_id": "C9", "orders_90d": 50, "orders_prev_90d": 50})");
  const auto e = explainer->explain(profile, nullptr);
  ASSERT_EQ(e.why_not.size(), 1u);
  std::map<std::string, FieldChange> by_field;
  for (const auto& c : e.why_not[0].changes) by_field[c.field] = c;
  ASSERT_TRUE(by_field.count("orders_90d"));
  EXPECT_EQ(by_field["orders_90d"].to, "55");
  EXPECT_EQ(by_field["orders_90d"].checked_step, "54");
  EXPECT_EQ(by_field["orders_prev_90d"].to, "45");
  expect_changes_verified(*rules, profile, e.why_not[0]);
}

// Walking up never fires, so the walk reaches the end of int32: values past it are not
// written (UBSan flags the conversion otherwise) and the search still finds the way down.
TEST(Explain, WalkStopsAtTheFieldsRange) {
  const auto [rules, explainer] = load(R"(ruleset range version "1"

tactic WELCOME {
  label en "Welcome"
  when tenure_months < 3
}
)");
  const auto profile = profile_from(R"({"customer_id": "C10", "tenure_months": 10})");
  const auto e = explainer->explain(profile, nullptr);
  ASSERT_EQ(e.why_not.size(), 1u);
  ASSERT_EQ(e.why_not[0].changes.size(), 1u);
  EXPECT_EQ(e.why_not[0].changes[0].to, "2");
  expect_changes_verified(*rules, profile, e.why_not[0]);
}

// The probe segments must not collide with the rules' own names, whatever follows the prefix.
TEST(Explain, RuleNamesLikeTheProbesAreTheirOwn) {
  const auto [rules, explainer] = load(R"(ruleset probes version "1"

segment EXPLAIN_PROBE_A {
  label en "A"
  when tenure_months > 3
}

segment EXPLAIN_PROBE_0 {
  label en "Zero"
  when orders_90d > 100
}

segment EXPLAIN_PROBE_3X {
  label en "Three"
  when orders_prev_90d > 7
}

tactic BIG {
  label en "Big"
  when EXPLAIN_PROBE_0 and EXPLAIN_PROBE_A
}
)");
  ASSERT_TRUE(explainer);
  const auto profile =
      profile_from(R"({"customer_id": "C11", "tenure_months": 10, "orders_90d": 5})");
  const auto e = explainer->explain(profile, nullptr);
  ASSERT_EQ(e.why_not.size(), 1u);
  ASSERT_TRUE(e.why_not[0].when);
  const ConditionPart& when = *e.why_not[0].when;
  EXPECT_EQ(when.outcome, "false");
  ASSERT_EQ(when.parts.size(), 1u);  // EXPLAIN_PROBE_A is true
  EXPECT_EQ(when.parts[0].text, "EXPLAIN_PROBE_0");
  ASSERT_EQ(when.parts[0].parts.size(), 1u);
  EXPECT_EQ(when.parts[0].parts[0].text, "orders_90d > 100");
  EXPECT_EQ(when.parts[0].parts[0].values.at("orders_90d"), "5");
  ASSERT_EQ(e.why_not[0].changes.size(), 1u);
  EXPECT_EQ(e.why_not[0].changes[0].to, "101");
}

// The order is the decision's: priority as compiled. `-0` is a constant the checker accepts
// (a whole number >= 0) but not a plain number in the syntax tree.
TEST(Explain, PriorityIsTheCompiledOne) {
  const auto [rules, explainer] = load(R"(ruleset order version "1"

tactic LATER {
  label en "Later"
  when tenure_months > 100
  priority 1
}

tactic FIRST {
  label en "First"
  when tenure_months > 200
  priority -0
  cooldown 7 days
}
)");
  const auto profile = profile_from(R"({"customer_id": "C12", "tenure_months": 10,
      "recent_actions": [{"action_id": "FIRST", "days_ago": 3}]})");
  const auto e = explainer->explain(profile, nullptr);
  ASSERT_EQ(e.why_not.size(), 2u);
  EXPECT_EQ(e.why_not[0].tactic, "FIRST");
  EXPECT_EQ(e.why_not[0].priority, 0);
  EXPECT_EQ(e.why_not[0].cooldown_days, 7);
  EXPECT_EQ(e.why_not[0].action, "FIRST");
  EXPECT_EQ(e.why_not[1].tactic, "LATER");
  EXPECT_EQ(e.why_not[1].priority, 1);
}

// A budget too small for every field: the search says it stopped, not that one field is not
// enough.
TEST(Explain, ExhaustedBudgetIsReportedAsSuch) {
  const auto [rules, explainer] = load(kRules);
  const auto profile = profile_from(R"({"customer_id": "C13", "days_since_last_contact": 5})");
  ExplainOptions options;
  options.tactic = "BUILD_CUSTOMER_TIES";
  options.max_evaluations = 3;
  const auto e = explainer->explain(profile, nullptr, options);
  ASSERT_EQ(e.why_not.size(), 1u);
  EXPECT_TRUE(e.why_not[0].changes.empty());
  EXPECT_EQ(e.why_not[0].no_change, NoChange::BudgetExhausted);
  EXPECT_TRUE(e.why_not[0].budget_exhausted);
  EXPECT_EQ(e.why_not[0].candidates_tried, 3);
  const std::string en = render_explanation_text(e, {"en"});
  EXPECT_THAT(en, Not(HasSubstr("more than one field")));
  EXPECT_THAT(en, HasSubstr("budget of 3 re-evaluations"));
  const std::string zh = render_explanation_text(e, {"zh"});
  EXPECT_THAT(zh, Not(HasSubstr("很可能需要同时改动多个字段")));
  EXPECT_THAT(zh, HasSubstr("3 次"));
  EXPECT_THAT(render_explanation_json(e), HasSubstr(R"("no_change":"search_budget_exhausted")"));

  // A change found before the budget ran out is still reported, with the note.
  options.tactic = "SOOTHE";
  options.max_evaluations = 4;
  const auto some = explainer->explain(
      profile_from(R"({"customer_id": "C13", "satisfaction": 3, "is_lost": true})"), nullptr,
      options);
  ASSERT_EQ(some.why_not.size(), 1u);
  ASSERT_EQ(some.why_not[0].changes.size(), 1u);
  EXPECT_EQ(some.why_not[0].changes[0].field, "is_lost");
  EXPECT_TRUE(some.why_not[0].budget_exhausted);
  EXPECT_THAT(render_explanation_json(some), HasSubstr(R"("search_budget_exhausted":true)"));

  // The default budget is not reached here.
  options.max_evaluations = ExplainOptions{}.max_evaluations;
  options.tactic = "BUILD_CUSTOMER_TIES";
  const auto full = explainer->explain(profile, nullptr, options);
  EXPECT_EQ(full.why_not[0].no_change, NoChange::NotFound);
  EXPECT_FALSE(full.why_not[0].budget_exhausted);
}

// Between 0.5 and 0.5005 only: the field's grid (0.001) has no value that fires, so the change
// is on a finer grid, verified, and the step shown was evaluated.
TEST(Explain, NarrowWindowIsReportedOnAVerifiedValue) {
  const auto [rules, explainer] = load(R"(ruleset window version "1"

tactic INSPECT {
  label en "Inspect"
  when (defect_rate > 0.5 and defect_rate < 0.5005) or satisfaction > 0.5003
}
)");
  const auto profile = profile_from(R"({"customer_id": "C14", "defect_rate": 0.3})");
  const auto e = explainer->explain(profile, nullptr);
  ASSERT_EQ(e.why_not.size(), 1u);
  std::map<std::string, FieldChange> by_field;
  for (const auto& c : e.why_not[0].changes) by_field[c.field] = c;
  ASSERT_TRUE(by_field.count("defect_rate"));
  EXPECT_GT(std::stod(by_field["defect_rate"].to), 0.5);
  EXPECT_LT(std::stod(by_field["defect_rate"].to), 0.5005);
  expect_changes_verified(*rules, profile, e.why_not[0]);
}

TEST_F(ExplainCliErrors, InvalidProfileIsNamedByFileAndLine) {
  const std::string rules = write("r.rules", kRules);
  const std::string lines = write("many.jsonl",
                                  "{\"customer_id\": \"A\"}\n"
                                  "\n"
                                  "{\"customer_id\": \"B\", \"defect_rate\": 3}\n");
  const auto run = retain({"explain", "--rules", rules, "--profile", lines});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr(lines + ":3: customer 'B': defect_rate"));

  std::istringstream in("{\"customer_id\": \"A\"}\n{\"customer_id\": \"B\", \"defect_rate\": 3}\n");
  auto* saved = std::cin.rdbuf(in.rdbuf());
  const auto piped = retain({"explain", "--rules", rules, "--profile", "-"});
  std::cin.rdbuf(saved);
  EXPECT_EQ(piped.code, 1);
  EXPECT_THAT(piped.err, HasSubstr("stdin:2: customer 'B': defect_rate"));

  const auto unreadable = retain({"explain", "--rules", rules, "--profile",
                                  write("two.jsonl", "{\"customer_id\": \"A\"}\n{\"nope\": 1}\n")});
  EXPECT_EQ(unreadable.code, 1);
  EXPECT_THAT(unreadable.err, HasSubstr("two.jsonl:2: "));
}

// The rules are read once (check, then compile that module): the decision explained is the
// one load_rules gives for the same sources, content hash included.
TEST_F(ExplainCliErrors, DecisionIsLoadRulesDecision) {
  const std::string rules = write("r.rules", kRules);
  const std::string profile = write("p.json", R"({"customer_id": "C1", "is_lost": true})");
  const auto run = retain({"explain", "--rules", rules, "--profile", profile, "--format", "json"});
  ASSERT_EQ(run.code, 0) << run.err;
  pb::Struct json;
  ASSERT_TRUE(pb::util::JsonStringToMessage(run.out, &json).ok()) << run.out;
  auto loaded = load_rules({rules});
  ASSERT_TRUE(loaded.value);
  const auto expected = decide(**loaded.value, profile_from(read_text(profile)));
  const auto& decision = json.fields().at("decision").struct_value().fields();
  EXPECT_EQ(decision.at("ruleset").struct_value().fields().at("content_hash").string_value(),
            expected.ruleset().content_hash());
  ASSERT_EQ(decision.at("tactics").list_value().values_size(), expected.tactics_size());
  EXPECT_EQ(
      decision.at("tactics").list_value().values(0).struct_value().fields().at("id").string_value(),
      expected.tactics(0).id());

  auto checked = check_rules({rules});
  ASSERT_TRUE(checked.value);
  EXPECT_EQ(compile_checked(**checked.value)->program().tactics.size(),
            (*loaded.value)->program().tactics.size());
}

}  // namespace
}  // namespace retain::analyst
