// The generated field readers agree with protobuf reflection on every scalar field, and the
// schema resolves nested message fields by dotted path.
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include "engine/check/schema.hpp"
#include "engine/eval/evaluator.hpp"
#include "engine/eval/profile_loaders.hpp"
#include "engine/profile_writers.hpp"
#include "profile_field_reader.inc"  // generated, as the evaluator includes it
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

// The inline reader the evaluator's hot loop uses is generated apart from the loaders: it must
// read every field the same, and nothing for a number without a direct reader.
TEST(FieldAccessTest, InlineFieldReaderAgreesWithLoaders) {
  const v1::CustomerProfile filled = filled_profile();
  const v1::CustomerProfile empty;
  const pb::Descriptor* d = filled.GetDescriptor();
  int checked = 0;
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    const auto loader = eval::profile_loader(f->number());
    if (loader == nullptr) continue;
    const auto number = static_cast<std::uint32_t>(f->number());
    for (const auto* p : {&filled, &empty}) {
      EXPECT_TRUE(same(eval::read_profile_field(*p, number), loader(*p))) << f->name();
    }
    ++checked;
  }
  EXPECT_GT(checked, 50);
  EXPECT_FALSE(eval::read_profile_field(filled, 9999).known());
}

// Writing every field of the filled profile through the generated setters gives the same
// message, field by field, as writing it by reflection.
TEST(FieldAccessTest, GeneratedWritersAgreeWithReflection) {
  const v1::CustomerProfile filled = filled_profile();
  const pb::Descriptor* d = filled.GetDescriptor();
  const pb::Reflection* r = filled.GetReflection();
  int checked = 0;
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) continue;
    const ProfileWriter* writer = profile_writer(f->number());
    ASSERT_NE(writer, nullptr) << f->name();
    v1::CustomerProfile written;
    int members = 0;
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32:
        ASSERT_NE(writer->set_int32, nullptr) << f->name();
        writer->set_int32(written, r->GetInt32(filled, f));
        break;
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
        ASSERT_NE(writer->set_double, nullptr) << f->name();
        writer->set_double(written, r->GetDouble(filled, f));
        break;
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        ASSERT_NE(writer->set_bool, nullptr) << f->name();
        writer->set_bool(written, r->GetBool(filled, f));
        break;
      case pb::FieldDescriptor::CPPTYPE_ENUM:
        ASSERT_NE(writer->set_enum, nullptr) << f->name();
        writer->set_enum(written, r->GetEnumValue(filled, f));
        break;
      case pb::FieldDescriptor::CPPTYPE_STRING:
        ASSERT_NE(writer->set_string, nullptr) << f->name();
        writer->set_string(written, r->GetString(filled, f));
        break;
      default:
        FAIL() << f->name() << " has a type the writers do not cover";
    }
    for (auto member :
         {writer->set_int32 != nullptr, writer->set_double != nullptr, writer->set_bool != nullptr,
          writer->set_enum != nullptr, writer->set_string != nullptr}) {
      members += member;
    }
    EXPECT_EQ(members, 1) << f->name();
    v1::CustomerProfile reflected;
    reflected.CopyFrom(filled);
    for (int j = 0; j < d->field_count(); ++j) {
      if (d->field(j) != f) r->ClearField(&reflected, d->field(j));
    }
    EXPECT_EQ(written.SerializeAsString(), reflected.SerializeAsString()) << f->name();
    ++checked;
  }
  EXPECT_GT(checked, 50);
  EXPECT_EQ(profile_writer(9999), nullptr);
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
