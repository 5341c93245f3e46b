#include "engine/compile/condition_folding.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <tuple>

namespace retain::compile {

namespace {

// A tree whose branching form would exceed this many tests keeps its instructions: the
// form is linear in the tree for and/or chains, so only pathological nesting reaches it.
constexpr std::size_t kMaxTestsPerTree = 256;

bool is_compare_k(OpCode op) {
  switch (op) {
    case OpCode::LtK:
    case OpCode::LeK:
    case OpCode::GtK:
    case OpCode::GeK:
    case OpCode::EqK:
    case OpCode::NeK:
      return true;
    default:
      return false;
  }
}

bool is_connective(OpCode op) {
  return op == OpCode::And || op == OpCode::Or || op == OpCode::Not;
}

// The slots an instruction reads.
template <typename Visit>
void for_each_operand(const Program& p, const Instr& in, Visit visit) {
  auto list = [&](std::uint32_t begin, std::uint32_t count) {
    for (std::uint32_t i = 0; i < count; ++i) visit(p.args[begin + i]);
  };
  switch (in.op) {
    case OpCode::LoadField:
    case OpCode::LoadDirect:
    case OpCode::LoadMetric:
    case OpCode::LoadAttribute:
    case OpCode::LoadAction:
    case OpCode::Count:
      break;
    case OpCode::Not:
    case OpCode::Neg:
    case OpCode::Abs:
    case OpCode::Known:
    case OpCode::IsTrue:
      visit(in.a);
      break;
    case OpCode::And:
    case OpCode::Or:
    case OpCode::Eq:
    case OpCode::Ne:
    case OpCode::Lt:
    case OpCode::Le:
    case OpCode::Gt:
    case OpCode::Ge:
    case OpCode::Add:
    case OpCode::Sub:
    case OpCode::Mul:
    case OpCode::Div:
    case OpCode::PctChange:
      visit(in.a);
      visit(in.b);
      break;
    case OpCode::LtK:
    case OpCode::LeK:
    case OpCode::GtK:
    case OpCode::GeK:
    case OpCode::EqK:
    case OpCode::NeK:
      if (in.c == 0) visit(in.a);
      break;
    case OpCode::In:
      visit(in.a);
      list(in.b, in.c);
      break;
    case OpCode::Between:
      visit(in.a);
      visit(in.b);
      visit(in.c);
      break;
    case OpCode::Min:
    case OpCode::Max:
    case OpCode::Coalesce:
      list(in.b, in.c);
      break;
    case OpCode::Cooldown:
      visit(in.b);
      break;
    case OpCode::RankPct:
      visit(in.a);
      if (in.c != kNone) visit(in.c);
      break;
    case OpCode::Band:
      visit(in.b);
      break;
    case OpCode::Branch:  // folding runs once, before any Branch exists
      break;
  }
}

// Slots read after evaluation, by the decision, its explanations and traces.
template <typename Visit>
void for_each_result_slot(const Program& p, Visit visit) {
  auto some = [&](std::uint32_t slot) {
    if (slot != kNone) visit(slot);
  };
  for (const auto* list : {&p.causes, &p.tactics, &p.segments, &p.accounts, &p.credit_checks}) {
    for (const Rule& rule : *list) {
      some(rule.slot);
      some(rule.when_slot);
      some(rule.eligible_slot);
      some(rule.cooldown_slot);
      for (const auto& item : rule.evidence) some(item.slot);
      for (const auto& [lang, pieces] : rule.because) {
        for (const auto& piece : pieces) some(piece.slot);
      }
    }
  }
  for (const auto& tiers : p.tiers) {
    some(tiers.value_slot);
    some(tiers.score_slot);
    some(tiers.band_slot);
  }
  for (const auto& let : p.lets) some(let.slot);
  for (const auto& sub : p.subprograms) some(sub.result);
  for (std::uint32_t slot : p.risk_slots) some(slot);
}

class Folder {
 public:
  explicit Folder(Program& p) : p_(p) {}

  void run() {
    count_uses();
    mark_inner();
    // Fold every tree first (inner nodes come before their root), then rebuild the region.
    std::vector<bool> folded_root(p_.main_end, false);
    for (std::uint32_t i = 0; i < p_.main_end; ++i) {
      if (is_root(i)) folded_root[i] = fold(i);
    }
    // A folded tree runs as late as its first reader allows, so that trees gather into few
    // Branch instructions: one dispatch for many rules. Slots are written once, so a test reads
    // the same value whenever it runs.
    std::vector<Instr> out;
    std::vector<std::uint32_t> pending;  // dsts of the conditions not yet emitted
    std::vector<bool> is_pending(p_.slot_count, false);
    std::uint32_t condition = 0;
    auto flush = [&] {
      if (pending.empty()) return;
      const auto count = static_cast<std::uint32_t>(pending.size());
      out.push_back(Instr{OpCode::Branch, 0, condition - count, count, 0});
      for (std::uint32_t dst : pending) is_pending[dst] = false;
      pending.clear();
    };
    for (std::uint32_t i = 0; i < p_.main_end; ++i) {
      if (removed_[i]) continue;
      const Instr& in = p_.instrs[i];
      if (folded_root[i]) {
        pending.push_back(in.dst);
        is_pending[in.dst] = true;
        ++condition;
        continue;
      }
      bool reads_pending = false;
      for_each_read(in, [&](std::uint32_t slot) { reads_pending |= is_pending[slot]; });
      if (reads_pending) flush();
      out.push_back(in);
    }
    flush();
    const auto new_end = static_cast<std::uint32_t>(out.size());
    out.insert(out.end(), p_.instrs.begin() + p_.main_end, p_.instrs.end());
    p_.instrs = std::move(out);
    p_.main_end = new_end;
  }

 private:
  void count_uses() {
    uses_.assign(p_.slot_count, 0);
    user_.assign(p_.slot_count, kNone);
    def_.assign(p_.slot_count, kNone);
    removed_.assign(p_.main_end, false);
    auto use_by = [&](std::uint32_t user) {
      return [this, user](std::uint32_t slot) {
        ++uses_[slot];
        user_[slot] = user;
      };
    };
    for (std::uint32_t i = 0; i < p_.instrs.size(); ++i) {
      const Instr& in = p_.instrs[i];
      if (i < p_.main_end) def_[in.dst] = i;
      for_each_operand(p_, in, use_by(i < p_.main_end ? i : kNone));
    }
    for (const Instr& in : p_.sub_instrs) for_each_operand(p_, in, use_by(kNone));
    for_each_result_slot(p_, use_by(kNone));
  }

  // A node folds into its parent when that parent, a connective of the decision region, is
  // the only reader of its value.
  void mark_inner() {
    inner_.assign(p_.main_end, false);
    for (std::uint32_t i = 0; i < p_.main_end; ++i) {
      const Instr& in = p_.instrs[i];
      const bool foldable = is_connective(in.op) || is_compare_k(in.op) ||
                            in.op == OpCode::LoadDirect || in.op == OpCode::IsTrue;
      const std::uint32_t user = user_[in.dst];
      inner_[i] =
          foldable && uses_[in.dst] == 1 && user != kNone && is_connective(p_.instrs[user].op);
    }
  }

  // The slots an instruction reads, including those its count(... where ...) body reads.
  template <typename Visit>
  void for_each_read(const Instr& in, Visit visit) const {
    for_each_operand(p_, in, visit);
    if (in.op == OpCode::Count && in.a != kNone) {
      const SubProgram& sub = p_.subprograms[in.a];
      for (std::uint32_t j = sub.begin; j < sub.end; ++j) {
        for_each_operand(p_, p_.sub_instrs[j], visit);
      }
    }
  }

  bool is_root(std::uint32_t i) const {
    const OpCode op = p_.instrs[i].op;
    return !inner_[i] && (is_connective(op) || is_compare_k(op));
  }

  // Builds the tests of the tree rooted at instruction `root`; false (and nothing changed)
  // when it is too large.
  bool fold(std::uint32_t root) {
    tests_before_ = p_.tests.size();
    too_large_ = false;
    memo_.clear();
    folded_.clear();
    calls_ = 0;
    root_ = root;
    const std::uint32_t entry =
        gen(p_.instrs[root].dst, kOutcomeTrue, kOutcomeFalse, kOutcomeUnknown);
    if (too_large_) {
      p_.tests.resize(tests_before_);
      return false;
    }
    for (std::uint32_t i : folded_) {
      if (i != root) removed_[i] = true;
    }
    p_.conditions.push_back(Condition{entry, p_.instrs[root].dst});
    return true;
  }

  // The first test of `slot`'s node, given where to go on each of its outcomes.
  std::uint32_t gen(std::uint32_t slot, std::uint32_t on_true, std::uint32_t on_false,
                    std::uint32_t on_unknown) {
    if (p_.tests.size() - tests_before_ > kMaxTestsPerTree || ++calls_ > 8 * kMaxTestsPerTree) {
      too_large_ = true;  // the tree keeps its instructions; what is built here is dropped
      return on_unknown;
    }
    const auto key = std::make_tuple(slot, on_true, on_false, on_unknown);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    const std::uint32_t entry = gen_node(slot, on_true, on_false, on_unknown);
    memo_.emplace(key, entry);
    return entry;
  }

  std::uint32_t gen_node(std::uint32_t slot, std::uint32_t on_true, std::uint32_t on_false,
                         std::uint32_t on_unknown) {
    const std::uint32_t i = def_[slot];
    const bool in_tree = i != kNone && (i == root_ || inner_[i]);
    if (!in_tree) return test_slot(slot, on_true, on_false, on_unknown);
    folded_.push_back(i);
    const Instr& in = p_.instrs[i];
    switch (in.op) {
      case OpCode::And: {
        // a false: false. a true: b decides. a unknown: false if b is false, else unknown.
        const std::uint32_t b = gen(in.b, on_true, on_false, on_unknown);
        const std::uint32_t b_after_unknown = gen(in.b, on_unknown, on_false, on_unknown);
        return gen(in.a, b, on_false, b_after_unknown);
      }
      case OpCode::Or: {
        const std::uint32_t b = gen(in.b, on_true, on_false, on_unknown);
        const std::uint32_t b_after_unknown = gen(in.b, on_true, on_unknown, on_unknown);
        return gen(in.a, on_true, b, b_after_unknown);
      }
      case OpCode::Not:
        return gen(in.a, on_false, on_true, on_unknown);
      case OpCode::IsTrue:  // a rule named in a condition: undecided reads as not fired
        return test_slot(in.a, on_true, on_false, on_false);
      case OpCode::LoadDirect:
        return add_test(p_.direct_fields[in.a], 0, 1, 1, on_true, on_false, on_unknown);
      default:
        break;
    }
    // A comparison with a constant: an interval of the number read.
    const double k = p_.numbers[in.b];
    constexpr double inf = std::numeric_limits<double>::infinity();
    const std::uint32_t field = in.c != 0 ? p_.direct_fields[in.c - 1] : 0;  // else slot a
    switch (in.op) {
      case OpCode::LtK:
        return add_test(field, in.a, -inf, std::nextafter(k, -inf), on_true, on_false, on_unknown);
      case OpCode::LeK:
        return add_test(field, in.a, -inf, k, on_true, on_false, on_unknown);
      case OpCode::GtK:
        return add_test(field, in.a, std::nextafter(k, inf), inf, on_true, on_false, on_unknown);
      case OpCode::GeK:
        return add_test(field, in.a, k, inf, on_true, on_false, on_unknown);
      case OpCode::EqK:
        return add_test(field, in.a, k, k, on_true, on_false, on_unknown);
      default:  // NeK: outside [k, k]
        return add_test(field, in.a, k, k, on_false, on_true, on_unknown);
    }
  }

  // The truth of a slot computed by an instruction of its own.
  std::uint32_t test_slot(std::uint32_t slot, std::uint32_t on_true, std::uint32_t on_false,
                          std::uint32_t on_unknown) {
    return add_test(0, slot, 1, 1, on_true, on_false, on_unknown);
  }

  std::uint32_t add_test(std::uint32_t field, std::uint32_t slot, double lo, double hi,
                         std::uint32_t in, std::uint32_t out, std::uint32_t unknown) {
    Test t;
    t.field = field;
    t.slot = field == 0 ? slot : 0;
    t.lo = lo;
    t.hi = hi;
    t.next[0] = in;
    t.next[1] = out;
    t.next[2] = unknown;
    p_.tests.push_back(t);
    return static_cast<std::uint32_t>(p_.tests.size() - 1);
  }

  Program& p_;
  std::vector<std::uint32_t> uses_;
  std::vector<std::uint32_t> user_;  // the main-region instruction reading a slot (last seen)
  std::vector<std::uint32_t> def_;   // the main-region instruction writing a slot
  std::vector<bool> inner_;
  std::vector<bool> removed_;
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>, std::uint32_t>
      memo_;
  std::vector<std::uint32_t> folded_;
  std::uint32_t root_ = 0;
  std::size_t tests_before_ = 0;
  std::size_t calls_ = 0;
  bool too_large_ = false;
};

}  // namespace

void fold_conditions(Program& p) {
  Folder(p).run();
}

}  // namespace retain::compile
