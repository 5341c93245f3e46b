#include "engine/eval/evaluator.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <utility>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "engine/compile/native_conditions.hpp"
#include "profile_field_reader.inc"  // generated: read_profile_field

namespace retain::eval {

namespace {

namespace pb = google::protobuf;
using compile::Instr;
using compile::kNone;
using compile::OpCode;
using compile::Program;
using Kind = Value::Kind;

// The profile's Reflection, fetched once: Message::GetReflection() goes through descriptor
// assignment (a call_once) on every call, which costs more than the read itself.
const pb::Reflection* profile_reflection() {
  static const pb::Reflection* reflection = v1::CustomerProfile::GetReflection();
  return reflection;
}

Value load_scalar(const pb::Message& message, const pb::Reflection* reflection,
                  const pb::FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return Value::of(static_cast<double>(reflection->GetInt32(message, field)));
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return Value::of(reflection->GetDouble(message, field));
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return Value::of(reflection->GetBool(message, field));
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const int number = reflection->GetEnumValue(message, field);
      return number == 0 ? Value::unknown() : Value::of(static_cast<double>(number));
    }
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return Value::of(static_cast<double>(reflection->GetInt64(message, field)));
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return Value::of(static_cast<double>(reflection->GetUInt32(message, field)));
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return Value::of(static_cast<double>(reflection->GetUInt64(message, field)));
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return Value::of(static_cast<double>(reflection->GetFloat(message, field)));
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      // Singular string fields are stored as std::string: the reference needs no scratch copy.
      std::string scratch;
      const std::string& text = reflection->GetStringReference(message, field, &scratch);
      if (&text == &scratch) return Value::unknown();
      return Value::of(std::string_view(text));
    }
    default:
      return Value::unknown();
  }
}

}  // namespace

Value read_field_by_reflection(const v1::CustomerProfile& profile,
                               const std::vector<const pb::FieldDescriptor*>& chain) {
  const pb::Message* message = &profile;
  const pb::Reflection* reflection = profile_reflection();
  for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
    if (!reflection->HasField(*message, chain[i])) return Value::unknown();
    message = &reflection->GetMessage(*message, chain[i]);
    reflection = message->GetReflection();
  }
  const pb::FieldDescriptor* field = chain.back();
  if (field->has_presence() && !reflection->HasField(*message, field)) return Value::unknown();
  return load_scalar(*message, reflection, field);
}

namespace {

bool equal(const Value& a, const Value& b) {
  switch (a.kind) {
    case Kind::Bool:
      return a.boolean == b.boolean;
    case Kind::Number:
      return a.number == b.number;
    case Kind::String:
      return a.string() == b.string();
    case Kind::Unknown:
      return false;
  }
  return false;
}

Value compare(OpCode op, const Value& a, const Value& b) {
  if (!a.known() || !b.known()) return Value::unknown();
  switch (op) {
    case OpCode::Eq:
      return Value::of(equal(a, b));
    case OpCode::Ne:
      return Value::of(!equal(a, b));
    case OpCode::Lt:
      return Value::of(a.number < b.number);
    case OpCode::Le:
      return Value::of(a.number <= b.number);
    case OpCode::Gt:
      return Value::of(a.number > b.number);
    case OpCode::Ge:
      return Value::of(a.number >= b.number);
    default:
      return Value::unknown();
  }
}

Value arithmetic(OpCode op, const Value& a, const Value& b) {
  if (!a.known() || !b.known()) return Value::unknown();
  switch (op) {
    case OpCode::Add:
      return Value::of(a.number + b.number);
    case OpCode::Sub:
      return Value::of(a.number - b.number);
    case OpCode::Mul:
      return Value::of(a.number * b.number);
    case OpCode::Div:
      return b.number == 0 ? Value::unknown() : Value::of(a.number / b.number);
    case OpCode::PctChange:
      return b.number == 0 ? Value::unknown() : Value::of((a.number - b.number) / b.number);
    default:
      return Value::unknown();
  }
}

struct Machine {
  const Program& p;
  const v1::CustomerProfile& profile;
  EvalFrame& frame;

  Value* slots() { return frame.slots.data(); }

  Value band_of(const compile::TiersPlan& tiers, const Value& score) const {
    if (!score.known()) return Value::unknown();
    for (std::size_t i = 0; i < tiers.bands.size(); ++i) {
      const auto& band = tiers.bands[i];
      bool in = false;
      switch (band.bound) {
        case compile::BandBound::Top:
        case compile::BandBound::Below:
          in = score.number < band.value;
          break;
        case compile::BandBound::AtLeast:
          in = score.number >= band.value;
          break;
        case compile::BandBound::Rest:
          in = true;
          break;
      }
      if (in) return Value::of(static_cast<double>(i));
    }
    return Value::unknown();
  }

  Value rank_pct(const Instr& in) {
    Value* s = slots();
    const RankIndex* column = frame.columns.empty() ? nullptr : frame.columns[in.b];
    const Value& value = s[in.a];
    if (column != nullptr && column->size() != 0) {
      if (!value.known()) return Value::unknown();
      if (frame.ranked_in != column || frame.ranked_value != value.number) {
        const EvalFrame::Located& at = frame.located[in.b];
        frame.ranked_in = column;
        frame.ranked_value = value.number;
        frame.ranked_greater = at.in == column && at.value == value.number
                                   ? column->finish(value.number, at.position)
                                   : column->count_greater(value.number);
      }
      return Value::of(100.0 * static_cast<double>(frame.ranked_greater) /
                       static_cast<double>(column->size()));
    }
    return in.c == kNone ? Value::unknown() : s[in.c];
  }

  Value count(const Instr& in) {
    const int n = profile.recent_actions_size();
    if (in.a == kNone) return Value::of(static_cast<double>(n));
    const compile::SubProgram& sub = p.subprograms[in.a];
    int hits = 0;
    for (int i = 0; i < n; ++i) {
      frame.action = i;
      run(p.sub_instrs.data() + sub.begin, p.sub_instrs.data() + sub.end);
      if (slots()[sub.result].is_true()) ++hits;
    }
    frame.action = -1;
    return Value::of(static_cast<double>(hits));
  }

  Value cooldown(const Instr& in) const {
    const std::string& id = p.strings[in.a];
    const double days = frame.slots[in.b].number;
    for (const auto& action : profile.recent_actions()) {
      if (action.action_id() == id && action.days_ago() < days) return Value::of(true);
    }
    return Value::of(false);
  }

  Value load_action(std::uint32_t field) const {
    const auto& action = profile.recent_actions(frame.action);
    switch (field) {
      case 0:
        return Value::of(std::string_view(action.action_id()));
      case 1:
        return Value::of(static_cast<double>(action.days_ago()));
      default:
        return Value::of(std::string_view(action.outcome()));
    }
  }

  // A boolean or unknown result, with no branch on the data, written as the two 8-byte halves
  // a later read of the whole value loads: a load covering several smaller stores still in
  // flight cannot be forwarded from them and waits for them to reach the cache.
  static void set_bool(Value& out, bool known, bool value) {
    static_assert(offsetof(Value, length) == 8 && offsetof(Value, kind) == 12 &&
                  offsetof(Value, boolean) == 13 && std::endian::native == std::endian::little);
    const auto kind = static_cast<std::uint64_t>(known ? Kind::Bool : Kind::Unknown);
    const std::uint64_t tail = (kind << 32) | (static_cast<std::uint64_t>(value) << 40);
    out.number = value ? 1.0 : 0.0;
    std::memcpy(reinterpret_cast<char*>(&out) + 8, &tail, sizeof tail);
  }

  template <typename Compare>
  void compare_k(const Instr& in, Value& out, Compare compare) const {
    const Value a =
        in.c != 0 ? read_profile_field(profile, p.direct_fields[in.c - 1]) : frame.slots[in.a];
    const bool known = a.known();
    set_bool(out, known, known & compare(a.number, p.numbers[in.b]));
  }

  // Folded conditions (compile/condition_folding.hpp): each test sends evaluation on by the
  // value it reads, so a condition stops at the first test that decides it.
  void run_conditions(std::uint32_t begin, std::uint32_t end) {
    // Locals, so that the optimiser need not reload them after each field read.
    Value* const s = slots();
    const compile::Test* const tests = p.tests.data();
    const v1::CustomerProfile& profile_ref = profile;
    for (std::uint32_t i = begin; i < end; ++i) {
      const compile::Condition& condition = p.conditions[i];
      std::uint32_t next = condition.entry;
      do {
        const compile::Test& t = tests[next];
        const Value v = t.field != 0 ? read_profile_field(profile_ref, t.field) : s[t.slot];
        if (!v.known()) {
          next = t.next[2];
        } else {
          next = t.lo <= v.number && v.number <= t.hi ? t.next[0] : t.next[1];
        }
      } while (next < compile::kOutcomeTrue);
      set_bool(s[condition.dst], next != compile::kOutcomeUnknown, next == compile::kOutcomeTrue);
    }
  }

  void run(const Instr* begin, const Instr* end) {
    Value* s = slots();
    for (const Instr* it = begin; it != end; ++it) exec(it->op, *it, s);
  }

  // One instruction. Inlined with `op` a constant (step<Op>), the switch folds away.
  [[gnu::always_inline]] void exec(OpCode op, const Instr& in, Value* s) {
    Value& out = s[in.dst];
    switch (op) {
      case OpCode::LoadDirect:
        out = read_profile_field(profile, p.direct_fields[in.a]);
        break;
      case OpCode::LoadField:
        out = read_field_by_reflection(profile, p.fields[in.a]);
        break;
      case OpCode::LoadMetric: {
        const auto& metrics = profile.metrics();
        auto found = metrics.find(p.strings[in.a]);
        out = found == metrics.end() ? Value::unknown() : Value::of(found->second);
        break;
      }
      case OpCode::LoadAttribute: {
        const auto& attributes = profile.attributes();
        auto found = attributes.find(p.strings[in.a]);
        out = found == attributes.end() ? Value::unknown()
                                        : Value::of(std::string_view(found->second));
        break;
      }
      case OpCode::LoadAction:
        out = load_action(in.a);
        break;
      case OpCode::Not: {
        const bool known = s[in.a].known();
        set_bool(out, known, known & !s[in.a].boolean);
        break;
      }
      case OpCode::Neg:
        out = s[in.a].known() ? Value::of(-s[in.a].number) : Value::unknown();
        break;
      case OpCode::And: {
        // Three-valued, without data-dependent branches: false wins, then unknown.
        const Value& a = s[in.a];
        const Value& b = s[in.b];
        const bool a_known = a.known();
        const bool b_known = b.known();
        const bool is_false = (a_known & !a.boolean) | (b_known & !b.boolean);
        const bool is_true = a_known & a.boolean & b_known & b.boolean;
        set_bool(out, is_false | is_true, is_true);
        break;
      }
      case OpCode::Or: {
        const Value& a = s[in.a];
        const Value& b = s[in.b];
        const bool a_known = a.known();
        const bool b_known = b.known();
        const bool is_true = (a_known & a.boolean) | (b_known & b.boolean);
        const bool is_false = a_known & !a.boolean & b_known & !b.boolean;
        set_bool(out, is_false | is_true, is_true);
        break;
      }
      case OpCode::Eq:
      case OpCode::Ne:
      case OpCode::Lt:
      case OpCode::Le:
      case OpCode::Gt:
      case OpCode::Ge:
        out = compare(in.op, s[in.a], s[in.b]);
        break;
      case OpCode::LtK:
        compare_k(in, out, [](double x, double k) { return x < k; });
        break;
      case OpCode::LeK:
        compare_k(in, out, [](double x, double k) { return x <= k; });
        break;
      case OpCode::GtK:
        compare_k(in, out, [](double x, double k) { return x > k; });
        break;
      case OpCode::GeK:
        compare_k(in, out, [](double x, double k) { return x >= k; });
        break;
      case OpCode::EqK:
        compare_k(in, out, [](double x, double k) { return x == k; });
        break;
      case OpCode::NeK:
        compare_k(in, out, [](double x, double k) { return x != k; });
        break;
      case OpCode::Add:
      case OpCode::Sub:
      case OpCode::Mul:
      case OpCode::Div:
      case OpCode::PctChange:
        out = arithmetic(in.op, s[in.a], s[in.b]);
        break;
      case OpCode::In: {
        const Value& value = s[in.a];
        if (!value.known()) {
          out = Value::unknown();
          break;
        }
        bool unknown_item = false;
        bool found = false;
        for (std::uint32_t i = 0; i < in.c && !found; ++i) {
          const Value& item = s[p.args[in.b + i]];
          if (!item.known()) {
            unknown_item = true;
          } else if (equal(value, item)) {
            found = true;
          }
        }
        out = found ? Value::of(true) : unknown_item ? Value::unknown() : Value::of(false);
        break;
      }
      case OpCode::Between: {
        const Value& x = s[in.a];
        const Value& lo = s[in.b];
        const Value& hi = s[in.c];
        out = x.known() && lo.known() && hi.known()
                  ? Value::of(lo.number <= x.number && x.number <= hi.number)
                  : Value::unknown();
        break;
      }
      case OpCode::Abs:
        out = s[in.a].known() ? Value::of(std::fabs(s[in.a].number)) : Value::unknown();
        break;
      case OpCode::Min:
      case OpCode::Max: {
        Value result = s[p.args[in.b]];
        for (std::uint32_t i = 1; i < in.c && result.known(); ++i) {
          const Value& item = s[p.args[in.b + i]];
          if (!item.known()) {
            result = Value::unknown();
          } else if (in.op == OpCode::Min ? item.number < result.number
                                          : item.number > result.number) {
            result = item;
          }
        }
        out = result;
        break;
      }
      case OpCode::Known:
        out = Value::of(s[in.a].known());
        break;
      case OpCode::IsTrue:
        out = Value::of(s[in.a].is_true());
        break;
      case OpCode::Coalesce: {
        Value result;
        for (std::uint32_t i = 0; i < in.c; ++i) {
          const Value& item = s[p.args[in.b + i]];
          if (item.known()) {
            result = item;
            break;
          }
        }
        out = result;
        break;
      }
      case OpCode::Count:
        out = count(in);
        break;
      case OpCode::Cooldown:
        out = cooldown(in);
        break;
      case OpCode::RankPct:
        out = rank_pct(in);
        break;
      case OpCode::Band:
        out = band_of(p.tiers[in.a], s[in.b]);
        break;
      case OpCode::Branch:
        run_conditions(in.a, in.a + in.b);
        break;
    }
  }
};

// One instruction of the decision program, for native code (compile/native_conditions.hpp),
// which calls the instructions it does not translate in order, each from a call site of its
// own, instead of dispatching them all from one indirect jump.
template <OpCode Op>
void step(void* machine, const Instr& in) {
  auto& m = *static_cast<Machine*>(machine);
  m.exec(Op, in, m.slots());
}

template <std::size_t... I>
constexpr std::array<Step, sizeof...(I)> make_steps(std::index_sequence<I...>) {
  return {&step<static_cast<OpCode>(I)>...};
}

constexpr auto kSteps = make_steps(std::make_index_sequence<compile::kOpCodeCount>());

void prepare(const compile::RuleSet& rules, const PopulationStats* stats, EvalFrame& frame) {
  const Program& p = rules.program();
  if (frame.bound_rules != &rules) {
    frame.slots.assign(p.slot_count, Value::unknown());
    for (const auto& [slot, value] : p.constants) frame.slots[slot] = value;
    frame.proposed_tactics.reserve(p.tactics.size());
    frame.dropped_tactics.reserve(p.tactics.size());
    frame.bound_rules = &rules;
    frame.bound_stats = nullptr;
    frame.columns.clear();
  }
  if (frame.bound_stats != stats || frame.columns.size() != p.tiers.size()) {
    frame.columns.assign(p.tiers.size(), nullptr);
    frame.located.assign(p.tiers.size(), EvalFrame::Located{});
    if (stats != nullptr) {
      for (std::size_t i = 0; i < p.tiers.size(); ++i) {
        if (p.tiers[i].ranked) frame.columns[i] = stats->index(p.tiers[i].id);
      }
    }
    frame.bound_stats = stats;
  }
}

}  // namespace

Step step_function(compile::OpCode op) {
  return kSteps[static_cast<std::size_t>(op)];
}

void evaluate(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
              const PopulationStats* stats, EvalFrame& frame) {
  prepare(rules, stats, frame);
  frame.ranked_in = nullptr;
  const Program& p = rules.program();
  for (const auto& [tiers, field] : p.rank_prefetch) {
    EvalFrame::Located& at = frame.located[tiers];
    at.in = frame.columns[tiers];
    if (at.in == nullptr || at.in->size() == 0) continue;
    const Value value = read_profile_field(profile, field);
    if (!value.known()) {
      at.in = nullptr;
      continue;
    }
    at.value = value.number;
    // Tiers that rank the same column (shared index) locate the same value once.
    const EvalFrame::Located* same = nullptr;
    for (const auto& [other, unused] : p.rank_prefetch) {
      if (other == tiers) break;
      const EvalFrame::Located& before = frame.located[other];
      if (before.in == at.in && before.value == at.value) same = &before;
    }
    at.position = same != nullptr ? same->position : at.in->locate(value.number);
  }
  Machine machine{p, profile, frame};
  if (p.native != nullptr && p.native->program() != nullptr) {
    p.native->program()(&machine, &profile, frame.slots.data(), p.instrs.data());
  } else {
    machine.run(p.instrs.data(), p.instrs.data() + p.main_end);
  }
  frame.proposed_tactics.clear();
  frame.dropped_tactics.clear();
  for (std::uint32_t i = 0; i < p.tactics.size(); ++i) {
    if (!frame.slots[p.tactics[i].slot].is_true()) continue;
    if (static_cast<int>(frame.proposed_tactics.size()) < p.max_tactics) {
      frame.proposed_tactics.push_back(i);
    } else {
      frame.dropped_tactics.push_back(i);
    }
  }
}

void evaluate_render(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
                     EvalFrame& frame) {
  const Program& p = rules.program();
  Machine machine{p, profile, frame};
  machine.run(p.instrs.data() + p.main_end, p.instrs.data() + p.instrs.size());
}

double churn_risk(const compile::RuleSet& rules, const EvalFrame& frame) {
  // The second half of a true Value: length 0, Kind::Bool in byte 12, true in byte 13.
  constexpr std::uint64_t kTrueTail =
      (static_cast<std::uint64_t>(Kind::Bool) | (std::uint64_t{1} << 8)) << 32;
  static_assert(offsetof(Value, length) == 8 && offsetof(Value, kind) == 12 &&
                offsetof(Value, boolean) == 13 && std::endian::native == std::endian::little);
  // A table read per eight causes (compile::Program::risk_products) instead of a
  // multiplication per cause: the multiplications, and the conversions of each outcome to a
  // factor, made a chain of latencies that a whole evaluation waited for.
  const Program& p = rules.program();
  const Value* const s = frame.slots.data();
  const std::uint32_t* slots = p.risk_slots.data();
  const double* products = p.risk_products.data();
  double keep = 1.0;
  for (std::size_t group = 0; group < p.risk_slots.size(); group += 8) {
    // The whole second half compared at once, as set_bool and native conditions store it:
    // a narrower load from inside that store is not forwarded from it on every processor.
    auto fired = [&](unsigned j) {
      std::uint64_t tail;
      std::memcpy(&tail, reinterpret_cast<const char*>(&s[slots[group + j]]) + 8, sizeof tail);
      return static_cast<unsigned>(tail == kTrueTail) << j;
    };
    const unsigned subset =
        fired(0) | fired(1) | fired(2) | fired(3) | fired(4) | fired(5) | fired(6) | fired(7);
    keep *= products[group * 32 + subset];
  }
  return 1.0 - keep;
}

}  // namespace retain::eval
