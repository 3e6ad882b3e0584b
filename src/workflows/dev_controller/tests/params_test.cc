// dev_controller's manifest section (params.h): what it reads, the defaults, every refusal with
// the JSON path of the layout the genesis is in, and that the workflow's check_manifest is it.
#include "workflows/dev_controller/params.h"

#include <gtest/gtest.h>

#include "chain/tests/test_util.h"
#include "workflows/dev_controller/dev_controller.h"

using namespace klyn;
using namespace klyn::dev_controller;
using klyn::chain::testing::key;
using klyn::chain::testing::small_genesis;

namespace {

chain::Manifest with_section(const nlohmann::json& section) {
  chain::Manifest m = small_genesis().manifest;
  EXPECT_TRUE(chain::set_section(m, section).ok());
  return m;
}

std::string refusal(const nlohmann::json& section) {
  auto p = read_params(with_section(section));
  return p ? std::string("ok") : p.error().reason;
}

}  // namespace

TEST(Params, AbsentKeysTakeTheirDefaultsAndOnlyTheControllerIsRequired) {
  auto p = read_params(with_section({{"controller", key(3).address()}}));
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  Params expected;
  expected.controller = key(3).public_key();
  EXPECT_EQ(*p, expected);
  EXPECT_EQ(p->max_events_per_instant_block, 5000u);
  EXPECT_EQ(p->max_instant_blocks_per_controller_block, 16u);
  EXPECT_EQ(p->inclusion_window, 50u);
  EXPECT_EQ(p->instant_producer_stake, 0u);
  EXPECT_EQ(p->block_limits().max_events, 5000u);
  EXPECT_EQ(p->block_limits().max_instant_blocks, 16u);
  EXPECT_EQ(refusal(nlohmann::json::object()),
            "manifest.dev_controller.controller: missing: dev_controller needs a controller "
            "address");
}

TEST(Params, EveryBoundIsCheckedAndNamedByItsPath) {
  const std::string c = key(0).address();
  auto at = [&](const char* k, nlohmann::json v) {
    return refusal({{"controller", c}, {k, std::move(v)}});
  };
  EXPECT_EQ(at("max_events_per_instant_block", 1), "ok");
  EXPECT_EQ(at("max_events_per_instant_block", 100000), "ok");
  EXPECT_EQ(at("max_events_per_instant_block", 0),
            "manifest.dev_controller.max_events_per_instant_block: must be 1..100000");
  EXPECT_EQ(at("max_events_per_instant_block", 100001),
            "manifest.dev_controller.max_events_per_instant_block: must be 1..100000");
  EXPECT_EQ(at("max_instant_blocks_per_controller_block", 1024), "ok");
  EXPECT_EQ(at("max_instant_blocks_per_controller_block", 0),
            "manifest.dev_controller.max_instant_blocks_per_controller_block: must be 1..1024");
  EXPECT_EQ(at("max_instant_blocks_per_controller_block", 1025),
            "manifest.dev_controller.max_instant_blocks_per_controller_block: must be 1..1024");
  EXPECT_EQ(at("inclusion_window", 0), "ok");
  EXPECT_EQ(at("inclusion_window", 1 << 20), "ok");
  EXPECT_EQ(at("inclusion_window", (1 << 20) + 1),
            "manifest.dev_controller.inclusion_window: must be 0..1048576");
  EXPECT_EQ(at("inclusion_window", "50"),
            "manifest.dev_controller.inclusion_window: must be 0..1048576");
  EXPECT_EQ(at("instant_producer_stake", UINT64_MAX), "ok");
  EXPECT_EQ(at("instant_producer_stake", true),
            "manifest.dev_controller.instant_producer_stake: must be a non-negative integer");
  EXPECT_EQ(refusal({{"controller", 7}}),
            "manifest.dev_controller.controller: must be an address (a string)");
  EXPECT_NE(
      refusal({{"controller", "not-base58-0OIl"}}).find("manifest.dev_controller.controller: "),
      std::string::npos);
  EXPECT_EQ(at("controler", c).rfind("manifest.dev_controller.controler: unknown key", 0), 0u);
}

// A version 1 genesis holds the same keys at v1's places; a refusal names those places.
TEST(Params, AVersion1GenesisIsReadTheSameAndRefusedAtItsOwnPaths) {
  chain::Genesis g = small_genesis();
  g.manifest.layout = 1;
  auto s = chain::section_of(g.manifest).value();
  s.update({{"max_events_per_instant_block", 7},
            {"max_instant_blocks_per_controller_block", 3},
            {"inclusion_window", 9}});
  ASSERT_TRUE(chain::set_section(g.manifest, s).ok());
  auto back = chain::decode_genesis(g.encode());
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  auto p = read_params(back->manifest);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->controller, key(0).public_key());
  EXPECT_EQ(p->instant_producer_stake, 100u);
  EXPECT_EQ(p->max_events_per_instant_block, 7u);
  EXPECT_EQ(p->max_instant_blocks_per_controller_block, 3u);
  EXPECT_EQ(p->inclusion_window, 9u);
  s["max_events_per_instant_block"] = 0;
  ASSERT_TRUE(chain::set_section(back->manifest, s).ok());
  EXPECT_EQ(read_params(back->manifest).error().reason,
            "manifest.limits.max_events_per_instant_block: must be 1..100000");
  s.erase("controller");
  s["max_events_per_instant_block"] = 1;
  ASSERT_TRUE(chain::set_section(back->manifest, s).ok());
  EXPECT_EQ(read_params(back->manifest).error().reason.rfind("manifest.controller: missing", 0),
            0u);
}

TEST(Params, WrittenParamsReadBackAndAnOutOfRangeWriteChangesNothing) {
  chain::Manifest m = small_genesis().manifest;
  Params p;
  p.controller = key(5).public_key();
  p.instant_producer_stake = 12;
  p.max_events_per_instant_block = 99;
  p.max_instant_blocks_per_controller_block = 2;
  p.inclusion_window = 0;
  ASSERT_TRUE(write_params(m, p).ok());
  EXPECT_EQ(read_params(m).value(), p);
  EXPECT_EQ(chain::section_of(m)->size(), 5u);  // every key explicit
  const Bytes before = m.section;
  Params bad = p;
  bad.max_instant_blocks_per_controller_block = 2000;
  EXPECT_EQ(write_params(m, bad).error().reason,
            "manifest.dev_controller.max_instant_blocks_per_controller_block: must be 1..1024");
  EXPECT_EQ(m.section, before);
}

TEST(Params, TheWorkflowsManifestCheckIsReadParams) {
  DevController wf;
  chain::Manifest m = small_genesis().manifest;
  EXPECT_TRUE(wf.check_manifest(m).ok());
  m = with_section({{"controller", key(0).address()}, {"inclusion_window", 1u << 21}});
  EXPECT_EQ(wf.check_manifest(m).error().reason,
            "manifest.dev_controller.inclusion_window: must be 0..1048576");
}
