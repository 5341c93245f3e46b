// The compiled, immutable rule set: a flat program of instructions over value slots, with the
// rules (causes, tactics, ...) pointing at the slots that decide them. Built once by compile(),
// then shared read-only between threads as std::shared_ptr<const RuleSet>.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/compile/program.hpp"
#include "engine/source.hpp"

namespace retain::compile {

class RuleSet {
 public:
  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  const std::string& content_hash() const { return content_hash_; }  // sha-256, hex
  const std::vector<std::string>& source_files() const { return source_files_; }
  // Declarations by kind: "cause" -> 7, "tactic" -> 12, ...
  const std::map<std::string, int>& counts() const { return counts_; }

  const Program& program() const { return program_; }

 private:
  friend class Compiler;
  std::string name_;
  std::string version_;
  std::string content_hash_;
  std::vector<std::string> source_files_;
  std::map<std::string, int> counts_;
  std::vector<SourcePtr> sources_;
  Program program_;
};

}  // namespace retain::compile
