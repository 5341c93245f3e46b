// RuleStore: the rule set being served, swapped atomically on reload. Readers take a snapshot
// (a shared_ptr) per request, so a request that started on the old rule set finishes on it while
// new requests see the new one. reload() builds a new RuleSet from the configured paths and
// stores it only when it has no errors: a bad rule file never replaces a good rule set.
// Thread-safe: current() is lock-free for readers; reloads are serialised by a mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/diagnostics.hpp"
#include "engine/engine.hpp"

namespace retain::service {

// One loaded rule set and when it was loaded. Immutable.
struct LoadedRules {
  RuleSetPtr rules;
  std::chrono::system_clock::time_point loaded_at;
  std::uint64_t generation = 0;  // 1 for the first load, +1 per successful reload
};
using LoadedRulesPtr = std::shared_ptr<const LoadedRules>;

struct ReloadResult {
  bool ok = false;          // a new rule set is being served
  Diagnostics diagnostics;  // errors and warnings of the attempt
  LoadedRulesPtr current;   // what is served after the attempt (may be the old one, or null)
};

// How a rule set is built from paths; load_rules by default, replaceable in tests.
using RuleLoader = std::function<PhaseResult<RuleSetPtr>(const std::vector<std::string>&)>;

class RuleStore {
 public:
  explicit RuleStore(std::vector<std::string> paths, RuleLoader loader = {});

  // The rule set being served; null before the first successful load.
  LoadedRulesPtr current() const { return current_.load(std::memory_order_acquire); }

  // Loads the configured paths; swaps only when there are no errors.
  ReloadResult reload();

  // Serves `rules` directly (tests, the load driver).
  void set(RuleSetPtr rules);

  const std::vector<std::string>& paths() const { return paths_; }

 private:
  std::vector<std::string> paths_;
  RuleLoader loader_;
  std::mutex reload_mutex_;
  std::atomic<LoadedRulesPtr> current_;
};

}  // namespace retain::service
