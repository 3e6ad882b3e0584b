// D14: the admission journal keeps every added event until it is released, across reopens, with
// one entry per request; failing writes journal nothing.
#include <gtest/gtest.h>

#include "chain/store_faults.h"
#include "chain/tests/test_util.h"
#include "workflows/kit/admission_journal.h"

using namespace klyn;
using namespace klyn::kit;
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

chain::AppendLog::Options options(const chain::StoreFaults* faults = nullptr) {
  chain::AppendLog::Options o;
  o.faults = faults;
  return o;
}

}  // namespace

TEST(AdmissionJournal, KeepsEventsUntilReleasedOneRecordPerRequestAcrossReopens) {
  TempDir dir;
  const chain::Genesis g = small_genesis();
  const Batch a = batch(g, 1, 1, 5), b = batch(g, 2, 1, 3);
  auto store = std::move(*chain::ChainStore::open(dir.path("db"), g));
  const std::filesystem::path jdir = dir.path("db/admission");
  {
    AdmissionJournal j(*store, jdir, options());
    ASSERT_TRUE(j.load().ok());
    ASSERT_TRUE(j.add(a.ptrs, a.hashes).ok());
    ASSERT_TRUE(j.add(b.ptrs, b.hashes).ok());
    EXPECT_EQ(j.entries(), 2u);
    // A second copy of a's first event in another request is carried but not counted there.
    const Batch again = batch(g, 1, 1, 1);
    ASSERT_TRUE(j.add(again.ptrs, again.hashes).ok());
    EXPECT_EQ(j.entries(), 2u);
    // Releasing all of b releases its record; a keeps its record while any event of it is held.
    j.release(b.hashes);
    j.release({a.hashes[0], a.hashes[1]});
    EXPECT_EQ(j.entries(), 1u);
    EXPECT_EQ(j.tracked(), 3u);
  }
  AdmissionJournal j(*store, jdir, options());
  auto loaded = j.load();
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  // a's whole record comes back (its two released events too: the mempool finds them decided),
  // and b's, released in a segment that still held a live record; each event once.
  ASSERT_EQ(loaded->size(), 8u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ((*loaded)[i].first, a.hashes[i]);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ((*loaded)[5 + i].first, b.hashes[i]);
  // Once everything is released, the earlier run's segment file is deleted.
  j.release(a.hashes);
  j.release(b.hashes);
  EXPECT_EQ(j.entries(), 0u);
  EXPECT_EQ(j.segments(), 1u);  // the one this run appends to
  const Batch c = batch(g, 3, 1, 2);
  ASSERT_TRUE(j.add(c.ptrs, c.hashes).ok());
  EXPECT_EQ(j.entries(), 1u);
}

TEST(AdmissionJournal, AFailingWriteJournalsNothing) {
  TempDir dir;
  const chain::Genesis g = small_genesis();
  chain::StoreFaults faults;
  auto store = std::move(*chain::ChainStore::open(dir.path("db"), g));
  const Batch a = batch(g, 1, 1, 4);
  {
    AdmissionJournal j(*store, dir.path("db/admission"), options(&faults));
    ASSERT_TRUE(j.load().ok());
    faults.set_writes(chain::StoreFaults::Writes::no_space);
    auto st = j.add(a.ptrs, a.hashes);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, "storage_full");
    EXPECT_EQ(j.tracked(), 0u);
  }
  AdmissionJournal j(*store, dir.path("db/admission"), options());
  auto loaded = j.load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->empty());
}

// The journal's first version kept `j:` entries in the chain store: load() moves them into the
// log (nothing accepted before an upgrade is lost) and deletes them from the store.
TEST(AdmissionJournal, EntriesOfTheFirstVersionInTheStoreMoveIntoTheLog) {
  TempDir dir;
  const chain::Genesis g = small_genesis();
  auto store = std::move(*chain::ChainStore::open(dir.path("db"), g));
  const Batch a = batch(g, 1, 1, 3);
  chain::WriteBatch old;
  old.put("j:" + chain::keys::be64(7), chain::encode_event_batch(a.ptrs));
  ASSERT_TRUE(store->write(old).ok());
  {
    AdmissionJournal j(*store, dir.path("db/admission"), options());
    auto loaded = j.load();
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    ASSERT_EQ(loaded->size(), 3u);
    EXPECT_EQ((*loaded)[2].first, a.hashes[2]);
    size_t left = 0;
    ASSERT_TRUE(
        store->scan("j:", "", [&](std::string_view, std::string_view) { return ++left, true; })
            .ok());
    EXPECT_EQ(left, 0u);
  }
  AdmissionJournal j(*store, dir.path("db/admission"), options());
  auto loaded = j.load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->size(), 3u);  // now from the log
}

TEST(AdmissionJournal, ARecordThatDoesNotDecodeIsCorruption) {
  TempDir dir;
  const chain::Genesis g = small_genesis();
  auto store = std::move(*chain::ChainStore::open(dir.path("db"), g));
  {
    auto log = chain::AppendLog::open(dir.path("db/admission"), {},
                                      [](uint64_t, ByteSpan) { return Status(); });
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->append(as_bytes("not an event batch")).ok());
  }
  AdmissionJournal j(*store, dir.path("db/admission"), options());
  auto loaded = j.load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, "storage_corrupt");
}
