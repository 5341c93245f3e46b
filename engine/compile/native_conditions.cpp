#include "engine/compile/native_conditions.hpp"

#include <bit>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>

#include "engine/compile/profile_layout.hpp"
#include "engine/compile/program.hpp"
#include "engine/eval/evaluator.hpp"
#include "engine/eval/profile_loaders.hpp"

#if defined(RETAIN_HAVE_XBYAK) && defined(__x86_64__) && !defined(_WIN32)
#define RETAIN_NATIVE_X86_64 1
#include <xbyak/xbyak.h>
#endif

namespace retain::compile {

namespace {

bool disabled_by_environment() {
  const char* setting = std::getenv("RETAIN_NATIVE");
  return setting != nullptr && (std::strcmp(setting, "off") == 0 || std::strcmp(setting, "0") == 0);
}

}  // namespace

#if RETAIN_NATIVE_X86_64

namespace {

using eval::Value;

// The interpreter's layout of a Value, which the generated code reads and writes.
static_assert(sizeof(Value) == 16 && offsetof(Value, number) == 0 && offsetof(Value, length) == 8 &&
              offsetof(Value, kind) == 12 && offsetof(Value, boolean) == 13);
static_assert(static_cast<int>(Value::Kind::Unknown) == 0 &&
              static_cast<int>(Value::Kind::Bool) == 1);
// The readers' result comes back in xmm0 (value) and al (known).
static_assert(sizeof(eval::NumberRead) == 16 && offsetof(eval::NumberRead, known) == 8);

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// The second eight bytes of a number Value: length 0, Kind::Number, false, padding 0.
constexpr std::uint64_t kNumberTail = static_cast<std::uint64_t>(Value::Kind::Number) << 32;

// The second eight bytes of a boolean Value: length 0, kind, boolean, padding 0.
constexpr std::uint64_t tail_of(bool known, bool value) {
  return (static_cast<std::uint64_t>(known ? 1 : 0) << 32) |
         (static_cast<std::uint64_t>(value ? 1 : 0) << 40);
}

// Whether every test reachable in the Branch can be translated.
bool translatable(const Program& p, const Instr& in) {
  for (std::uint32_t i = in.a; i < in.a + in.b; ++i) {
    std::vector<std::uint32_t> stack{p.conditions[i].entry};
    std::vector<bool> seen(p.tests.size());
    while (!stack.empty()) {
      const std::uint32_t t = stack.back();
      stack.pop_back();
      if (seen[t]) continue;
      seen[t] = true;
      const Test& test = p.tests[t];
      if (test.field != 0 && profile_field_layout(static_cast<int>(test.field)) == nullptr &&
          eval::profile_number_reader(static_cast<int>(test.field)) == nullptr)
        return false;
      for (std::uint32_t next : test.next) {
        if (next < kOutcomeTrue) stack.push_back(next);
      }
    }
  }
  return true;
}

class Emitter : public Xbyak::CodeGenerator {
 public:
  // AutoGrow: the buffer grows as code is written and becomes executable only in ready().
  explicit Emitter(bool field_offsets)
      : Xbyak::CodeGenerator(16 * 1024, Xbyak::AutoGrow), field_offsets_(field_offsets) {}

  // Emits the decision program (NativeProgram) and returns its offset; counts the Branch
  // instructions translated into *translated.
  std::size_t program(const Program& p, std::size_t* translated) {
    const std::size_t offset = getSize();
    // rbx: the profile, r12: the slots, r13: the machine, r14: the instructions; all
    // callee-saved, so they survive calls. Four pushes and eight bytes keep the stack 16-byte
    // aligned at each call.
    push(rbx);
    push(r12);
    push(r13);
    push(r14);
    sub(rsp, 8);
    mov(r13, rdi);
    mov(rbx, rsi);
    mov(r12, rdx);
    mov(r14, rcx);
    for (std::uint32_t i = 0; i < p.main_end; ++i) {
      const Instr& in = p.instrs[i];
      if (in.op == OpCode::Branch && translatable(p, in)) {
        for (std::uint32_t c = in.a; c < in.a + in.b; ++c) condition(p, p.conditions[c]);
        ++*translated;
      } else if (in.op == OpCode::LoadDirect && layout_of(p.direct_fields[in.a]) != nullptr) {
        load_direct(p.direct_fields[in.a], in.dst);
      } else if (in.op == OpCode::Known || in.op == OpCode::IsTrue) {
        truth(in.op, in.a, in.dst);
      } else if (in.op == OpCode::Coalesce) {
        coalesce(p, in);
      } else {
        mov(rdi, r13);
        lea(rsi, ptr[r14 + static_cast<std::size_t>(i) * sizeof(Instr)]);
        mov(rax, reinterpret_cast<std::uintptr_t>(eval::step_function(p.instrs[i].op)));
        call(rax);
      }
    }
    add(rsp, 8);
    pop(r14);
    pop(r13);
    pop(r12);
    pop(rbx);
    ret();
    return offset;
  }

  // The constants of the comparisons, after the code: read from memory next to the code
  // rather than moved in from a general register, which would lengthen each comparison.
  void constant_pool() {
    align(8);
    for (auto& [bits, label] : constants_) {
      L(label);
      dq(bits);
    }
  }

 private:
  struct Outcomes {
    Xbyak::Label yes, no, unknown;
  };

  // Byte `offset` of slots[index], read or written as `size` (byte or qword).
  static Xbyak::Address slot(const Xbyak::AddressFrame& size, std::uint32_t index, int offset) {
    return size[Xbyak::util::r12 + static_cast<std::size_t>(index) * 16 + offset];
  }

  void condition(const Program& p, const Condition& c) {
    // Tests in depth-first order with each test's "in" successor right after it when it has
    // not been placed yet, so the common path falls through.
    std::vector<std::uint32_t> order;
    std::vector<std::uint32_t> stack{c.entry};
    std::map<std::uint32_t, Xbyak::Label> labels;  // node-based: labels never move
    while (!stack.empty()) {
      const std::uint32_t t = stack.back();
      stack.pop_back();
      if (labels.count(t) != 0) continue;
      labels[t];
      order.push_back(t);
      for (int k = 2; k >= 0; --k) {
        const std::uint32_t next = p.tests[t].next[k];
        if (next < kOutcomeTrue && labels.count(next) == 0) stack.push_back(next);
      }
    }
    Outcomes outcomes;
    auto target = [&](std::uint32_t next) -> const Xbyak::Label& {
      if (next == kOutcomeTrue) return outcomes.yes;
      if (next == kOutcomeFalse) return outcomes.no;
      if (next == kOutcomeUnknown) return outcomes.unknown;
      return labels.at(next);
    };
    for (std::size_t k = 0; k < order.size(); ++k) {
      const Test& t = p.tests[order[k]];
      L(labels.at(order[k]));
      if (t.field != 0) {
        read_field(t.field, target(t.next[2]));
      } else {
        cmp(slot(byte, t.slot, 12), 0);
        je(target(t.next[2]), T_NEAR);
        movsd(xmm0, slot(qword, t.slot, 0));
      }
      // Out when x < lo or x > hi or x is NaN: ucomisd sets CF for "less" and for unordered,
      // so `jb` covers NaN in both comparisons. A bound that is an infinity is not compared;
      // both are infinite in no test folding makes today (rule numbers are finite), but the
      // Test's meaning keeps NaN out then too.
      if (t.lo != -kInfinity) {
        ucomisd(xmm0, constant(t.lo));
        jb(target(t.next[1]), T_NEAR);
      }
      if (t.hi != kInfinity) {
        movsd(xmm1, constant(t.hi));
        ucomisd(xmm1, xmm0);
        jb(target(t.next[1]), T_NEAR);
      }
      if (t.lo == -kInfinity && t.hi == kInfinity) {
        ucomisd(xmm0, xmm0);
        jp(target(t.next[1]), T_NEAR);
      }
      // The outcome blocks follow the last test, "true" first.
      const bool falls_through =
          k + 1 < order.size() ? order[k + 1] == t.next[0] : t.next[0] == kOutcomeTrue;
      if (!falls_through) jmp(target(t.next[0]), T_NEAR);
    }
    Xbyak::Label done;
    L(outcomes.yes);
    store(c.dst, true, true);
    jmp(done, T_NEAR);
    L(outcomes.no);
    store(c.dst, true, false);
    jmp(done, T_NEAR);
    L(outcomes.unknown);
    store(c.dst, false, false);
    L(done);
  }

  Xbyak::Address constant(double value) {
    return Xbyak::util::qword[Xbyak::util::rip + constants_[std::bit_cast<std::uint64_t>(value)]];
  }

  std::map<std::uint64_t, Xbyak::Label> constants_;  // node-based: labels never move
  const bool field_offsets_;

  const FieldLayout* layout_of(std::uint32_t field) const {
    return field_offsets_ ? profile_field_layout(static_cast<int>(field)) : nullptr;
  }

  // xmm0 = field `field` of the profile (rbx) as a number; to `unknown` when it is not known.
  // Read at its offset, a boolean's value also stays in eax (load_direct uses it).
  void read_field(std::uint32_t field, const Xbyak::Label& unknown) {
    const FieldLayout* layout = layout_of(field);
    if (layout == nullptr) {
      mov(rdi, rbx);
      mov(rax,
          reinterpret_cast<std::uintptr_t>(eval::profile_number_reader(static_cast<int>(field))));
      call(rax);
      test(al, al);
      jz(unknown, T_NEAR);
      return;
    }
    if (layout->has_offset >= 0) {
      test(byte[rbx + layout->has_offset], layout->has_mask);
      jz(unknown, T_NEAR);
    }
    const auto value = rbx + layout->offset;
    switch (layout->type) {
      case FieldLayout::Type::Double:
        movsd(xmm0, qword[value]);
        break;
      case FieldLayout::Type::Int32:
        pxor(xmm0, xmm0);  // cvtsi2sd writes only the low half: no wait on xmm0's last writer
        cvtsi2sd(xmm0, dword[value]);
        break;
      case FieldLayout::Type::Enum:
        mov(eax, dword[value]);
        test(eax, eax);
        jz(unknown, T_NEAR);
        pxor(xmm0, xmm0);
        cvtsi2sd(xmm0, eax);
        break;
      case FieldLayout::Type::Bool:
        movzx(eax, byte[value]);
        pxor(xmm0, xmm0);
        cvtsi2sd(xmm0, eax);
        break;
    }
  }

  // slots[dst] = field `field` as a Value, as eval::read_profile_field gives it: a number, a
  // boolean, or unknown.
  void load_direct(std::uint32_t field, std::uint32_t dst) {
    Xbyak::Label unknown, done;
    read_field(field, unknown);
    movsd(slot(qword, dst, 0), xmm0);
    if (layout_of(field)->type == FieldLayout::Type::Bool) {
      movzx(eax, al);
      shl(rax, 40);
      mov(rdx, tail_of(true, false));
      or_(rax, rdx);
    } else {
      mov(rax, kNumberTail);
    }
    mov(slot(qword, dst, 8), rax);
    jmp(done, T_NEAR);
    L(unknown);
    mov(slot(qword, dst, 0), 0);
    mov(slot(qword, dst, 8), 0);
    L(done);
  }

  // slots[dst] = whether slot a is known (Known), or is true (IsTrue: a boolean true).
  void truth(OpCode op, std::uint32_t a, std::uint32_t dst) {
    Xbyak::Label no, done;
    if (op == OpCode::Known) {
      cmp(slot(byte, a, 12), 0);
    } else {
      // The whole second half at once, as it was stored (see eval::churn_risk).
      mov(rax, slot(qword, a, 8));
      mov(rdx, tail_of(true, true));
      cmp(rax, rdx);
    }
    (op == OpCode::Known ? je(no, T_NEAR) : jne(no, T_NEAR));
    store(dst, true, true);
    jmp(done, T_NEAR);
    L(no);
    store(dst, true, false);
    L(done);
  }

  // slots[dst] = the first known of slots args[b, b + c), else unknown.
  void coalesce(const Program& p, const Instr& in) {
    Xbyak::Label done;
    std::vector<Xbyak::Label> copy(in.c);
    for (std::uint32_t k = 0; k < in.c; ++k) {
      cmp(slot(byte, p.args[in.b + k], 12), 0);
      jne(copy[k], T_NEAR);
    }
    mov(slot(qword, in.dst, 0), 0);
    mov(slot(qword, in.dst, 8), 0);
    jmp(done, T_NEAR);
    for (std::uint32_t k = 0; k < in.c; ++k) {
      // Two 8-byte moves: a 16-byte load of a value stored as two halves waits for both.
      L(copy[k]);
      mov(rax, slot(qword, p.args[in.b + k], 0));
      mov(slot(qword, in.dst, 0), rax);
      mov(rax, slot(qword, p.args[in.b + k], 8));
      mov(slot(qword, in.dst, 8), rax);
      jmp(done, T_NEAR);
    }
    L(done);
  }

  // slots[dst] = the boolean `value`, or unknown: the bytes set_bool in the evaluator writes.
  void store(std::uint32_t dst, bool known, bool value) {
    mov(rax, std::bit_cast<std::uint64_t>(value ? 1.0 : 0.0));
    mov(slot(qword, dst, 0), rax);
    mov(rax, tail_of(known, value));
    mov(slot(qword, dst, 8), rax);
  }
};

}  // namespace

bool native_conditions_supported() {
  return true;
}

struct NativeCode::Code {
  explicit Code(bool field_offsets) : emitter(field_offsets) {}
  Emitter emitter;
};

NativeCode::NativeCode(bool field_offsets) : code_(std::make_unique<Code>(field_offsets)) {}
NativeCode::~NativeCode() = default;

std::size_t NativeCode::code_bytes() const {
  return code_->emitter.getSize();
}

void compile_native_conditions(Program& p, std::string* why_not, bool field_offsets) {
  if (disabled_by_environment()) {
    if (why_not != nullptr) *why_not = "RETAIN_NATIVE=off";
    return;
  }
  if (p.main_end == 0) {
    if (why_not != nullptr) *why_not = "an empty program";
    return;
  }
  // Slots and instructions are addressed with 32-bit displacements.
  if (p.slot_count >= (1u << 26) || p.main_end >= (1u << 26)) {
    if (why_not != nullptr) *why_not = "a program too large for native code";
    return;
  }
  std::shared_ptr<NativeCode> native;
  try {
    native.reset(new NativeCode(field_offsets));
    Emitter& emitter = native->code_->emitter;
    const std::size_t program = emitter.program(p, &native->translated_branches_);
    emitter.constant_pool();
    emitter.readyRE();
    native->program_ = reinterpret_cast<NativeProgram>(
        reinterpret_cast<std::uintptr_t>(emitter.getCode() + program));
  } catch (const std::exception& e) {
    if (why_not != nullptr) *why_not = e.what();
    return;
  }
  p.native = std::move(native);
}

#else  // no code generator for this machine

bool native_conditions_supported() {
  return false;
}

struct NativeCode::Code {};
NativeCode::NativeCode(bool) {}
NativeCode::~NativeCode() = default;
std::size_t NativeCode::code_bytes() const {
  return 0;
}

void compile_native_conditions(Program&, std::string* why_not, bool) {
  if (why_not != nullptr) {
    *why_not = disabled_by_environment() ? "RETAIN_NATIVE=off"
                                         : "no machine code generator for this processor";
  }
}

#endif

}  // namespace retain::compile
