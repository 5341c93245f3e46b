// The compiled form of a rule set: straight-line instructions over numbered value slots, in
// dependency order, and the rules that read their outcome from those slots. Shared
// sub-expressions are compiled once (hash-consed); field reads are resolved to descriptors at
// compile time. Immutable after compile(); read concurrently by every evaluating thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/eval/value.hpp"

namespace google::protobuf {
class EnumDescriptor;
class FieldDescriptor;
}  // namespace google::protobuf

namespace retain::compile {

class NativeCode;

enum class OpCode : std::uint8_t {
  LoadField,      // dst = profile field `fields[a]` by reflection (nested fields)
  LoadDirect,     // dst = top-level field number direct_fields[a], through its generated getter
  LoadMetric,     // dst = profile.metrics[strings[a]]
  LoadAttribute,  // dst = profile.attributes[strings[a]]
  LoadAction,     // dst = field a (0 action_id, 1 days_ago, 2 outcome) of the current action
  Not,
  Neg,
  And,
  Or,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  Add,
  Sub,
  Mul,
  Div,
  LtK,  // dst = a < numbers[b]: comparisons with a constant number, the common case,
  LeK,  //   take it as an immediate instead of a second slot; with c != 0 the left
        //   operand is the field direct_fields[c - 1] instead of slot a
  GtK,
  GeK,
  EqK,
  NeK,
  In,         // dst = slot a is one of slots args[b, b + c)
  Between,    // dst = b <= a <= c
  Abs,        // dst = |a|
  Min,        // dst = min of args[b, b + c)
  Max,        // dst = max of args[b, b + c)
  PctChange,  // dst = (a - b) / b
  Known,      // dst = a is known
  IsTrue,     // dst = a is true (false when false or unknown): a rule referenced by id
  Coalesce,   // dst = first known of args[b, b + c)
  Count,      // dst = number of recent_actions for which subprograms[a] is true (a = ~0: all)
  Cooldown,   // dst = some recent action has id strings[a] and days_ago < constant slot b
  RankPct,    // dst = rank percentile of slot a in the population of tiers b, else slot c
  Band,       // dst = index of the band of tiers a that score slot b falls in
  Branch,     // conditions[a, a + b): and/or/not trees run as branching tests (no dst)
};

// Branch must stay the last opcode.
constexpr std::size_t kOpCodeCount = static_cast<std::size_t>(OpCode::Branch) + 1;

constexpr std::uint32_t kNone = ~std::uint32_t{0};

struct Instr {
  OpCode op;
  std::uint32_t dst = 0;
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  std::uint32_t c = 0;
};

// Outcomes of a branching test program (Branch), above every test index.
constexpr std::uint32_t kOutcomeTrue = kNone - 2;
constexpr std::uint32_t kOutcomeFalse = kNone - 1;
constexpr std::uint32_t kOutcomeUnknown = kNone;

// One test of a folded condition (compile/condition_folding.hpp): the value read is "in" when
// it is known and lo <= x <= hi (a boolean's number is 0 or 1); next[] is the test to go to, or
// an outcome, when it is in, out, or unknown.
struct Test {
  std::uint32_t field = 0;  // a top-level field number to read, or 0: read slot `slot`
  std::uint32_t slot = 0;
  double lo = 0;
  double hi = 0;
  std::uint32_t next[3] = {kOutcomeTrue, kOutcomeFalse, kOutcomeUnknown};
};

// A folded condition: run tests from `entry`, write the outcome to `dst`.
struct Condition {
  std::uint32_t entry = 0;
  std::uint32_t dst = 0;
};

// Instructions [begin, end) evaluated once per recent action; result in slot `result`.
struct SubProgram {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::uint32_t result = 0;
};

// Language tag -> text, as in the Decision ("und" for untagged).
using Texts = std::vector<std::pair<std::string, std::string>>;

// How to show a value: bands and enumeration values are numbers at run time but are shown by
// name.
struct Display {
  int tiers = -1;  // the value is a band index of this tiers
  const google::protobuf::EnumDescriptor* enumeration = nullptr;
  std::string format;  // "", "%", ".0", ".1", ".2"
};

// A `because` template: literal pieces and slots to format, per language.
struct TemplatePiece {
  std::string literal;
  std::uint32_t slot = kNone;  // kNone for a literal piece
  Display display;
};
using Template = std::vector<std::pair<std::string, std::vector<TemplatePiece>>>;

// A name the condition reads, reported as evidence with its value.
struct EvidenceItem {
  std::string name;
  std::uint32_t slot = 0;
  Display display;
};

enum class RuleKind : std::uint8_t { Cause, Tactic, Segment, Account, CreditCheck };

struct Rule {
  RuleKind kind = RuleKind::Cause;
  std::string id;
  Texts label;
  Template because;
  std::string location;                 // file:line:col of the declaration
  std::string condition;                // the `when` as written (or answers/cadence summary)
  std::uint32_t slot = 0;               // outcome: true = fired / proposed / due
  std::uint32_t when_slot = kNone;      // the `when` alone (trace)
  std::uint32_t eligible_slot = kNone;  // tactic: answers and when
  std::uint32_t cooldown_slot = kNone;  // tactic: cooling down
  double weight = 0;                    // cause
  int priority = 100;                   // tactic, account
  std::vector<std::uint32_t> answers;   // tactic: indices into Program::causes
  bool answers_any = false;
  std::vector<EvidenceItem> evidence;
};

enum class BandBound : std::uint8_t { Top, Below, AtLeast, Rest };

struct BandPlan {
  std::string id;
  Texts label;
  BandBound bound = BandBound::Rest;
  double value = 0;  // percent (0-100) for Top, threshold otherwise
};

enum class TiersRole : std::uint8_t { None, Tier, CreditGrade };

struct TiersPlan {
  std::string id;
  Texts label;
  std::string location;
  bool ranked = false;           // `rank EXPR` (population percentile) vs `by EXPR`
  std::uint32_t value_slot = 0;  // the rank or by expression
  std::uint32_t score_slot = 0;  // rank percentile (ranked) or the value (by)
  std::uint32_t band_slot = 0;   // band index
  TiersRole role = TiersRole::None;
  std::vector<BandPlan> bands;
};

struct LetPlan {
  std::string name;
  std::string location;
  std::uint32_t slot = 0;
};

struct Program {
  std::vector<Instr> instrs;  // [0, main_end): decision; [main_end, size): render
  std::uint32_t main_end = 0;
  std::vector<Instr> sub_instrs;  // bodies of count(... where ...)
  std::vector<SubProgram> subprograms;
  std::vector<std::uint32_t> args;  // operand lists of In, Min, Max, Coalesce
  std::vector<double> numbers;      // immediates of LtK ... NeK
  std::vector<Test> tests;          // Branch operands
  std::vector<Condition> conditions;
  // The decision program as machine code (native_conditions.hpp), or null: interpreted.
  std::shared_ptr<const NativeCode> native;
  std::string native_off_reason;  // why native is null, for the logs
  // LoadField operands: the descriptor chain from the profile to the field.
  std::vector<std::vector<const google::protobuf::FieldDescriptor*>> fields;
  // Numbers of the top-level fields read directly (eval/profile_field_reader), no reflection.
  std::vector<std::uint32_t> direct_fields;
  std::deque<std::string> strings;  // stable storage for string constants
  std::vector<std::pair<std::uint32_t, eval::Value>> constants;  // slot -> value
  std::uint32_t slot_count = 0;

  std::vector<Rule> causes;
  // The churn risk, 1 - product of (1 - weight) over the fired causes, by table: the outcome
  // slots of the causes in groups of eight (padded with a slot that is always false), and for
  // each group the 256 products over every subset of its causes (bit j: its j-th cause).
  std::vector<std::uint32_t> risk_slots;
  std::vector<double> risk_products;
  std::vector<Rule> tactics;  // sorted by (priority, id): ranking is iteration order
  std::vector<Rule> segments;
  std::vector<Rule> accounts;  // sorted by (priority, id)
  std::vector<Rule> credit_checks;
  std::vector<TiersPlan> tiers;
  std::vector<LetPlan> lets;
  // Percentile tiers that rank a top-level field: (tiers index, field number). Evaluation
  // locates those fields' values in their rank indexes first (eval::RankIndex::locate), so the
  // cache misses of the lookups overlap the rest of the program.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> rank_prefetch;
  int tier_index = -1;          // tiers with `sets tier`
  int credit_grade_index = -1;  // tiers with `sets credit_grade`
  int max_tactics = 5;
};

}  // namespace retain::compile
