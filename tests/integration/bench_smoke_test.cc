// `klyn74r bench` in its short form: the benchmark programs themselves must keep working (their
// numbers are recorded in bench/README.md; speed is never asserted here).
#include "test_chain.h"

namespace klyn::itest {
namespace {

// The JSON document the benchmark prints last.
nlohmann::json last_json(const std::string& output) {
  const auto pos = output.rfind("\n{\n");
  if (pos == std::string::npos) return {};
  return nlohmann::json::parse(output.substr(pos + 1), nullptr, false);
}

TEST(BenchSmoke, OneNodeAppliesEverythingItAccepted) {
  auto r = run_klyn74r({"bench", "-n", "2000", "-a", "50", "-c", "2", "-b", "100"}, {}, 120s);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = last_json(r.output);
  ASSERT_TRUE(j.is_object()) << r.output;
  EXPECT_EQ(j["accepted"], 2000);
  EXPECT_EQ(j["applied"], 2000);
  EXPECT_GT(j["ed25519_ceiling_per_s"].get<double>(), 0);
  // Measured three times (before, after the load, with the node stopped); the ratio uses the
  // highest.
  ASSERT_EQ(j["ed25519_ceiling_runs_per_s"].size(), 3u) << j.dump();
  double highest = 0;
  for (const auto& v : j["ed25519_ceiling_runs_per_s"])
    highest = std::max(highest, v.get<double>());
  EXPECT_EQ(j["ed25519_ceiling_per_s"].get<double>(), highest);
  EXPECT_GT(j["client_cpu_fraction"].get<double>(), 0);
  EXPECT_LE(j["client_cpu_fraction"].get<double>(), 1.0);
}

TEST(BenchSmoke, ThreeNodeTestnetAgreesAndAFreshNodeCatchesUp) {
  auto r = run_klyn74r({"bench", "--nodes", "3", "-n", "3000", "-a", "60", "-c", "3", "-b", "100"},
                       {}, 180s);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = last_json(r.output);
  ASSERT_TRUE(j.is_object()) << r.output;
  EXPECT_EQ(j["accepted"], 3000);
  EXPECT_TRUE(j["same_state_root"].get<bool>());
  EXPECT_EQ(j["ed25519_ceiling_runs_per_s"].size(), 3u) << j.dump();
  EXPECT_GT(j["client_cpu_fraction"].get<double>(), 0);
  ASSERT_EQ(j["per_node"].size(), 3u);
  for (const auto& n : j["per_node"]) EXPECT_GT(n["applied_per_s"].get<double>(), 0) << n.dump();
  EXPECT_TRUE(j["catch_up"]["caught_up"].get<bool>());
  EXPECT_TRUE(j["catch_up"]["same_state_root"].get<bool>());
  EXPECT_EQ(j["catch_up"]["events"], 3000);
}

}  // namespace
}  // namespace klyn::itest
