// Nothing wrong is served (chain/README.md S1-S6): a node whose database was damaged while it was
// stopped refuses that symbiote with a reason (/info says `halted`, its routes answer 503, the
// node keeps serving), and `klyn74r replay` reports the damage. A controller whose database lost
// blocks it had signed does not sign at those indexes again: it fetches them back from a peer.
#include <fstream>

#include "cli/cli_common.h"
#include "test_chain.h"

namespace klyn::itest {
namespace {

namespace fs = std::filesystem;

fs::path chaindata(const NodeProcess& node, const TestChain& c) {
  return node.dir() / "CHAINDATA" / hex(c.genesis.id());
}

// Files of the database with this extension, largest first.
std::vector<fs::path> files_with(const fs::path& db, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(db))
    if (e.path().extension() == ext && fs::file_size(e.path()) > 0) out.push_back(e.path());
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) {
    return fs::file_size(a) > fs::file_size(b);
  });
  return out;
}

void flip_bytes(const fs::path& file, uint64_t at, size_t n = 16) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  for (size_t i = 0; i < n; ++i) {
    f.seekg(static_cast<std::streamoff>(at + i));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(at + i));
    f.put(static_cast<char>(c ^ 0x5a));
  }
}

// An operator's backup of a stopped node's CHAINDATA/<id>, put back later (SIGNING/ untouched).
class ChaindataBackup {
 public:
  ChaindataBackup(const NodeProcess& node, const TestChain& c)
      : db_(chaindata(node, c)), copy_(node.temp_dir() / "old-chaindata") {
    fs::copy(db_, copy_, fs::copy_options::recursive);
  }
  void restore() const {
    fs::remove_all(db_);
    fs::copy(copy_, db_, fs::copy_options::recursive);
  }

 private:
  fs::path db_, copy_;
};

// A node with one symbiote "dmg" and `per_sender` applied transfers per account.
struct Loaded {
  TestChain chain;
  TransferPlan plan;
};
::testing::AssertionResult load(NodeProcess& node, Loaded& out, const std::string& label,
                                size_t per_sender) {
  if (auto r = setup_chain(node, {.alias = "dmg", .label = label, .accounts = 10}, out.chain); !r)
    return r;
  if (auto r = node.start(); !r) return r;
  const chain::SymbioteId sym = symbiote_id(node.http(), "dmg");
  out.plan =
      plan_transfers(sym, out.chain.accounts, ids_of(out.chain),
                     {.per_sender = per_sender, .fee = out.chain.genesis.manifest.fee.per_event});
  SubmitResult r = submit_plan(node.port(), "dmg", out.plan, 2);
  if (r.accepted != out.plan.total())
    return ::testing::AssertionFailure() << r.accepted << " of " << out.plan.total() << " accepted";
  return wait_applied(node.http(), "dmg", out.plan.hashes(), 60s);
}

// After a restart on damaged storage: the symbiote is listed as halted with a reason naming the
// damage, its routes answer 503, and replay fails with a reason.
void expect_refused(NodeProcess& node, const Loaded& l, const std::string& reason_part) {
  ASSERT_TRUE(node.start());
  JsonReply info = get_json(node.http(), "/info");
  ASSERT_EQ(info.status, 200u) << info.raw;
  const auto& syms = info.body["symbiotes"];
  ASSERT_EQ(syms.size(), 1u) << info.raw;
  const std::string halted = syms[0].value("halted", "");
  EXPECT_NE(halted.find("storage_"), std::string::npos) << info.raw;
  EXPECT_NE(halted.find(reason_part), std::string::npos) << info.raw;
  std::cout << "[ info ] refused: " << halted.substr(0, 300) << "\n";
  // No answer from wrong state: accounts, events and blocks all answer 503.
  const std::string addr = crypto::address_of(l.chain.accounts[0].public_key());
  for (const std::string& target :
       {"/s/dmg/account/" + addr, "/s/dmg/event/" + hex(l.plan.hashes().front()),
        std::string("/s/dmg/block/controller/1"), std::string("/s/dmg/info")}) {
    JsonReply r = get_json(node.http(), target);
    EXPECT_EQ(r.status, 503u) << target << ": " << r.raw;
    EXPECT_EQ(r.str("error"), "symbiote_halted") << target << ": " << r.raw;
  }
  ASSERT_TRUE(node.stop().exited_with(0));
  ProcessResult replay = node.cli({"replay", "--symbiote", "dmg"}, {}, 120s);
  EXPECT_FALSE(replay.exited_with(0)) << replay.describe();
  EXPECT_NE(replay.output.find("storage_"), std::string::npos) << replay.describe();
}

TEST(StorageDamage, FlippedBytesInATableFileAreRefused) {
  NodeProcess node("dmg-sst");
  Loaded l;
  ASSERT_TRUE(load(node, l, "it-dmg-sst", 100));
  ASSERT_TRUE(node.stop().exited_with(0));  // a clean stop flushes the memtables to .sst
  auto ssts = files_with(chaindata(node, l.chain), ".sst");
  ASSERT_FALSE(ssts.empty());
  flip_bytes(ssts[0], fs::file_size(ssts[0]) / 3);
  expect_refused(node, l, "orrupt");
}

TEST(StorageDamage, ATruncatedWalIsRefusedInsteadOfComingUpAtAnOlderHeight) {
  NodeProcess node("dmg-waltrunc");
  Loaded l;
  ASSERT_TRUE(load(node, l, "it-dmg-waltrunc", 60));
  // More blocks over more than two durability-mark intervals, then kill -9: the WAL holds them.
  const chain::SymbioteId sym = symbiote_id(node.http(), "dmg");
  for (int round = 0; round < 3; ++round) {
    TransferPlan more = plan_transfers(sym, l.chain.accounts, ids_of(l.chain),
                                       {.per_sender = 20,
                                        .fee = l.chain.genesis.manifest.fee.per_event,
                                        .seed = 50u + round,
                                        .first_nonce = 61u + 20u * static_cast<uint64_t>(round)});
    ASSERT_EQ(submit_plan(node.port(), "dmg", more, 2).accepted, more.total());
    ASSERT_TRUE(wait_applied(node.http(), "dmg", more.hashes(), 30s));
    std::this_thread::sleep_for(600ms);  // the mark advances at most once a second
  }
  const uint64_t height = get_symbiote(node.http(), "dmg").height;
  node.kill9();
  auto logs = files_with(chaindata(node, l.chain), ".log");
  ASSERT_FALSE(logs.empty());
  fs::resize_file(logs[0], fs::file_size(logs[0]) / 3);
  std::cout << "[ info ] killed at height " << height << ", WAL cut to a third\n";
  expect_refused(node, l, "durable");
}

TEST(StorageDamage, ADamagedWalIsRefused) {
  NodeProcess node("dmg-walflip");
  Loaded l;
  ASSERT_TRUE(load(node, l, "it-dmg-walflip", 100));
  node.kill9();
  auto logs = files_with(chaindata(node, l.chain), ".log");
  ASSERT_FALSE(logs.empty());
  flip_bytes(logs[0], fs::file_size(logs[0]) / 2);
  expect_refused(node, l, "orrupt");
}

TEST(StorageDamage, ADeletedManifestIsRefused) {
  NodeProcess node("dmg-manifest");
  Loaded l;
  ASSERT_TRUE(load(node, l, "it-dmg-manifest", 50));
  ASSERT_TRUE(node.stop().exited_with(0));
  size_t removed = 0;
  for (const auto& e : fs::directory_iterator(chaindata(node, l.chain)))
    if (e.path().filename().string().starts_with("MANIFEST-")) removed += fs::remove(e.path());
  ASSERT_GT(removed, 0u);
  expect_refused(node, l, "storage");
}

// S6: a controller restored from an old copy of its data does not sign at indexes it signed
// before; with a follower that holds them it fetches them back, then orders again, and no node
// ever sees two blocks at one index.
TEST(StorageDamage, AControllerRestoredFromAnOldCopyFetchesItsBlocksBackBeforeSigning) {
  NodeProcess ctl("dmg-ctl"), f("dmg-follower");
  Loaded l;
  ASSERT_TRUE(load(ctl, l, "it-dmg-ctl", 20));
  ASSERT_TRUE(ctl.stop().exited_with(0));
  const ChaindataBackup backup(ctl, l.chain);
  const uint64_t old_height = [&] {
    EXPECT_TRUE(ctl.start());
    return get_symbiote(ctl.http(), "dmg").height;
  }();

  // A follower, then more blocks that it stores.
  ASSERT_TRUE(f.init());
  f.write_file("GENESIS/dmg.json", ctl.read_file("GENESIS/dmg.json"));
  f.write_file("CONFIGS/symbiotes/dmg.toml",
               "enabled = true\ngenesis = \"GENESIS/dmg.json\"\nkey = \"\"\nrole = \"follower\"\n"
               "peers = [\"http://127.0.0.1:" +
                   std::to_string(ctl.port()) + "\"]\n\n[workflow]\nsync_interval_ms = 20\n");
  ASSERT_TRUE(f.start());
  const chain::SymbioteId sym = symbiote_id(ctl.http(), "dmg");
  const uint64_t fee = l.chain.genesis.manifest.fee.per_event;
  TransferPlan more = plan_transfers(sym, l.chain.accounts, ids_of(l.chain),
                                     {.per_sender = 30, .fee = fee, .seed = 9, .first_nonce = 21});
  ASSERT_EQ(submit_plan(ctl.port(), "dmg", more, 2).accepted, more.total());
  ASSERT_TRUE(wait_applied(f.http(), "dmg", more.hashes(), 30s));
  const SymbioteView signed_view = get_symbiote(ctl.http(), "dmg");
  ASSERT_GT(signed_view.stored_height, old_height);
  ASSERT_TRUE(ctl.stop().exited_with(0));

  // The operator restores the old copy; the follower is its peer.
  backup.restore();
  ASSERT_TRUE(ctl.set_toml("CONFIGS/symbiotes/dmg.toml", "", "peers",
                           "[\"http://127.0.0.1:" + std::to_string(f.port()) + "\"]"));
  ASSERT_TRUE(ctl.start());
  // It recovers its own blocks (it does not sign below its mark) ...
  ASSERT_TRUE(wait_until(
      [&] { return get_symbiote(ctl.http(), "dmg").stored_height >= signed_view.stored_height; },
      30s));
  EXPECT_NE(ctl.log("dmg.log").find("will not sign again until it has fetched blocks"),
            std::string::npos);
  // ... then orders new events, and both nodes agree with no alarm (the follower learns the
  // controller's new port).
  ASSERT_EQ(
      post_body(f.http(), "/s/dmg/addnode",
                nlohmann::json{{"url", "http://127.0.0.1:" + std::to_string(ctl.port())}}.dump())
          .status,
      200u);
  TransferPlan after = plan_transfers(sym, l.chain.accounts, ids_of(l.chain),
                                      {.per_sender = 5, .fee = fee, .seed = 10, .first_nonce = 51});
  ASSERT_EQ(submit_plan(ctl.port(), "dmg", after, 1).accepted, after.total());
  ASSERT_TRUE(wait_applied(f.http(), "dmg", after.hashes(), 30s));
  ASSERT_TRUE(wait_applied(ctl.http(), "dmg", after.hashes(), 30s));
  for (NodeProcess* n : {&ctl, &f}) {
    JsonReply alarms = get_json(n->http(), "/s/dmg/alarms");
    EXPECT_TRUE(alarms.body["alarms"].empty()) << alarms.raw;
  }
  EXPECT_EQ(get_symbiote(ctl.http(), "dmg").state_root, get_symbiote(f.http(), "dmg").state_root);
  EXPECT_TRUE(accounts_match(
      ctl.http(), "dmg",
      expected_after(l.chain.genesis, l.chain.controller, {&l.plan, &more, &after})));
}

// Without a peer that holds them, it stays recovering: nothing is signed, /info says why.
TEST(StorageDamage, AControllerBelowItsMarkWithoutPeersDoesNotSign) {
  NodeProcess ctl("dmg-ctl-alone");
  Loaded l;
  ASSERT_TRUE(load(ctl, l, "it-dmg-alone", 5));
  ASSERT_TRUE(ctl.stop().exited_with(0));
  const ChaindataBackup backup(ctl, l.chain);
  ASSERT_TRUE(ctl.start());
  const chain::SymbioteId sym = symbiote_id(ctl.http(), "dmg");
  const uint64_t fee = l.chain.genesis.manifest.fee.per_event;
  TransferPlan more = plan_transfers(sym, l.chain.accounts, ids_of(l.chain),
                                     {.per_sender = 5, .fee = fee, .seed = 3, .first_nonce = 6});
  ASSERT_EQ(submit_plan(ctl.port(), "dmg", more, 1).accepted, more.total());
  ASSERT_TRUE(wait_applied(ctl.http(), "dmg", more.hashes(), 30s));
  const uint64_t signed_up_to = get_symbiote(ctl.http(), "dmg").stored_height;
  ASSERT_TRUE(ctl.stop().exited_with(0));
  backup.restore();

  ASSERT_TRUE(ctl.start());
  TransferPlan again = plan_transfers(sym, l.chain.accounts, ids_of(l.chain),
                                      {.per_sender = 1, .fee = fee, .seed = 4, .first_nonce = 6});
  (void)submit_plan(ctl.port(), "dmg", again, 1);
  std::this_thread::sleep_for(1s);  // time in which a signing controller would have ordered them
  JsonReply info = get_json(ctl.http(), "/s/dmg/info");
  EXPECT_EQ(info.body["signing"].value("state", ""), "recovering") << info.raw;
  EXPECT_EQ(info.body["signing"].value("signed_up_to", uint64_t{0}), signed_up_to) << info.raw;
  EXPECT_LT(info.body.value("stored_height", uint64_t{0}), signed_up_to) << info.raw;
  EXPECT_EQ(get_event(ctl.http(), "dmg", again.hashes().front()).status, "pending");
}

}  // namespace
}  // namespace klyn::itest
