#include "analyst/smallest_change.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
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

template <typename T>
bool fits(double x) {
  // max() + 1 is a power of two, exact as a double; max() itself may round up past the range.
  return x >= static_cast<double>(std::numeric_limits<T>::min()) &&
         x < static_cast<double>(std::numeric_limits<T>::max()) + 1.0;
}

// Converting a double outside the field's type is undefined behaviour, and such a value is no
// change anyone could make either.
bool representable(const Target& t, const Value& v) {
  if (t.metric || t.attribute) return !std::isnan(v.number);
  switch (t.info->chain.back()->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return fits<std::int32_t>(v.number);
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return fits<std::int64_t>(v.number);
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return fits<std::uint32_t>(v.number);
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return fits<std::uint64_t>(v.number);
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return std::fabs(v.number) <= std::numeric_limits<float>::max();
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return !std::isnan(v.number);
    default:
      return true;
  }
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

// Six decimals, unless the value needs more to read back as the value that was evaluated.
std::string show_real(double x) {
  std::string text = format_number(x, 6);
  if (std::strtod(text.c_str(), nullptr) != x) text = fmt::format("{}", x);
  return text;
}

std::string show(const Target& t, Kind kind, const Value& v) {
  if (!v.set) return "unset";
  switch (kind) {
    case Kind::Integer:
      return fmt::format("{}", static_cast<long long>(v.number));
    case Kind::Real:
      return show_real(v.number);
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

// OverBudget is not Invalid: the value may well fire, it was just not evaluated.
enum class Outcome { Fires, No, Invalid, OverBudget };

class Search {
 public:
  Search(const compile::RuleSet& rules, const v1::CustomerProfile& profile,
         const PopulationStats* stats, const std::string& tactic, int max_evaluations)
      : rules_(rules),
        profile_(profile),
        stats_(stats),
        tactic_(tactic),
        max_evaluations_(max_evaluations) {}

  Outcome test(const Target& t, const Value& v) {
    if (!representable(t, v)) return Outcome::Invalid;
    if (evaluations_ >= max_evaluations_) {
      exhausted_ = true;
      return Outcome::OverBudget;
    }
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
  bool exhausted() const { return exhausted_; }

 private:
  const compile::RuleSet& rules_;
  const v1::CustomerProfile& profile_;
  const PopulationStats* stats_;
  const std::string& tactic_;
  eval::EvalFrame frame_;
  v1::Decision decision_;
  int max_evaluations_;
  int evaluations_ = 0;
  bool exhausted_ = false;
};

struct Found {
  Value to;
  double size = 0;
  std::string checked_step;
};

// Narrows down between the current value (does not fire) and a candidate on the side `sign`
// (fires): the result fires and, when there is one, checked_step is a value one step closer
// that was evaluated and did not fire.
template <typename Test>
Found narrow(Test& test, bool integer, double from, double fires, double sign) {
  Found found;
  found.to = Value{true, fires, {}};
  double lo = from;
  double hi = fires;
  if (integer) {
    while (std::fabs(hi - lo) > 1) {
      const double mid = std::round(lo + std::trunc((hi - lo) / 2));
      (test(mid) == Outcome::Fires ? hi : lo) = mid;
    }
    found.to.number = hi;
    // One step away is the current value itself: nothing between to check.
    if (hi - sign != from && test(hi - sign) == Outcome::No) {
      found.checked_step = fmt::format("{}", static_cast<long long>(hi - sign));
    }
    return found;
  }
  for (int i = 0; i < 60 && std::fabs(hi - lo) > 1e-12; ++i) {
    const double mid = lo + (hi - lo) / 2;
    (test(mid) == Outcome::Fires ? hi : lo) = mid;
  }
  // Report a value on the field's grid (2.1%, not 2.0000000001%), checked like any other. A
  // boundary in a window narrower than the grid gets a finer grid, down to the precision
  // tidy() keeps; failing that, the bisection's own firing value.
  for (double r = resolution(hi); r >= 1e-9; r /= 10) {
    double grid = tidy(sign > 0 ? std::ceil(hi / r - 1e-9) * r : std::floor(hi / r + 1e-9) * r);
    if ((grid - from) * sign <= 0 || test(grid) != Outcome::Fires) continue;
    for (int i = 0; i < 20; ++i) {
      const double closer = tidy(grid - sign * r);
      if ((closer - from) * sign <= 0 || test(closer) != Outcome::Fires) break;
      grid = closer;
    }
    found.to.number = grid;
    const double closer = tidy(grid - sign * r);
    if ((closer - from) * sign > 0 && test(closer) == Outcome::No) {
      found.checked_step = show_real(closer);
    }
    return found;
  }
  // test() evaluated the tidied values, so those are the ones to show.
  found.to.number = tidy(hi);
  if (tidy(lo) != tidy(from) && test(lo) == Outcome::No) found.checked_step = show_real(tidy(lo));
  return found;
}

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

  if (!from.set) {
    std::optional<Candidate> best;
    for (const auto& c : candidates) {
      if (test(c.value) != Outcome::Fires) continue;
      // The value at the boundary a constant draws, not an arbitrary far one.
      auto better = [](const Candidate& a, const Candidate& b) {
        if (a.from_constant != b.from_constant) return a.from_constant < b.from_constant;
        return std::fabs(a.value) < std::fabs(b.value);
      };
      if (!best || better(c, *best)) best = c;
    }
    if (!best) return std::nullopt;
    return Found{Value{true, integer ? std::round(best->value) : tidy(best->value), {}}, 1, {}};
  }

  // The walk overshoots by up to twice the distance, so a side's nearest candidate says little
  // about its boundary: narrow each side first, then compare.
  std::optional<Found> best;
  for (const double sign : {1.0, -1.0}) {
    std::optional<double> nearest;
    for (const auto& c : candidates) {
      const double value = integer ? std::round(c.value) : tidy(c.value);
      if ((value - from.number) * sign <= 0) continue;
      if (nearest && std::fabs(value - from.number) >= std::fabs(*nearest - from.number)) continue;
      if (test(value) == Outcome::Fires) nearest = value;
    }
    if (!nearest) continue;
    Found found = narrow(test, integer, from.number, *nearest, sign);
    if (!best ||
        std::fabs(found.to.number - from.number) < std::fabs(best->to.number - from.number))
      best = std::move(found);
  }
  if (best) {
    best->size = std::fabs(best->to.number - from.number) / std::max(std::fabs(from.number), 1.0);
  }
  return best;
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
                           WhyNot& why, std::size_t max_changes, int max_evaluations) {
  why.changes.clear();
  why.no_change = NoChange::None;
  why.fields_tried.clear();
  why.budget_exhausted = false;
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

  Search search(rules, profile, stats, why.tactic, max_evaluations);
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
  why.budget_exhausted = search.exhausted();
  std::stable_sort(changes.begin(), changes.end(),
                   [](const FieldChange& a, const FieldChange& b) { return a.size < b.size; });
  if (changes.size() > max_changes) changes.resize(max_changes);
  why.changes = std::move(changes);
  if (!why.changes.empty()) return;

  for (const auto& [path, target] : reads.targets) why.fields_tried.push_back(path);
  if (why.fields_tried.empty()) {
    why.no_change = NoChange::NoField;
  } else {
    // Not every candidate was tried: "needs more than one field" would be a guess.
    why.no_change = why.budget_exhausted ? NoChange::BudgetExhausted : NoChange::NotFound;
  }
}

}  // namespace retain::analyst
