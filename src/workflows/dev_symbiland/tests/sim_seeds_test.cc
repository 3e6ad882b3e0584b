// The seeded simulation's many seeds (README.md "Simulation"): every scenario of consensus_sim.h
// on the shipped consensus::Core, validators signing with the keyed-hash scheme (hash_scheme.h) so
// that a seed costs milliseconds; the same scenarios with real BLS run in core_test.cc.
//
// Each test instance is a block of seeds of one scenario and one set size; a failing seed prints
// the command that replays it. The short form runs in every `make test`; the soak binary
// (dev_symbiland_sim_soak_tests, label `soak`) runs KLYN_SL_SIM_SOAK_SEEDS seeds in all, shared
// out over the scenarios and sizes (default: a short run of 80), from seed 1,000,000 on.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <string>
#include <vector>

#include "workflows/dev_symbiland/tests/consensus_sim.h"

using namespace klyn;
using namespace klyn::dev_symbiland;
using namespace klyn::dev_symbiland::testing;

namespace {

#ifdef KLYN_SL_SIM_SOAK
constexpr bool kSoak = true;
#else
constexpr bool kSoak = false;
#endif

struct SeedBlock {
  Scenario scenario = Scenario::kFaults;
  size_t validators = 4;
  uint64_t first = 1, count = 1;
};

const char* name_of(Scenario s) {
  switch (s) {
    case Scenario::kFaults:
      return "faults";
    case Scenario::kTwins:
      return "twins";
    case Scenario::kCrashes:
      return "crashes";
    case Scenario::kOneDown:
      return "one_down";
    case Scenario::kAllCrashAtOnce:
      return "all_crash";
  }
  return "?";
}

void PrintTo(const SeedBlock& b, std::ostream* os) {
  *os << name_of(b.scenario) << " n=" << b.validators << " seeds " << b.first << ".."
      << b.first + b.count - 1;
}

uint64_t env_u64(const char* name, uint64_t fallback) {
  const char* s = std::getenv(name);
  return s ? std::strtoull(s, nullptr, 10) : fallback;
}

// The scenarios and set sizes the seeds are shared out over (crashes run with n = 4 only).
const std::vector<std::pair<Scenario, size_t>>& families() {
  static const std::vector<std::pair<Scenario, size_t>> all = {
      {Scenario::kFaults, 4},  {Scenario::kFaults, 7},        {Scenario::kTwins, 4},
      {Scenario::kTwins, 7},   {Scenario::kCrashes, 4},       {Scenario::kOneDown, 4},
      {Scenario::kOneDown, 7}, {Scenario::kAllCrashAtOnce, 4}};
  return all;
}

// `per_family` seeds of each family from `first` on, in blocks of `per_block`.
std::vector<SeedBlock> blocks(uint64_t first, uint64_t per_family, uint64_t per_block) {
  std::vector<SeedBlock> out;
  for (const auto& [s, n] : families())
    for (uint64_t b = 0; b < per_family; b += per_block)
      out.push_back({s, n, first + b, std::min(per_block, per_family - b)});
  return out;
}

std::string block_name(const ::testing::TestParamInfo<SeedBlock>& info) {
  const SeedBlock& b = info.param;
  return std::string(name_of(b.scenario)) + "_n" + std::to_string(b.validators) + "_seeds_" +
         std::to_string(b.first) + "_" + std::to_string(b.first + b.count - 1);
}

const Validators& validators(size_t n) {
  static const Validators four = make_validators({1, 1, 1, 1}, 1, Signatures::kHashed);
  static const Validators seven =
      make_validators(std::vector<uint64_t>(7, 1), 1, Signatures::kHashed);
  return n == 4 ? four : seven;
}

}  // namespace

class SimSeeds : public ::testing::TestWithParam<SeedBlock> {};

// Safety (no two honest nodes commit different blocks at one height; B5, B7; no honest validator
// signs twice in a round) on every seed, liveness after the heal.
TEST_P(SimSeeds, SafetyAndLivenessHold) {
  const SeedBlock& b = GetParam();
  const Validators& v = validators(b.validators);
  // KLYN_SL_SIM_SEED=S: only seed S (in the block that holds it), e.g. to trace it.
  const uint64_t only = env_u64("KLYN_SL_SIM_SEED", 0);
  for (uint64_t seed = b.first; seed < b.first + b.count; ++seed) {
    if (only && seed != only) continue;
    const SimParams p = scenario(b.scenario, seed, b.validators);
    const SimResult r = run_consensus_sim(p, v);
    const std::string replay =
        "replay: KLYN_SL_SIM_SEED=" + std::to_string(seed) +
        (kSoak ? " KLYN_SL_SIM_SOAK_SEEDS=" + std::to_string(env_u64("KLYN_SL_SIM_SOAK_SEEDS", 80))
               : std::string()) +
        " bin/" + (kSoak ? "dev_symbiland_sim_soak_tests" : "dev_symbiland_sim_tests") +
        " --gtest_filter='*SimSeeds*" + name_of(b.scenario) + "_n" + std::to_string(b.validators) +
        "_*'  (KLYN_SL_SIM_TRACE=1 prints every effect)";
    ASSERT_TRUE(r.violations.empty()) << r.describe() << "\n" << replay;
    for (size_t i = 0; i < r.heights.size(); ++i)
      ASSERT_GE(r.heights[i], r.heights_at_heal[i] + progress_after_heal(b.scenario))
          << "node " << i << " made no progress after the heal; " << r.describe() << "\n"
          << replay;
  }
}

// The deliberately broken rule S3 (a validator restarting without its safety state), over the
// many-seed scenarios: the checks above must catch it, or passing them would prove nothing.
TEST(SimSeedsBrokenRule, AValidatorThatForgetsItsSafetyStateIsCaught) {
  const Validators& v = validators(4);
  size_t caught = 0, runaways = 0;
  // The soak binary scales it with its seeds (a hundredth of them; the same 100 by default).
  const uint64_t runs =
      kSoak ? std::max<uint64_t>(100, env_u64("KLYN_SL_SIM_SOAK_SEEDS", 80) / 100) : 100;
  std::string first;
  for (uint64_t seed = 1; seed <= runs; ++seed) {
    SimParams p = scenario(Scenario::kTwins, seed, 4);
    p.crashes = 6;
    p.amnesia = true;
    const SimResult r = run_consensus_sim(p, v);
    if (!r.violations.empty() && caught++ == 0)
      first = "seed " + std::to_string(seed) + ": " + r.violations.front();
    for (const auto& what : r.violations) runaways += what.rfind("RUNAWAY", 0) == 0;
  }
  // A validator that signs twice can make honest nodes commit different blocks, and nodes on
  // different chains may then ask each other for blocks without end: the run's bounds stop
  // that (counted here; honest seeds never reach it).
  std::printf("amnesia caught in %zu of %llu seeds, %zu of them runaways (first: %s)\n", caught,
              static_cast<unsigned long long>(runs), runaways, first.c_str());
  EXPECT_GT(caught, 0u) << "amnesia went unnoticed in " << runs << " seeds";
}

// Broken event rules: the event property (E5) must catch a node that relays a client's event
// only once (a copy lost to a drop or a partition is never sent again), and one that forgets its
// admission journal in a crash.
TEST(SimSeedsBrokenRule, EventsRelayedOnlyOnceOrForgottenInACrashAreCaught) {
  const Validators& v = validators(4);
  size_t once = 0, amnesia = 0, runs = 50;
  for (uint64_t seed = 1; seed <= runs; ++seed) {
    SimParams p = scenario(Scenario::kFaults, seed, 4);
    p.relay_resend_ms = 3'600'000;
    const SimResult r = run_consensus_sim(p, v);
    once += std::any_of(r.violations.begin(), r.violations.end(),
                        [](const auto& w) { return w.rfind("EVENT", 0) == 0; });
    SimParams q = scenario(Scenario::kCrashes, seed, 4);
    q.lose_journal = true;
    const SimResult t = run_consensus_sim(q, v);
    amnesia += std::any_of(t.violations.begin(), t.violations.end(),
                           [](const auto& w) { return w.rfind("EVENT", 0) == 0; });
  }
  std::printf("events relayed once lost in %zu of %zu seeds; journal lost in a crash: %zu\n", once,
              runs, amnesia);
  EXPECT_GT(once, 0u);
  EXPECT_GT(amnesia, 0u);
}

#ifdef KLYN_SL_SIM_SOAK
INSTANTIATE_TEST_SUITE_P(
    Soak, SimSeeds,
    ::testing::ValuesIn(blocks(1'000'000, (env_u64("KLYN_SL_SIM_SOAK_SEEDS", 80) + 7) / 8, 250)),
    block_name);
#else
INSTANTIATE_TEST_SUITE_P(Seeds, SimSeeds, ::testing::ValuesIn(blocks(1, 250, 50)), block_name);
#endif
