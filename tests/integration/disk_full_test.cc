// Disk full (chain/README.md S5, docs/operating-a-node.md "What survives what"): the node's
// CHAINDATA on a small tmpfs that the test fills. While it cannot store, events are refused with
// 503 storage_full and reads keep working; every event accepted before is applied once space is
// back, without a restart; SIGTERM on a full disk exits 0 and nothing applied is lost.
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <fstream>

#include "cli/cli_common.h"
#include "test_chain.h"

namespace klyn::itest {
namespace {

namespace fs = std::filesystem;

// A tmpfs mounted on `at` for the test's lifetime (needs CAP_SYS_ADMIN).
class SmallDisk {
 public:
  SmallDisk(fs::path at, size_t mib) : at_(std::move(at)) {
    fs::create_directories(at_);
    const std::string opts = "size=" + std::to_string(mib) + "m";
    if (::mount("tmpfs", at_.c_str(), "tmpfs", 0, opts.c_str()) == 0)
      mounted_ = true;
    else
      why_ = std::string("mount tmpfs on ") + at_.string() + ": " + std::strerror(errno);
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }
  uint64_t free_bytes() const {
    struct statvfs v {};
    ::statvfs(at_.c_str(), &v);
    return static_cast<uint64_t>(v.f_bavail) * v.f_frsize;
  }
  // Fills the file system up to `leave` free bytes with a file of its own.
  void fill(uint64_t leave = 0) {
    std::ofstream f(at_ / "filler", std::ios::binary | std::ios::app);
    std::string chunk(64 << 10, 'x');
    for (int i = 0; i < 100'000 && free_bytes() > leave; ++i) {
      const uint64_t room = free_bytes() - leave;
      f.write(chunk.data(), static_cast<std::streamsize>(std::min<uint64_t>(room, chunk.size())));
      f.flush();
      if (!f) break;
    }
  }
  void empty() { fs::remove(at_ / "filler"); }

 private:
  fs::path at_;
  bool mounted_ = false;
  std::string why_;
};

// Under load the node's own writes eat the disk down to the floor: events are refused with 503,
// reads go on, SIGTERM exits 0 and what was applied survives.
TEST(DiskFull, FillingUpUnderLoadRefusesEventsWith503KeepsReadsAndStopsCleanly) {
  NodeProcess node("diskfull");
  TestChain c;
  ASSERT_TRUE(setup_chain(node, {.alias = "full", .label = "it-diskfull", .accounts = 8}, c));
  SmallDisk disk(node.dir() / "CHAINDATA", 64);
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.why();
  ASSERT_TRUE(node.set_toml("CONFIGS/symbiotes/full.toml", "workflow", "min_free_disk_mb", "8"));
  // Small memtables: RocksDB needs new files (and space) soon.
  ASSERT_TRUE(node.set_toml("CONFIGS/symbiotes/full.toml", "workflow", "write_buffer_mb", "1"));
  ASSERT_TRUE(node.start());
  const chain::SymbioteId sym = symbiote_id(node.http(), "full");
  const uint64_t fee = c.genesis.manifest.fee.per_event;
  TransferPlan first = plan_transfers(sym, c.accounts, ids_of(c), {.per_sender = 20, .fee = fee});
  ASSERT_EQ(submit_plan(node.port(), "full", first, 2).accepted, first.total());
  ASSERT_TRUE(wait_applied(node.http(), "full", first.hashes(), 30s));

  disk.fill(17 << 19);  // half a MiB above the floor: the load itself takes the disk below it
  TransferPlan during = plan_transfers(
      sym, c.accounts, ids_of(c), {.per_sender = 3000, .fee = fee, .seed = 2, .first_nonce = 21});
  SubmitResult sub = submit_plan(node.port(), "full", during, 1);
  size_t full_refusals = 0;
  for (const auto& r : sub.refusals) full_refusals += r.find("storage_full") != std::string::npos;
  std::cout << "[ info ] disk full: " << sub.accepted << " accepted, " << full_refusals
            << " refused with storage_full, " << sub.refusals.size() << " refusals in all\n";
  EXPECT_GT(full_refusals, 0u) << (sub.refusals.empty() ? "" : sub.refusals[0]);
  EXPECT_TRUE(sub.transport_errors.empty());
  // Reads keep working (compactions may free space meanwhile, and the node takes events again).
  EXPECT_EQ(get_event(node.http(), "full", first.hashes().back()).status, "applied");
  const uint64_t height = get_symbiote(node.http(), "full").height;

  // SIGTERM on the full disk: a clean exit.
  const ProcessResult stopped = node.stop(20s);
  EXPECT_TRUE(stopped.exited_with(0)) << stopped.describe();
  std::cout << "[ info ] SIGTERM on a full disk: " << stopped.describe().substr(0, 60) << "\n";
  // Space comes back: the restart is clean, nothing applied is lost, and clients resubmit what
  // was refused or not yet in a block.
  disk.empty();
  ASSERT_TRUE(node.start());
  EXPECT_GE(get_symbiote(node.http(), "full").height, height);
  EXPECT_TRUE(wait_applied(node.http(), "full", first.hashes(), 10s));
  SubmitResult again = submit_plan(node.port(), "full", during, 1);
  for (const auto& r : again.refusals) EXPECT_NE(r.find("nonce_used"), std::string::npos) << r;
  ASSERT_TRUE(wait_applied(node.http(), "full", during.hashes(), 60s));
  EXPECT_TRUE(accounts_match(node.http(), "full",
                             expected_after(c.genesis, c.controller, {&first, &during})));
}

// The configured floor stops taking events before RocksDB itself runs out.
TEST(DiskFull, TheFreeSpaceFloorRefusesEventsBeforeTheDiskIsFull) {
  NodeProcess node("diskfloor");
  TestChain c;
  ASSERT_TRUE(setup_chain(node, {.alias = "floor", .label = "it-diskfloor", .accounts = 4}, c));
  SmallDisk disk(node.dir() / "CHAINDATA", 64);
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.why();
  ASSERT_TRUE(node.set_toml("CONFIGS/symbiotes/floor.toml", "workflow", "min_free_disk_mb", "16"));
  ASSERT_TRUE(node.start());
  const chain::SymbioteId sym = symbiote_id(node.http(), "floor");
  const uint64_t fee = c.genesis.manifest.fee.per_event;
  disk.fill(8 << 20);                   // 8 MiB free: below the floor, far from full
  std::this_thread::sleep_for(1200ms);  // the free-space check runs at most once a second
  TransferPlan p = plan_transfers(sym, c.accounts, ids_of(c), {.per_sender = 5, .fee = fee});
  SubmitResult sub = submit_plan(node.port(), "floor", p, 1);
  EXPECT_EQ(sub.accepted, 0u);
  ASSERT_FALSE(sub.refusals.empty());
  EXPECT_NE(sub.refusals[0].find("below the floor"), std::string::npos) << sub.refusals[0];
  JsonReply info = get_json(node.http(), "/s/floor/info");
  ASSERT_EQ(info.status, 200u) << info.raw;
  EXPECT_EQ(info.body.value("storage", nlohmann::json::object()).value("state", ""), "full")
      << info.raw;
  disk.empty();
  std::this_thread::sleep_for(1200ms);
  EXPECT_EQ(submit_plan(node.port(), "floor", p, 1).accepted, p.total());
  EXPECT_TRUE(wait_applied(node.http(), "floor", p.hashes(), 30s));
}

}  // namespace
}  // namespace klyn::itest
