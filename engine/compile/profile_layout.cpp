#include "engine/compile/profile_layout.hpp"

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "engine/eval/profile_loaders.hpp"
#include "retain/v1/profile.pb.h"

namespace retain::compile {

namespace {

namespace pb = google::protobuf;
using Bytes = std::array<unsigned char, sizeof(v1::CustomerProfile)>;

Bytes bytes_of(const v1::CustomerProfile& p) {
  Bytes bytes;
  std::memcpy(bytes.data(), static_cast<const void*>(&p), bytes.size());
  return bytes;
}

std::optional<FieldLayout::Type> type_of(const pb::FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return FieldLayout::Type::Int32;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return FieldLayout::Type::Double;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return FieldLayout::Type::Bool;
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return FieldLayout::Type::Enum;
    default:
      return std::nullopt;
  }
}

std::uint32_t width_of(FieldLayout::Type type) {
  switch (type) {
    case FieldLayout::Type::Double:
      return 8;
    case FieldLayout::Type::Bool:
      return 1;
    default:
      return 4;
  }
}

// Sets f to the probe value number `k` (k = 0 is the type's zero).
void set_probe(v1::CustomerProfile& p, const pb::FieldDescriptor* f, FieldLayout::Type type,
               int k) {
  static constexpr std::int32_t kInts[] = {0,
                                           0x5A3C1E2D,
                                           1,
                                           -1,
                                           7,
                                           123456,
                                           std::numeric_limits<std::int32_t>::min(),
                                           std::numeric_limits<std::int32_t>::max()};
  // Probe 1 of each type has no zero byte, so that all of its bytes show as changed.
  static constexpr double kDoubles[] = {
      0.0,  std::bit_cast<double>(0xC1D2E3F4A5B6C7D8ull), 1.0, -0.5, 3.25, 1e300,
      -0.0, std::numeric_limits<double>::infinity()};
  const pb::Reflection* r = p.GetReflection();
  switch (type) {
    case FieldLayout::Type::Int32:
      r->SetInt32(&p, f, kInts[k]);
      break;
    case FieldLayout::Type::Enum:
      r->SetEnumValue(&p, f, kInts[k]);  // proto3 enums are open: any number is kept
      break;
    case FieldLayout::Type::Double:
      r->SetDouble(&p, f, kDoubles[k]);
      break;
    case FieldLayout::Type::Bool:
      r->SetBool(&p, f, k % 2 == 1);
      break;
  }
}
constexpr int kProbes = 8;

eval::NumberRead read_through(const v1::CustomerProfile& p, const FieldLayout& layout) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(&p);
  eval::NumberRead read{0, true};
  if (layout.has_offset >= 0) read.known = (bytes[layout.has_offset] & layout.has_mask) != 0;
  switch (layout.type) {
    case FieldLayout::Type::Int32:
    case FieldLayout::Type::Enum: {
      std::int32_t v;
      std::memcpy(&v, bytes + layout.offset, sizeof v);
      read.value = v;
      if (layout.type == FieldLayout::Type::Enum) read.known = v != 0;
      break;
    }
    case FieldLayout::Type::Double:
      std::memcpy(&read.value, bytes + layout.offset, sizeof read.value);
      break;
    case FieldLayout::Type::Bool:
      read.value = bytes[layout.offset] != 0 ? 1.0 : 0.0;
      break;
  }
  return read;
}

bool same(const eval::NumberRead& a, const eval::NumberRead& b) {
  if (a.known != b.known) return false;
  return !a.known || std::memcmp(&a.value, &b.value, sizeof a.value) == 0;
}

std::optional<FieldLayout> probe(const pb::FieldDescriptor* f) {
  const auto type = type_of(f);
  const eval::NumberReader reader = eval::profile_number_reader(f->number());
  if (!type || reader == nullptr) return std::nullopt;
  FieldLayout layout;
  layout.type = *type;

  // Presence: set to zero, only its bit may change.
  v1::CustomerProfile p;
  const Bytes unset = bytes_of(p);
  set_probe(p, f, *type, 0);
  const Bytes zero = bytes_of(p);
  std::vector<std::size_t> changed;
  for (std::size_t i = 0; i < unset.size(); ++i) {
    if (unset[i] != zero[i]) changed.push_back(i);
  }
  const bool has_presence = f->has_presence() && *type != FieldLayout::Type::Enum;
  if (has_presence) {
    if (changed.size() != 1) return std::nullopt;
    const unsigned char bit = unset[changed[0]] ^ zero[changed[0]];
    if ((bit & (bit - 1)) != 0) return std::nullopt;  // not a single bit
    layout.has_offset = static_cast<int>(changed[0]);
    layout.has_mask = bit;
  } else if (!changed.empty()) {
    return std::nullopt;
  }

  // Value: set to a distinctive number, exactly its bytes may change, in one run.
  set_probe(p, f, *type, 1);
  const Bytes set = bytes_of(p);
  changed.clear();
  for (std::size_t i = 0; i < set.size(); ++i) {
    if (zero[i] != set[i]) changed.push_back(i);
  }
  const std::uint32_t width = width_of(*type);
  if (changed.size() != width || changed.back() != changed.front() + width - 1) return std::nullopt;
  layout.offset = static_cast<std::uint32_t>(changed.front());

  // Verify: unset, and every probe value, read through the layout as the reader reads it.
  v1::CustomerProfile fresh;
  if (!same(read_through(fresh, layout), reader(fresh))) return std::nullopt;
  for (int k = 0; k < kProbes; ++k) {
    v1::CustomerProfile q;
    set_probe(q, f, *type, k);
    if (!same(read_through(q, layout), reader(q))) return std::nullopt;
  }
  return layout;
}

const std::map<int, FieldLayout>& layouts() {
  static const std::map<int, FieldLayout> all = [] {
    std::map<int, FieldLayout> found;
    const pb::Descriptor* d = v1::CustomerProfile::descriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      if (f->is_repeated()) continue;
      if (auto layout = probe(f)) found.emplace(f->number(), *layout);
    }
    return found;
  }();
  return all;
}

}  // namespace

const FieldLayout* profile_field_layout(int number) {
  const auto& all = layouts();
  auto found = all.find(number);
  return found == all.end() ? nullptr : &found->second;
}

}  // namespace retain::compile
