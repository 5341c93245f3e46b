// How values appear in explanations and evidence: bands and enumeration values by name,
// numbers without noise ("4", "0.35", "2.5%"), unknown as "unknown". Pure functions.
#pragma once

#include <string>

#include "engine/compile/program.hpp"
#include "engine/eval/value.hpp"

namespace retain {

std::string format_value(const eval::Value& value, const compile::Program& program,
                         const compile::Display& display);

// A number with up to `decimals` decimals and no trailing zeros.
std::string format_number(double number, int decimals = 2);

// The same, appended to `out`: building a text piece by piece then needs no temporary strings.
void append_value(std::string& out, const eval::Value& value, const compile::Program& program,
                  const compile::Display& display);
void append_number(std::string& out, double number, int decimals = 2);

}  // namespace retain
