// dev_controller as a small network (first step of the network issue): one controller and
// followers that pull blocks from a peer and forward the events submitted to them. Every node
// must reach the same height and state root; a follower killed with -9 and a brand-new follower
// both catch up.
#include <signal.h>

#include "cli/cli_common.h"
#include "core/keystore.h"
#include "network_nodes.h"
#include "test_chain.h"
#include "workflows/dev_controller/block_range.h"

namespace klyn::itest {
namespace {

TEST(Network, FollowersForwardEventsAndReachTheSameRootAfterKillAndFromScratch) {
  NodeProcess ctl("net-ctl"), f1("net-f1"), f2("net-f2");
  TestChain c;
  ASSERT_TRUE(setup_chain(ctl, {.alias = "net", .label = "it-net", .accounts = 24}, c));
  ASSERT_TRUE(ctl.start());
  ASSERT_TRUE(setup_follower(f1, ctl, "net"));
  ASSERT_TRUE(setup_follower(f2, ctl, "net"));
  ASSERT_TRUE(f1.start());
  ASSERT_TRUE(f2.start());
  const chain::SymbioteId sym = symbiote_id(ctl.http(), "net");
  ASSERT_EQ(hex(symbiote_id(f1.http(), "net")), hex(sym));

  // Senders split over the three nodes (each sender's events go to one node, in nonce order).
  std::vector<crypto::KeyPair> group[3];
  for (size_t i = 0; i < c.accounts.size(); ++i) group[i % 3].push_back(c.accounts[i].clone());
  std::vector<chain::AccountId> recipients;
  for (const auto& k : c.accounts) recipients.push_back(k.public_key());
  const uint64_t fee = c.genesis.manifest.fee.per_event;
  TransferPlan plans[3];
  for (int g = 0; g < 3; ++g)
    plans[g] =
        plan_transfers(sym, group[g], recipients, {.per_sender = 40, .fee = fee, .seed = 100u + g});
  NodeProcess* nodes[3] = {&ctl, &f1, &f2};
  for (int g = 0; g < 3; ++g) {
    SubmitResult r = submit_plan(nodes[g]->port(), "net", plans[g], 2);
    EXPECT_EQ(r.accepted, plans[g].total()) << (r.refusals.empty() ? "" : r.refusals[0]);
  }
  std::vector<Hash32> all;
  for (auto& p : plans)
    for (auto& h : p.hashes()) all.push_back(h);
  for (auto* n : nodes) ASSERT_TRUE(wait_applied(n->http(), "net", all, 60s));
  ASSERT_TRUE(same_state({&ctl, &f1, &f2}, "net", 20s));
  const ExpectedState x =
      expected_after(c.genesis, c.controller, {&plans[0], &plans[1], &plans[2]});
  for (auto* n : nodes) EXPECT_TRUE(accounts_match(n->http(), "net", x));

  // kill -9 a follower while more load arrives (through the other follower), restart it.
  TransferPlan more = plan_transfers(sym, group[1], recipients,
                                     {.per_sender = 30, .fee = fee, .seed = 7, .first_nonce = 41});
  std::atomic<bool> stop{false};
  std::thread load([&] { submit_plan(f2.port(), "net", more, 2, &stop); });
  std::this_thread::sleep_for(30ms);
  f1.kill9();
  load.join();
  ASSERT_TRUE(f1.start());
  ASSERT_TRUE(wait_applied(ctl.http(), "net", more.hashes(), 60s));
  ASSERT_TRUE(same_state({&ctl, &f1, &f2}, "net", 30s));

  // A brand-new follower joins from genesis and catches up.
  NodeProcess f3("net-f3");
  ASSERT_TRUE(setup_follower(f3, ctl, "net"));
  ASSERT_TRUE(f3.start());
  ASSERT_TRUE(same_state({&ctl, &f1, &f2, &f3}, "net", 30s));
  const ExpectedState y =
      expected_after(c.genesis, c.controller, {&plans[0], &plans[1], &plans[2], &more});
  EXPECT_TRUE(accounts_match(f3.http(), "net", y));
}

TEST(Network, FollowerPointedAtAnotherChainStoresNothing) {
  // Two unrelated controllers; a follower of chain A pointed at B's node never stores B's blocks.
  NodeProcess a("net-a"), b("net-b"), f("net-fa");
  TestChain ca, cb;
  ASSERT_TRUE(setup_chain(a, {.alias = "same", .label = "it-net-a", .accounts = 4}, ca));
  ASSERT_TRUE(setup_chain(b, {.alias = "same", .label = "it-net-b", .accounts = 4, .fee = 9}, cb));
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  ASSERT_TRUE(setup_follower(f, a, "same"));
  // Point the follower at B instead of A.
  ASSERT_TRUE(f.set_toml("CONFIGS/symbiotes/same.toml", "", "peers",
                         "[\"http://127.0.0.1:" + std::to_string(b.port()) + "\"]"));
  ASSERT_TRUE(f.start());
  const chain::SymbioteId sym_b = symbiote_id(b.http(), "same");
  TransferPlan p = plan_transfers(sym_b, cb.accounts, {cb.accounts[0].public_key()},
                                  {.per_sender = 5, .fee = 9});
  submit_plan(b.port(), "same", p, 1);
  ASSERT_TRUE(wait_applied(b.http(), "same", p.hashes(), 30s));
  // B's blocks live under B's symbiote id, which the follower (of A) asks nothing about; and even
  // a same-alias peer cannot make it store anything: its height stays 0.
  std::this_thread::sleep_for(300ms);
  SymbioteView v = get_symbiote(f.http(), "same");
  EXPECT_TRUE(v.ok);
  EXPECT_EQ(v.stored_height, 0u);
  EXPECT_EQ(v.height, 0u);
}

}  // namespace
}  // namespace klyn::itest

namespace klyn::itest {
namespace {

TEST(Network, AddnodeValidatesAddressesAndAFollowerWithoutPeersCatchesUpOnceAdded) {
  NodeProcess ctl("net-add-ctl"), f("net-add-f");
  TestChain c;
  ASSERT_TRUE(setup_chain(ctl, {.alias = "add", .label = "it-net-add", .accounts = 4}, c));
  ASSERT_TRUE(ctl.start());
  const chain::SymbioteId sym = symbiote_id(ctl.http(), "add");
  TransferPlan p = plan_transfers(sym, c.accounts, {c.accounts[0].public_key()},
                                  {.per_sender = 10, .fee = c.genesis.manifest.fee.per_event});
  submit_plan(ctl.port(), "add", p, 1);
  ASSERT_TRUE(wait_applied(ctl.http(), "add", p.hashes(), 30s));

  ASSERT_TRUE(setup_follower(f, ctl, "add"));
  ASSERT_TRUE(f.set_toml("CONFIGS/symbiotes/add.toml", "", "peers", "[]"));
  ASSERT_TRUE(f.start());
  // Bad addresses are refused with a reason; the node keeps serving.
  for (const char* bad : {"{\"url\": \"ftp://127.0.0.1:1\"}", "{\"url\": \"http://127.0.0.1\"}",
                          "{\"url\": 5}", "{\"url\": \"http://:80\"}", "[1]"}) {
    JsonReply r = post_body(f.http(), "/s/add/addnode", bad);
    EXPECT_EQ(r.status, 400u) << bad;
    EXPECT_FALSE(r.str("reason").empty()) << bad;
  }
  EXPECT_EQ(get_symbiote(f.http(), "add").stored_height, 0u);
  const std::string url = "http://127.0.0.1:" + std::to_string(ctl.port());
  JsonReply ok = post_body(f.http(), "/s/add/addnode", "{\"url\": \"" + url + "\"}");
  ASSERT_EQ(ok.status, 200u) << ok.body.dump();
  EXPECT_TRUE(ok.body.value("added", false));
  JsonReply again = post_body(f.http(), "/s/add/addnode", "{\"url\": \"" + url + "\"}");
  EXPECT_FALSE(again.body.value("added", true));  // already known
  JsonReply nodes = get_json(f.http(), "/s/add/nodes");
  ASSERT_TRUE(nodes.is_json());
  EXPECT_EQ(nodes.body["nodes"], nlohmann::json::array({url}));
  ASSERT_TRUE(same_state({&ctl, &f}, "add", 20s));
}

}  // namespace
}  // namespace klyn::itest

namespace klyn::itest {
namespace {

// Every node tells every other node about itself (POST addnode): a full mesh.
size_t alarm_count(net::HttpClient& c, const std::string& alias) {
  JsonReply r = get_json(c, "/s/" + alias + "/alarms");
  return r.is_json() && r.body.contains("alarms") ? r.body["alarms"].size() : 0;
}

TEST(Network, EquivocationRaisesTheAlarmOnEveryNodeAndStopsApplying) {
  NodeProcess ctl("net-eq-ctl"), f1("net-eq-f1"), f2("net-eq-f2"), f3("net-eq-f3");
  TestChain c;
  ASSERT_TRUE(setup_chain(ctl, {.alias = "eq", .label = "it-net-eq", .accounts = 6}, c));
  ASSERT_TRUE(ctl.start());
  for (auto* f : {&f1, &f2, &f3}) {
    ASSERT_TRUE(setup_follower(*f, ctl, "eq"));
    ASSERT_TRUE(f->start());
  }
  std::vector<NodeProcess*> all = {&ctl, &f1, &f2, &f3};
  connect_all(all, "eq");
  const chain::SymbioteId sym = symbiote_id(ctl.http(), "eq");
  const uint64_t fee = c.genesis.manifest.fee.per_event;
  TransferPlan p =
      plan_transfers(sym, c.accounts, {c.accounts[0].public_key()}, {.per_sender = 5, .fee = fee});
  submit_plan(ctl.port(), "eq", p, 1);
  ASSERT_TRUE(wait_applied(ctl.http(), "eq", p.hashes(), 30s));
  ASSERT_TRUE(same_state(all, "eq", 20s));
  for (auto* n : all) EXPECT_EQ(alarm_count(n->http(), "eq"), 0u);

  // The test plays a controller gone bad: it signs a second block 1 with the controller's key.
  core::Keystore keys(ctl.dir() / "KEYS");
  auto ctl_key = keys.load("ctl", "", core::PlainKeys::allow);
  ASSERT_TRUE(ctl_key.ok()) << ctl_key.error().to_string();
  auto served = ctl.http().get("/s/eq/sync/blocks?from=1&limit=1");
  ASSERT_TRUE(served.ok());
  auto range = dev_controller::decode_range(as_bytes(served->body), {});
  ASSERT_TRUE(range.ok() && range->bundles.size() == 1);
  auto original = dev_controller::decode_controller_block(range->bundles[0].controller, {});
  ASSERT_TRUE(original.ok());
  dev_controller::ControllerBlock forged = *original;
  forged.created_ms += 1;
  forged.sign(*ctl_key);
  Bytes forged_bytes = forged.encode();

  // Garbage and wrongly signed blocks are refused with a reason and raise nothing.
  auto garbage = f2.http().post("/s/eq/sync/controller_block", "junk", "application/octet-stream");
  ASSERT_TRUE(garbage.ok());
  EXPECT_EQ(garbage->status, 400u);
  dev_controller::ControllerBlock unsigned_copy = forged;
  unsigned_copy.sign(c.accounts[0]);
  Bytes bad_sig = unsigned_copy.encode();
  auto refused =
      f2.http().post("/s/eq/sync/controller_block", std::string(bad_sig.begin(), bad_sig.end()),
                     "application/octet-stream");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 400u);
  EXPECT_EQ(alarm_count(f2.http(), "eq"), 0u);

  // One node sees the forged block; within 2 s every node holds the proof.
  const uint64_t height_before = get_symbiote(ctl.http(), "eq").height;
  auto t0 = std::chrono::steady_clock::now();
  auto seen = f2.http().post("/s/eq/sync/controller_block",
                             std::string(forged_bytes.begin(), forged_bytes.end()),
                             "application/octet-stream");
  ASSERT_TRUE(seen.ok());
  ASSERT_EQ(seen->status, 200u) << seen->body;
  for (auto* n : all) {
    while (alarm_count(n->http(), "eq") == 0 && std::chrono::steady_clock::now() - t0 < 2s)
      std::this_thread::sleep_for(20ms);
    EXPECT_EQ(alarm_count(n->http(), "eq"), 1u) << "node on port " << n->port();
  }
  JsonReply alarms = get_json(f1.http(), "/s/eq/alarms");
  ASSERT_TRUE(alarms.is_json());
  EXPECT_EQ(alarms.body["alarms"][0]["kind"], "equivocation");
  EXPECT_EQ(alarms.body["alarms"][0]["index"], 1);
  EXPECT_FALSE(alarms.body["applying"].get<bool>());

  // Nothing new is applied anywhere: events are still admitted but no block is produced/applied.
  TransferPlan later = plan_transfers(sym, c.accounts, {c.accounts[1].public_key()},
                                      {.per_sender = 1, .fee = fee, .seed = 9, .first_nonce = 6});
  submit_plan(ctl.port(), "eq", later, 1);
  std::this_thread::sleep_for(300ms);
  for (auto* n : all) {
    SymbioteView v = get_symbiote(n->http(), "eq");
    EXPECT_EQ(v.height, height_before) << "node on port " << n->port();
  }

  // The alarm is durable: a restarted node still holds it and still does not apply.
  ASSERT_TRUE(f1.restart());
  EXPECT_EQ(alarm_count(f1.http(), "eq"), 1u);
  auto q = run_klyn74r({"query", "alarms", "--symbiote", "eq", "--node",
                        "http://127.0.0.1:" + std::to_string(f1.port())});
  EXPECT_EQ(q.exit_code, 0) << q.output;
  EXPECT_NE(q.output.find("equivocation"), std::string::npos) << q.output;
}

}  // namespace
}  // namespace klyn::itest

namespace klyn::itest {
namespace {

// A node with its own plain key `prod` that holds `alias` as `role` with peers `peers`.
// The producer of the instant block that carries event `h`, as the node reports it.
std::string producer_of(net::HttpClient& c, const std::string& alias, const Hash32& h) {
  JsonReply e = get_json(c, "/s/" + alias + "/event/" + hex(h));
  if (!e.is_json() || !e.body.contains("instant_block")) return "";
  JsonReply b = get_json(c, "/s/" + alias + "/block/instant/" + e.str("instant_block"));
  return b.str("producer");
}

TEST(Network, ProducersOnOtherNodesMakeInstantBlocksAndAllNodesAgree) {
  NodeProcess ctl("net-pr-ctl"), f("net-pr-f");
  ProducerNode p1("net-pr-p1"), p2("net-pr-p2"), u("net-pr-u");
  TestChain c;
  ASSERT_TRUE(setup_chain(ctl, {.alias = "pr", .label = "it-net-pr", .accounts = 9}, c));
  ASSERT_TRUE(ctl.start());
  const chain::SymbioteId sym = symbiote_id(ctl.http(), "pr");
  const uint64_t fee = c.genesis.manifest.fee.per_event;
  const uint64_t freeze = section_number(c.genesis, "instant_producer_stake");
  ASSERT_TRUE(setup_producer(p1, ctl, "pr"));
  ASSERT_TRUE(setup_producer(p2, ctl, "pr"));
  ASSERT_TRUE(setup_producer(u, ctl, "pr"));
  // accounts[0] funds the producers; p1 and p2 stake, u does not.
  ASSERT_TRUE(fund_and_stake(ctl, "pr", sym, c.accounts[0], 1, *p1.key, fee, 10 * freeze, freeze));
  ASSERT_TRUE(fund_and_stake(ctl, "pr", sym, c.accounts[0], 2, *p2.key, fee, 10 * freeze, freeze));
  ASSERT_TRUE(fund_and_stake(ctl, "pr", sym, c.accounts[0], 3, *u.key, fee, 10 * freeze, 0));
  ASSERT_TRUE(setup_follower(f, ctl, "pr"));
  for (auto* n : {&p1.node, &p2.node, &u.node, &f}) ASSERT_TRUE(n->start());

  // Transfers round-robin over controller, both producers and the follower (8 senders, 2 each).
  std::vector<crypto::KeyPair> group[4];
  for (size_t i = 1; i < c.accounts.size(); ++i)
    group[(i - 1) % 4].push_back(c.accounts[i].clone());
  std::vector<chain::AccountId> recipients;
  for (const auto& k : c.accounts) recipients.push_back(k.public_key());
  NodeProcess* entry[4] = {&ctl, &p1.node, &p2.node, &f};
  TransferPlan plans[4];
  for (int g = 0; g < 4; ++g)
    plans[g] =
        plan_transfers(sym, group[g], recipients, {.per_sender = 30, .fee = fee, .seed = 200u + g});
  for (int g = 0; g < 4; ++g) {
    SubmitResult r = submit_plan(entry[g]->port(), "pr", plans[g], 2);
    EXPECT_EQ(r.accepted, plans[g].total()) << (r.refusals.empty() ? "" : r.refusals[0]);
  }
  // The unstaked producer admits events but its instant blocks are refused: never applied.
  std::vector<crypto::KeyPair> funder;
  funder.push_back(c.accounts[0].clone());
  TransferPlan unstaked = plan_transfers(
      sym, funder, recipients, {.per_sender = 3, .fee = fee, .seed = 9, .first_nonce = 4});
  SubmitResult ur = submit_plan(u.node.port(), "pr", unstaked, 1);
  EXPECT_EQ(ur.accepted, unstaked.total());

  std::vector<Hash32> all;
  for (auto& p : plans)
    for (auto& h : p.hashes()) all.push_back(h);
  ASSERT_TRUE(wait_applied(ctl.http(), "pr", all, 60s));
  std::vector<NodeProcess*> nodes = {&ctl, &p1.node, &p2.node, &u.node, &f};
  ASSERT_TRUE(same_state(nodes, "pr", 30s));

  // Events submitted to a producer are in that producer's instant blocks.
  EXPECT_EQ(producer_of(ctl.http(), "pr", plans[1].hashes()[0]), p1.key->address());
  EXPECT_EQ(producer_of(f.http(), "pr", plans[2].hashes()[0]), p2.key->address());
  for (const auto& h : unstaked.hashes()) {
    EventView v = get_event(ctl.http(), "pr", h);
    EXPECT_NE(v.status, "applied") << "an unstaked producer's block was applied";
  }
  EXPECT_NE(u.node.log("pr.log").find("not_staked"), std::string::npos);

  // kill -9 a producer while load arrives through the other one; it comes back to the same root.
  TransferPlan more = plan_transfers(sym, group[2], recipients,
                                     {.per_sender = 20, .fee = fee, .seed = 77, .first_nonce = 31});
  std::atomic<bool> stop{false};
  std::thread load([&] { submit_plan(p2.node.port(), "pr", more, 2, &stop); });
  std::this_thread::sleep_for(30ms);
  p1.node.kill9();
  load.join();
  ASSERT_TRUE(p1.node.start());
  ASSERT_TRUE(wait_applied(ctl.http(), "pr", more.hashes(), 60s));
  ASSERT_TRUE(same_state(nodes, "pr", 30s));
}

TEST(Network, AControllerThatSkipsAStakedProducerLeavesEvidenceOnEveryNode) {
  NodeProcess ctl("net-cs-ctl"), f("net-cs-f");
  ProducerNode p("net-cs-p");
  TestChain c;
  ASSERT_TRUE(setup_chain(ctl, {.alias = "cs", .label = "it-net-cs", .accounts = 3}, c));
  ASSERT_TRUE(ctl.start());
  const chain::SymbioteId sym = symbiote_id(ctl.http(), "cs");
  const uint64_t fee = c.genesis.manifest.fee.per_event;
  const uint64_t freeze = section_number(c.genesis, "instant_producer_stake");
  const uint64_t window = section_number(c.genesis, "inclusion_window");
  ASSERT_TRUE(setup_producer(p, ctl, "cs"));
  ASSERT_TRUE(fund_and_stake(ctl, "cs", sym, c.accounts[0], 1, *p.key, fee, 10 * freeze, freeze));
  // The controller turns bad: it acknowledges the producer's blocks but never orders them.
  ASSERT_TRUE(ctl.set_toml("CONFIGS/symbiotes/cs.toml", "workflow", "fault_censor_producers",
                           "[\"" + p.key->address() + "\"]"));
  ASSERT_TRUE(ctl.restart());
  ASSERT_TRUE(p.node.set_toml("CONFIGS/symbiotes/cs.toml", "", "peers",
                              "[\"http://127.0.0.1:" + std::to_string(ctl.port()) + "\"]"));
  ASSERT_TRUE(setup_follower(f, ctl, "cs"));
  ASSERT_TRUE(p.node.start());
  ASSERT_TRUE(f.start());
  connect_all({&ctl, &p.node, &f}, "cs");

  auto censored = chain::make_transfer(sym, c.accounts[1], 1, fee, c.accounts[2].public_key(), 5);
  JsonReply sent = post_body(p.node.http(), "/s/cs/event", event_body(censored));
  ASSERT_EQ(sent.status, 202u) << sent.raw;
  // The chain moves on: `window` + 2 more controller blocks of other events.
  for (uint64_t i = 0; i < window + 2; ++i) {
    auto t = chain::make_transfer(sym, c.accounts[2], i + 1, fee, c.accounts[0].public_key(), 1);
    ASSERT_EQ(post_body(ctl.http(), "/s/cs/event", event_body(t)).status, 202u);
    ASSERT_TRUE(wait_applied(ctl.http(), "cs", {t.hash()}, 10s));
  }
  for (auto* n : {&ctl, &p.node, &f}) {
    bool found = wait_until(
        [&] {
          JsonReply e = get_json(n->http(), "/s/cs/evidence");
          return e.is_json() && e.body["evidence"].size() == 1;
        },
        5s);
    EXPECT_TRUE(found) << "no evidence on node " << n->port();
  }
  JsonReply e = get_json(f.http(), "/s/cs/evidence");
  ASSERT_TRUE(e.is_json());
  EXPECT_EQ(e.body["evidence"][0]["kind"], "censorship");
  EXPECT_NE(e.body["evidence"][0]["note"].get<std::string>().find(p.key->address()),
            std::string::npos);
  EXPECT_NE(get_event(ctl.http(), "cs", censored.hash()).status, "applied");
  // Evidence does not stop the chain (unlike a fork alarm).
  EXPECT_EQ(get_json(f.http(), "/s/cs/alarms").body["alarms"].size(), 0u);
}

}  // namespace
}  // namespace klyn::itest

namespace klyn::itest {
namespace {

Result<net::Response> post_as(net::HttpClient& c, const std::string& node_id,
                              const std::string& target, const std::string& body) {
  return c.request(net::Method::kPost, target, body, "application/octet-stream",
                   {{"X-Klyn-Node", node_id}});
}

TEST(Network, APeerSendingGarbageOrFloodingDuplicatesIsBannedHonestPeersUnaffected) {
  NodeProcess ctl("net-mb-ctl"), f("net-mb-f");
  TestChain c;
  ASSERT_TRUE(setup_chain(ctl, {.alias = "mb", .label = "it-net-mb", .accounts = 4}, c));
  ASSERT_TRUE(ctl.start());
  ASSERT_TRUE(setup_follower(f, ctl, "mb"));
  ASSERT_TRUE(f.start());
  const chain::SymbioteId sym = symbiote_id(ctl.http(), "mb");
  const uint64_t fee = c.genesis.manifest.fee.per_event;
  TransferPlan p1 = plan_transfers(sym, c.accounts, {c.accounts[0].public_key()},
                                   {.per_sender = 5, .fee = fee, .seed = 1});
  submit_plan(ctl.port(), "mb", p1, 1);
  ASSERT_TRUE(wait_applied(ctl.http(), "mb", p1.hashes(), 20s));
  ASSERT_TRUE(same_state({&ctl, &f}, "mb", 20s));

  // "evil" sends garbage and wrongly signed blocks: each refused with a reason, then banned.
  auto evil = ctl.new_client();
  std::vector<std::string> bodies = {"junk", std::string(100, '\0'), "KLY-DC-CONTROLLER-v1"};
  // 20 points per invalid message, threshold 100 (scores decay, so the 5th or the 6th crosses it).
  int refused = 0;
  unsigned last = 0;
  std::string last_body;
  for (int i = 0; i < 10 && last != 403; ++i) {
    auto r = post_as(*evil, "evil", "/s/mb/sync/controller_block", bodies[i % bodies.size()]);
    ASSERT_TRUE(r.ok());
    last = r->status;
    last_body = r->body;
    if (last == 400) ++refused;
  }
  EXPECT_GE(refused, 5);
  EXPECT_LE(refused, 6);
  EXPECT_EQ(last, 403u) << last_body;
  EXPECT_NE(last_body.find("banned"), std::string::npos);
  // While banned it is not served blocks either.
  auto blocks = evil->request(net::Method::kGet, "/s/mb/sync/blocks?from=1", "", "",
                              {{"X-Klyn-Node", "evil"}});
  ASSERT_TRUE(blocks.ok());
  EXPECT_EQ(blocks->status, 403u);
  EXPECT_NE(ctl.log("mb.log").find("banned"), std::string::npos);

  // "flood" re-sends a block the node already has: one point each, banned after a burst.
  auto served = ctl.http().get("/s/mb/sync/blocks?from=1&limit=1");
  ASSERT_TRUE(served.ok());
  auto range = dev_controller::decode_range(as_bytes(served->body), {});
  ASSERT_TRUE(range.ok() && !range->bundles.empty());
  const Bytes& known = range->bundles[0].controller;
  auto flood = ctl.new_client();
  int ok = 0, refused_flood = 0;
  for (int i = 0; i < 150 && refused_flood == 0; ++i) {
    auto r = post_as(*flood, "flood", "/s/mb/sync/controller_block",
                     std::string(known.begin(), known.end()));
    ASSERT_TRUE(r.ok());
    if (r->status != 200 && r->status != 403) FAIL() << r->status << " " << r->body;
    (r->status == 200 ? ok : refused_flood) += 1;
  }
  EXPECT_GE(ok, 90);
  EXPECT_EQ(refused_flood, 1) << "the duplicate flood was never cut off";

  // The honest follower (same IP, its own node id) keeps syncing.
  TransferPlan p2 = plan_transfers(sym, c.accounts, {c.accounts[1].public_key()},
                                   {.per_sender = 5, .fee = fee, .seed = 2, .first_nonce = 6});
  submit_plan(f.port(), "mb", p2, 1);
  ASSERT_TRUE(wait_applied(ctl.http(), "mb", p2.hashes(), 20s));
  ASSERT_TRUE(same_state({&ctl, &f}, "mb", 20s));
  JsonReply nodes = get_json(ctl.http(), "/s/mb/nodes");
  EXPECT_GE(nodes.body["misbehaviour"].size(), 2u);
}

}  // namespace
}  // namespace klyn::itest
