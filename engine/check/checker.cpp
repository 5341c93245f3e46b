#include "engine/check/checker.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>

#include "engine/check/suggest.hpp"

namespace retain::check {

namespace {

namespace pb = google::protobuf;

struct PropertySpec {
  const char* key;
  bool required;
};

const std::vector<PropertySpec>& allowed_properties(DeclKind kind) {
  static const std::map<DeclKind, std::vector<PropertySpec>> specs = {
      {DeclKind::Cause, {{"label", true}, {"weight", true}, {"when", true}, {"because", false}}},
      {DeclKind::Tactic,
       {{"label", true},
        {"answers", false},
        {"when", false},
        {"priority", false},
        {"cooldown", false},
        {"because", false}}},
      {DeclKind::Segment, {{"label", true}, {"when", true}, {"because", false}}},
      {DeclKind::Account,
       {{"label", true},
        {"when", true},
        {"every", false},
        {"priority", false},
        {"because", false}}},
      {DeclKind::CreditCheck, {{"label", true}, {"when", true}, {"because", false}}},
      {DeclKind::Tiers,
       {{"label", false},
        {"rank", false},
        {"by", false},
        {"fallback", false},
        {"sets", false},
        {"band", false}}},
      {DeclKind::Settings, {{"max_tactics", false}}},
      {DeclKind::Let, {}},
  };
  return specs.at(kind);
}

const std::vector<std::string> kActionFields = {"action_id", "days_ago", "outcome"};

bool is_rule(DeclKind kind) {
  return kind == DeclKind::Cause || kind == DeclKind::Tactic || kind == DeclKind::Segment ||
         kind == DeclKind::Account || kind == DeclKind::CreditCheck;
}

std::optional<double> const_number(const ast::Expr& e) {
  if (e.kind == ast::ExprKind::Number) return e.number;
  if (e.kind == ast::ExprKind::Unary && e.op == ast::Op::Neg) {
    if (auto v = const_number(e.args[0])) return -*v;
  }
  return std::nullopt;
}

// Folds conditions made only of literals, to find rules that can never fire.
std::optional<bool> const_bool(const ast::Expr& e) {
  using ast::Op;
  if (e.kind == ast::ExprKind::Bool) return e.boolean;
  if (e.kind == ast::ExprKind::Unary && e.op == Op::Not) {
    if (auto v = const_bool(e.args[0])) return !*v;
    return std::nullopt;
  }
  if (e.kind != ast::ExprKind::Binary) return std::nullopt;
  if (e.op == Op::And || e.op == Op::Or) {
    auto a = const_bool(e.args[0]);
    auto b = const_bool(e.args[1]);
    if (e.op == Op::And && ((a && !*a) || (b && !*b))) return false;
    if (e.op == Op::Or && ((a && *a) || (b && *b))) return true;
    if (a && b) return e.op == Op::And ? (*a && *b) : (*a || *b);
    return std::nullopt;
  }
  auto x = const_number(e.args[0]);
  auto y = const_number(e.args[1]);
  if (!x || !y) return std::nullopt;
  switch (e.op) {
    case Op::Eq:
      return *x == *y;
    case Op::Ne:
      return *x != *y;
    case Op::Lt:
      return *x < *y;
    case Op::Le:
      return *x <= *y;
    case Op::Gt:
      return *x > *y;
    case Op::Ge:
      return *x >= *y;
    default:
      return std::nullopt;
  }
}

class Checker {
 public:
  Checker(const Schema& schema, CheckedModule& module, Diagnostics& diagnostics)
      : schema_(schema), m_(module), diags_(diagnostics) {}

  void run() {
    collect();
    for (std::size_t i = 0; i < m_.decls.size(); ++i) check_properties(static_cast<int>(i));
    let_types_.assign(m_.decls.size(), Type::of(TypeKind::Error));
    let_state_.assign(m_.decls.size(), 0);
    edges_.assign(m_.decls.size(), {});
    for (std::size_t i = 0; i < m_.decls.size(); ++i) check_expressions(static_cast<int>(i));
    check_cycles();
    warn_unused_and_unreachable();
  }

 private:
  struct Ctx {
    int owner = -1;  // declaration whose expressions these are
    bool in_count = false;
  };

  const SourceFile& source_of(int decl) const {
    return *m_.decls[static_cast<std::size_t>(decl)].source;
  }

  void report(const SourceFile& source, Span span, Severity severity, std::string code,
              std::string message, std::vector<std::string> notes = {}) {
    diags_.push_back(make_diagnostic(source, span, severity, std::move(code), std::move(message),
                                     std::move(notes)));
  }
  void error(int decl, Span span, std::string code, std::string message,
             std::vector<std::string> notes = {}) {
    report(source_of(decl), span, Severity::Error, std::move(code), std::move(message),
           std::move(notes));
  }
  std::string where(int decl) const {
    const auto& d = m_.decls[static_cast<std::size_t>(decl)];
    const Location loc = d.source->location(d.decl->name_span.begin);
    return fmt::format("{}:{}:{}", d.source->path(), loc.line, loc.column);
  }

  // ---- declarations ---------------------------------------------------------------------

  void collect() {
    int settings_seen = -1;
    for (const auto& file : m_.files) {
      if (file->ast.header) {
        if (header_file_ && header_file_ != file.get()) {
          report(*file->source, file->ast.header->span, Severity::Error, "check.duplicate-header",
                 "a rule set has one 'ruleset' header; another file already has one",
                 {fmt::format("the first is in {}", header_file_->source->path())});
        } else {
          header_file_ = file.get();
          m_.name = file->ast.header->name;
          m_.version = file->ast.header->version;
        }
      }
      for (const auto& decl : file->ast.decls) {
        DeclInfo info;
        info.kind = decl_kind(decl.kind);
        info.decl = &decl;
        info.source = file->source.get();
        const int index = static_cast<int>(m_.decls.size());
        m_.decls.push_back(std::move(info));
        if (m_.decls.back().kind == DeclKind::Settings) {
          if (settings_seen >= 0) {
            error(index, decl.span, "check.duplicate-id",
                  "a rule set has one 'settings' block; another is already declared",
                  {fmt::format("the first is at {}", where(settings_seen))});
          }
          settings_seen = index;
          continue;
        }
        if (auto it = m_.by_name.find(decl.name); it != m_.by_name.end()) {
          error(index, decl.name_span, "check.duplicate-id",
                fmt::format("'{}' is already declared", decl.name),
                {fmt::format("first declared at {}", where(it->second))});
          continue;
        }
        if (schema_.find(decl.name) != nullptr) {
          error(index, decl.name_span, "check.duplicate-id",
                fmt::format("'{}' is a profile field; choose another name", decl.name));
          continue;
        }
        m_.by_name.emplace(decl.name, index);
      }
    }
    for (std::size_t i = 0; i < m_.decls.size(); ++i) {
      const auto& d = m_.decls[i];
      if (d.kind != DeclKind::Tiers) continue;
      for (const auto& prop : d.decl->props) {
        if (prop.key == "band" && prop.band) {
          bands_by_name_[prop.band->id].push_back(static_cast<int>(i));
        }
      }
    }
  }

  void check_properties(int index) {
    auto& d = m_.decls[static_cast<std::size_t>(index)];
    if (d.kind == DeclKind::Let) return;
    const auto& specs = allowed_properties(d.kind);
    std::set<std::string> band_ids;
    for (const auto& prop : d.decl->props) {
      const auto spec = std::find_if(specs.begin(), specs.end(),
                                     [&](const PropertySpec& s) { return prop.key == s.key; });
      if (spec == specs.end()) {
        std::vector<std::string> keys;
        for (const auto& s : specs) keys.push_back(s.key);
        std::vector<std::string> notes;
        if (auto near = closest(prop.key, keys))
          notes.push_back(fmt::format("did you mean '{}'?", *near));
        notes.push_back(fmt::format("a {} takes: {}", decl_keyword(d.kind), fmt::join(keys, ", ")));
        error(index, prop.key_span, "check.unexpected-property",
              fmt::format("'{}' is not a property of a {}", prop.key, decl_keyword(d.kind)),
              std::move(notes));
        continue;
      }
      if (prop.key == "band") {
        if (!prop.band) continue;
        if (!band_ids.insert(prop.band->id).second) {
          error(index, prop.band->id_span, "check.duplicate-id",
                fmt::format("band '{}' appears twice in {}", prop.band->id, d.decl->name));
        }
        d.bands.push_back(&*prop.band);
        continue;
      }
      if (!d.props.emplace(prop.key, &prop).second) {
        error(index, prop.key_span, "check.duplicate-property",
              fmt::format("'{}' is given twice in {}", prop.key, d.decl->name));
      }
    }
    for (const auto& spec : specs) {
      if (spec.required && !d.props.count(spec.key)) {
        error(index, d.decl->name_span, "check.missing-property",
              fmt::format("{} {} needs '{}'", decl_keyword(d.kind), d.decl->name, spec.key));
      }
    }
    if (d.kind == DeclKind::Tactic && !d.props.count("answers") && !d.props.count("when")) {
      error(index, d.decl->name_span, "check.missing-property",
            fmt::format("tactic {} needs 'answers' or 'when' (or both)", d.decl->name));
    }
    if (d.kind == DeclKind::Tiers) check_tiers_shape(index);
  }

  void check_tiers_shape(int index) {
    auto& d = m_.decls[static_cast<std::size_t>(index)];
    const bool ranked = d.props.count("rank") > 0;
    const bool by = d.props.count("by") > 0;
    const auto& name = d.decl->name;
    if (ranked == by) {
      error(index, d.decl->name_span, "check.tiers",
            fmt::format("tiers {} needs exactly one of 'rank EXPR' (population percentile) or "
                        "'by EXPR' (thresholds)",
                        name));
    }
    if (d.props.count("fallback") && !ranked) {
      error(index, d.props["fallback"]->key_span, "check.tiers",
            "'fallback' gives a rank percentile, so it goes with 'rank', not 'by'");
    }
    if (auto it = d.props.find("sets"); it != d.props.end()) {
      const std::string& word = it->second->word.name;
      if (word != "tier" && word != "credit_grade") {
        error(index, it->second->word.span, "check.tiers",
              fmt::format("'sets {}': a tiers sets 'tier' or 'credit_grade'", word));
      } else if (auto prev = roles_.find(word); prev != roles_.end()) {
        error(index, it->second->word.span, "check.tiers",
              fmt::format("another tiers already sets {}", word),
              {fmt::format("{} at {}", m_.decls[static_cast<std::size_t>(prev->second)].decl->name,
                           where(prev->second))});
      } else {
        roles_.emplace(word, index);
      }
    }
    if (d.bands.empty()) {
      error(index, d.decl->name_span, "check.tiers",
            fmt::format("tiers {} has no bands; add 'band ID top 1%' ... 'band ID rest'", name));
      return;
    }
    std::optional<double> previous;
    for (std::size_t i = 0; i < d.bands.size(); ++i) {
      const ast::Band& band = *d.bands[i];
      const bool last = i + 1 == d.bands.size();
      if (band.bound == ast::BandBound::Rest) {
        if (!last) {
          error(index, band.span, "check.tiers",
                fmt::format("band {} is 'rest' but is not the last band; bands after it can "
                            "never be reached",
                            band.id));
        }
        continue;
      }
      if (last) {
        error(
            index, band.span, "check.tiers",
            fmt::format("the last band of {} must be 'rest', so every customer gets a band", name),
            {fmt::format("add: band OTHER rest")});
      }
      if (band.bound == ast::BandBound::Top && by) {
        error(index, band.span, "check.tiers",
              "'top P%' needs a 'rank' tiers; with 'by' use 'below N' or 'at_least N'");
      }
      if (band.bound != ast::BandBound::Top && ranked) {
        error(index, band.span, "check.tiers",
              "a 'rank' tiers cuts by population percentile: use 'top P%'");
      }
      const auto value = band.value ? const_number(*band.value) : std::nullopt;
      if (!value) {
        error(index, band.value ? band.value->span : band.span, "check.bad-value",
              "a band bound must be a number");
        continue;
      }
      double v = *value;
      if (band.bound == ast::BandBound::Top) {
        v *= band.value->percent ? 100.0 : 1.0;  // `top 1%` and `top 1` both mean one percent
        if (v <= 0 || v > 100) {
          error(index, band.value->span, "check.bad-value",
                fmt::format("'top {}' is outside (0%, 100%]", band.value->text));
        }
      }
      if (previous) {
        const bool ascending = band.bound != ast::BandBound::AtLeast;
        if ((ascending && v <= *previous) || (!ascending && v >= *previous)) {
          error(index, band.value->span, "check.tiers",
                fmt::format("band {} would never be reached: bands are taken in order, so "
                            "bounds must {}",
                            band.id, ascending ? "increase" : "decrease"));
        }
      }
      previous = v;
    }
  }

  // ---- expressions ----------------------------------------------------------------------

  const Type& record(const ast::Expr& e, Type type) { return m_.types[&e] = type; }

  Type let_type(int decl) {
    auto& state = let_state_[static_cast<std::size_t>(decl)];
    if (state == 2) return let_types_[static_cast<std::size_t>(decl)];
    if (state == 1) return Type::of(TypeKind::Error);  // a cycle; reported by check_cycles
    state = 1;
    const auto& d = m_.decls[static_cast<std::size_t>(decl)];
    Type t = Type::of(TypeKind::Error);
    if (d.decl->value) t = check_expr(*d.decl->value, Ctx{decl, false});
    if (t.is(TypeKind::List)) {
      error(decl, d.decl->value->span, "check.type-mismatch",
            "a list can only follow 'in'; a definition cannot be a list");
      t = Type::of(TypeKind::Error);
    }
    let_types_[static_cast<std::size_t>(decl)] = t;
    state = 2;
    return t;
  }

  void check_expressions(int index) {
    const auto& d = m_.decls[static_cast<std::size_t>(index)];
    const Ctx ctx{index, false};
    if (d.kind == DeclKind::Let) {
      let_type(index);
      return;
    }
    auto expect = [&](const char* key, TypeKind kind, const char* what) {
      auto it = d.props.find(key);
      if (it == d.props.end() || !it->second->expr) return;
      const Type t = check_expr(*it->second->expr, ctx);
      if (!t.is(TypeKind::Error) && !t.is(kind)) {
        error(index, it->second->expr->span, "check.type-mismatch",
              fmt::format("'{}' needs {}, but this is {}", key, what, describe_type(t)));
      }
    };
    expect("when", TypeKind::Bool, "a condition (bool)");
    expect("rank", TypeKind::Number, "a number");
    expect("by", TypeKind::Number, "a number");
    expect("fallback", TypeKind::Number, "a rank percentile (number)");
    check_constant(
        index, "weight", [](double w) { return w > 0 && w <= 1; }, "in (0, 1]");
    check_constant(
        index, "priority", [](double p) { return p >= 0 && p == std::floor(p); },
        "a whole number >= 0");
    check_constant(
        index, "cooldown", [](double c) { return c >= 0; }, "a number of days >= 0");
    check_constant(
        index, "every", [](double c) { return c > 0; }, "a number of days > 0");
    check_constant(
        index, "max_tactics", [](double n) { return n >= 1 && n == std::floor(n); },
        "a whole number >= 1");
    if (auto it = d.props.find("max_tactics"); it != d.props.end() && it->second->expr) {
      if (auto v = const_number(*it->second->expr)) m_.max_tactics = static_cast<int>(*v);
    }
    if (auto it = d.props.find("every"); it != d.props.end() && it->second->since) {
      const Type t = check_expr(*it->second->since, ctx);
      if (!t.is(TypeKind::Error) && !t.is(TypeKind::Number)) {
        error(index, it->second->since->span, "check.type-mismatch",
              fmt::format("'since' needs a number of days, but this is {}", describe_type(t)));
      }
    }
    if (auto it = d.props.find("answers"); it != d.props.end()) check_answers(index, *it->second);
    for (const auto& prop : d.decl->props) {
      if (prop.text) check_text(index, *prop.text);
      if (prop.band && prop.band->label) check_text(index, *prop.band->label);
    }
  }

  template <class Pred>
  void check_constant(int index, const char* key, Pred ok, const char* what) {
    const auto& d = m_.decls[static_cast<std::size_t>(index)];
    auto it = d.props.find(key);
    if (it == d.props.end() || !it->second->expr) return;
    const ast::Expr& e = *it->second->expr;
    const auto value = const_number(e);
    if (!value) {
      error(index, e.span, "check.bad-value", fmt::format("'{}' must be a number: {}", key, what));
    } else if (!ok(*value)) {
      error(index, e.span, "check.bad-value",
            fmt::format("'{}' is {}, but must be {}", key,
                        e.text.empty() ? fmt::format("{}", *value) : e.text, what));
    }
  }

  void check_answers(int index, const ast::Property& prop) {
    std::vector<std::string> causes;
    for (const auto& [name, i] : m_.by_name) {
      if (m_.decls[static_cast<std::size_t>(i)].kind == DeclKind::Cause) causes.push_back(name);
    }
    for (const auto& id : prop.ids) {
      auto it = m_.by_name.find(id.name);
      if (it == m_.by_name.end() ||
          m_.decls[static_cast<std::size_t>(it->second)].kind != DeclKind::Cause) {
        std::vector<std::string> notes;
        if (it != m_.by_name.end()) {
          notes.push_back(
              fmt::format("{} is a {}, declared at {}", id.name,
                          decl_keyword(m_.decls[static_cast<std::size_t>(it->second)].kind),
                          where(it->second)));
        } else if (auto near = closest(id.name, causes)) {
          notes.push_back(fmt::format("did you mean '{}'?", *near));
        }
        error(index, id.span, "check.unknown-cause",
              fmt::format("'{}' is not a cause, so a tactic cannot answer it", id.name),
              std::move(notes));
        continue;
      }
      edges_[static_cast<std::size_t>(index)].push_back({it->second, id.span});
    }
  }

  void check_text(int index, const ast::Text& text) {
    for (const auto& part : text.parts) {
      for (const auto& piece : part.pieces) {
        if (!piece.expr) continue;
        const Type t = check_expr(*piece.expr, Ctx{index, false});
        if (t.is(TypeKind::List)) {
          error(index, piece.expr->span, "check.type-mismatch", "a list cannot be shown in a text");
        }
      }
    }
  }

  std::string describe_type(const Type& t) const {
    if (t.is(TypeKind::Band) && t.tiers >= 0) {
      return describe(t, m_.decls[static_cast<std::size_t>(t.tiers)].decl->name);
    }
    return describe(t);
  }

  // Resolves a name the ordinary way (no hint). Returns nullopt when it is unknown.
  std::optional<std::pair<Reference, Type>> lookup(const std::string& name, const Ctx& ctx) {
    if (ctx.in_count) {
      for (std::size_t i = 0; i < kActionFields.size(); ++i) {
        if (name == kActionFields[i]) {
          Reference r;
          r.kind = RefKind::ActionField;
          r.index = static_cast<int>(i);
          return std::pair{r, Type::of(i == 1 ? TypeKind::Number : TypeKind::String)};
        }
      }
    }
    if (auto it = m_.by_name.find(name); it != m_.by_name.end()) {
      const auto& d = m_.decls[static_cast<std::size_t>(it->second)];
      Reference r;
      r.kind = RefKind::Decl;
      r.index = it->second;
      if (d.kind == DeclKind::Let) return std::pair{r, let_type(it->second)};
      if (d.kind == DeclKind::Tiers) {
        Type t = Type::of(TypeKind::Band);
        t.tiers = it->second;
        return std::pair{r, t};
      }
      return std::pair{r, Type::of(TypeKind::Bool)};
    }
    if (const FieldInfo* field = schema_.find(name)) {
      Reference r;
      r.kind = RefKind::Field;
      r.field = field;
      return std::pair{r, field->type};
    }
    if (Schema::is_metric_path(name)) {
      Reference r;
      r.kind = RefKind::Metric;
      r.key = name.substr(8);
      return std::pair{r, Type::of(TypeKind::Number)};
    }
    if (Schema::is_attribute_path(name)) {
      Reference r;
      r.kind = RefKind::Attribute;
      r.key = name.substr(11);
      return std::pair{r, Type::of(TypeKind::String)};
    }
    return std::nullopt;
  }

  // Resolves a bare name against the type of the other side of a comparison: a band of that
  // tiers, or a value of that enumeration.
  std::optional<std::pair<Reference, Type>> lookup_with_hint(const std::string& name,
                                                             const Type& hint) {
    if (hint.is(TypeKind::Enum) && hint.enumeration) {
      if (const auto* value = hint.enumeration->FindValueByName(name)) {
        Reference r;
        r.kind = RefKind::EnumValue;
        r.number = value->number();
        return std::pair{r, hint};
      }
    }
    if (hint.is(TypeKind::Band) && hint.tiers >= 0) {
      const auto& bands = m_.decls[static_cast<std::size_t>(hint.tiers)].bands;
      for (std::size_t i = 0; i < bands.size(); ++i) {
        if (bands[i]->id == name) {
          Reference r;
          r.kind = RefKind::Band;
          r.index = static_cast<int>(i);
          r.decl = hint.tiers;
          return std::pair{r, hint};
        }
      }
    }
    return std::nullopt;
  }

  Type check_path(const ast::Expr& e, const Ctx& ctx, const Type* hint) {
    std::optional<std::pair<Reference, Type>> found;
    if (hint) found = lookup_with_hint(e.text, *hint);
    if (!found) found = lookup(e.text, ctx);
    if (found) {
      m_.references[&e] = found->first;
      if (found->first.kind == RefKind::Decl) {
        edges_[static_cast<std::size_t>(ctx.owner)].push_back({found->first.index, e.span});
      }
      return record(e, found->second);
    }
    unknown_name(e, ctx, hint);
    return record(e, Type::of(TypeKind::Error));
  }

  void unknown_name(const ast::Expr& e, const Ctx& ctx, const Type* hint) {
    std::vector<std::string> notes;
    if (hint && hint->is(TypeKind::Band) && hint->tiers >= 0) {
      std::vector<std::string> ids;
      for (const auto* band : m_.decls[static_cast<std::size_t>(hint->tiers)].bands)
        ids.push_back(band->id);
      if (auto near = closest(e.text, ids))
        notes.push_back(fmt::format("did you mean '{}'?", *near));
      notes.push_back(fmt::format("the bands of {} are {}",
                                  m_.decls[static_cast<std::size_t>(hint->tiers)].decl->name,
                                  fmt::join(ids, ", ")));
      error(ctx.owner, e.span, "check.unknown-name",
            fmt::format("'{}' is not a band of {}", e.text,
                        m_.decls[static_cast<std::size_t>(hint->tiers)].decl->name),
            std::move(notes));
      return;
    }
    if (hint && hint->is(TypeKind::Enum) && hint->enumeration) {
      std::vector<std::string> values;
      for (int i = 1; i < hint->enumeration->value_count(); ++i)
        values.push_back(hint->enumeration->value(i)->name());
      if (auto near = closest(e.text, values))
        notes.push_back(fmt::format("did you mean '{}'?", *near));
      notes.push_back(
          fmt::format("{} values: {}", hint->enumeration->name(), fmt::join(values, ", ")));
      error(ctx.owner, e.span, "check.unknown-name",
            fmt::format("'{}' is not a value of {}", e.text, hint->enumeration->name()),
            std::move(notes));
      return;
    }
    if (auto it = bands_by_name_.find(e.text); it != bands_by_name_.end()) {
      const std::string tiers = m_.decls[static_cast<std::size_t>(it->second.front())].decl->name;
      error(ctx.owner, e.span, "check.unknown-name",
            fmt::format("'{}' is a band; compare a tiers with it", e.text),
            {fmt::format("write: {} == {}", tiers, e.text)});
      return;
    }
    std::vector<std::string> candidates = schema_.paths();
    for (const auto& [name, index] : m_.by_name) candidates.push_back(name);
    if (ctx.in_count)
      candidates.insert(candidates.end(), kActionFields.begin(), kActionFields.end());
    const auto near = closest(e.text, candidates);
    const bool looks_like_field =
        e.text.find_first_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos;
    if (near) notes.push_back(fmt::format("did you mean '{}'?", *near));
    if (e.text == "action_id" || e.text == "days_ago" || e.text == "outcome") {
      notes.push_back("action fields are readable only inside count(recent_actions where ...)");
    }
    error(ctx.owner, e.span, looks_like_field ? "check.unknown-field" : "check.unknown-name",
          fmt::format("unknown {} '{}'", looks_like_field ? "field" : "name", e.text),
          std::move(notes));
  }

  // True when `e` is a bare name that only makes sense against the other side's type.
  bool needs_hint(const ast::Expr& e, const Ctx& ctx) {
    return e.kind == ast::ExprKind::Path && !lookup(e.text, ctx);
  }

  Type check_expr(const ast::Expr& e, const Ctx& ctx, const Type* hint = nullptr) {
    using ast::ExprKind;
    using ast::Op;
    switch (e.kind) {
      case ExprKind::Number:
        return record(e, Type::of(TypeKind::Number));
      case ExprKind::Bool:
        return record(e, Type::of(TypeKind::Bool));
      case ExprKind::String:
        return record(e, Type::of(TypeKind::String));
      case ExprKind::Path:
        return check_path(e, ctx, hint);
      case ExprKind::List: {
        error(ctx.owner, e.span, "check.type-mismatch", "a list [...] can only follow 'in'");
        for (const auto& a : e.args) check_expr(a, ctx);
        return record(e, Type::of(TypeKind::Error));
      }
      case ExprKind::Unary: {
        const Type t = check_expr(e.args[0], ctx);
        const TypeKind want = e.op == Op::Not ? TypeKind::Bool : TypeKind::Number;
        if (!t.is(TypeKind::Error) && !t.is(want)) {
          error(ctx.owner, e.args[0].span, "check.type-mismatch",
                fmt::format("'{}' needs {}, but this is {}", e.op == Op::Not ? "not" : "-",
                            want == TypeKind::Bool ? "a bool" : "a number", describe_type(t)));
          return record(e, Type::of(TypeKind::Error));
        }
        return record(e, t.is(TypeKind::Error) ? t : Type::of(want));
      }
      case ExprKind::Binary:
        return check_binary(e, ctx);
      case ExprKind::Between: {
        bool ok = true;
        for (const auto& a : e.args) {
          const Type t = check_expr(a, ctx);
          if (!t.is(TypeKind::Error) && !t.is(TypeKind::Number)) {
            error(ctx.owner, a.span, "check.type-mismatch",
                  fmt::format("'between' compares numbers, but this is {}", describe_type(t)));
            ok = false;
          }
        }
        return record(e, Type::of(ok ? TypeKind::Bool : TypeKind::Error));
      }
      case ExprKind::Count:
        return check_count(e, ctx);
      case ExprKind::Call:
        return check_call(e, ctx);
    }
    return record(e, Type::of(TypeKind::Error));
  }

  Type check_binary(const ast::Expr& e, const Ctx& ctx) {
    using ast::Op;
    const ast::Expr& lhs = e.args[0];
    const ast::Expr& rhs = e.args[1];
    switch (e.op) {
      case Op::And:
      case Op::Or: {
        bool ok = true;
        for (const auto* side : {&lhs, &rhs}) {
          const Type t = check_expr(*side, ctx);
          if (!t.is(TypeKind::Error) && !t.is(TypeKind::Bool)) {
            error(ctx.owner, side->span, "check.type-mismatch",
                  fmt::format("'{}' needs conditions (bool) on both sides, but this is {}",
                              ast::op_spelling(e.op), describe_type(t)));
            ok = false;
          }
        }
        return record(e, Type::of(ok ? TypeKind::Bool : TypeKind::Error));
      }
      case Op::Add:
      case Op::Sub:
      case Op::Mul:
      case Op::Div:
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge: {
        const bool compare = e.op == Op::Lt || e.op == Op::Le || e.op == Op::Gt || e.op == Op::Ge;
        bool ok = true;
        Type types[2];
        int i = 0;
        for (const auto* side : {&lhs, &rhs}) {
          types[i] = check_expr(*side, ctx);
          if (!types[i].is(TypeKind::Error) && !types[i].is(TypeKind::Number)) ok = false;
          ++i;
        }
        if (!ok) {
          std::vector<std::string> notes;
          if (compare && (types[0].is(TypeKind::Band) || types[1].is(TypeKind::Band))) {
            notes.push_back("bands are compared with == , != or in [...]");
          }
          error(ctx.owner, e.span, "check.type-mismatch",
                fmt::format("'{}' {} numbers, but this is {} {} {}", ast::op_spelling(e.op),
                            compare ? "compares" : "works on", describe_type(types[0]),
                            ast::op_spelling(e.op), describe_type(types[1])),
                std::move(notes));
          return record(e, Type::of(TypeKind::Error));
        }
        if (types[0].is(TypeKind::Error) || types[1].is(TypeKind::Error)) {
          return record(e, Type::of(TypeKind::Error));
        }
        return record(e, Type::of(compare ? TypeKind::Bool : TypeKind::Number));
      }
      case Op::Eq:
      case Op::Ne: {
        // A bare band or enum value name resolves against the other side's type.
        const bool swap = needs_hint(lhs, ctx) && !needs_hint(rhs, ctx);
        const ast::Expr& first = swap ? rhs : lhs;
        const ast::Expr& second = swap ? lhs : rhs;
        const Type a = check_expr(first, ctx);
        const Type b = check_expr(second, ctx, a.is(TypeKind::Error) ? nullptr : &a);
        if (a.is(TypeKind::Error) || b.is(TypeKind::Error))
          return record(e, Type::of(TypeKind::Error));
        if (!a.same_as(b) || a.is(TypeKind::List)) {
          error(ctx.owner, e.span, "check.type-mismatch",
                fmt::format("cannot compare {} with {}", describe_type(swap ? b : a),
                            describe_type(swap ? a : b)));
          return record(e, Type::of(TypeKind::Error));
        }
        return record(e, Type::of(TypeKind::Bool));
      }
      case Op::In:
      case Op::NotIn: {
        const Type a = check_expr(lhs, ctx);
        if (rhs.kind != ast::ExprKind::List) {
          error(ctx.owner, rhs.span, "check.type-mismatch", "'in' needs a list: x in [a, b, c]");
          return record(e, Type::of(TypeKind::Error));
        }
        bool ok = !a.is(TypeKind::Error);
        for (const auto& item : rhs.args) {
          const Type t = check_expr(item, ctx, a.is(TypeKind::Error) ? nullptr : &a);
          if (t.is(TypeKind::Error)) {
            ok = false;
          } else if (ok && !t.same_as(a)) {
            error(ctx.owner, item.span, "check.type-mismatch",
                  fmt::format("this list item is {}, but the value it is compared with is {}",
                              describe_type(t), describe_type(a)));
            ok = false;
          }
        }
        record(rhs, Type::of(TypeKind::List));
        return record(e, Type::of(ok ? TypeKind::Bool : TypeKind::Error));
      }
      default:
        break;
    }
    return record(e, Type::of(TypeKind::Error));
  }

  Type check_count(const ast::Expr& e, const Ctx& ctx) {
    if (e.args.empty() || e.args[0].kind != ast::ExprKind::Path ||
        e.args[0].text != "recent_actions") {
      error(ctx.owner, e.args.empty() ? e.span : e.args[0].span, "check.unknown-name",
            "count(...) counts recent_actions: count(recent_actions where days_ago < 30)");
      return record(e, Type::of(TypeKind::Error));
    }
    if (ctx.in_count) {
      error(ctx.owner, e.span, "check.type-mismatch", "count(...) cannot be nested");
      return record(e, Type::of(TypeKind::Error));
    }
    if (e.args.size() > 1) {
      const Type t = check_expr(e.args[1], Ctx{ctx.owner, true});
      if (!t.is(TypeKind::Error) && !t.is(TypeKind::Bool)) {
        error(ctx.owner, e.args[1].span, "check.type-mismatch",
              fmt::format("'where' needs a condition (bool), but this is {}", describe_type(t)));
        return record(e, Type::of(TypeKind::Error));
      }
    }
    return record(e, Type::of(TypeKind::Number));
  }

  Type check_call(const ast::Expr& e, const Ctx& ctx) {
    struct Signature {
      std::size_t min_args, max_args;
      bool numeric;  // all arguments numbers, result a number
    };
    static const std::map<std::string, Signature> signatures = {
        {"abs", {1, 1, true}},    {"min", {1, 64, true}},       {"max", {1, 64, true}},
        {"ratio", {2, 2, true}},  {"pct_change", {2, 2, true}}, {"days", {1, 1, true}},
        {"known", {1, 1, false}}, {"coalesce", {1, 64, false}},
    };
    auto it = signatures.find(e.text);
    if (it == signatures.end()) {
      std::vector<std::string> names;
      for (const auto& [name, sig] : signatures) names.push_back(name);
      names.push_back("count");
      std::vector<std::string> notes;
      if (auto near = closest(e.text, names))
        notes.push_back(fmt::format("did you mean '{}'?", *near));
      notes.push_back(fmt::format("functions: {}", fmt::join(names, ", ")));
      error(ctx.owner, e.span, "check.unknown-function",
            fmt::format("unknown function '{}'", e.text), std::move(notes));
      for (const auto& a : e.args) check_expr(a, ctx);
      return record(e, Type::of(TypeKind::Error));
    }
    const Signature& sig = it->second;
    if (e.args.size() < sig.min_args || e.args.size() > sig.max_args) {
      error(ctx.owner, e.span, "check.arity",
            sig.min_args == sig.max_args ? fmt::format("{}() takes {} argument{}", e.text,
                                                       sig.min_args, sig.min_args == 1 ? "" : "s")
                                         : fmt::format("{}() takes at least {} argument{}", e.text,
                                                       sig.min_args, sig.min_args == 1 ? "" : "s"));
      for (const auto& a : e.args) check_expr(a, ctx);
      return record(e, Type::of(TypeKind::Error));
    }
    std::vector<Type> types;
    bool ok = true;
    for (const auto& a : e.args) {
      types.push_back(check_expr(a, ctx));
      if (types.back().is(TypeKind::Error)) ok = false;
    }
    if (!ok) return record(e, Type::of(TypeKind::Error));
    if (sig.numeric) {
      for (std::size_t i = 0; i < types.size(); ++i) {
        if (!types[i].is(TypeKind::Number)) {
          error(ctx.owner, e.args[i].span, "check.type-mismatch",
                fmt::format("{}() takes numbers, but this is {}", e.text, describe_type(types[i])));
          return record(e, Type::of(TypeKind::Error));
        }
      }
      return record(e, Type::of(TypeKind::Number));
    }
    if (e.text == "known") return record(e, Type::of(TypeKind::Bool));
    for (std::size_t i = 1; i < types.size(); ++i) {  // coalesce
      if (!types[i].same_as(types[0])) {
        error(ctx.owner, e.args[i].span, "check.type-mismatch",
              fmt::format("coalesce() arguments must have one type: {} and {}",
                          describe_type(types[0]), describe_type(types[i])));
        return record(e, Type::of(TypeKind::Error));
      }
    }
    return record(e, types[0]);
  }

  // ---- graph ----------------------------------------------------------------------------

  void check_cycles() {
    std::vector<int> state(m_.decls.size(), 0);
    std::vector<int> stack;
    std::set<std::set<int>> reported;
    std::function<void(int)> visit = [&](int node) {
      state[static_cast<std::size_t>(node)] = 1;
      stack.push_back(node);
      for (const auto& edge : edges_[static_cast<std::size_t>(node)]) {
        const int next = edge.target;
        if (state[static_cast<std::size_t>(next)] == 1) {
          auto begin = std::find(stack.begin(), stack.end(), next);
          std::set<int> members(begin, stack.end());
          if (reported.insert(members).second) {
            std::vector<std::string> names;
            for (auto it = begin; it != stack.end(); ++it) {
              names.push_back(m_.decls[static_cast<std::size_t>(*it)].decl->name);
            }
            names.push_back(m_.decls[static_cast<std::size_t>(next)].decl->name);
            error(node, edge.span, "check.cycle",
                  fmt::format("'{}' depends on itself: {}",
                              m_.decls[static_cast<std::size_t>(next)].decl->name,
                              fmt::join(names, " -> ")));
          }
        } else if (state[static_cast<std::size_t>(next)] == 0) {
          visit(next);
        }
      }
      stack.pop_back();
      state[static_cast<std::size_t>(node)] = 2;
    };
    for (std::size_t i = 0; i < m_.decls.size(); ++i) {
      if (state[i] == 0) visit(static_cast<int>(i));
    }
  }

  std::optional<bool> constant_when(int index) const {
    const auto& d = m_.decls[static_cast<std::size_t>(index)];
    auto it = d.props.find("when");
    if (it == d.props.end() || !it->second->expr) return std::nullopt;
    return const_bool(*it->second->expr);
  }

  void warn_unused_and_unreachable() {
    std::vector<bool> used(m_.decls.size(), false);
    for (const auto& out : edges_) {
      for (const auto& edge : out) used[static_cast<std::size_t>(edge.target)] = true;
    }
    for (std::size_t i = 0; i < m_.decls.size(); ++i) {
      const auto& d = m_.decls[i];
      const int index = static_cast<int>(i);
      if (d.kind == DeclKind::Let && !used[i]) {
        report(*d.source, d.decl->name_span, Severity::Warning, "check.unused-definition",
               fmt::format("definition '{}' is never used", d.decl->name));
      }
      if (!is_rule(d.kind)) continue;
      if (auto c = constant_when(index); c && !*c) {
        report(*d.source, d.props.at("when")->expr->span, Severity::Warning,
               d.kind == DeclKind::Tactic ? "check.unreachable-tactic" : "check.never-fires",
               fmt::format("{} {} can never fire: its condition is always false",
                           decl_keyword(d.kind), d.decl->name));
        continue;
      }
      if (d.kind == DeclKind::Tactic) {
        auto answers = d.props.find("answers");
        if (answers == d.props.end() || answers->second->any || answers->second->ids.empty())
          continue;
        bool reachable = false;
        for (const auto& id : answers->second->ids) {
          auto it = m_.by_name.find(id.name);
          if (it == m_.by_name.end()) {
            reachable = true;  // already an error
            break;
          }
          auto c = constant_when(it->second);
          if (!c || *c) reachable = true;
        }
        if (!reachable) {
          report(*d.source, d.decl->name_span, Severity::Warning, "check.unreachable-tactic",
                 fmt::format("tactic {} can never be proposed: no cause it answers can fire",
                             d.decl->name));
        }
      }
    }
  }

  struct Edge {
    int target;
    Span span;
  };

  const Schema& schema_;
  CheckedModule& m_;
  Diagnostics& diags_;
  const ParsedFile* header_file_ = nullptr;
  std::map<std::string, std::vector<int>> bands_by_name_;
  std::map<std::string, int> roles_;
  std::vector<Type> let_types_;
  std::vector<int> let_state_;
  std::vector<std::vector<Edge>> edges_;
};

}  // namespace

DeclKind decl_kind(const std::string& keyword) {
  static const std::map<std::string, DeclKind> kinds = {
      {"let", DeclKind::Let},         {"cause", DeclKind::Cause},
      {"tactic", DeclKind::Tactic},   {"segment", DeclKind::Segment},
      {"account", DeclKind::Account}, {"credit_check", DeclKind::CreditCheck},
      {"tiers", DeclKind::Tiers},     {"settings", DeclKind::Settings},
  };
  auto it = kinds.find(keyword);
  return it == kinds.end() ? DeclKind::Let : it->second;
}

const char* decl_keyword(DeclKind kind) {
  switch (kind) {
    case DeclKind::Let:
      return "let";
    case DeclKind::Cause:
      return "cause";
    case DeclKind::Tactic:
      return "tactic";
    case DeclKind::Segment:
      return "segment";
    case DeclKind::Account:
      return "account";
    case DeclKind::CreditCheck:
      return "credit_check";
    case DeclKind::Tiers:
      return "tiers";
    case DeclKind::Settings:
      return "settings";
  }
  return "let";
}

PhaseResult<std::shared_ptr<const CheckedModule>> check(
    std::vector<std::unique_ptr<ParsedFile>> files, const Schema& schema) {
  auto module = std::make_shared<CheckedModule>();
  module->files = std::move(files);
  PhaseResult<std::shared_ptr<const CheckedModule>> result;
  Checker(schema, *module, result.diagnostics).run();
  sort_diagnostics(result.diagnostics);
  if (!has_errors(result.diagnostics)) result.value = std::move(module);
  return result;
}

}  // namespace retain::check
