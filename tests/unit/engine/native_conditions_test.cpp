// Native code (engine/compile/native_conditions.hpp) must change how fast a rule set decides,
// never what it decides: native and interpreted programs are compared on the shipped rules over the
// example profiles and random ones with NaN, infinities and limits, and on every kind of comparison
// at and around its threshold.
#include <cstdlib>
#include <random>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "engine/compile/compiler.hpp"
#include "engine/compile/native_conditions.hpp"
#include "engine/compile/profile_layout.hpp"
#include "tests/support/random_profiles.hpp"
#include "tests/support/rules_fixture.hpp"

namespace retain {
namespace {

namespace pb = google::protobuf;
using testing::profile_from;

struct Pair {
  RuleSetPtr native;
  RuleSetPtr interpreted;
};

Pair compile_both(const PhaseResult<CheckedModulePtr>& checked) {
  EXPECT_TRUE(checked.value.has_value()) << testing::rendered(checked.diagnostics);
  if (!checked.value) return {};
  return {compile::compile(**checked.value, "h", compile::CompileOptions{true, true}),
          compile::compile(**checked.value, "h", compile::CompileOptions{true, false})};
}

Pair compile_both(const std::string& text) {
  return compile_both(check_rules_from_memory({{"test.rules", text}}));
}

// The decision program runs as machine code, every Branch translated, where this build can
// generate it.
void expect_all_native(const compile::Program& p) {
  if (!compile::native_conditions_supported()) return;
  ASSERT_NE(p.native, nullptr);
  EXPECT_NE(p.native->program(), nullptr);
  std::size_t branches = 0;
  for (std::uint32_t i = 0; i < p.main_end; ++i)
    branches += p.instrs[i].op == compile::OpCode::Branch;
  EXPECT_GT(branches, 0u);
  EXPECT_EQ(p.native->translated_branches(), branches);
  EXPECT_GT(p.native->code_bytes(), 0u);
}

void expect_same_decisions(const Pair& rules, const std::vector<v1::CustomerProfile>& people) {
  ASSERT_TRUE(rules.native && rules.interpreted);
  EXPECT_EQ(rules.interpreted->program().native, nullptr);
  EvalOptions options;
  options.trace = true;
  // Profiles with NaN give NaN in evidence: equal here when both sides have it.
  pb::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  pb::util::MessageDifferencer differ;
  differ.set_field_comparator(&comparator);
  eval::EvalFrame native_frame, interpreted_frame;
  for (const auto& profile : people) {
    v1::Decision native, interpreted;
    decide(*rules.native, profile, nullptr, native_frame, &native, options);
    decide(*rules.interpreted, profile, nullptr, interpreted_frame, &interpreted, options);
    ASSERT_TRUE(differ.Compare(native, interpreted)) << profile.DebugString() << "\nnative:\n"
                                                     << native.DebugString() << "\ninterpreted:\n"
                                                     << interpreted.DebugString();
  }
}

// The example profiles and `n` random ones, half of them with extreme values.
std::vector<v1::CustomerProfile> examples_and_random(unsigned seed, int n) {
  std::vector<v1::CustomerProfile> people = testing::example_profiles();
  std::mt19937 rng(seed);
  for (int i = 0; i < n; ++i) people.push_back(testing::random_profile(rng, i % 2 == 0));
  return people;
}

TEST(NativeConditionsTest, TheGeneratorIsBuiltOnX86_64) {
#if defined(__x86_64__) && !defined(_WIN32)
  // scripts/bootstrap installs libxbyak-dev: without it conditions would silently be slower.
  EXPECT_TRUE(compile::native_conditions_supported());
#else
  GTEST_SKIP() << "native conditions are generated for x86-64 only";
#endif
}

TEST(NativeConditionsTest, ShippedRulesDecideAsInterpreted) {
  const Pair rules = compile_both(check_rules({RETAIN_SOURCE_DIR "/rules"}));
  ASSERT_TRUE(rules.native);
  expect_all_native(rules.native->program());
  expect_same_decisions(rules, examples_and_random(11, 3000));
}

TEST(NativeConditionsTest, FieldsReadByCallingTheirReadersDecideAsInterpreted) {
  // The path native code takes for a field whose offset is not known.
  const auto checked = check_rules({RETAIN_SOURCE_DIR "/rules"});
  ASSERT_TRUE(checked.value);
  compile::CompileOptions calls;
  calls.native_field_offsets = false;
  const Pair rules{compile::compile(**checked.value, "h", calls),
                   compile::compile(**checked.value, "h", compile::CompileOptions{true, false})};
  expect_all_native(rules.native->program());
  expect_same_decisions(rules, examples_and_random(12, 1000));
}

TEST(NativeConditionsTest, EveryComparisonAtAndAroundItsThreshold) {
  // A number field, an optional int32, an optional double, a bool and an enumeration, each
  // compared every way; `between` and `in` give tests with two bounds.
  std::string rules;
  int n = 0;
  for (const char* field : {"tenure_months", "days_since_new_offer", "satisfaction"}) {
    for (const char* op : {"<", "<=", ">", ">=", "==", "!="}) {
      rules += "segment S" + std::to_string(n++) + " { label en \"s\" when " + field + " " + op +
               " 3 and is_lost or " + field + " " + op + " 3 and not is_lost }\n";
    }
    rules += "segment S" + std::to_string(n++) + " { label en \"s\" when " + field +
             " between 2 and 4 or (" + field + " in [1, 3] and not is_key_account) }\n";
  }
  rules += "segment HEAVY { label en \"h\" when consumption_level == HEAVY or is_lost }\n";
  rules +=
      "segment NOT_HEAVY { label en \"h\" when not (consumption_level != LIGHT and is_lost) }\n";
  const Pair pair = compile_both(rules);
  ASSERT_TRUE(pair.native);
  expect_all_native(pair.native->program());

  std::vector<v1::CustomerProfile> people;
  for (const char* value : {"", "2", "2.5", "3", "3.5", "4", "-1", "1e308", "\"NaN\"",
                            "\"Infinity\"", "\"-Infinity\""}) {
    for (const char* lost : {"", "\"is_lost\": true,", "\"is_key_account\": true,"}) {
      for (const char* level :
           {"", "\"consumption_level\": \"HEAVY\",", "\"consumption_level\": \"LIGHT\","}) {
        std::string json = std::string("{") + lost + level;
        const std::string v = value;
        const bool integral = v.find_first_of(".eN\"") == std::string::npos || v.empty();
        if (!v.empty()) {
          if (integral)
            json += "\"tenure_months\": " + v + ", \"days_since_new_offer\": " + v + ",";
          json += "\"satisfaction\": " + v + ",";
        }
        people.push_back(profile_from(json + "\"customer_id\": \"c\"}"));
      }
    }
  }
  expect_same_decisions(pair, people);
}

TEST(NativeConditionsTest, RetainNativeOffInTheEnvironmentInterprets) {
  const auto checked = check_rules({RETAIN_SOURCE_DIR "/rules"});
  ASSERT_TRUE(checked.value);
  ::setenv("RETAIN_NATIVE", "off", 1);
  const auto off = compile::compile(**checked.value, "h");
  ::unsetenv("RETAIN_NATIVE");
  EXPECT_EQ(off->program().native, nullptr);
  EXPECT_EQ(off->program().native_off_reason, "RETAIN_NATIVE=off");
  const auto on = compile::compile(**checked.value, "h");
  EXPECT_EQ(on->program().native != nullptr, compile::native_conditions_supported());
}

TEST(ProfileLayoutTest, EveryNumericFieldIsReadWithoutACall) {
  // A field without a verified layout is read by calling its reader: correct, but slower.
  // Every int32, double, bool and enumeration field of the profile must have one.
  const pb::Descriptor* d = v1::CustomerProfile::descriptor();
  int numeric = 0;
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->is_repeated() || f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING ||
        f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE)
      continue;
    ++numeric;
    const compile::FieldLayout* layout = compile::profile_field_layout(f->number());
    ASSERT_NE(layout, nullptr) << f->name();
    EXPECT_LT(layout->offset, sizeof(v1::CustomerProfile)) << f->name();
    EXPECT_EQ(layout->has_offset >= 0,
              f->has_presence() && f->cpp_type() != pb::FieldDescriptor::CPPTYPE_ENUM)
        << f->name();
  }
  EXPECT_GT(numeric, 30);
  EXPECT_EQ(compile::profile_field_layout(1), nullptr);  // customer_id: a string
}

}  // namespace
}  // namespace retain
