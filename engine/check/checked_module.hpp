// The result of checking: the parsed files of a rule set (immutable ASTs), the declaration
// table, and side tables keyed by expression node (resolved names, static types), as CEL's
// reference and type maps. The compiler reads only this. Immutable once built.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/check/schema.hpp"
#include "engine/check/types.hpp"
#include "engine/source.hpp"
#include "engine/syntax/ast.hpp"

namespace retain::check {

struct ParsedFile {
  SourcePtr source;
  ast::RuleFile ast;
};

enum class DeclKind { Let, Cause, Tactic, Segment, Account, CreditCheck, Tiers, Settings };

DeclKind decl_kind(const std::string& keyword);
const char* decl_keyword(DeclKind kind);

struct DeclInfo {
  DeclKind kind = DeclKind::Let;
  const ast::Decl* decl = nullptr;
  const SourceFile* source = nullptr;
  // The declaration's properties by key (first occurrence), and its bands in order.
  std::map<std::string, const ast::Property*> props;
  std::vector<const ast::Band*> bands;
};

enum class RefKind {
  Field,        // field: schema entry
  Metric,       // metrics.NAME: key = NAME
  Attribute,    // attributes.NAME
  ActionField,  // inside count(... where ...): index 0 action_id, 1 days_ago, 2 outcome
  Decl,         // a let, rule or tiers: index into CheckedModule::decls
  Band,         // a band constant: index of the band within tiers `decl`
  EnumValue,    // number = the enum value
};

struct Reference {
  RefKind kind = RefKind::Field;
  const FieldInfo* field = nullptr;
  std::string key;
  int index = -1;  // Decl: decl index; Band: band index; ActionField: field index
  int decl = -1;   // Band: tiers decl index
  int number = 0;  // EnumValue
};

struct CheckedModule {
  std::vector<std::unique_ptr<ParsedFile>> files;  // stable addresses: side tables point in
  std::vector<DeclInfo> decls;
  std::map<std::string, int> by_name;  // declaration name -> index in decls
  std::unordered_map<const ast::Expr*, Reference> references;
  std::unordered_map<const ast::Expr*, Type> types;
  std::string name = "unnamed";
  std::string version = "0";
  int max_tactics = 5;
};

}  // namespace retain::check
