// libFuzzer target: syntax::parse must never crash, hang or break its contract on any bytes,
// and when a file parses, printing it must give a text that parses to the same tree and
// prints the same again.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/syntax/parser.hpp"
#include "engine/syntax/printer.hpp"
#include "tests/unit/syntax/syntax_test_util.hpp"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "parse_fuzzer: %s\n%s\n", what, detail.c_str());
  std::abort();
}

void check_diagnostics(const retain::Diagnostics& diagnostics, std::size_t size) {
  for (const auto& d : diagnostics) {
    if (d.span.begin > d.span.end || d.span.end > size) fail("span outside the text", d.message);
    if (d.line < 1 || d.column < 1) fail("diagnostic without a position", d.message);
    if (d.code.rfind("parse.", 0) != 0) fail("unexpected code", d.code);
    if (d.code == "parse.internal") fail("internal error", d.message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace retain;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const SourceFile source("fuzz.rules", text);

  const syntax::ParseResult result = syntax::parse(source);
  if (result.file.has_value() == !result.diagnostics.empty()) {
    fail("a file must come exactly when there are no diagnostics", text);
  }
  check_diagnostics(result.diagnostics, size);

  const auto expr = syntax::parse_expression(source);
  if (expr.value.has_value() == !expr.diagnostics.empty()) {
    fail("an expression must come exactly when there are no diagnostics", text);
  }
  check_diagnostics(expr.diagnostics, size);

  if (result.file) {
    const std::string printed = syntax::print(*result.file);
    const SourceFile again("printed.rules", printed);
    const syntax::ParseResult reparsed = syntax::parse(again);
    if (!reparsed.file) {
      fail("the printed text does not parse", text + "\n--- printed:\n" + printed +
                                                  "\n--- error:\n" +
                                                  render_text(reparsed.diagnostics.front()));
    }
    if (!syntax::testing::same(*result.file, *reparsed.file)) {
      fail("printing changed the tree", text + "\n--- printed:\n" + printed);
    }
    const std::string twice = syntax::print(*reparsed.file);
    if (twice != printed) {
      fail("print is not idempotent", printed + "\n--- printed again:\n" + twice);
    }
  }
  if (expr.value) {
    const std::string printed = syntax::print_expr(*expr.value);
    const SourceFile again("printed.rules", printed);
    const auto reparsed = syntax::parse_expression(again);
    if (!reparsed.value || !syntax::testing::same(*expr.value, *reparsed.value)) {
      fail("printing changed the expression", text + "\n--- printed:\n" + printed);
    }
  }
  return 0;
}
