#include "analyst/smallest_change.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "engine/value_format.hpp"

namespace retain::analyst {

namespace {

namespace pb = google::protobuf;

// Bounds the work for rule sets with many fields behind one tactic (answers any): a search
// stays interactive (one lean evaluation is a few microseconds).
constexpr int kMaxEvaluations = 20000;
constexpr int kGallopSteps = 48;

// A profile field a guard reads.
struct Target {
  std::string path;
  const check::FieldInfo* info = nullptr;  // a schema field; null for metrics./attributes.
  bool metric = false;
  bool attribute = false;
  std::string key;  // metrics./attributes. key
};

// What the guard reads, found by walking the checked expressions.
struct Reads {
  std::map<std::string, Target> targets;
  std::set<double> numbers;
  std::set<std::string> strings;
};

class ReadCollector {
 public:
  ReadCollector(const check::CheckedModule& module, Reads& reads) : m_(module), reads_(reads) {}

  void decl(const std::string& name) {
    auto it = m_.by_name.find(name);
    if (it == m_.by_name.end()) return;
    decl_at(it->second);
  }

 private:
  void decl_at(int index) {
    if (!seen_.insert(index).second) return;
    const auto& d = m_.decls[static_cast<std::size_t>(index)];
    if (d.decl->value) expr(*d.decl->value);
    for (const char* key : {"when", "rank", "by", "fallback"}) {
      auto it = d.props.find(key);
      if (it != d.props.end() && it->second->expr) expr(*it->second->expr);
    }
  }

  void expr(const ast::Expr& e) {
    switch (e.kind) {
      case ast::ExprKind::Number:
        reads_.numbers.insert(e.number);
        return;
      case ast::ExprKind::String:
        reads_.strings.insert(e.text);
        return;
      case ast::ExprKind::Path:
        path(e);
        return;
      case ast::ExprKind::Count:
        // The action history is not one field: the cooldown note covers it.
        return;
      default:
        for (const auto& a : e.args) expr(a);
    }
  }

  void path(const ast::Expr& e) {
    auto it = m_.references.find(&e);
    if (it == m_.references.end()) return;
    const check::Reference& ref = it->second;
    Target t;
    switch (ref.kind) {
      case check::RefKind::Field:
        t.path = ref.field->path;
        t.info = ref.field;
        break;
      case check::RefKind::Metric:
        t.path = "metrics." + ref.key;
        t.metric = true;
        t.key = ref.key;
        break;
      case check::RefKind::Attribute:
        t.path = "attributes." + ref.key;
        t.attribute = true;
        t.key = ref.key;
        break;
      case check::RefKind::Decl:
        decl_at(ref.index);
        return;
      default:
        return;
    }
    if (t.path == "customer_id") return;
    reads_.targets.emplace(t.path, std::move(t));
  }

  const check::CheckedModule& m_;
  Reads& reads_;
  std::set<int> seen_;
};

enum class Kind { Integer, Real, Bool, Enum, String };

Kind kind_of(const Target& t) {
  if (t.metric) return Kind::Real;
  if (t.attribute) return Kind::String;
  switch (t.info->chain.back()->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT32:
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return Kind::Integer;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return Kind::Bool;
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return Kind::Enum;
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return Kind::String;
    default:
      return Kind::Real;
  }
}

// A field's value: unset, or a number (integers, reals, flags as 0/1, enum numbers), or text.
struct Value {
  bool set = false;
  double number = 0;
  std::string text;
};

const pb::Message* leaf_message(const pb::Message& root, const Target& t) {
  const pb::Message* message = &root;
  for (std::size_t i = 0; i + 1 < t.info->chain.size(); ++i) {
    const auto* refl = message->GetReflection();
    if (!refl->HasField(*message, t.info->chain[i])) return nullptr;
    message = &refl->GetMessage(*message, t.info->chain[i]);
  }
  return message;
}

Value read(const v1::CustomerProfile& profile, const Target& t) {
  Value v;
  if (t.metric) {
    auto it = profile.metrics().find(t.key);
    if (it != profile.metrics().end()) v = {true, it->second, {}};
    return v;
  }
  if (t.attribute) {
    auto it = profile.attributes().find(t.key);
    if (it != profile.attributes().end()) v = {true, 0, it->second};
    return v;
  }
  const pb::Message* message = leaf_message(profile, t);
  if (message == nullptr) return v;
  const auto* refl = message->GetReflection();
  const pb::FieldDescriptor* f = t.info->chain.back();
  if (f->has_presence() && !refl->HasField(*message, f)) return v;
  v.set = true;
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      v.number = refl->GetInt32(*message, f);
      break;
    case pb::FieldDescriptor::CPPTYPE_INT64:
      v.number = static_cast<double>(refl->GetInt64(*message, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      v.number = refl->GetUInt32(*message, f);
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      v.number = static_cast<double>(refl->GetUInt64(*message, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      v.number = refl->GetDouble(*message, f);
      break;
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      v.number = refl->GetFloat(*message, f);
      break;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      v.number = refl->GetBool(*message, f) ? 1 : 0;
      break;
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      v.number = refl->GetEnumValue(*message, f);
      // The rules read an enum left at 0 (..._UNSPECIFIED) as unknown.
      v.set = v.number != 0;
      break;
    case pb::FieldDescriptor::CPPTYPE_STRING:
      v.text = refl->GetString(*message, f);
      break;
    default:
      v.set = false;
  }
  return v;
}

void write(v1::CustomerProfile& profile, const Target& t, const Value& v) {
  if (t.metric) {
    (*profile.mutable_metrics())[t.key] = v.number;
    return;
  }
  if (t.attribute) {
    (*profile.mutable_attributes())[t.key] = v.text;
    return;
  }
  pb::Message* message = &profile;
  for (std::size_t i = 0; i + 1 < t.info->chain.size(); ++i) {
    message = message->GetReflection()->MutableMessage(message, t.info->chain[i]);
  }
  const auto* refl = message->GetReflection();
  const pb::FieldDescriptor* f = t.info->chain.back();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      refl->SetInt32(message, f, static_cast<std::int32_t>(v.number));
      break;
    case pb::FieldDescriptor::CPPTYPE_INT64:
      refl->SetInt64(message, f, static_cast<std::int64_t>(v.number));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      refl->SetUInt32(message, f, static_cast<std::uint32_t>(v.number));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      refl->SetUInt64(message, f, static_cast<std::uint64_t>(v.number));
      break;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      refl->SetDouble(message, f, v.number);
      break;
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      refl->SetFloat(message, f, static_cast<float>(v.number));
      break;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      refl->SetBool(message, f, v.number != 0);
      break;
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      refl->SetEnumValue(message, f, static_cast<int>(v.number));
      break;
    case pb::FieldDescriptor::CPPTYPE_STRING:
      refl->SetString(message, f, v.text);
      break;
    default:
      break;
  }
}

// The step of a real number: a tenth of a percentage point for fractions, a hundredth for
// scores and hours, one for amounts (CNY).
double resolution(double magnitude) {
  magnitude = std::fabs(magnitude);
  if (magnitude <= 1) return 0.001;
  if (magnitude <= 10000) return 0.01;
  return 1;
}

// Rounds away the binary noise of grid arithmetic (0.021000000000000001).
double tidy(double v) {
  return std::round(v * 1e9) / 1e9;
}

std::string show(const Target& t, Kind kind, const Value& v) {
  if (!v.set) return "unset";
  switch (kind) {
    case Kind::Integer:
      return fmt::format("{}", static_cast<long long>(v.number));
    case Kind::Real:
      return format_number(v.number, 6);
    case Kind::Bool:
      return v.number != 0 ? "true" : "false";
    case Kind::Enum:
      if (const auto* e =
              t.info->chain.back()->enum_type()->FindValueByNumber(static_cast<int>(v.number))) {
        return e->name();
      }
      return fmt::format("{}", v.number);
    case Kind::String:
      return fmt::format("\"{}\"", v.text);
  }
  return "?";
}

enum class Outcome { Fires, No, Invalid };

class Search {
 public:
  Search(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
         const PopulationStats* stats, const std::string& tactic)
      : rules_(rules), profile_(profile), stats_(stats), tactic_(tactic) {}

  Outcome test(const Target& t, const Value& v) {
    if (evaluations_ >= kMaxEvaluations) return Outcome::Invalid;
    ++evaluations_;
    v1::CustomerProfile changed = profile_;
    write(changed, t, v);
    // A value the schema's units forbid is not a change anyone could make.
    if (validate_profile(changed)) return Outcome::Invalid;
    EvalOptions lean;
    lean.explanations = false;
    decide(rules_, changed, stats_, frame_, &decision_, lean);
    for (const auto& proposed : decision_.tactics()) {
      if (proposed.id() == tactic_) return Outcome::Fires;
    }
    return Outcome::No;
  }

  int evaluations() const { return evaluations_; }

 private:
  const compile::RuleSet& rules_;
  const v1::CustomerProfile& profile_;
  const PopulationStats* stats_;
  const std::string& tactic_;
  eval::EvalFrame frame_;
  v1::Decision decision_;
  int evaluations_ = 0;
};

struct Found {
  Value to;
  double size = 0;
  std::string checked_step;
};

std::optional<Found> search_number(Search& search, const Target& t, Kind kind, const Value& from,
                                   const Reads& reads) {
  const bool integer = kind == Kind::Integer;
  std::map<double, Outcome> memo;
  auto test = [&](double x) {
    if (integer) x = std::round(x);
    x = tidy(x);
    auto it = memo.find(x);
    if (it != memo.end()) return it->second;
    const Outcome o = search.test(t, Value{true, x, {}});
    memo[x] = o;
    return o;
  };

  // Candidates next to every constant the guard compares with (either side of it).
  struct Candidate {
    double value;
    double from_constant;  // how far from the constant it was derived from
  };
  std::vector<Candidate> candidates;
  for (double c : reads.numbers) {
    if (integer) {
      for (double x : {std::floor(c) - 1, std::floor(c), std::ceil(c), std::ceil(c) + 1}) {
        candidates.push_back({x, std::fabs(x - c)});
      }
    } else {
      const double r = resolution(c);
      for (double x : {c - r, c, c + r}) candidates.push_back({tidy(x), std::fabs(x - c)});
    }
  }
  candidates.push_back({0, 1e300});
  // Boundaries that are not constants (orders_90d < 50% * orders_prev_90d): walk away from
  // the current value in doubling steps until it fires or leaves the field's range.
  const double start = from.set ? from.number : 0;
  const double unit = integer ? 1 : resolution(start);
  for (int direction : {1, -1}) {
    double step = unit;
    for (int i = 0; i < kGallopSteps; ++i, step *= 2) {
      double x = start + direction * step;
      if (!t.metric && x < 0) x = 0;  // profile numbers are never negative (units)
      candidates.push_back({x, 1e300});
      const Outcome o = test(x);
      if (o != Outcome::No || x == 0) break;
    }
  }

  std::optional<Candidate> best;
  for (const auto& c : candidates) {
    if (from.set && tidy(c.value) == tidy(from.number)) continue;
    if (test(c.value) != Outcome::Fires) continue;
    auto better = [&](const Candidate& a, const Candidate& b) {
      if (from.set) return std::fabs(a.value - from.number) < std::fabs(b.value - from.number);
      // Unset: the value at the boundary a constant draws, not an arbitrary far one.
      if (a.from_constant != b.from_constant) return a.from_constant < b.from_constant;
      return std::fabs(a.value) < std::fabs(b.value);
    };
    if (!best || better(c, *best)) best = c;
  }
  if (!best) return std::nullopt;

  Found found;
  found.to = Value{true, integer ? std::round(best->value) : tidy(best->value), {}};
  found.size = 1;
  if (!from.set) return found;

  // Narrow down between the current value (does not fire) and the candidate (fires): the
  // result fires and its neighbour one step closer to the current value does not.
  const double sign = found.to.number > from.number ? 1 : -1;
  double lo = from.number;
  double hi = found.to.number;
  if (integer) {
    while (std::fabs(hi - lo) > 1) {
      const double mid = std::round(lo + std::trunc((hi - lo) / 2));
      (test(mid) == Outcome::Fires ? hi : lo) = mid;
    }
    found.to.number = hi;
    // One step away is the current value itself: nothing between to check.
    if (hi - sign != from.number) {
      found.checked_step = fmt::format("{}", static_cast<long long>(hi - sign));
    }
  } else {
    for (int i = 0; i < 60 && std::fabs(hi - lo) > 1e-12; ++i) {
      const double mid = lo + (hi - lo) / 2;
      (test(mid) == Outcome::Fires ? hi : lo) = mid;
    }
    // Report a value on the field's grid (2.1%, not 2.0000000001%), checked like any other.
    const double r = resolution(hi);
    double grid = tidy(sign > 0 ? std::ceil(hi / r - 1e-9) * r : std::floor(hi / r + 1e-9) * r);
    if (test(grid) != Outcome::Fires) grid = hi;
    for (int i = 0; i < 20; ++i) {
      const double closer = tidy(grid - sign * r);
      if ((closer - from.number) * sign <= 0 || test(closer) != Outcome::Fires) break;
      grid = closer;
    }
    found.to.number = grid;
    const double closer = tidy(grid - sign * r);
    if ((closer - from.number) * sign > 0) found.checked_step = format_number(closer, 6);
  }
  found.size = std::fabs(found.to.number - from.number) / std::max(std::fabs(from.number), 1.0);
  return found;
}

std::optional<Found> search_field(Search& search, const Target& t, const Value& from,
                                  const Reads& reads) {
  const Kind kind = kind_of(t);
  switch (kind) {
    case Kind::Integer:
    case Kind::Real:
      return search_number(search, t, kind, from, reads);
    case Kind::Bool: {
      const Value flipped{true, from.number != 0 ? 0.0 : 1.0, {}};
      if (search.test(t, flipped) == Outcome::Fires) return Found{flipped, 1, {}};
      return std::nullopt;
    }
    case Kind::Enum: {
      const pb::EnumDescriptor* e = t.info->chain.back()->enum_type();
      for (int i = 0; i < e->value_count(); ++i) {
        const int number = e->value(i)->number();
        if (number == 0 || (from.set && number == static_cast<int>(from.number))) continue;
        const Value v{true, static_cast<double>(number), {}};
        if (search.test(t, v) == Outcome::Fires) return Found{v, 1, {}};
      }
      return std::nullopt;
    }
    case Kind::String:
      for (const auto& s : reads.strings) {
        if (from.set && s == from.text) continue;
        const Value v{true, 0, s};
        if (search.test(t, v) == Outcome::Fires) return Found{v, 1, {}};
      }
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

void find_smallest_changes(const compile::RuleSet& rules, const check::CheckedModule& module,
                           const v1::CustomerProfile& profile, const PopulationStats* stats,
                           WhyNot& why, std::size_t max_changes) {
  why.changes.clear();
  why.no_change = NoChange::None;
  why.fields_tried.clear();
  if (why.blocked == Blocked::Cooldown) {
    why.no_change = NoChange::Cooldown;
    return;
  }
  if (why.blocked == Blocked::Cap) {
    why.no_change = NoChange::Cap;
    return;
  }

  Reads reads;
  ReadCollector collector(module, reads);
  collector.decl(why.tactic);
  for (const auto& cause : why.causes) collector.decl(cause.id);

  Search search(rules, profile, stats, why.tactic);
  std::vector<FieldChange> changes;
  for (const auto& [path, target] : reads.targets) {
    const Kind kind = kind_of(target);
    const Value from = read(profile, target);
    auto found = search_field(search, target, from, reads);
    if (!found) continue;
    FieldChange change;
    change.field = path;
    change.from = show(target, kind, from);
    change.to = show(target, kind, found->to);
    change.size = found->size;
    change.verified = true;
    change.checked_step = found->checked_step;
    changes.push_back(std::move(change));
  }
  why.candidates_tried = search.evaluations();
  std::stable_sort(changes.begin(), changes.end(),
                   [](const FieldChange& a, const FieldChange& b) { return a.size < b.size; });
  if (changes.size() > max_changes) changes.resize(max_changes);
  why.changes = std::move(changes);
  if (!why.changes.empty()) return;

  for (const auto& [path, target] : reads.targets) why.fields_tried.push_back(path);
  why.no_change = why.fields_tried.empty() ? NoChange::NoField : NoChange::NotFound;
}

}  // namespace retain::analyst
