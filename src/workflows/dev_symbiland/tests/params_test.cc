// dev_symbiland's manifest section (params.h): validators with BLS keys whose proofs of
// possession are checked when the genesis is loaded, the defaults, and every refusal by path.
#include "workflows/dev_symbiland/params.h"

#include <gtest/gtest.h>

#include "codec/hex.h"
#include "workflows/dev_symbiland/tests/fixtures.h"

using namespace klyn;
using namespace klyn::dev_symbiland;
using namespace klyn::dev_symbiland::testing;

namespace {

std::vector<ValidatorEntry> entries(size_t n) {
  std::vector<ValidatorEntry> out;
  for (uint32_t i = 0; i < n; ++i) {
    auto k = bls_key(i);
    out.push_back({chain::testing::key(static_cast<uint8_t>(i + 1)).public_key(), k.public_key(),
                   k.prove_possession(), i + 1});
  }
  return out;
}

chain::Manifest manifest() {
  chain::Manifest m;
  m.name = "sl";
  m.workflow = "dev_symbiland";
  m.workflow_version = "0.1.0";
  return m;
}

// Refusal reason of the written section with one change made to its JSON.
std::string refusal(const std::function<void(nlohmann::json&)>& change) {
  chain::Manifest m = manifest();
  EXPECT_TRUE(write_params(m, entries(4)).ok());
  auto s = chain::section_of(m).value();
  change(s);
  EXPECT_TRUE(chain::set_section(m, s).ok());
  auto p = read_params(m);
  return p ? std::string("ok") : p.error().reason;
}

}  // namespace

TEST(SymbilandParams, WrittenValidatorsReadBackAsAWeightedSet) {
  chain::Manifest m = manifest();
  ASSERT_TRUE(write_params(m, entries(4), 1, 500, 5, 1000).ok());
  auto p = read_params(m);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  ASSERT_EQ(p->set.size(), 4u);
  EXPECT_EQ(p->set.total_weight(), 10u);
  EXPECT_EQ(p->set.quorum_weight(), 7u);
  EXPECT_EQ(p->set.at(2).key, bls_key(2).public_key());
  EXPECT_EQ(p->base_timeout_ms, 500u);
  EXPECT_EQ(p->min_block_interval_ms, 5u);
  EXPECT_EQ(p->max_events_per_block, 1000u);
  // Defaults: only the validators are required; weight defaults to 1.
  EXPECT_EQ(refusal([](nlohmann::json& s) {
              s.erase("epoch");
              s.erase("base_timeout_ms");
              s["validators"][0].erase("weight");
            }),
            "ok");
  // The genesis id covers the whole set: another weight, another chain.
  chain::Manifest other = manifest();
  auto e = entries(4);
  e[3].weight = 5;
  ASSERT_TRUE(write_params(other, e).ok());
  EXPECT_NE(other.section, m.section);
}

TEST(SymbilandParams, EveryValidatorFieldIsCheckedWithItsPath) {
  const std::string v1 = "manifest.dev_symbiland.validators[1]";
  EXPECT_EQ(
      refusal([](nlohmann::json& s) { s["validators"][1]["pop"] = s["validators"][0]["pop"]; }),
      v1 + ".pop: the proof of possession does not verify for this bls_key");
  EXPECT_EQ(refusal([](nlohmann::json& s) {
              s["validators"][1]["bls_key"] = "00";
            }).rfind(v1 + ".bls_key: not a BLS12-381 public key", 0),
            0u);
  EXPECT_EQ(refusal([](nlohmann::json& s) {
              s["validators"][1]["pop"] = "zz";
            }).rfind(v1 + ".pop: not hex", 0),
            0u);
  EXPECT_EQ(refusal([](nlohmann::json& s) { s["validators"][1]["weight"] = 0; }),
            v1 + ".weight: must be an integer >= 1");
  EXPECT_EQ(refusal([](nlohmann::json& s) { s["validators"][1]["colour"] = "red"; }),
            v1 + ".colour: unknown key (account, bls_key, pop, weight)");
  EXPECT_EQ(refusal([](nlohmann::json& s) { s["validators"][1].erase("account"); }),
            v1 + ".account: missing");
  EXPECT_EQ(refusal([](nlohmann::json& s) { s["validators"][1] = s["validators"][0]; }),
            "manifest.dev_symbiland.validators: validator 1: BLS key used twice");
  EXPECT_EQ(refusal([](nlohmann::json& s) { s["validators"] = nlohmann::json::array(); }),
            "manifest.dev_symbiland.validators: must be an array of 1..1024 validators");
  EXPECT_EQ(refusal([](nlohmann::json& s) { s.erase("validators"); }),
            "manifest.dev_symbiland.validators: missing");
  EXPECT_EQ(refusal([](nlohmann::json& s) { s["base_timeout_ms"] = 10; }),
            "manifest.dev_symbiland.base_timeout_ms: must be 50..60000");
  EXPECT_EQ(refusal([](nlohmann::json& s) {
              s["epoch"] = 0;
            }).rfind("manifest.dev_symbiland.epoch: must be 1..", 0),
            0u);
  EXPECT_EQ(refusal([](nlohmann::json& s) {
              s["leader"] = 1;
            }).rfind("manifest.dev_symbiland.leader: unknown key", 0),
            0u);
  // write_params makes the same checks and changes nothing when they fail.
  chain::Manifest m = manifest();
  auto e = entries(2);
  e[1].pop = e[0].pop;
  const Bytes before = m.section;
  EXPECT_FALSE(write_params(m, e).ok());
  EXPECT_EQ(m.section, before);
}
