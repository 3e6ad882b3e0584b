// Storage and state-root invariants (C6, C7): same blocks -> same roots on any database; the
// root depends on the set of accounts only; a writer killed at any instant leaves a consistent
// (old or new) state.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <random>

#include "chain/state.h"
#include "chain/tests/test_util.h"

using namespace klyn;
using namespace klyn::chain;
using klyn::chain::testing::key;
using klyn::chain::testing::small_genesis;
using klyn::chain::testing::TempDir;

namespace {

// Deterministic pseudo-random blocks of transfers/stakes among the genesis keys.
std::vector<std::vector<Event>> make_blocks(const SymbioteId& id, int blocks, int per_block,
                                            uint32_t seed) {
  std::mt19937 rng(seed);
  std::array<uint64_t, 4> nonce{};
  std::vector<std::vector<Event>> out;
  for (int b = 0; b < blocks; ++b) {
    std::vector<Event> evs;
    for (int i = 0; i < per_block; ++i) {
      uint8_t from = rng() % 4, to = rng() % 6;  // keys 4,5 are fresh accounts
      int kind = rng() % 10;
      if (kind == 0)
        evs.push_back(make_stake(id, key(from), ++nonce[from], 10, 1 + rng() % 100));
      else if (kind == 1)
        evs.push_back(make_unstake(id, key(from), ++nonce[from], 10, 1 + rng() % 50));
      else if (kind == 2)  // an invalid one: stale nonce
        evs.push_back(make_transfer(id, key(from), nonce[from], 10, key(to).public_key(), 1));
      else
        evs.push_back(make_transfer(id, key(from), ++nonce[from], 10, key(to).public_key(),
                                    1 + rng() % 1000));
    }
    out.push_back(std::move(evs));
  }
  return out;
}

std::vector<Hash32> apply_all(ChainStore& store, const Genesis& g,
                              const std::vector<std::vector<Event>>& blocks) {
  LtHash acc = *store.lthash();
  std::vector<Hash32> roots;
  for (const auto& evs : blocks) {
    BlockApplier b(store, g.manifest, acc, store.applied_height().value() + 1);
    uint32_t pos = 0;
    for (const auto& e : evs) {
      (void)b.apply(e, e.hash(), key(pos % 2).public_key(), Hash32{}, pos);
      ++pos;
    }
    auto r = b.commit();
    EXPECT_TRUE(r.ok());
    roots.push_back(*r);
  }
  return roots;
}

// Recomputes the root from scratch by scanning every account (what the incremental root must
// equal).
Hash32 full_recompute(const ChainStore& store) {
  LtHash h;
  (void)store.scan("a:", "", [&](std::string_view k, std::string_view v) {
    h.add(as_bytes(k), as_bytes(v));
    return true;
  });
  return h.root();
}

}  // namespace

TEST(Replay, TwoDatabasesSameRoots) {
  TempDir dir;
  Genesis g = small_genesis();
  auto blocks = make_blocks(g.id(), 20, 25, 42);
  auto a = ChainStore::open(dir.path("a"), g);
  auto b = ChainStore::open(dir.path("b"), g);
  ASSERT_TRUE(a.ok() && b.ok());
  auto ra = apply_all(**a, g, blocks);
  auto rb = apply_all(**b, g, blocks);
  EXPECT_EQ(ra, rb);
  EXPECT_EQ(*(*a)->state_root(20).value(), ra.back());
  EXPECT_EQ(full_recompute(**a), ra.back());
  // Roots change with state.
  EXPECT_NE(ra.front(), ra.back());
}

TEST(Replay, ReopenKeepsStateAndRefusesOtherGenesis) {
  TempDir dir;
  Genesis g = small_genesis();
  auto blocks = make_blocks(g.id(), 5, 10, 7);
  Hash32 root;
  {
    auto s = ChainStore::open(dir.path("db"), g);
    ASSERT_TRUE(s.ok());
    root = apply_all(**s, g, blocks).back();
  }
  auto s = ChainStore::open(dir.path("db"), g);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->applied_height().value(), 5u);
  EXPECT_EQ((*s)->lthash()->root(), root);
  s->reset();
  Genesis other = small_genesis(11);
  auto o = ChainStore::open(dir.path("db"), other);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.error().reason.find("belongs to symbiote"), std::string::npos);
}

RC_GTEST_PROP(StateRoot, DependsOnlyOnTheSetOfEntries,
              (std::vector<std::pair<uint32_t, uint32_t>> entries)) {
  // Insert in one order, insert in another order with a detour (insert+remove a junk entry).
  LtHash a, b;
  for (auto& [k, v] : entries) a.add(as_bytes(std::to_string(k)), as_bytes(std::to_string(v)));
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    b.add(as_bytes("junk"), as_bytes(std::to_string(it->first)));
    b.add(as_bytes(std::to_string(it->first)), as_bytes(std::to_string(it->second)));
    b.remove(as_bytes("junk"), as_bytes(std::to_string(it->first)));
  }
  RC_ASSERT(a.root() == b.root());
  if (!entries.empty()) {
    LtHash c = a;
    c.remove(as_bytes(std::to_string(entries[0].first)),
             as_bytes(std::to_string(entries[0].second)));
    RC_ASSERT(c.root() != a.root());
  }
}

TEST(StateRoot, SerializeRoundTrip) {
  LtHash a;
  a.add(as_bytes("k"), as_bytes("v"));
  auto b = LtHash::deserialize(a.serialize());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->root(), a.root());
  EXPECT_FALSE(LtHash::deserialize(Bytes(10)).ok());
}

// Fault injection: a child process applies blocks in a loop and is SIGKILLed at a random instant.
// Whatever survived must be exactly some prefix of the blocks: the stored root at the applied
// height equals both a from-scratch recomputation and the root a clean replay gives there.
TEST(StorageFault, KillDuringApplyLeavesAConsistentPrefix) {
  Genesis g = small_genesis();
  auto blocks = make_blocks(g.id(), 400, 50, 99);
  TempDir ref_dir;
  auto ref = ChainStore::open(ref_dir.path("ref"), g);
  ASSERT_TRUE(ref.ok());
  auto ref_roots = apply_all(**ref, g, blocks);

  for (int trial = 0; trial < 3; ++trial) {
    TempDir dir;
    int pipefd[2];
    ASSERT_EQ(pipe(pipefd), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(pipefd[0]);
      auto s = ChainStore::open(dir.path("db"), g);
      if (!s.ok()) _exit(3);
      LtHash acc = *(*s)->lthash();
      for (size_t i = 0; i < blocks.size(); ++i) {
        BlockApplier b(**s, g.manifest, acc, i + 1);
        uint32_t pos = 0;
        for (const auto& e : blocks[i]) {
          (void)b.apply(e, e.hash(), key(pos % 2).public_key(), Hash32{}, pos);
          ++pos;
        }
        if (!b.commit().ok()) _exit(4);
        if (i == 5) {
          char c = 1;
          (void)!write(pipefd[1], &c, 1);  // tell the parent we are well under way
        }
      }
      _exit(0);
    }
    close(pipefd[1]);
    char c;
    ASSERT_EQ(read(pipefd[0], &c, 1), 1);
    close(pipefd[0]);
    usleep(1000 * (5 + 20 * trial));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);

    auto s = ChainStore::open(dir.path("db"), g);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    Height h = (*s)->applied_height().value();
    ASSERT_GE(h, 6u);
    ASSERT_LE(h, blocks.size());
    EXPECT_EQ((*s)->lthash()->root(), ref_roots[h - 1]) << "height " << h;
    EXPECT_EQ(*(*s)->state_root(h).value(), ref_roots[h - 1]);
    EXPECT_EQ(full_recompute(**s), ref_roots[h - 1]);
  }
}

// C9: checkpoint records survive a reopen, and a damaged record (wrong key or value length) is
// skipped by the scan instead of crashing it.
TEST(CheckpointScan, PersistsAndSkipsMalformedRecords) {
  TempDir dir;
  Genesis g = small_genesis();
  SymbioteId src{};
  src.fill(5);
  Hash32 bh{};
  bh.fill(6);
  Event e = make_checkpoint(g.id(), key(1), 1, 10, src, 40, bh);
  {
    auto store = ChainStore::open(dir.path("db"), g);
    ASSERT_TRUE(store.ok());
    LtHash acc = *(*store)->lthash();
    BlockApplier b(**store, g.manifest, acc, 1);
    ASSERT_TRUE(b.apply(e, e.hash(), key(0).public_key(), Hash32{}, 0).ok());
    ASSERT_TRUE(b.commit().ok());
    // Damage: a short value and a short key under the same source.
    std::string bad_value = keys::checkpoint(src, 41, Hash32{});
    ASSERT_TRUE((*store)->put(bad_value, "short").ok());
    std::string short_key = "k:" + std::string(reinterpret_cast<const char*>(src.data()), 32) + "x";
    ASSERT_TRUE((*store)->put(short_key, std::string(40, 'v')).ok());
  }
  auto store = ChainStore::open(dir.path("db"), g);
  ASSERT_TRUE(store.ok());
  auto recs = scan_checkpoints(**store, src, 0, 10).value();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].index, 40u);
  EXPECT_EQ(recs[0].event, e.hash());
  EXPECT_EQ(recs[0].creator, key(1).public_key());
  EXPECT_EQ(scan_checkpoints(**store, src, 0, 0).value().size(), 0u);
}
