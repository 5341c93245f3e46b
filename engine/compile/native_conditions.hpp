// Native conditions: the decision program of a rule set translated to x86-64 machine code
// when the rule set is compiled: one function in which the folded conditions
// (condition_folding.hpp) of every Branch instruction, field loads, `known`, rule references
// and `coalesce` are machine code, and which calls the evaluator's step for every other
// instruction, in program order.
//
// Why: interpreting costs an indirect jump per test and per instruction whose target the
// processor mispredicts often (a test's follows the data; all instructions share one jump),
// and the loads of each test's operands. Here each test is: read the field with one load at
// its offset in the protobuf object (profile_layout.hpp; or a call of its generated reader,
// eval::profile_number_reader, which returns in registers, for a field without a verified
// offset) or the slot, at most two comparisons with thresholds held next to the code, and
// branches to the next tests or to the outcome, which is written to the condition's slot
// exactly as the interpreter writes it (three-valued: true, false, unknown). Every other
// instruction is called from a call site of its own, which the processor predicts.
//
// The code is generated with Xbyak (libxbyak-dev) into pages that are writable while the code
// is written and then only readable and executable. Where that is not possible (another
// processor, a system that forbids executable mappings) or RETAIN_NATIVE=off is set in the
// environment, nothing is generated and the interpreter runs the program: the outcome is the
// same, only slower.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/eval/value.hpp"

namespace retain::v1 {
class CustomerProfile;
}

namespace retain::compile {

struct Program;

struct Instr;

// Runs the whole decision program, instructions [0, main_end): folded conditions, field
// loads, `known`, rule references and `coalesce` as machine code, and each other instruction
// by calling its evaluator step (eval::step_function) with `machine` and the instruction,
// from a call site of its own, in program order: no dispatch.
using NativeProgram = void (*)(void* machine, const v1::CustomerProfile* profile,
                               eval::Value* slots, const Instr* instrs);

class NativeCode {
 public:
  ~NativeCode();
  NativeCode(const NativeCode&) = delete;
  NativeCode& operator=(const NativeCode&) = delete;

  NativeProgram program() const { return program_; }
  // Branch instructions translated; the others (a field without a number reader) are called
  // as steps and interpreted.
  std::size_t translated_branches() const { return translated_branches_; }
  std::size_t code_bytes() const;

 private:
  friend void compile_native_conditions(Program& p, std::string* why_not, bool field_offsets);
  struct Code;
  explicit NativeCode(bool field_offsets);
  std::unique_ptr<Code> code_;
  std::size_t translated_branches_ = 0;
  NativeProgram program_ = nullptr;
};

// Whether this build can generate machine code for this processor (x86-64 with Xbyak),
// whatever RETAIN_NATIVE says.
bool native_conditions_supported();

// Generates the machine code of p's decision program and sets p.native. A Branch that reads a
// field with no number reader stays interpreted. When no code can be generated, p is left as
// it was and *why_not (if given) says why. Without `field_offsets` every field is read by calling
// its reader (for tests of that path; see profile_layout.hpp).
void compile_native_conditions(Program& p, std::string* why_not = nullptr,
                               bool field_offsets = true);

}  // namespace retain::compile
