#include "batch/lean_decision_writer.hpp"

#include <fmt/format.h>

#include "batch/csv.hpp"
#include "batch/lean_outcome.hpp"
#include "engine/decision_text.hpp"
#include "engine/json_text.hpp"

namespace retain::batch {

namespace {

using compile::Program;
using compile::Rule;

// Renders the members of a JSON object as JsonWriter does: a member is left out when its
// value is the default (an empty string, a zero number).
class ObjectBuilder {
 public:
  ObjectBuilder() { text_.push_back('{'); }
  ObjectBuilder& string(std::string_view name, std::string_view value) {
    if (value.empty()) return *this;
    key(name);
    append_json_quoted(text_, value);
    return *this;
  }
  ObjectBuilder& number(std::string_view name, double value) {
    if (value == 0) return *this;
    key(name);
    append_json_number(text_, value);
    return *this;
  }
  ObjectBuilder& integer(std::string_view name, std::int64_t value) {
    if (value == 0) return *this;
    key(name);
    fmt::format_to(std::back_inserter(text_), "{}", value);
    return *this;
  }
  // The object still open, for members only known per decision.
  std::string open() const { return text_; }
  bool has_members() const { return members_; }
  std::string closed() const { return text_ + "}"; }

 private:
  void key(std::string_view name) {
    if (members_) text_.push_back(',');
    members_ = true;
    text_.push_back('"');
    text_.append(name);
    text_ += "\":";
  }
  std::string text_;
  bool members_ = false;
};

std::string json_member(std::string_view name, std::string_view value) {
  if (value.empty()) return {};
  std::string out = ",\"";
  out.append(name);
  out += "\":";
  append_json_quoted(out, value);
  return out;
}

// Whether append_csv_cell would write a cell made of this id (and others like it) as it is.
bool plain_csv(std::string_view id) {
  if (!id.empty() && id.front() == ' ') return false;
  return id.find_first_of(",\"\r\n") == std::string_view::npos;
}

}  // namespace

LeanDecisionWriter::LeanDecisionWriter(const compile::RuleSet& rules, OutputFormat format)
    : program_(&rules.program()), format_(format) {
  const Program& p = *program_;
  ObjectBuilder info;
  info.string("name", rules.name())
      .string("version", rules.version())
      .string("content_hash", rules.content_hash());
  ruleset_ = pool_.add("\"ruleset\":" + info.closed());

  std::size_t pieces = 1;
  for (int l = 0; l < lean::kListCount; ++l) {
    for (const Rule& rule : lean::rules_of(p, l)) {
      ObjectBuilder o;
      o.string("id", rule.id);
      // A Cause has a weight, a Finding a priority.
      if (l == lean::kCauses) {
        o.number("weight", rule.weight);
      } else {
        o.integer("priority", rule.priority);
      }
      listed_[l].push_back(pool_.add(o.closed()));
      ObjectBuilder u;
      u.string("rule", rule.id);
      unknown_[l].push_back(pool_.add(u.closed()));
      plain_ids_ = plain_ids_ && plain_csv(rule.id);
      pieces += 2;
    }
  }
  std::size_t answer_bytes = 0;
  for (const Rule& cause : p.causes) {
    quoted_cause_ids_.push_back(pool_.add(json_quote(cause.id)));
    answer_bytes += quoted_cause_ids_.back().size + 1;
  }
  for (const Rule& tactic : p.tactics) {
    ObjectBuilder o;
    o.string("id", tactic.id).integer("priority", tactic.priority);
    tactics_.push_back({pool_.add(o.open()), o.has_members()});
    plain_ids_ = plain_ids_ && plain_csv(tactic.id);
    pieces += 1 + p.causes.size();
  }
  for (const auto& tiers : p.tiers) {
    std::vector<Fragment> bands;
    std::vector<Text> tier_fields, grade_fields;
    for (const auto& plan : tiers.bands) {
      ObjectBuilder o;
      o.string("tiers", tiers.id).string("band", plan.id);
      bands.push_back({pool_.add(o.open()), o.has_members()});
      tier_fields.push_back(pool_.add(json_member("tier", plan.id)));
      grade_fields.push_back(pool_.add(json_member("credit_grade", plan.id)));
      plain_ids_ = plain_ids_ && plain_csv(plan.id);
    }
    bands_.push_back(std::move(bands));
    tier_fields_.push_back(std::move(tier_fields));
    grade_fields_.push_back(std::move(grade_fields));
    ObjectBuilder o;
    o.string("rule", tiers.id).string("reason", tiers_unknown_reason(tiers));
    tiers_unknowns_.push_back(pool_.add(o.closed()));
    plain_ids_ = plain_ids_ && plain_csv(tiers.id);
    pieces += 2;
  }
  // A row holds each fragment at most once, but a cause's quoted id once per tactic answering
  // it; every piece gets up to 16 bytes of punctuation and member names, every number (the
  // risk, a score per tiers) its longest text. Generous by design: the pool's size counts
  // each fragment's padding too.
  row_.resize(pool_.bytes() + p.tactics.size() * answer_bytes + 16 * pieces +
              (1 + p.tiers.size()) * (kMaxJsonNumber + 16) + 256);
}

std::string LeanDecisionWriter::header() const {
  return make_decision_writer(format_)->header();
}

void LeanDecisionWriter::write(const v1::CustomerProfile& profile, const eval::EvalFrame& frame,
                               const lean::Outcome& outcome, std::string& out) {
  if (format_ == OutputFormat::Csv) {
    write_csv(profile, frame, outcome, out);
  } else {
    write_json(profile, frame, outcome, out);
  }
}

void LeanDecisionWriter::write_json(const v1::CustomerProfile& profile,
                                    const eval::EvalFrame& frame, const lean::Outcome& outcome,
                                    std::string& out) {
  const Program& p = *program_;
  const auto band_index = [&](std::size_t t, const compile::BandPlan* plan) {
    return static_cast<std::size_t>(plan - p.tiers[t].bands.data());
  };
  // The customer id, of any length, goes straight to `out`; the rest, bounded by the rules,
  // through the row buffer.
  out.push_back('{');
  if (!profile.customer_id().empty()) {
    out += "\"customer_id\":";
    append_json_quoted(out, profile.customer_id());
    out.push_back(',');
  }
  RowCursor row(row_.data());
  // The ruleset is always there, so every later member starts with a comma.
  row.put(pool_, ruleset_);

  if (const auto* plan = outcome.band(p.tier_index)) {
    const auto t = static_cast<std::size_t>(p.tier_index);
    row.put(pool_, tier_fields_[t][band_index(t, plan)]);
  }
  if (outcome.churn_risk != 0) {
    row.put(",\"churn_risk\":");
    row.json_number(outcome.churn_risk);
  }

  // A list member: written only when some item is, as JsonWriter leaves out empty lists.
  const auto list = [&](const auto& name, int l) {
    const auto& fired = outcome.fired[l];
    if (fired.empty()) return;
    row.put(name);
    for (std::size_t k = 0; k < fired.size(); ++k) {
      if (k > 0) row.put(',');
      row.put(pool_, listed_[l][fired[k]]);
    }
    row.put(']');
  };
  list(",\"causes\":[", lean::kCauses);

  if (!frame.proposed_tactics.empty()) {
    row.put(",\"tactics\":[");
    bool first_tactic = true;
    const auto& fired_causes = outcome.fired[lean::kCauses];
    for (std::uint32_t index : frame.proposed_tactics) {
      if (!first_tactic) row.put(',');
      first_tactic = false;
      const Rule& tactic = p.tactics[index];
      const Fragment& f = tactics_[index];
      row.put(pool_, f.text);
      bool any = false;
      const auto answer = [&](std::uint32_t c) {
        if (!any) {
          if (f.has_members) row.put(',');
          row.put("\"answers\":[");
          any = true;
        } else {
          row.put(',');
        }
        row.put(pool_, quoted_cause_ids_[c]);
      };
      if (tactic.answers_any) {
        for (std::uint32_t c : fired_causes) answer(c);
      } else {
        // In the tactic's order, as render_decision lists them.
        for (std::uint32_t c : tactic.answers) {
          if (frame.slots[p.causes[c].slot].is_true()) answer(c);
        }
      }
      if (any) row.put(']');
      row.put('}');
    }
    row.put(']');
  }
  list(",\"segments\":[", lean::kSegments);
  list(",\"account_actions\":[", lean::kAccounts);
  list(",\"credit_checks\":[", lean::kCreditChecks);

  if (const auto* plan = outcome.band(p.credit_grade_index)) {
    const auto t = static_cast<std::size_t>(p.credit_grade_index);
    row.put(pool_, grade_fields_[t][band_index(t, plan)]);
  }

  bool any_band = false;
  for (std::size_t t = 0; t < p.tiers.size(); ++t) {
    const auto* plan = outcome.bands[t];
    if (plan == nullptr) continue;
    if (any_band) {
      row.put(',');
    } else {
      row.put(",\"bands\":[");
    }
    any_band = true;
    const Fragment& f = bands_[t][band_index(t, plan)];
    row.put(pool_, f.text);
    const double score = frame.slots[p.tiers[t].score_slot].number;
    if (score != 0) {
      if (f.has_members) row.put(',');
      row.put("\"score\":");
      row.json_number(score);
    }
    row.put('}');
  }
  if (any_band) row.put(']');

  if (outcome.any_undecided) {
    bool first = true;
    const auto unknown = [&](Text text) {
      if (first) {
        row.put(",\"unknowns\":[");
      } else {
        row.put(',');
      }
      first = false;
      row.put(pool_, text);
    };
    for (int l = 0; l < lean::kListCount; ++l) {
      for (std::uint32_t i : outcome.undecided[l]) unknown(unknown_[l][i]);
    }
    for (std::size_t t = 0; t < p.tiers.size(); ++t) {
      if (outcome.bands[t] == nullptr) unknown(tiers_unknowns_[t]);
    }
    row.put(']');
  }
  row.put("}\n");
  out.append(row_.data(), static_cast<std::size_t>(row.position() - row_.data()));
}

void LeanDecisionWriter::write_csv(const v1::CustomerProfile& profile, const eval::EvalFrame& frame,
                                   const lean::Outcome& outcome, std::string& out) {
  const Program& p = *program_;
  const auto band_id = [&](int tiers) -> std::string_view {
    const auto* plan = outcome.band(tiers);
    return plan == nullptr ? std::string_view() : std::string_view(plan->id);
  };
  // A cell of ids joined by ';', written in place; as CsvWriter joins them, no separator while
  // the cell is still empty. Quoted afterwards only when some id of the rules needs it.
  std::size_t start = 0;
  const auto open_cell = [&] { start = out.size(); };
  const auto join = [&](std::string_view id) {
    if (out.size() > start) out.push_back(';');
    out.append(id);
  };
  const auto close_cell = [&] {
    if (plain_ids_) return;
    cell_.assign(out, start);
    out.resize(start);
    append_csv_cell(out, cell_);
  };
  const auto ids = [&](const std::vector<std::uint32_t>& indices, int l) {
    open_cell();
    const auto& rules = lean::rules_of(p, l);
    for (std::uint32_t i : indices) join(rules[i].id);
    close_cell();
  };

  append_csv_cell(out, profile.customer_id());
  out.push_back(',');
  append_csv_cell(out, band_id(p.tier_index));
  out.push_back(',');
  append_number(out, outcome.churn_risk);
  out.push_back(',');
  append_csv_cell(out, band_id(p.credit_grade_index));
  out.push_back(',');
  ids(outcome.fired[lean::kCauses], lean::kCauses);
  out.push_back(',');
  open_cell();
  for (std::uint32_t index : frame.proposed_tactics) join(p.tactics[index].id);
  close_cell();
  out.push_back(',');
  ids(outcome.fired[lean::kSegments], lean::kSegments);
  out.push_back(',');
  ids(outcome.fired[lean::kAccounts], lean::kAccounts);
  out.push_back(',');
  ids(outcome.fired[lean::kCreditChecks], lean::kCreditChecks);
  out.push_back(',');
  open_cell();
  for (std::size_t t = 0; t < p.tiers.size(); ++t) {
    const auto* plan = outcome.bands[t];
    if (plan == nullptr) continue;
    if (out.size() > start) out.push_back(';');
    out += p.tiers[t].id;
    out.push_back('=');
    out += plan->id;
  }
  close_cell();
  out.push_back(',');
  open_cell();
  for (int l = 0; l < lean::kListCount; ++l) {
    const auto& rules = lean::rules_of(p, l);
    for (std::uint32_t i : outcome.undecided[l]) join(rules[i].id);
  }
  for (std::size_t t = 0; t < p.tiers.size(); ++t) {
    if (outcome.bands[t] == nullptr) join(p.tiers[t].id);
  }
  close_cell();
  out.push_back('\n');
}

}  // namespace retain::batch
