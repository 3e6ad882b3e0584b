// The signing mark (chain/README.md S6): durable, monotone as written, survives a torn slot.
#include <gtest/gtest.h>

#include <fstream>

#include "chain/signing_mark.h"
#include "chain/tests/test_util.h"

using namespace klyn;
using namespace klyn::chain;
using klyn::chain::testing::TempDir;

TEST(SigningMark, StartsEmptyAndKeepsTheLastAdvanceAcrossReopens) {
  TempDir dir;
  const auto path = std::filesystem::path(dir.path("SIGNING")) / "x.mark";
  {
    auto m = SigningMark::open(path);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    EXPECT_FALSE(m->mark().has_value());
    Hash32 h{};
    for (uint64_t i = 1; i <= 5; ++i) {
      h[0] = static_cast<uint8_t>(i);
      ASSERT_TRUE(m->advance(i, h).ok());
    }
  }
  auto m = SigningMark::open(path);
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->mark().has_value());
  EXPECT_EQ(m->mark()->index, 5u);
  EXPECT_EQ(m->mark()->hash[0], 5);
}

TEST(SigningMark, ATornSlotFallsBackToTheOtherAndBothTornIsRefused) {
  TempDir dir;
  const auto path = std::filesystem::path(dir.path("m")) / "x.mark";
  {
    auto m = SigningMark::open(path);
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE(m->advance(7, Hash32{}).ok());  // slot 1
    ASSERT_TRUE(m->advance(8, Hash32{}).ok());  // slot 0
  }
  auto damage = [&](std::streamoff at) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(at);
    f.put('\xff');
  };
  damage(30);  // inside slot 0 (index 8)
  {
    auto m = SigningMark::open(path);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->mark()->index, 7u);
  }
  damage(64 + 30);  // slot 1 too
  auto m = SigningMark::open(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, "storage_corrupt");
}
