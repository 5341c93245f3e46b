// Evaluation cost: the engine against hand-written C++ doing the same work, on the same
// generated population in the same run, so the engine's overhead is a ratio
// (bench/README.md). Also the full shipped rules/, with and without rendering a Decision.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>

#include <benchmark/benchmark.h>
#include <google/protobuf/arena.h>

#include "engine/compile/compiler.hpp"
#include "engine/engine.hpp"
#include "engine/eval/evaluator.hpp"
#include "engine/eval/rank_index.hpp"

namespace {

using retain::v1::CustomerProfile;

// The seven churn causes with the OI-2 thresholds, and the churn risk over them.
const char* kSubsetRules = R"(
ruleset subset version "1"
cause QUALITY_UNSTABLE { label en "q" weight 0.35 when quality_complaints_90d >= 3 }
cause WEAK_SERVICE_AWARENESS { label en "s" weight 0.3 when service_complaints_90d >= 2 and unresolved_complaints >= 1 }
cause LACK_OF_INNOVATION { label en "i" weight 0.2 when days_since_new_offer > 365 and tenure_months > 24 }
cause WEAK_MARKET_MONITORING { label en "m" weight 0.25 when channel_issues_90d >= 2 }
cause STAFF_TURNOVER { label en "t" weight 0.4 when account_manager_changed_days <= 90 and days_since_last_contact > 30 }
cause COMPETITOR_TEMPTATION { label en "c" weight 0.35 when competitor_offer_seen and price_sensitivity > 0.7 }
cause SHORT_TERM_BEHAVIOUR { label en "b" weight 0.2 when promo_revenue_share > 0.5 or broken_promises_90d >= 2 }
)";

struct HandResult {
  unsigned fired = 0;
  double risk = 0;
};

// The same seven conditions written directly. An unset optional field makes its comparison
// unknown, and an unknown condition does not fire: hence the has_*() tests.
HandResult hand_written(const CustomerProfile& p) {
  static constexpr double kWeights[7] = {0.35, 0.3, 0.2, 0.25, 0.4, 0.35, 0.2};
  unsigned fired = 0;
  if (p.quality_complaints_90d() >= 3) fired |= 1u << 0;
  if (p.service_complaints_90d() >= 2 && p.unresolved_complaints() >= 1) fired |= 1u << 1;
  if (p.has_days_since_new_offer() && p.days_since_new_offer() > 365 && p.tenure_months() > 24)
    fired |= 1u << 2;
  if (p.channel_issues_90d() >= 2) fired |= 1u << 3;
  if (p.has_account_manager_changed_days() && p.account_manager_changed_days() <= 90 &&
      p.has_days_since_last_contact() && p.days_since_last_contact() > 30)
    fired |= 1u << 4;
  if (p.competitor_offer_seen() && p.has_price_sensitivity() && p.price_sensitivity() > 0.7)
    fired |= 1u << 5;
  if ((p.has_promo_revenue_share() && p.promo_revenue_share() > 0.5) ||
      p.broken_promises_90d() >= 2)
    fired |= 1u << 6;
  double keep = 1;
  for (int i = 0; i < 7; ++i) {
    if (fired & (1u << i)) keep *= 1 - kWeights[i];
  }
  return {fired, 1 - keep};
}

std::vector<CustomerProfile> population(std::size_t n) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> u(0, 1);
  auto chance = [&](double p) { return u(rng) < p; };
  std::vector<CustomerProfile> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& p = out[i];
    p.set_customer_id("C" + std::to_string(i));
    p.set_tenure_months(static_cast<int>(u(rng) * 120));
    p.set_orders_lifetime(static_cast<int>(u(rng) * 300));
    p.set_orders_90d(static_cast<int>(u(rng) * 20));
    p.set_orders_prev_90d(static_cast<int>(u(rng) * 20));
    p.set_days_since_last_order(static_cast<int>(u(rng) * 200));
    p.set_revenue_12m(std::exp(u(rng) * 12) * 10);
    p.set_revenue_prev_12m(std::exp(u(rng) * 12) * 10);
    p.set_revenue_rank_pct(u(rng) * 100);
    p.set_potential_score(u(rng) * 100);
    p.set_potential_rank_pct(u(rng) * 100);
    p.set_repeat_purchase_12m(static_cast<int>(u(rng) * 12));
    p.set_consumption_level(chance(0.3) ? retain::v1::HEAVY : retain::v1::LIGHT);
    p.set_quality_complaints_90d(chance(0.1) ? 3 + static_cast<int>(u(rng) * 3) : 0);
    if (chance(0.8)) p.set_defect_rate(u(rng) * 0.05);
    p.set_service_complaints_90d(chance(0.1) ? 2 : 0);
    p.set_unresolved_complaints(chance(0.2) ? 1 : 0);
    if (chance(0.9)) p.set_avg_response_hours(u(rng) * 48);
    if (chance(0.9)) p.set_days_since_new_offer(static_cast<int>(u(rng) * 600));
    p.set_product_count(1 + static_cast<int>(u(rng) * 5));
    p.set_channel_issues_90d(chance(0.08) ? 2 : 0);
    if (chance(0.15)) p.set_account_manager_changed_days(static_cast<int>(u(rng) * 200));
    p.set_account_manager_left_company(chance(0.05));
    if (chance(0.9)) p.set_days_since_last_contact(static_cast<int>(u(rng) * 90));
    p.set_competitor_offer_seen(chance(0.1));
    if (chance(0.8)) p.set_price_sensitivity(u(rng));
    if (chance(0.8)) p.set_promo_revenue_share(u(rng) * 0.7);
    p.set_broken_promises_90d(chance(0.05) ? 2 : 0);
    if (chance(0.85)) p.set_satisfaction(u(rng) * 10);
    if (chance(0.7)) {
      p.set_perceived_effect(u(rng) * 10);
      p.set_expectation(1 + u(rng) * 9);
    }
    p.set_is_key_account(chance(0.03));
    p.set_is_lost(chance(0.03));
    p.set_credit_limit_requested(chance(0.05));
    if (chance(0.9)) p.set_credit_record_age_days(static_cast<int>(u(rng) * 700));
    p.set_negative_news(chance(0.02));
    p.set_payment_overdue_days(chance(0.1) ? static_cast<int>(u(rng) * 90) : 0);
    p.set_systemic_risk(u(rng) * 100);
    p.set_financial_risk(u(rng) * 100);
    p.set_credit_standing_risk(u(rng) * 100);
    p.set_fundamentals_risk(u(rng) * 100);
    p.set_lively_trait(chance(0.2));
    if (chance(0.8)) p.set_last_return_visit_days(static_cast<int>(u(rng) * 365));
    if (chance(0.5)) p.set_last_executive_visit_days(static_cast<int>(u(rng) * 400));
    if (chance(0.3)) {
      auto* a = p.add_recent_actions();
      a->set_action_id("BUILD_CUSTOMER_TIES");
      a->set_days_ago(static_cast<int>(u(rng) * 90));
    }
  }
  return out;
}

const std::vector<CustomerProfile>& profiles() {
  static const auto people = population(4096);
  return people;
}

retain::RuleSetPtr load_or_die(const std::vector<std::string>& paths,
                               const std::map<std::string, std::string>& memory = {}) {
  auto loaded = memory.empty() ? retain::load_rules(paths) : retain::load_rules_from_memory(memory);
  if (!loaded.value) {
    retain::render_text(loaded.diagnostics, std::cerr);
    std::abort();
  }
  return *loaded.value;
}

// The seven causes compiled with or without condition folding (short-circuit tests) and
// native conditions (machine code for the folded tests).
retain::RuleSetPtr compile_subset(bool fold, bool native) {
  auto checked = retain::check_rules_from_memory({{"subset.rules", kSubsetRules}});
  if (!checked.value) {
    retain::render_text(checked.diagnostics, std::cerr);
    std::abort();
  }
  auto r = retain::compile::compile(**checked.value, "subset",
                                    retain::compile::CompileOptions{fold, native});
  // The engine and the hand-written code must agree on every profile, or the ratio compares
  // different work.
  retain::eval::EvalFrame frame;
  for (const auto& p : profiles()) {
    retain::eval::evaluate(*r, p, nullptr, frame);
    const double risk = retain::eval::churn_risk(*r, frame);
    if (std::abs(risk - hand_written(p).risk) > 1e-12) {
      std::fprintf(stderr, "engine and hand-written code disagree on %s\n",
                   p.customer_id().c_str());
      std::abort();
    }
  }
  return r;
}

const retain::RuleSetPtr& subset_rules() {
  static const auto rules = compile_subset(true, true);
  return rules;
}

const retain::RuleSetPtr& subset_rules_interpreted() {
  static const auto rules = compile_subset(true, false);
  return rules;
}

const retain::RuleSetPtr& subset_rules_unfolded() {
  static const auto rules = compile_subset(false, false);
  return rules;
}

void BM_HandWritten_SevenCauses(benchmark::State& state) {
  const auto& people = profiles();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(hand_written(people[i++ & 4095]));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_HandWritten_SevenCauses);

void run_seven_causes(benchmark::State& state, const retain::compile::RuleSet& rules) {
  const auto& people = profiles();
  retain::eval::EvalFrame frame;
  std::size_t i = 0;
  for (auto _ : state) {
    retain::eval::evaluate(rules, people[i++ & 4095], nullptr, frame);
    benchmark::DoNotOptimize(retain::eval::churn_risk(rules, frame));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// The engine as shipped: folded conditions run as machine code where the machine allows.
void BM_Engine_SevenCauses(benchmark::State& state) {
  run_seven_causes(state, *subset_rules());
}
BENCHMARK(BM_Engine_SevenCauses);

// The same with the folded tests interpreted (RETAIN_NATIVE=off): shows what native
// conditions gain.
void BM_EngineInterpreted_SevenCauses(benchmark::State& state) {
  run_seven_causes(state, *subset_rules_interpreted());
}
BENCHMARK(BM_EngineInterpreted_SevenCauses);

// The same without condition folding: every condition fully evaluated, instruction by
// instruction. Shows what folding gains.
void BM_EngineUnfolded_SevenCauses(benchmark::State& state) {
  run_seven_causes(state, *subset_rules_unfolded());
}
BENCHMARK(BM_EngineUnfolded_SevenCauses);

retain::RuleSetPtr compile_shipped(bool native) {
  auto checked = retain::check_rules({RETAIN_SOURCE_DIR "/rules"});
  if (!checked.value) {
    retain::render_text(checked.diagnostics, std::cerr);
    std::abort();
  }
  return retain::compile::compile(**checked.value, "shipped",
                                  retain::compile::CompileOptions{true, native});
}

void run_shipped(benchmark::State& state, const retain::compile::RuleSet& rules) {
  const auto& people = profiles();
  retain::eval::EvalFrame frame;
  std::size_t i = 0;
  for (auto _ : state) {
    retain::eval::evaluate(rules, people[i++ & 4095], nullptr, frame);
    benchmark::DoNotOptimize(frame.slots.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_Engine_ShippedRules(benchmark::State& state) {
  static const auto rules = compile_shipped(true);
  run_shipped(state, *rules);
}
BENCHMARK(BM_Engine_ShippedRules);

void BM_EngineInterpreted_ShippedRules(benchmark::State& state) {
  static const auto rules = compile_shipped(false);
  run_shipped(state, *rules);
}
BENCHMARK(BM_EngineInterpreted_ShippedRules);

void BM_DecideWithDecision_ShippedRules(benchmark::State& state) {
  static const auto rules = load_or_die({RETAIN_SOURCE_DIR "/rules"});
  const auto& people = profiles();
  retain::eval::EvalFrame frame;
  retain::v1::Decision decision;
  std::size_t i = 0;
  for (auto _ : state) {
    retain::decide(*rules, people[i++ & 4095], nullptr, frame, &decision);
    benchmark::DoNotOptimize(decision.churn_risk());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_DecideWithDecision_ShippedRules);

void BM_DecideLean_ShippedRules(benchmark::State& state) {
  static const auto rules = load_or_die({RETAIN_SOURCE_DIR "/rules"});
  const auto& people = profiles();
  retain::eval::EvalFrame frame;
  retain::v1::Decision decision;
  retain::EvalOptions options;
  options.explanations = false;
  std::size_t i = 0;
  for (auto _ : state) {
    retain::decide(*rules, people[i++ & 4095], nullptr, frame, &decision, options);
    benchmark::DoNotOptimize(decision.churn_risk());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_DecideLean_ShippedRules);

// The server's side of a unary VIEW_FULL Evaluate: the decision rendered on an arena reset per
// call (as RetentionEngineService does), then serialised.
void BM_DecideOnArenaAndSerialize_ShippedRules(benchmark::State& state) {
  static const auto rules = load_or_die({RETAIN_SOURCE_DIR "/rules"});
  const auto& people = profiles();
  retain::eval::EvalFrame frame;
  google::protobuf::Arena arena;
  std::string wire;
  std::size_t i = 0;
  for (auto _ : state) {
    auto* decision = google::protobuf::Arena::CreateMessage<retain::v1::Decision>(&arena);
    retain::decide(*rules, people[i++ & 4095], nullptr, frame, decision);
    wire.clear();
    decision->AppendToString(&wire);
    benchmark::DoNotOptimize(wire.data());
    arena.Reset();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_DecideOnArenaAndSerialize_ShippedRules);

// What the service does instead for a unary Evaluate without a trace: the decision written
// straight in wire format (decide_wire), nothing built or serialised.
void BM_DecideWire_ShippedRules(benchmark::State& state) {
  static const auto rules = load_or_die({RETAIN_SOURCE_DIR "/rules"});
  const auto& people = profiles();
  retain::eval::EvalFrame frame;
  std::string wire;
  std::size_t i = 0;
  for (auto _ : state) {
    retain::decide_wire(*rules, people[i++ & 4095], nullptr, frame, {}, &wire);
    benchmark::DoNotOptimize(wire.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_DecideWire_ShippedRules);

// The client's side: parsing full decisions, on the heap (Clear() between calls) and on an
// arena reset per call.
std::vector<std::string> full_decisions_wire() {
  static const auto rules = load_or_die({RETAIN_SOURCE_DIR "/rules"});
  const auto& people = profiles();
  std::vector<std::string> out;
  for (std::size_t i = 0; i < 256; ++i)
    out.push_back(retain::decide(*rules, people[i], nullptr).SerializeAsString());
  return out;
}

void BM_ParseFullDecision_Heap(benchmark::State& state) {
  static const auto wire = full_decisions_wire();
  retain::v1::Decision decision;
  std::size_t i = 0;
  for (auto _ : state) {
    decision.Clear();
    benchmark::DoNotOptimize(decision.ParseFromString(wire[i++ & 255]));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ParseFullDecision_Heap);

void BM_ParseFullDecision_Arena(benchmark::State& state) {
  static const auto wire = full_decisions_wire();
  google::protobuf::Arena arena;
  std::size_t i = 0;
  for (auto _ : state) {
    auto* decision = google::protobuf::Arena::CreateMessage<retain::v1::Decision>(&arena);
    benchmark::DoNotOptimize(decision->ParseFromString(wire[i++ & 255]));
    arena.Reset();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ParseFullDecision_Arena);

// Percentile ranks: counting the values greater than a profile's in a column of a million
// (a statistics file's), by the index and, as the baseline, by a binary search of the column.
// Queries are drawn from the same skewed population, so most land in the dense low end.
struct RankColumn {
  std::vector<double> values;
  std::vector<double> queries;
  RankColumn() {
    std::mt19937_64 rng(5);
    std::lognormal_distribution<double> revenue(11, 1.5);
    values.resize(1000000);
    for (auto& v : values) v = std::round(revenue(rng));
    std::sort(values.begin(), values.end(), std::greater<>());
    queries.resize(4096);
    for (auto& q : queries) q = std::round(revenue(rng));
  }
};
const RankColumn& rank_column() {
  static const RankColumn column;
  return column;
}

void BM_RankCountGreater_BinarySearch(benchmark::State& state) {
  const RankColumn& c = rank_column();
  std::size_t i = 0;
  for (auto _ : state) {
    const double q = c.queries[i++ & 4095];
    benchmark::DoNotOptimize(
        std::partition_point(c.values.begin(), c.values.end(), [q](double x) { return x > q; }));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_RankCountGreater_BinarySearch);

void BM_RankCountGreater_Index(benchmark::State& state) {
  const RankColumn& c = rank_column();
  static const retain::eval::RankIndex index(c.values);
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(index.count_greater(c.queries[i++ & 4095]));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_RankCountGreater_Index);

// As an evaluation uses it: located first, counted after other work (here: the next query's
// locate), so that the miss of the bottom level overlaps.
void BM_RankCountGreater_IndexLocatedFirst(benchmark::State& state) {
  const RankColumn& c = rank_column();
  static const retain::eval::RankIndex index(c.values);
  std::size_t i = 0;
  double q = c.queries[0];
  std::size_t at = index.locate(q);
  for (auto _ : state) {
    const double next = c.queries[++i & 4095];
    const std::size_t next_at = index.locate(next);
    benchmark::DoNotOptimize(index.finish(q, at));
    q = next;
    at = next_at;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_RankCountGreater_IndexLocatedFirst);

}  // namespace

BENCHMARK_MAIN();
