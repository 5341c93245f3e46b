#include "batch/full_decision_writer.hpp"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "batch/decision_writer.hpp"
#include "engine/decision_text.hpp"
#include "engine/json_text.hpp"
#include "engine/value_format.hpp"

namespace retain::batch {

namespace {

using compile::Rule;
using compile::RuleKind;

// The entries a protobuf map keeps when `keys` are inserted in this order (the last of equal
// keys wins), in the order the JSON writer sorts them into: indexes into `keys`.
std::vector<std::size_t> map_order(const std::vector<std::string_view>& keys) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (std::find(keys.begin() + static_cast<std::ptrdiff_t>(i) + 1, keys.end(), keys[i]) ==
        keys.end()) {
      order.push_back(i);
    }
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
  return order;
}

// Members of a JSON object in the making: a comma before every one but the first.
class Members {
 public:
  Members(std::string& out, bool any) : out_(out), any_(any) {}
  void key(std::string_view name) {
    if (any_) out_.push_back(',');
    any_ = true;
    out_.push_back('"');
    out_.append(name);
    out_ += "\":";
  }
  bool any() const { return any_; }

 private:
  std::string& out_;
  bool any_;
};

// `"name":{"k":"v",..}` for the map fill_texts builds from `texts` in `language`; nothing for
// an empty one.
void append_texts(std::string& out, Members& m, std::string_view name, const compile::Texts& texts,
                  std::string_view language) {
  const auto chosen = in_language(texts, language);
  if (chosen.empty()) return;
  std::vector<std::string_view> keys;
  for (const auto& [lang, text] : chosen) keys.push_back(lang);
  m.key(name);
  out.push_back('{');
  bool first = true;
  for (std::size_t i : map_order(keys)) {
    if (!first) out.push_back(',');
    first = false;
    append_json_quoted(out, chosen[i].first);
    out.push_back(':');
    append_json_quoted(out, chosen[i].second);
  }
  out.push_back('}');
}

}  // namespace

FullDecisionWriter::FullDecisionWriter(const compile::RuleSet& rules, std::string language)
    : program_(&rules.program()), language_(std::move(language)) {
  const compile::Program& p = *program_;
  {
    ruleset_ = "\"ruleset\":{";
    Members m(ruleset_, false);
    for (const auto& [name, value] :
         {std::pair<std::string_view, const std::string&>{"name", rules.name()},
          {"version", rules.version()},
          {"content_hash", rules.content_hash()}}) {
      if (value.empty()) continue;
      m.key(name);
      append_json_quoted(ruleset_, value);
    }
    ruleset_.push_back('}');
  }
  for (int list = 0; list < lean::kListCount; ++list) {
    for (const auto& rule : lean::rules_of(p, list)) texts_[list].push_back(rule_text(rule));
  }
  for (const auto& rule : p.tactics) tactics_.push_back(rule_text(rule));
  for (const auto& tiers : p.tiers) {
    auto& bands = bands_.emplace_back();
    for (const auto& band : tiers.bands) {
      std::string& text = bands.emplace_back("{");
      Members m(text, false);
      if (!tiers.id.empty()) {
        m.key("tiers");
        append_json_quoted(text, tiers.id);
      }
      if (!band.id.empty()) {
        m.key("band");
        append_json_quoted(text, band.id);
      }
      append_texts(text, m, "label", band.label, language_);
    }
    tiers_unknowns_.push_back("{\"rule\":" + json_quote(tiers.id) +
                              ",\"reason\":" + json_quote(tiers_unknown_reason(tiers)) + "}");
  }
}

FullDecisionWriter::RuleText FullDecisionWriter::rule_text(const Rule& rule) const {
  RuleText t;
  t.quoted_id = json_quote(rule.id);
  t.head = "{";
  Members m(t.head, false);
  if (!rule.id.empty()) {
    m.key("id");
    t.head += t.quoted_id;
  }
  append_texts(t.head, m, "label", rule.label, language_);
  if (rule.kind == RuleKind::Cause && rule.weight != 0) {
    m.key("weight");
    append_json_number(t.head, rule.weight);
  }
  if (rule.kind == RuleKind::Tactic && rule.priority != 0) {
    m.key("priority");
    fmt::format_to(std::back_inserter(t.head), "{}", rule.priority);
  }
  t.head_members = m.any();

  const auto because = in_language(rule.because, language_);
  std::vector<std::string_view> keys;
  for (const auto& [lang, pieces] : because) keys.push_back(lang);
  for (std::size_t i : map_order(keys)) {
    t.because.push_back(static_cast<std::size_t>(&because[i] - rule.because.data()));
    t.because_keys.push_back(json_quote(because[i].first) + ":");
  }

  t.evidence_head = "\"evidence\":{";
  Members e(t.evidence_head, false);
  if (!rule.location.empty()) {
    e.key("rule");
    append_json_quoted(t.evidence_head, rule.location);
  }
  if (!rule.condition.empty()) {
    e.key("condition");
    append_json_quoted(t.evidence_head, rule.condition);
  }
  t.evidence_members = e.any();
  keys.clear();
  for (const auto& item : rule.evidence) keys.push_back(item.name);
  for (std::size_t i : map_order(keys)) {
    t.evidence.push_back(i);
    t.evidence_keys.push_back(json_quote(rule.evidence[i].name) + ":");
  }

  const bool finding = rule.kind != RuleKind::Cause && rule.kind != RuleKind::Tactic;
  if (finding && rule.priority != 0) {
    t.tail = fmt::format(",\"priority\":{}", rule.priority);  // evidence always precedes it
  }
  t.tail.push_back('}');
  return t;
}

void FullDecisionWriter::write_explanation(const Rule& rule, const RuleText& text, bool members,
                                           const eval::EvalFrame& frame, std::string& out) {
  const compile::Program& p = *program_;
  if (!text.because.empty()) {
    out += members ? ",\"because\":{" : "\"because\":{";
    members = true;
    for (std::size_t k = 0; k < text.because.size(); ++k) {
      if (k > 0) out.push_back(',');
      out += text.because_keys[k];
      text_.clear();
      append_because(text_, rule.because[text.because[k]].second, p, frame);
      append_json_quoted(out, text_);
    }
    out.push_back('}');
  }
  if (members) out.push_back(',');
  out += text.evidence_head;
  if (!text.evidence.empty()) {
    out += text.evidence_members ? ",\"values\":{" : "\"values\":{";
    for (std::size_t k = 0; k < text.evidence.size(); ++k) {
      if (k > 0) out.push_back(',');
      out += text.evidence_keys[k];
      const auto& item = rule.evidence[text.evidence[k]];
      text_.clear();
      append_value(text_, frame.slots[item.slot], p, item.display);
      append_json_quoted(out, text_);
    }
    out.push_back('}');
  }
  out.push_back('}');
}

void FullDecisionWriter::write(const v1::CustomerProfile& profile, const eval::EvalFrame& frame,
                               const lean::Outcome& outcome, std::string& out) {
  const compile::Program& p = *program_;
  out.push_back('{');
  if (!profile.customer_id().empty()) {
    out += "\"customer_id\":";
    append_json_quoted(out, profile.customer_id());
    out.push_back(',');
  }
  out += ruleset_;
  if (const auto* tier = outcome.band(p.tier_index); tier != nullptr && !tier->id.empty()) {
    out += ",\"tier\":";
    append_json_quoted(out, tier->id);
  }
  if (outcome.churn_risk != 0) {
    out += ",\"churn_risk\":";
    append_json_number(out, outcome.churn_risk);
  }

  // `,"name":[` before the first item of a list, `,` before the others, `]` after them.
  const auto open_item = [&](bool first, std::string_view name) {
    if (!first) {
      out.push_back(',');
      return;
    }
    out += ",\"";
    out.append(name);
    out += "\":[";
  };
  const auto fired = [&](int list, std::string_view name) {
    const auto& rules = lean::rules_of(p, list);
    bool first = true;
    for (std::uint32_t i : outcome.fired[list]) {
      open_item(first, name);
      first = false;
      out += texts_[list][i].head;
      write_explanation(rules[i], texts_[list][i], texts_[list][i].head_members, frame, out);
      out += texts_[list][i].tail;
    }
    if (!first) out.push_back(']');
  };

  fired(lean::kCauses, "causes");
  bool first = true;
  for (std::uint32_t index : frame.proposed_tactics) {
    const Rule& tactic = p.tactics[index];
    const RuleText& text = tactics_[index];
    open_item(first, "tactics");
    first = false;
    out += text.head;
    bool answered = false;
    const auto answer = [&](std::size_t c) {
      if (!frame.slots[p.causes[c].slot].is_true()) return;
      out += answered ? "," : (text.head_members ? ",\"answers\":[" : "\"answers\":[");
      answered = true;
      out += texts_[lean::kCauses][c].quoted_id;
    };
    if (tactic.answers_any) {
      for (std::size_t c = 0; c < p.causes.size(); ++c) answer(c);
    } else {
      for (std::uint32_t c : tactic.answers) answer(c);
    }
    if (answered) out.push_back(']');
    write_explanation(tactic, text, text.head_members || answered, frame, out);
    out += text.tail;
  }
  if (!first) out.push_back(']');
  fired(lean::kSegments, "segments");
  fired(lean::kAccounts, "account_actions");
  fired(lean::kCreditChecks, "credit_checks");

  if (const auto* grade = outcome.band(p.credit_grade_index);
      grade != nullptr && !grade->id.empty()) {
    out += ",\"credit_grade\":";
    append_json_quoted(out, grade->id);
  }
  first = true;
  for (std::size_t t = 0; t < p.tiers.size(); ++t) {
    const compile::BandPlan* band = outcome.bands[t];
    if (band == nullptr) continue;
    open_item(first, "bands");
    first = false;
    out += bands_[t][static_cast<std::size_t>(band - p.tiers[t].bands.data())];
    if (const double score = frame.slots[p.tiers[t].score_slot].number; score != 0) {
      out += ",\"score\":";
      append_json_number(out, score);
    }
    out.push_back('}');
  }
  if (!first) out.push_back(']');

  // In render_decision's order: undecided rules list by list, then tiers without a band.
  first = true;
  for (int list = 0; list < lean::kListCount; ++list) {
    const auto& rules = lean::rules_of(p, list);
    for (std::uint32_t i : outcome.undecided[list]) {
      open_item(first, "unknowns");
      first = false;
      out += "{\"rule\":";
      out += texts_[list][i].quoted_id;
      const std::string reason = unknown_reason(rules[i], frame);
      if (!reason.empty()) {
        out += ",\"reason\":";
        append_json_quoted(out, reason);
      }
      out.push_back('}');
    }
  }
  for (std::size_t t = 0; t < p.tiers.size(); ++t) {
    if (outcome.bands[t] != nullptr) continue;
    open_item(first, "unknowns");
    first = false;
    out += tiers_unknowns_[t];
  }
  if (!first) out.push_back(']');
  out += "}\n";
}

}  // namespace retain::batch
