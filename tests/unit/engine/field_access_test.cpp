// The generated field readers agree with protobuf reflection on every scalar field, and the
// schema resolves nested message fields by dotted path.
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include "engine/check/schema.hpp"
#include "engine/eval/evaluator.hpp"
#include "engine/eval/profile_loaders.hpp"
#include "retain/v1/decision.pb.h"

namespace retain {
namespace {

namespace pb = google::protobuf;

v1::CustomerProfile filled_profile() {
  v1::CustomerProfile p;
  const pb::Descriptor* d = p.GetDescriptor();
  const pb::Reflection* r = p.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) continue;
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32:
        r->SetInt32(&p, f, 100 + f->number());
        break;
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
        r->SetDouble(&p, f, 0.5 + f->number());
        break;
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        r->SetBool(&p, f, f->number() % 2 == 0);
        break;
      case pb::FieldDescriptor::CPPTYPE_ENUM:
        r->SetEnumValue(&p, f, 1);
        break;
      case pb::FieldDescriptor::CPPTYPE_STRING:
        r->SetString(&p, f, "text" + std::to_string(f->number()));
        break;
      default:
        ADD_FAILURE() << "profile field of an unexpected type: " << f->name();
    }
  }
  return p;
}

bool same(const eval::Value& a, const eval::Value& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case eval::Value::Kind::Bool:
      return a.boolean == b.boolean;
    case eval::Value::Kind::Number:
      return a.number == b.number;
    case eval::Value::Kind::String:
      return a.string() == b.string();
    case eval::Value::Kind::Unknown:
      return true;
  }
  return false;
}

TEST(FieldAccessTest, GeneratedReadersAgreeWithReflectionSetAndUnset) {
  const v1::CustomerProfile filled = filled_profile();
  const v1::CustomerProfile empty;
  const pb::Descriptor* d = filled.GetDescriptor();
  int checked = 0;
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) continue;
    const auto loader = eval::profile_loader(f->number());
    ASSERT_NE(loader, nullptr) << f->name();
    for (const auto* p : {&filled, &empty}) {
      const auto direct = loader(*p);
      const auto reflected = eval::read_field_by_reflection(*p, {f});
      EXPECT_TRUE(same(direct, reflected)) << f->name();
    }
    EXPECT_TRUE(loader(filled).known()) << f->name();
    if (f->has_presence() || f->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM) {
      EXPECT_FALSE(loader(empty).known()) << f->name() << " unset should be unknown";
    }
    ++checked;
  }
  EXPECT_GT(checked, 50);
  EXPECT_EQ(eval::profile_loader(9999), nullptr);
}

TEST(FieldAccessTest, SchemaResolvesNestedFieldsAndReadsThemByReflection) {
  // The profile has no nested messages today; a Decision does (ruleset.name).
  const check::Schema schema(v1::Decision::descriptor());
  const check::FieldInfo* field = schema.find("ruleset.version");
  ASSERT_NE(field, nullptr);
  EXPECT_EQ(field->chain.size(), 2u);
  EXPECT_TRUE(field->may_be_unknown);
  EXPECT_EQ(schema.find("ruleset.nope"), nullptr);
  EXPECT_EQ(check::Schema::profile().find("tenure_months")->chain.size(), 1u);
  EXPECT_TRUE(check::Schema::profile().find("satisfaction")->may_be_unknown);
  EXPECT_FALSE(check::Schema::profile().find("orders_90d")->may_be_unknown);
}

}  // namespace
}  // namespace retain
