#include "service/rule_store.hpp"

#include <utility>

namespace retain::service {

RuleStore::RuleStore(std::vector<std::string> paths, RuleLoader loader)
    : paths_(std::move(paths)), loader_(std::move(loader)) {
  if (!loader_) loader_ = [](const std::vector<std::string>& p) { return load_rules(p); };
}

ReloadResult RuleStore::reload() {
  std::lock_guard lock(reload_mutex_);
  ReloadResult result;
  auto loaded = loader_(paths_);
  result.diagnostics = std::move(loaded.diagnostics);
  const auto old = current();
  if (loaded.value && *loaded.value && !has_errors(result.diagnostics)) {
    auto next = std::make_shared<LoadedRules>();
    next->rules = std::move(*loaded.value);
    next->loaded_at = std::chrono::system_clock::now();
    next->generation = old ? old->generation + 1 : 1;
    current_.store(std::move(next), std::memory_order_release);
    result.ok = true;
  }
  result.current = current();
  return result;
}

void RuleStore::set(RuleSetPtr rules) {
  std::lock_guard lock(reload_mutex_);
  const auto old = current();
  auto next = std::make_shared<LoadedRules>();
  next->rules = std::move(rules);
  next->loaded_at = std::chrono::system_clock::now();
  next->generation = old ? old->generation + 1 : 1;
  current_.store(std::move(next), std::memory_order_release);
}

}  // namespace retain::service
