#include "engine/compile/compiler.hpp"

#include <algorithm>
#include <cassert>
#include <map>
#include <optional>
#include <tuple>

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>

#include "engine/compile/condition_folding.hpp"
#include "engine/compile/native_conditions.hpp"
#include "engine/eval/profile_loaders.hpp"

namespace retain::compile {

using check::DeclKind;
using check::RefKind;

// Builds one RuleSet. Friend of RuleSet so it can fill the private members.
class Compiler {
 public:
  Compiler(const check::CheckedModule& module, std::string content_hash,
           const CompileOptions& options)
      : m_(module), options_(options), rules_(std::make_shared<RuleSet>()) {
    rules_->content_hash_ = std::move(content_hash);
  }

  std::shared_ptr<const RuleSet> run() {
    rules_->name_ = m_.name;
    rules_->version_ = m_.version;
    for (const auto& file : m_.files) {
      rules_->source_files_.push_back(file->source->path());
      rules_->sources_.push_back(file->source);
    }
    Program& p = rules_->program_;
    p.max_tactics = m_.max_tactics;
    decl_slot_.assign(m_.decls.size(), kNone);
    rule_index_.assign(m_.decls.size(), -1);
    // Tiers are numbered in declaration order, whatever order they are compiled in.
    tiers_position_.assign(m_.decls.size(), -1);
    for (std::size_t i = 0; i < m_.decls.size(); ++i) {
      if (m_.decls[i].kind == DeclKind::Tiers) {
        tiers_position_[i] = static_cast<int>(p.tiers.size());
        p.tiers.emplace_back();
      }
    }
    for (std::size_t i = 0; i < m_.decls.size(); ++i) {
      const auto kind = m_.decls[i].kind;
      if (kind != DeclKind::Settings) ++rules_->counts_[check::decl_keyword(kind)];
      compile_decl(static_cast<int>(i));
    }
    // Render region: the placeholders of because texts, evaluated only to explain a decision.
    region_ = Region::Render;
    for (auto* list : {&p.causes, &p.tactics, &p.segments, &p.accounts, &p.credit_checks}) {
      for (auto& rule : *list) compile_because(rule);
    }
    order_rules();
    plan_churn_risk(p);
    p.main_end = static_cast<std::uint32_t>(main_.size());
    p.instrs = std::move(main_);
    p.instrs.insert(p.instrs.end(), render_.begin(), render_.end());
    p.slot_count = next_slot_;
    if (options_.fold_conditions) fold_conditions(p);
    if (!options_.fold_conditions || !options_.native_conditions) {
      p.native_off_reason = "turned off by the compile options";
    } else {
      compile_native_conditions(p, &p.native_off_reason, options_.native_field_offsets);
    }
    return rules_;
  }

 private:
  enum class Region { Main, Render, Sub };

  Program& program() { return rules_->program_; }

  std::uint32_t new_slot() { return next_slot_++; }

  std::vector<Instr>& target(Region region) {
    switch (region) {
      case Region::Main:
        return main_;
      case Region::Render:
        return render_;
      case Region::Sub:
        return sub_;
    }
    return main_;
  }

  // Emits an instruction unless an identical one exists in a region this one may read.
  std::uint32_t emit(Region region, OpCode op, std::uint32_t a = 0, std::uint32_t b = 0,
                     std::uint32_t c = 0) {
    const std::string key = fmt::format("{}:{}:{}:{}", static_cast<int>(op), a, b, c);
    if (region == Region::Main || share_main_) {
      if (auto it = cse_[Region::Main].find(key); it != cse_[Region::Main].end()) return it->second;
    }
    if (region != Region::Main) {
      if (auto it = cse_[region].find(key); it != cse_[region].end()) return it->second;
    }
    const std::uint32_t dst = new_slot();
    target(region).push_back(Instr{op, dst, a, b, c});
    cse_[region].emplace(key, dst);
    return dst;
  }

  // Causes in groups of eight, the last one padded with a slot that is always false, and for
  // each group the product of (1 - weight) over every subset of its causes, multiplied in
  // cause order: the churn risk is then a handful of table reads (eval::churn_risk).
  void plan_churn_risk(Program& p) {
    const std::uint32_t never = constant(eval::Value::of(false));
    for (std::size_t group = 0; group < p.causes.size(); group += 8) {
      for (std::size_t j = group; j < group + 8; ++j) {
        p.risk_slots.push_back(j < p.causes.size() ? p.causes[j].slot : never);
      }
      for (unsigned subset = 0; subset < 256; ++subset) {
        double keep = 1.0;
        for (std::size_t j = group; j < std::min(group + 8, p.causes.size()); ++j) {
          if (subset & (1u << (j - group))) keep *= 1.0 - p.causes[j].weight;
        }
        p.risk_products.push_back(keep);
      }
    }
  }

  std::uint32_t constant(eval::Value value) {
    std::string key;
    switch (value.kind) {
      case eval::Value::Kind::Unknown:
        key = "u";
        break;
      case eval::Value::Kind::Bool:
        key = value.boolean ? "b1" : "b0";
        break;
      case eval::Value::Kind::Number:
        key = fmt::format("n{}", value.number);
        break;
      case eval::Value::Kind::String:
        key = "s" + std::string(value.string());
        break;
    }
    if (auto it = constants_.find(key); it != constants_.end()) return it->second;
    if (value.kind == eval::Value::Kind::String) {
      program().strings.emplace_back(value.string());
      value = eval::Value::of(std::string_view(program().strings.back()));
    }
    const std::uint32_t slot = new_slot();
    program().constants.emplace_back(slot, value);
    constants_.emplace(key, slot);
    return slot;
  }

  std::uint32_t string_index(const std::string& text) {
    auto it = string_indices_.find(text);
    if (it != string_indices_.end()) return it->second;
    program().strings.push_back(text);
    const auto index = static_cast<std::uint32_t>(program().strings.size() - 1);
    string_indices_.emplace(text, index);
    return index;
  }

  std::uint32_t args(const std::vector<std::uint32_t>& slots) {
    auto& pool = program().args;
    const auto begin = static_cast<std::uint32_t>(pool.size());
    pool.insert(pool.end(), slots.begin(), slots.end());
    return begin;
  }

  // Operand lists get a content key so identical lists share one instruction.
  std::uint32_t emit_list(Region region, OpCode op, std::uint32_t a,
                          const std::vector<std::uint32_t>& slots) {
    const std::string key =
        fmt::format("{}:{}:[{}]", static_cast<int>(op), a, fmt::join(slots, ","));
    if (auto it = cse_[Region::Main].find(key); it != cse_[Region::Main].end()) return it->second;
    if (region != Region::Main) {
      if (auto it = cse_[region].find(key); it != cse_[region].end()) return it->second;
    }
    const std::uint32_t dst = new_slot();
    target(region).push_back(
        Instr{op, dst, a, args(slots), static_cast<std::uint32_t>(slots.size())});
    cse_[region].emplace(key, dst);
    return dst;
  }

  std::uint32_t field_index(const check::FieldInfo* field) {
    auto it = field_indices_.find(field);
    if (it != field_indices_.end()) return it->second;
    program().fields.push_back(field->chain);
    const auto index = static_cast<std::uint32_t>(program().fields.size() - 1);
    field_indices_.emplace(field, index);
    return index;
  }

  // Bands and enumeration values are numbers known at compile time.
  std::optional<double> number_constant(const ast::Expr& e) const {
    auto it = m_.references.find(&e);
    if (it == m_.references.end()) return std::nullopt;
    if (it->second.kind == RefKind::Band) return static_cast<double>(it->second.index);
    if (it->second.kind == RefKind::EnumValue) return static_cast<double>(it->second.number);
    return std::nullopt;
  }

  std::uint32_t number_index(double k) {
    auto& numbers = program().numbers;
    for (std::size_t i = 0; i < numbers.size(); ++i) {
      if (numbers[i] == k) return static_cast<std::uint32_t>(i);
    }
    numbers.push_back(k);
    return static_cast<std::uint32_t>(numbers.size() - 1);
  }

  // The number of the top-level profile field `e` names, if it has a generated reader; else 0.
  std::uint32_t direct_field(const ast::Expr& e) const {
    if (e.kind != ast::ExprKind::Path) return 0;
    auto it = m_.references.find(&e);
    if (it == m_.references.end() || it->second.kind != RefKind::Field) return 0;
    if (it->second.field->chain.size() != 1) return 0;
    const int number = it->second.field->chain[0]->number();
    return eval::profile_loader(number) != nullptr ? static_cast<std::uint32_t>(number) : 0;
  }

  std::uint32_t direct_field_index(std::uint32_t number) {
    auto& fields = program().direct_fields;
    auto it = std::find(fields.begin(), fields.end(), number);
    if (it != fields.end()) return static_cast<std::uint32_t>(it - fields.begin());
    fields.push_back(number);
    return static_cast<std::uint32_t>(fields.size() - 1);
  }

  const check::Reference& reference(const ast::Expr& e) const {
    auto it = m_.references.find(&e);
    assert(it != m_.references.end() && "checked module lacks a reference");
    return it->second;
  }

  std::uint32_t compile_path(const ast::Expr& e, Region region) {
    const check::Reference& ref = reference(e);
    switch (ref.kind) {
      // Loads go where they are needed: a field read only to show it in a because text or as
      // evidence costs nothing on the decision path.
      case RefKind::Field:
        if (const std::uint32_t number = direct_field(e)) {
          return emit(region, OpCode::LoadDirect, direct_field_index(number));
        }
        return emit(region, OpCode::LoadField, field_index(ref.field));
      case RefKind::Metric:
        return emit(region, OpCode::LoadMetric, string_index(ref.key));
      case RefKind::Attribute:
        return emit(region, OpCode::LoadAttribute, string_index(ref.key));
      case RefKind::ActionField:
        (void)region;
        assert(region == Region::Sub);
        return emit(Region::Sub, OpCode::LoadAction, static_cast<std::uint32_t>(ref.index));
      case RefKind::Decl: {
        const std::uint32_t slot = compile_decl(ref.index);
        const DeclKind kind = m_.decls[static_cast<std::size_t>(ref.index)].kind;
        // A rule named in an expression means "it fired": an undecided rule did not, and is
        // reported as undecided on its own.
        if (kind == DeclKind::Let || kind == DeclKind::Tiers) return slot;
        return emit(Region::Main, OpCode::IsTrue, slot);
      }
      case RefKind::Band:
        return constant(eval::Value::of(static_cast<double>(ref.index)));
      case RefKind::EnumValue:
        return constant(eval::Value::of(static_cast<double>(ref.number)));
    }
    return constant(eval::Value::unknown());
  }

  std::uint32_t compile_expr(const ast::Expr& e, Region region) {
    using ast::ExprKind;
    using ast::Op;
    switch (e.kind) {
      case ExprKind::Number:
        return constant(eval::Value::of(e.number));
      case ExprKind::Bool:
        return constant(eval::Value::of(e.boolean));
      case ExprKind::String:
        return constant(eval::Value::of(std::string_view(e.text)));
      case ExprKind::Path:
        return compile_path(e, region);
      case ExprKind::Unary:
        return emit(region, e.op == Op::Not ? OpCode::Not : OpCode::Neg,
                    compile_expr(e.args[0], region));
      case ExprKind::Between:
        return emit(region, OpCode::Between, compile_expr(e.args[0], region),
                    compile_expr(e.args[1], region), compile_expr(e.args[2], region));
      case ExprKind::List:
        assert(false && "lists only follow 'in'");
        return constant(eval::Value::unknown());
      case ExprKind::Count:
        return compile_count(e, region);
      case ExprKind::Call:
        return compile_call(e, region);
      case ExprKind::Binary:
        break;
    }
    if (e.op == Op::In || e.op == Op::NotIn) {
      const std::uint32_t value = compile_expr(e.args[0], region);
      std::vector<std::uint32_t> items;
      for (const auto& item : e.args[1].args) items.push_back(compile_expr(item, region));
      const std::uint32_t in = emit_list(region, OpCode::In, value, items);
      return e.op == Op::In ? in : emit(region, OpCode::Not, in);
    }
    static const std::map<Op, OpCode> binary = {
        {Op::And, OpCode::And}, {Op::Or, OpCode::Or},   {Op::Eq, OpCode::Eq},
        {Op::Ne, OpCode::Ne},   {Op::Lt, OpCode::Lt},   {Op::Le, OpCode::Le},
        {Op::Gt, OpCode::Gt},   {Op::Ge, OpCode::Ge},   {Op::Add, OpCode::Add},
        {Op::Sub, OpCode::Sub}, {Op::Mul, OpCode::Mul}, {Op::Div, OpCode::Div},
    };
    if (e.args[1].kind == ExprKind::Number ||
        (e.args[1].kind == ExprKind::Path && number_constant(e.args[1]).has_value())) {
      static const std::map<Op, OpCode> with_constant = {
          {Op::Lt, OpCode::LtK}, {Op::Le, OpCode::LeK}, {Op::Gt, OpCode::GtK},
          {Op::Ge, OpCode::GeK}, {Op::Eq, OpCode::EqK}, {Op::Ne, OpCode::NeK},
      };
      if (auto it = with_constant.find(e.op); it != with_constant.end()) {
        const double k =
            e.args[1].kind == ExprKind::Number ? e.args[1].number : *number_constant(e.args[1]);
        // `field OP constant` reads the field itself (c = 1 + loader), saving a load
        // instruction and a slot write on the most common condition.
        if (const std::uint32_t number = direct_field(e.args[0])) {
          return emit(region, it->second, 0, number_index(k), 1 + direct_field_index(number));
        }
        return emit(region, it->second, compile_expr(e.args[0], region), number_index(k));
      }
    }
    const std::uint32_t a = compile_expr(e.args[0], region);
    const std::uint32_t b = compile_expr(e.args[1], region);
    return emit(region, binary.at(e.op), a, b);
  }

  std::uint32_t compile_call(const ast::Expr& e, Region region) {
    std::vector<std::uint32_t> slots;
    for (const auto& a : e.args) slots.push_back(compile_expr(a, region));
    if (e.text == "abs") return emit(region, OpCode::Abs, slots[0]);
    if (e.text == "min") return emit_list(region, OpCode::Min, 0, slots);
    if (e.text == "max") return emit_list(region, OpCode::Max, 0, slots);
    if (e.text == "ratio") return emit(region, OpCode::Div, slots[0], slots[1]);
    if (e.text == "pct_change") return emit(region, OpCode::PctChange, slots[0], slots[1]);
    if (e.text == "days") return slots[0];
    if (e.text == "known") return emit(region, OpCode::Known, slots[0]);
    if (e.text == "coalesce") return emit_list(region, OpCode::Coalesce, 0, slots);
    assert(false && "unknown function passed the checker");
    return constant(eval::Value::unknown());
  }

  std::uint32_t compile_count(const ast::Expr& e, Region region) {
    if (e.args.size() < 2) return emit(region, OpCode::Count, kNone);
    // The body is compiled into its own instruction list, run once per action.
    const std::vector<Instr> saved = std::move(sub_);
    sub_.clear();
    cse_[Region::Sub].clear();
    const std::uint32_t result = compile_expr(e.args[1], Region::Sub);
    auto& p = program();
    SubProgram sub;
    sub.begin = static_cast<std::uint32_t>(p.sub_instrs.size());
    p.sub_instrs.insert(p.sub_instrs.end(), sub_.begin(), sub_.end());
    sub.end = static_cast<std::uint32_t>(p.sub_instrs.size());
    sub.result = result;
    p.subprograms.push_back(sub);
    sub_ = saved;
    // Every count has its own subprogram, so no two Count instructions are alike.
    const std::uint32_t dst = new_slot();
    target(region == Region::Sub ? Region::Main : region)
        .push_back(
            Instr{OpCode::Count, dst, static_cast<std::uint32_t>(p.subprograms.size() - 1), 0, 0});
    return dst;
  }

  const ast::Property* prop(const check::DeclInfo& d, const char* key) const {
    auto it = d.props.find(key);
    return it == d.props.end() ? nullptr : it->second;
  }

  // A condition as written, on one line: runs of white space (line breaks included) become one
  // space, and none is kept just inside parentheses, so traces and evidence read well.
  static std::string one_line(std::string_view text) {
    std::string out;
    bool pending_space = false;
    for (char c : text) {
      if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
        pending_space = !out.empty() && out.back() != '(';
        continue;
      }
      if (pending_space && c != ')') out += ' ';
      pending_space = false;
      out += c;
    }
    return out;
  }

  static Texts texts(const ast::Text* text) {
    Texts out;
    if (!text) return out;
    for (const auto& part : text->parts) {
      out.emplace_back(part.lang.empty() ? "und" : part.lang, part.value);
    }
    return out;
  }

  std::string location(const check::DeclInfo& d) const {
    const Location loc = d.source->location(d.decl->name_span.begin);
    return fmt::format("{}:{}:{}", d.source->path(), loc.line, loc.column);
  }

  void collect_evidence(const ast::Expr& e, std::vector<EvidenceItem>& out) {
    if (e.kind == ast::ExprKind::Path) {
      const auto& ref = reference(e);
      if (ref.kind == RefKind::Band || ref.kind == RefKind::EnumValue ||
          ref.kind == RefKind::ActionField)
        return;
      for (const auto& item : out) {
        if (item.name == e.text) return;
      }
      // Evidence reads its own copy of a field: a load shared with the decision could not be
      // folded into the condition's tests (condition_folding.hpp).
      share_main_ = false;
      const std::uint32_t slot = compile_path(e, Region::Render);
      share_main_ = true;
      out.push_back({e.text, slot, display(e, "")});
      return;
    }
    if (e.kind == ast::ExprKind::Count) return;
    for (const auto& a : e.args) collect_evidence(a, out);
  }

  Display display(const ast::Expr& e, const std::string& format) const {
    Display out;
    out.format = format;
    auto it = m_.types.find(&e);
    if (it == m_.types.end()) return out;
    if (it->second.is(check::TypeKind::Band)) {
      out.tiers = tiers_position_[static_cast<std::size_t>(it->second.tiers)];
    }
    if (it->second.is(check::TypeKind::Enum)) out.enumeration = it->second.enumeration;
    return out;
  }

  std::uint32_t compile_decl(int index) {
    auto& slot = decl_slot_[static_cast<std::size_t>(index)];
    if (slot != kNone) return slot;
    const check::DeclInfo& d = m_.decls[static_cast<std::size_t>(index)];
    const Region saved = region_;
    region_ = Region::Main;
    switch (d.kind) {
      case DeclKind::Let:
        slot = compile_expr(*d.decl->value, Region::Main);
        program().lets.push_back({d.decl->name, location(d), slot});
        break;
      case DeclKind::Tiers:
        slot = compile_tiers(
            d, static_cast<std::uint32_t>(tiers_position_[static_cast<std::size_t>(index)]));
        break;
      case DeclKind::Settings:
        break;
      default:
        slot = compile_rule(index, d);
    }
    region_ = saved;
    return slot;
  }

  std::uint32_t compile_rule(int index, const check::DeclInfo& d) {
    Rule rule;
    rule.id = d.decl->name;
    rule.label = texts(prop(d, "label") ? &*prop(d, "label")->text : nullptr);
    rule.location = location(d);
    if (const auto* when = prop(d, "when")) {
      rule.when_slot = compile_expr(*when->expr, Region::Main);
      rule.condition = one_line(d.source->slice(when->expr->span));
      collect_evidence(*when->expr, rule.evidence);
    }
    if (const auto* weight = prop(d, "weight")) rule.weight = const_value(*weight->expr);
    if (const auto* priority = prop(d, "priority")) {
      rule.priority = static_cast<int>(const_value(*priority->expr));
    }
    std::vector<Rule>* list = nullptr;
    switch (d.kind) {
      case DeclKind::Cause:
        rule.kind = RuleKind::Cause;
        rule.slot = rule.when_slot;
        list = &program().causes;
        break;
      case DeclKind::Segment:
      case DeclKind::CreditCheck:
        rule.kind = d.kind == DeclKind::Segment ? RuleKind::Segment : RuleKind::CreditCheck;
        rule.slot = rule.when_slot;
        list = d.kind == DeclKind::Segment ? &program().segments : &program().credit_checks;
        break;
      case DeclKind::Account: {
        rule.kind = RuleKind::Account;
        rule.slot = rule.when_slot;
        if (const auto* every = prop(d, "every")) {
          const std::uint32_t since = compile_expr(*every->since, Region::Main);
          const std::uint32_t period = constant(eval::Value::of(const_value(*every->expr)));
          const std::uint32_t never =
              emit(Region::Main, OpCode::Not, emit(Region::Main, OpCode::Known, since));
          const std::uint32_t due =
              emit(Region::Main, OpCode::Or, never, emit(Region::Main, OpCode::Ge, since, period));
          rule.slot = emit(Region::Main, OpCode::And, rule.when_slot, due);
          rule.condition +=
              fmt::format(" (every {} days since {})", every->expr->text, every->since->text);
          collect_evidence(*every->since, rule.evidence);
        }
        list = &program().accounts;
        break;
      }
      case DeclKind::Tactic:
        rule.kind = RuleKind::Tactic;
        compile_tactic(d, rule);
        list = &program().tactics;
        break;
      default:
        assert(false);
    }
    rule_index_[static_cast<std::size_t>(index)] = static_cast<int>(list->size());
    const std::uint32_t slot = rule.slot;
    list->push_back(std::move(rule));
    return slot;
  }

  void compile_tactic(const check::DeclInfo& d, Rule& rule) {
    std::uint32_t eligible = kNone;
    if (const auto* answers = prop(d, "answers")) {
      std::vector<std::uint32_t> causes;
      if (answers->any) {
        rule.answers_any = true;
        for (std::size_t i = 0; i < m_.decls.size(); ++i) {
          if (m_.decls[i].kind == DeclKind::Cause)
            causes.push_back(compile_decl(static_cast<int>(i)));
        }
      } else {
        for (const auto& id : answers->ids) {
          const int cause = m_.by_name.at(id.name);
          causes.push_back(compile_decl(cause));
          rule.answers.push_back(
              static_cast<std::uint32_t>(rule_index_[static_cast<std::size_t>(cause)]));
        }
      }
      eligible = causes.empty() ? constant(eval::Value::of(false)) : causes[0];
      for (std::size_t i = 1; i < causes.size(); ++i)
        eligible = emit(Region::Main, OpCode::Or, eligible, causes[i]);
      const std::string names = answers->any ? std::string("any cause") : [&] {
        std::vector<std::string> ids;
        for (const auto& id : answers->ids) ids.push_back(id.name);
        return fmt::format("{}", fmt::join(ids, " or "));
      }();
      rule.condition = rule.condition.empty()
                           ? "answers " + names
                           : fmt::format("answers {} and {}", names, rule.condition);
    }
    if (rule.when_slot != kNone) {
      eligible = eligible == kNone ? rule.when_slot
                                   : emit(Region::Main, OpCode::And, eligible, rule.when_slot);
    }
    rule.eligible_slot = eligible;
    rule.slot = eligible;
    if (const auto* cooldown = prop(d, "cooldown")) {
      const double days = const_value(*cooldown->expr);
      if (days > 0) {
        rule.cooldown_slot = emit(Region::Main, OpCode::Cooldown, string_index(rule.id),
                                  constant(eval::Value::of(days)));
        rule.slot = emit(Region::Main, OpCode::And, eligible,
                         emit(Region::Main, OpCode::Not, rule.cooldown_slot));
      }
    }
  }

  std::uint32_t compile_tiers(const check::DeclInfo& d, std::uint32_t tiers_index) {
    TiersPlan plan;
    plan.id = d.decl->name;
    plan.label = texts(prop(d, "label") ? &*prop(d, "label")->text : nullptr);
    plan.location = location(d);
    const auto* rank = prop(d, "rank");
    plan.ranked = rank != nullptr;
    if (plan.ranked) {
      plan.value_slot = compile_expr(*rank->expr, Region::Main);
      const auto* fallback = prop(d, "fallback");
      const std::uint32_t fallback_slot =
          fallback ? compile_expr(*fallback->expr, Region::Main) : kNone;
      plan.score_slot =
          emit(Region::Main, OpCode::RankPct, plan.value_slot, tiers_index, fallback_slot);
      for (const Instr& in : main_) {
        if (in.dst == plan.value_slot && in.op == OpCode::LoadDirect) {
          program().rank_prefetch.emplace_back(tiers_index, program().direct_fields[in.a]);
        }
      }
    } else {
      plan.value_slot = compile_expr(*prop(d, "by")->expr, Region::Main);
      plan.score_slot = plan.value_slot;
    }
    if (const auto* sets = prop(d, "sets")) {
      plan.role = sets->word.name == "tier" ? TiersRole::Tier : TiersRole::CreditGrade;
    }
    for (const ast::Band* band : d.bands) {
      BandPlan b;
      b.id = band->id;
      b.label = texts(band->label ? &*band->label : nullptr);
      switch (band->bound) {
        case ast::BandBound::Top:
          b.bound = BandBound::Top;
          b.value = const_value(*band->value) * (band->value->percent ? 100.0 : 1.0);
          break;
        case ast::BandBound::Below:
          b.bound = BandBound::Below;
          b.value = const_value(*band->value);
          break;
        case ast::BandBound::AtLeast:
          b.bound = BandBound::AtLeast;
          b.value = const_value(*band->value);
          break;
        case ast::BandBound::Rest:
          b.bound = BandBound::Rest;
          break;
      }
      plan.bands.push_back(std::move(b));
    }
    // Band is not hash-consed: it reads the tiers' own band table.
    plan.band_slot = new_slot();
    main_.push_back(Instr{OpCode::Band, plan.band_slot, tiers_index, plan.score_slot, 0});
    if (plan.role == TiersRole::Tier) program().tier_index = static_cast<int>(tiers_index);
    if (plan.role == TiersRole::CreditGrade)
      program().credit_grade_index = static_cast<int>(tiers_index);
    const std::uint32_t band_slot = plan.band_slot;
    program().tiers[tiers_index] = std::move(plan);
    return band_slot;
  }

  static double const_value(const ast::Expr& e) {
    if (e.kind == ast::ExprKind::Number) return e.number;
    if (e.kind == ast::ExprKind::Unary && e.op == ast::Op::Neg) return -const_value(e.args[0]);
    assert(false && "the checker accepts only constant numbers here");
    return 0;
  }

  void compile_because(Rule& rule) {
    const int index = m_.by_name.at(rule.id);
    const check::DeclInfo& d = m_.decls[static_cast<std::size_t>(index)];
    const auto* because = prop(d, "because");
    if (!because || !because->text) return;
    for (const auto& part : because->text->parts) {
      std::vector<TemplatePiece> pieces;
      for (const auto& piece : part.pieces) {
        TemplatePiece out;
        out.literal = piece.literal;
        if (piece.expr) {
          out.slot = compile_expr(*piece.expr, Region::Render);
          out.display = display(*piece.expr, piece.format);
        }
        pieces.push_back(std::move(out));
      }
      rule.because.emplace_back(part.lang.empty() ? "und" : part.lang, std::move(pieces));
    }
  }

  // Causes by weight (strongest first), tactics and accounts by (priority, id): iteration
  // order is decision order, so evaluation never sorts.
  void order_rules() {
    auto& p = program();
    std::vector<std::uint32_t> order(p.causes.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      return std::make_tuple(-p.causes[a].weight, p.causes[a].id) <
             std::make_tuple(-p.causes[b].weight, p.causes[b].id);
    });
    std::vector<std::uint32_t> new_index(order.size());
    std::vector<Rule> causes;
    for (std::uint32_t i = 0; i < order.size(); ++i) {
      new_index[order[i]] = i;
      causes.push_back(std::move(p.causes[order[i]]));
    }
    p.causes = std::move(causes);
    for (auto& tactic : p.tactics) {
      for (auto& a : tactic.answers) a = new_index[a];
    }
    auto by_priority = [](const Rule& a, const Rule& b) {
      return std::tie(a.priority, a.id) < std::tie(b.priority, b.id);
    };
    std::stable_sort(p.tactics.begin(), p.tactics.end(), by_priority);
    std::stable_sort(p.accounts.begin(), p.accounts.end(), by_priority);
    auto by_id = [](const Rule& a, const Rule& b) { return a.id < b.id; };
    std::stable_sort(p.segments.begin(), p.segments.end(), by_id);
    std::stable_sort(p.credit_checks.begin(), p.credit_checks.end(), by_id);
  }

  const check::CheckedModule& m_;
  const CompileOptions options_;
  std::shared_ptr<RuleSet> rules_;
  std::vector<Instr> main_, render_, sub_;
  std::map<Region, std::map<std::string, std::uint32_t>> cse_;
  std::map<std::string, std::uint32_t> constants_;
  std::map<std::string, std::uint32_t> string_indices_;
  std::map<const check::FieldInfo*, std::uint32_t> field_indices_;
  std::vector<std::uint32_t> decl_slot_;
  std::vector<int> rule_index_;
  std::vector<int> tiers_position_;
  std::uint32_t next_slot_ = 0;
  Region region_ = Region::Main;
  bool share_main_ = true;  // may a render-region instruction reuse a decision-region one
};

std::shared_ptr<const RuleSet> compile(const check::CheckedModule& module, std::string content_hash,
                                       const CompileOptions& options) {
  return Compiler(module, std::move(content_hash), options).run();
}

}  // namespace retain::compile
