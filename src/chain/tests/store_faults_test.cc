// Storage faults (chain/README.md S1, S5): every failing write leaves the old state and a clear
// error; a failing or damaged read is an error (the store's fault), never "absent".
#include <gtest/gtest.h>

#include "chain/state.h"
#include "chain/store_faults.h"
#include "chain/tests/test_util.h"

using namespace klyn;
using namespace klyn::chain;
using klyn::chain::testing::key;
using klyn::chain::testing::small_genesis;
using klyn::chain::testing::TempDir;

namespace {

struct FaultyStore {
  TempDir dir;
  Genesis g = small_genesis();
  std::shared_ptr<StoreFaults> faults = std::make_shared<StoreFaults>();
  std::unique_ptr<ChainStore> store;

  FaultyStore() { reopen(); }
  void reopen() {
    store.reset();
    StoreOptions o;
    o.faults = faults;
    o.write_buffer_bytes = 64 << 10;  // small memtables: table files are written (and read) soon
    auto s = ChainStore::open(dir.path("db"), g, o);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    store = std::move(*s);
  }
  // One block of `n` transfers from key(1) at the next height.
  Result<Hash32> apply_block(int n) {
    auto acc = store->lthash();
    if (!acc) return acc.error();
    LtHash a = *acc;
    const Height h = store->applied_height().value() + 1;
    const uint64_t nonce = store->account(key(1).public_key()).value().nonce;
    BlockApplier b(*store, g.manifest, a, h);
    for (int i = 0; i < n; ++i) {
      Event e = make_transfer(g.id(), key(1), nonce + 1 + i, 10, key(2).public_key(), 1);
      (void)b.apply(e, e.hash(), key(0).public_key(), Hash32{}, static_cast<uint32_t>(i));
    }
    return b.commit();
  }
};

TEST(StoreFaults, NoSpaceFailsTheWholeBlockAndLeavesTheOldState) {
  FaultyStore f;
  ASSERT_TRUE(f.apply_block(5).ok());
  const Hash32 root1 = f.store->state_root(1).value().value();
  f.faults->set_writes(StoreFaults::Writes::no_space);
  auto r = f.apply_block(5);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "storage_full") << r.error().to_string();
  // Not a fault: reads go on, the state is the old one, and writable() says why.
  EXPECT_FALSE(f.store->fault().has_value());
  EXPECT_EQ(f.store->applied_height().value(), 1u);
  EXPECT_EQ(f.store->account(key(1).public_key()).value().nonce, 5u);
  auto w = f.store->writable();
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, "storage_full");
  // Later writes are refused without touching RocksDB's failed log.
  EXPECT_EQ(f.apply_block(1).error().code, "storage_full");
  // A restart after space is back: the old state, consistent, and writes work again.
  f.faults->set_writes(StoreFaults::Writes::ok);
  f.reopen();
  EXPECT_EQ(f.store->applied_height().value(), 1u);
  EXPECT_EQ(f.store->state_root(1).value().value(), root1);
  ASSERT_TRUE(f.apply_block(3).ok());
  EXPECT_EQ(f.store->account(key(1).public_key()).value().nonce, 8u);
}

TEST(StoreFaults, AnIoErrorOnWriteIsAFaultThatStays) {
  FaultyStore f;
  ASSERT_TRUE(f.apply_block(2).ok());
  f.faults->set_writes(StoreFaults::Writes::io_error);
  auto r = f.apply_block(2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "storage_io");
  ASSERT_TRUE(f.store->fault().has_value());
  f.faults->set_writes(StoreFaults::Writes::ok);
  EXPECT_FALSE(f.store->writable().ok());  // a fault never clears by itself
  f.reopen();
  EXPECT_EQ(f.store->applied_height().value(), 1u);
}

// sync_wal (a validator's kept block, before its vote) reports a failing sync as the store's
// fault and never says "durable" after it; what it synced survives a reopen.
TEST(StoreFaults, AFailingWalSyncIsAFaultAndASuccessfulOneIsDurable) {
  FaultyStore f;
  ASSERT_TRUE(f.store->put("t:kept", "block one").ok());
  ASSERT_TRUE(f.store->sync_wal().ok());
  f.reopen();
  EXPECT_EQ(f.store->get("t:kept").value().value(), "block one");
  ASSERT_TRUE(f.store->put("t:kept2", "block two").ok());
  f.faults->set_writes(StoreFaults::Writes::io_error);
  auto st = f.store->sync_wal();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "storage_io") << st.error().to_string();
  f.faults->set_writes(StoreFaults::Writes::ok);
  EXPECT_FALSE(f.store->sync_wal().ok()) << "a failed sync is never followed by a good one";
  EXPECT_FALSE(f.store->writable().ok());
}

// Reads of table files that fail or return damaged bytes are errors, never "absent".
TEST(StoreFaults, DamagedOrFailingTableReadsAreErrorsNotAbsence) {
  for (bool corrupt : {true, false}) {
    FaultyStore f;
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(f.apply_block(20).ok());
    f.reopen();  // the data now lives in table files; the block cache is empty
    if (corrupt)
      f.faults->set_corrupt_reads(true);
    else
      f.faults->set_fail_reads(true);
    auto a = f.store->account(key(1).public_key());
    ASSERT_FALSE(a.ok()) << (corrupt ? "corrupt" : "failing") << " read gave an account";
    EXPECT_EQ(a.error().code, corrupt ? "storage_corrupt" : "storage_io") << a.error().to_string();
    ASSERT_TRUE(f.store->fault().has_value());
    EXPECT_FALSE(f.store->writable().ok());
    // A block built on a failed read is not committed.
    f.faults->set_corrupt_reads(false);
    f.faults->set_fail_reads(false);
    EXPECT_FALSE(f.apply_block(1).ok());
  }
}

TEST(StoreFaults, TheChecksumScrubFindsDamage) {
  FaultyStore f;
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(f.apply_block(20).ok());
  f.reopen();
  ASSERT_TRUE(f.store->verify_checksums().ok());
  f.faults->set_corrupt_reads(true);
  auto st = f.store->verify_checksums();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "storage_corrupt") << st.error().to_string();
}

}  // namespace
