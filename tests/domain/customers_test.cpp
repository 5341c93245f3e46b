// The generated customer list (examples/customers.jsonl, scripts/gen_customers.py) decided by
// the shipped rules over the whole population, with population statistics as in batch:
//  - the pyramid cuts the population at 1% / 5% / 20% (VIP ≈ 1%, MAJOR ≈ 4%, ORDINARY ≈ 15%,
//    SMALL ≈ 80%), and ABC by value at 20% / 50%;
//  - the mix is realistic: every churn cause and every credit check fires for a few percent,
//    most customers are healthy;
//  - the CSV and JSON lines files hold the same number of customers.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace {

const std::string kSourceDir = RETAIN_SOURCE_DIR;

struct Population {
  std::vector<retain::v1::Decision> decisions;
  std::size_t csv_rows = 0;
};

const Population& population() {
  static const Population result = [] {
    Population out;
    auto loaded = retain::load_rules({kSourceDir + "/rules"});
    if (!loaded.value) {
      ADD_FAILURE() << "rules/ does not load";
      return out;
    }
    const auto& rules = **loaded.value;
    std::vector<retain::v1::CustomerProfile> profiles;
    std::ifstream in(kSourceDir + "/examples/customers.jsonl");
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty()) continue;
      retain::v1::CustomerProfile profile;
      auto status = google::protobuf::util::JsonStringToMessage(line, &profile);
      if (!status.ok()) {
        ADD_FAILURE() << "customers.jsonl line " << number << ": " << status.ToString();
        continue;
      }
      if (auto problem = retain::validate_profile(profile)) {
        ADD_FAILURE() << "customers.jsonl line " << number << ": " << problem->field << ": "
                      << problem->message;
      }
      profiles.push_back(std::move(profile));
    }
    retain::StatsBuilder builder(rules);
    for (const auto& profile : profiles) builder.add(profile);
    const auto stats = builder.finish();
    for (const auto& profile : profiles)
      out.decisions.push_back(retain::decide(rules, profile, &stats));
    std::ifstream csv(kSourceDir + "/examples/customers.csv");
    while (std::getline(csv, line)) ++out.csv_rows;
    return out;
  }();
  return result;
}

double share(const std::map<std::string, int>& counts, const std::string& key, std::size_t n) {
  auto it = counts.find(key);
  return it == counts.end() ? 0.0 : 100.0 * it->second / static_cast<double>(n);
}

TEST(CustomersTest, AboutTenThousandCustomersInBothFormats) {
  const auto& pop = population();
  EXPECT_GE(pop.decisions.size(), 9000u);
  EXPECT_LE(pop.decisions.size(), 11000u);
  EXPECT_EQ(pop.csv_rows, pop.decisions.size() + 1) << "customers.csv: a header and one row each";
}

TEST(CustomersTest, PyramidCutsThePopulationAtOneFiveTwentyPercent) {
  const auto& pop = population();
  ASSERT_FALSE(pop.decisions.empty());
  std::map<std::string, int> tiers;
  std::map<std::string, int> abc;
  for (const auto& d : pop.decisions) {
    ++tiers[d.tier()];
    for (const auto& band : d.bands()) {
      if (band.tiers() == "ABC_BY_VALUE") ++abc[band.band()];
    }
  }
  const auto n = pop.decisions.size();
  std::printf(
      "pyramid over %zu customers: VIP %.2f%%, MAJOR %.2f%%, ORDINARY %.2f%%, SMALL %.2f%%\n", n,
      share(tiers, "VIP", n), share(tiers, "MAJOR", n), share(tiers, "ORDINARY", n),
      share(tiers, "SMALL", n));
  EXPECT_NEAR(share(tiers, "VIP", n), 1.0, 0.2);
  EXPECT_NEAR(share(tiers, "MAJOR", n), 4.0, 0.3);
  EXPECT_NEAR(share(tiers, "ORDINARY", n), 15.0, 0.5);
  EXPECT_NEAR(share(tiers, "SMALL", n), 80.0, 1.5);  // prospects tie at 0 CNY
  EXPECT_NEAR(share(abc, "ABC_A", n), 20.0, 0.5);
  EXPECT_NEAR(share(abc, "ABC_B", n), 30.0, 0.5);
  EXPECT_NEAR(share(abc, "ABC_C", n), 50.0, 1.5);
}

TEST(CustomersTest, RealisticMixOfCausesSegmentsAndCreditChecks) {
  const auto& pop = population();
  ASSERT_FALSE(pop.decisions.empty());
  std::map<std::string, int> causes, segments, checks, accounts;
  int healthy = 0;
  for (const auto& d : pop.decisions) {
    for (const auto& c : d.causes()) ++causes[c.id()];
    for (const auto& s : d.segments()) ++segments[s.id()];
    for (const auto& c : d.credit_checks()) ++checks[c.id()];
    for (const auto& a : d.account_actions()) ++accounts[a.id()];
    if (d.causes_size() == 0) ++healthy;
  }
  const auto n = pop.decisions.size();
  for (const char* id : {"QUALITY_UNSTABLE", "WEAK_SERVICE_AWARENESS", "LACK_OF_INNOVATION",
                         "WEAK_MARKET_MONITORING", "STAFF_TURNOVER", "COMPETITOR_TEMPTATION",
                         "SHORT_TERM_BEHAVIOUR"}) {
    EXPECT_GT(share(causes, id, n), 1.0) << id;
    EXPECT_LT(share(causes, id, n), 10.0) << id;
  }
  EXPECT_GT(100.0 * healthy / n, 70.0) << "most customers show no churn cause";
  for (const char* id :
       {"CREDIT_NEW_CUSTOMER", "CREDIT_RUMOURED_TROUBLE", "CREDIT_ORDER_SWING", "CREDIT_REQUESTED",
        "CREDIT_STALE_RECORD", "CREDIT_TERMS_CHANGED", "CREDIT_OTHER_ANOMALY"}) {
    EXPECT_GT(share(checks, id, n), 0.3) << id;
    EXPECT_LT(share(checks, id, n), 20.0) << id;
  }
  for (const char* id : {"RETAIN_LOYAL", "RETAIN_AT_RISK", "RETAIN_HIGH_VALUE",
                         "RETAIN_LOW_SATISFACTION", "KEY_ACCOUNT"}) {
    EXPECT_GT(share(segments, id, n), 2.0) << id;
  }
  EXPECT_GT(share(segments, "RETAIN_LOYAL", n), share(segments, "RETAIN_AT_RISK", n));
  EXPECT_GT(share(accounts, "STRATEGIC_ALLIANCE", n), 0.1);
}

}  // namespace
