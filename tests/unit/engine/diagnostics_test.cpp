#include "engine/diagnostics.hpp"

#include <gtest/gtest.h>

namespace retain {
namespace {

TEST(DiagnosticsTest, RendersFileLineColumnSourceLineAndCaret) {
  const SourceFile source("rules/churn.rules", "cause X {\n  when tenure_monts > 24\n}\n");
  const std::uint32_t begin = static_cast<std::uint32_t>(source.text().find("tenure_monts"));
  const Diagnostic d =
      make_diagnostic(source, Span{begin, begin + 12}, Severity::Error, "check.unknown-field",
                      "unknown field 'tenure_monts'", {"did you mean 'tenure_months'?"});
  EXPECT_EQ(render_text(d),
            "rules/churn.rules:2:8: error: unknown field 'tenure_monts' [check.unknown-field]\n"
            "    when tenure_monts > 24\n"
            "         ^~~~~~~~~~~~\n"
            "  note: did you mean 'tenure_months'?\n");
}

TEST(DiagnosticsTest, ColumnsCountCodePointsNotBytes) {
  const SourceFile source("a.rules", "label \"质量\" x\n");
  const auto offset = static_cast<std::uint32_t>(source.text().find(" x") + 1);
  EXPECT_EQ(source.location(offset).column, 12);
}

TEST(DiagnosticsTest, JsonHasTheSameFields) {
  const SourceFile source("a.rules", "let a = \"x\n");
  Diagnostics ds{make_diagnostic(source, Span{8, 9}, Severity::Warning, "w.code", "say \"hi\"")};
  std::ostringstream out;
  render_json(ds, out);
  EXPECT_NE(out.str().find("\"severity\": \"warning\""), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("\"line\": 1, \"column\": 9"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("say \\\"hi\\\""), std::string::npos) << out.str();
}

}  // namespace
}  // namespace retain
