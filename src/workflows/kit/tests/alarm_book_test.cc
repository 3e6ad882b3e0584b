// The kit's alarm book (B1–B3 in alarm_book.h) on a real RocksDB store.
#include "workflows/kit/alarm_book.h"

#include <gtest/gtest.h>

#include "chain/tests/test_util.h"

using namespace klyn;
using namespace klyn::kit;
using klyn::chain::testing::small_genesis;
using klyn::chain::testing::TempDir;

namespace {

AlarmBook::Options options() {
  return {"x:alarm:", {"evidence"}};
}

Alarm alarm(std::string kind, uint8_t id) {
  Alarm a;
  a.kind = std::move(kind);
  a.index = id;
  a.id.fill(id);
  a.hashes = {a.id};
  a.detected_ms = 100 + id;
  a.source = "local";
  a.evidence = Bytes(3, id);
  a.note = "note " + std::to_string(id);
  return a;
}

}  // namespace

TEST(AlarmBook, RecordedAlarmsSurviveARestartOnceEachAndOnlyHaltingKindsHalt) {
  auto g = small_genesis();
  TempDir dir;
  {
    auto store = chain::ChainStore::open(dir.path("db"), g);
    ASSERT_TRUE(store.ok());
    AlarmBook book(**store, options());
    ASSERT_TRUE(book.load().ok());
    EXPECT_TRUE(book.record(alarm("evidence", 1)).value());
    EXPECT_FALSE(book.halting()) << "B3: evidence does not halt";
    EXPECT_FALSE(book.record(alarm("evidence", 1)).value()) << "B2";
    EXPECT_TRUE(book.record(alarm("fork", 2)).value());
    EXPECT_TRUE(book.halting());
  }
  auto store = chain::ChainStore::open(dir.path("db"), g);
  ASSERT_TRUE(store.ok());
  AlarmBook book(**store, options());
  ASSERT_TRUE(book.load().ok());
  EXPECT_TRUE(book.halting()) << "B1: loaded again";
  ASSERT_EQ(book.list().size(), 2u);
  EXPECT_EQ(book.list("evidence").size(), 1u);
  ASSERT_EQ(book.halting_alarms().size(), 1u);
  const Alarm a = book.halting_alarms()[0];
  const Alarm want = alarm("fork", 2);
  EXPECT_EQ(a.kind, want.kind);
  EXPECT_EQ(a.index, want.index);
  EXPECT_EQ(a.hashes, want.hashes);
  EXPECT_EQ(a.detected_ms, want.detected_ms);
  EXPECT_EQ(a.source, want.source);
  EXPECT_EQ(a.evidence, want.evidence);
  EXPECT_EQ(a.note, want.note);
  EXPECT_TRUE(book.contains(want.id));
  EXPECT_FALSE(book.record(alarm("fork", 2)).value()) << "B2 after a restart";
  // Another workflow's book on the same store sees none of them (its own prefix).
  AlarmBook other(**store, {"y:alarm:", {}});
  ASSERT_TRUE(other.load().ok());
  EXPECT_TRUE(other.list().empty());
}

TEST(AlarmBook, AStoredAlarmThatDoesNotDecodeStopsTheLoad) {
  auto g = small_genesis();
  TempDir dir;
  auto store = chain::ChainStore::open(dir.path("db"), g);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->put("x:alarm:" + std::string(64, '0'), std::string_view("garbage")).ok());
  AlarmBook book(**store, options());
  auto st = book.load();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "corrupt");
  EXPECT_NE(st.error().reason.find("x:alarm:"), std::string::npos) << st.error().reason;
}
