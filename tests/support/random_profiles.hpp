// Test helpers: the example profiles, and random profiles for comparing two ways of
// evaluating the same rules (condition folding, native conditions).
#pragma once

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "tests/support/rules_fixture.hpp"

namespace retain::testing {

// examples/profiles/*.json.
inline std::vector<v1::CustomerProfile> example_profiles() {
  std::vector<v1::CustomerProfile> people;
  for (const auto& entry :
       std::filesystem::directory_iterator(RETAIN_SOURCE_DIR "/examples/profiles")) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    people.push_back(profile_from(text.str()));
  }
  return people;
}

// Every scalar field set at random near typical thresholds, or left unset. With `extremes`,
// also values no validated profile has: NaN, infinities, the limits of int32, enumeration
// numbers the schema does not name.
inline v1::CustomerProfile random_profile(std::mt19937& rng, bool extremes = false) {
  namespace pb = google::protobuf;
  std::uniform_real_distribution<double> u(0, 1);
  auto extreme = [&] { return extremes && u(rng) < 0.1; };
  v1::CustomerProfile p;
  const pb::Descriptor* d = p.GetDescriptor();
  const pb::Reflection* r = p.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->is_repeated() || f->is_map() || u(rng) < 0.25) continue;
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32:
        if (extreme()) {
          r->SetInt32(
              &p, f,
              u(rng) < 0.5 ? std::numeric_limits<int>::min() : std::numeric_limits<int>::max());
        } else {
          r->SetInt32(&p, f, static_cast<int>(u(rng) < 0.5 ? u(rng) * 6 : u(rng) * 800));
        }
        break;
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
        if (extreme()) {
          const double odd[] = {std::nan(""), std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity(), -0.0};
          r->SetDouble(&p, f, odd[static_cast<int>(u(rng) * 4) % 4]);
        } else {
          r->SetDouble(&p, f, u(rng) < 0.5 ? u(rng) : u(rng) * 200000);
        }
        break;
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        r->SetBool(&p, f, u(rng) < 0.5);
        break;
      case pb::FieldDescriptor::CPPTYPE_ENUM: {
        const pb::EnumDescriptor* e = f->enum_type();
        r->SetEnumValue(&p, f,
                        extreme()
                            ? 1000 + static_cast<int>(u(rng) * 5)
                            : e->value(static_cast<int>(u(rng) * e->value_count()))->number());
        break;
      }
      case pb::FieldDescriptor::CPPTYPE_STRING:
        r->SetString(&p, f, "C" + std::to_string(static_cast<int>(u(rng) * 1000)));
        break;
      default:
        break;
    }
  }
  if (u(rng) < 0.5) {
    auto* action = p.add_recent_actions();
    action->set_action_id(u(rng) < 0.5 ? "BUILD_CUSTOMER_TIES" : "PRICE_MATCH");
    action->set_days_ago(static_cast<int>(u(rng) * 200));
  }
  return p;
}

}  // namespace retain::testing
