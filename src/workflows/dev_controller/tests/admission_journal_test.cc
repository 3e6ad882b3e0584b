// D14: the admission journal keeps every added event until it is released, across reopens, with
// one entry per request; failing writes journal nothing.
#include <gtest/gtest.h>

#include "chain/store_faults.h"
#include "chain/tests/test_util.h"
#include "workflows/dev_controller/admission_journal.h"

using namespace klyn;
using namespace klyn::dev_controller;
using klyn::chain::testing::key;
using klyn::chain::testing::small_genesis;
using klyn::chain::testing::TempDir;

namespace {

struct Batch {
  std::vector<chain::Event> events;
  std::vector<const chain::Event*> ptrs;
  std::vector<Hash32> hashes;
};
Batch batch(const chain::Genesis& g, uint8_t k, uint64_t first_nonce, size_t n) {
  Batch b;
  for (size_t i = 0; i < n; ++i)
    b.events.push_back(
        chain::make_transfer(g.id(), key(k), first_nonce + i, 10, key(9).public_key(), 1));
  for (const auto& e : b.events) {
    b.ptrs.push_back(&e);
    b.hashes.push_back(e.hash());
  }
  return b;
}

size_t stored_entries(const chain::ChainStore& s) {
  size_t n = 0;
  (void)s.scan("j:", "", [&](std::string_view, std::string_view) { return ++n, true; });
  return n;
}

}  // namespace

TEST(AdmissionJournal, KeepsEventsUntilReleasedOneEntryPerRequestAcrossReopens) {
  TempDir dir;
  const chain::Genesis g = small_genesis();
  const Batch a = batch(g, 1, 1, 5), b = batch(g, 2, 1, 3);
  {
    auto store = std::move(*chain::ChainStore::open(dir.path("db"), g));
    AdmissionJournal j(*store);
    ASSERT_TRUE(j.add(a.ptrs, a.hashes).ok());
    ASSERT_TRUE(j.add(b.ptrs, b.hashes).ok());
    EXPECT_EQ(stored_entries(*store), 2u);
    // A second copy of a's first event in another request is carried but not counted there.
    const Batch again = batch(g, 1, 1, 1);
    ASSERT_TRUE(j.add(again.ptrs, again.hashes).ok());
    EXPECT_EQ(stored_entries(*store), 2u);  // it carried nothing new: deleted at once
    // Releasing all of b deletes its entry; a keeps its entry while any event of it is held.
    ASSERT_TRUE(j.release(b.hashes).ok());
    ASSERT_TRUE(j.release({a.hashes[0], a.hashes[1]}).ok());
    EXPECT_EQ(stored_entries(*store), 1u);
    EXPECT_EQ(j.tracked(), 3u);
  }
  auto store = std::move(*chain::ChainStore::open(dir.path("db"), g));
  AdmissionJournal j(*store);
  auto loaded = j.load();
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  // The whole entry comes back (the two released events too: the mempool finds them decided).
  ASSERT_EQ(loaded->size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ((*loaded)[i].first, a.hashes[i]);
  // New entries continue after the loaded ones.
  const Batch c = batch(g, 3, 1, 2);
  ASSERT_TRUE(j.add(c.ptrs, c.hashes).ok());
  ASSERT_TRUE(j.release(a.hashes).ok());
  EXPECT_EQ(stored_entries(*store), 1u);
  EXPECT_EQ(j.entries(), 1u);
}

TEST(AdmissionJournal, AFailingWriteJournalsNothing) {
  TempDir dir;
  const chain::Genesis g = small_genesis();
  auto faults = std::make_shared<chain::StoreFaults>();
  chain::StoreOptions o;
  o.faults = faults;
  auto store = std::move(*chain::ChainStore::open(dir.path("db"), g, o));
  AdmissionJournal j(*store);
  const Batch a = batch(g, 1, 1, 4);
  faults->set_writes(chain::StoreFaults::Writes::no_space);
  auto st = j.add(a.ptrs, a.hashes);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "storage_full");
  EXPECT_EQ(j.tracked(), 0u);
  EXPECT_EQ(stored_entries(*store), 0u);
}
