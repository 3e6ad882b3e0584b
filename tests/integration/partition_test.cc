// A controller cut off from the rest of a 4-node network under load (issue 13 item 6, D4/D6/D15):
// every link between the controller and its three producers goes through a CuttableLink, the
// test cuts them all for 20 s while clients keep submitting to the producers, then heals them.
// Every event a producer accepted must be applied on every node, none rejected (for its nonce or
// anything else), the producers must say in /info that they cannot reach the controller, and no
// honest node may ban another after the heal.
#include <cstdio>

#include "cuttable_link.h"
#include "network_nodes.h"
#include "test_chain.h"

namespace klyn::itest {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t info_u64(NodeProcess& n, const std::string& alias, const char* group, const char* key) {
  JsonReply r = get_json(n.http(), "/s/" + alias + "/info");
  if (!r.is_json() || !r.body.contains(group) || !r.body[group].contains(key)) return 0;
  return r.body[group][key].get<uint64_t>();
}

TEST(Partition, AControllerCutOffForTwentySecondsUnderLoadLosesAndRejectsNothing) {
  const std::string alias = "cut";
  NodeProcess ctl("part-ctl");
  ProducerNode p1("part-p1"), p2("part-p2"), p3("part-p3");
  ProducerNode* producers[3] = {&p1, &p2, &p3};
  TestChain c;
  ASSERT_TRUE(setup_chain(ctl, {.alias = alias, .label = "it-partition", .accounts = 25}, c));
  ASSERT_TRUE(ctl.start());
  const chain::SymbioteId sym = symbiote_id(ctl.http(), alias);
  const uint64_t fee = c.genesis.manifest.fee.per_event;
  const uint64_t freeze = section_number(c.genesis, "instant_producer_stake");

  // Producers reach the controller only through `to_ctl`; the controller reaches each producer
  // only through its own link. Producers reach each other directly.
  CuttableLink to_ctl(ctl.port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(setup_producer(*producers[i], ctl, alias, "", loopback_url(to_ctl.port())));
    ASSERT_TRUE(fund_and_stake(ctl, alias, sym, c.accounts[0], 1 + i, *producers[i]->key, fee,
                               10 * freeze, freeze));
  }
  for (auto* p : producers) ASSERT_TRUE(p->node.start());
  std::vector<std::unique_ptr<CuttableLink>> to_producer;
  for (auto* p : producers) {
    to_producer.push_back(std::make_unique<CuttableLink>(p->node.port()));
    JsonReply r = post_body(ctl.http(), "/s/" + alias + "/addnode",
                            "{\"url\": \"" + loopback_url(to_producer.back()->port()) + "\"}");
    ASSERT_EQ(r.status, 200u) << r.raw;
  }
  connect_all({&p1.node, &p2.node, &p3.node}, alias);
  std::vector<NodeProcess*> nodes = {&ctl, &p1.node, &p2.node, &p3.node};
  ASSERT_TRUE(same_state(nodes, alias, 30s));

  // Paced load through the producers: 8 senders each, their events always to the same producer
  // (a wallet keeps its node), 500 events per sender, lasting about 25 s.
  std::vector<chain::AccountId> recipients = ids_of(c);
  TransferPlan plans[3];
  for (int g = 0; g < 3; ++g) {
    std::vector<crypto::KeyPair> senders;
    for (size_t i = 1 + g; i < c.accounts.size(); i += 3) senders.push_back(c.accounts[i].clone());
    plans[g] = plan_transfers(sym, senders, recipients,
                              {.per_sender = 500, .fee = fee, .seed = 1300u + g});
  }
  std::atomic<bool> stop{false};
  SubmitResult results[3];
  std::vector<std::thread> load;
  for (int g = 0; g < 3; ++g)
    load.emplace_back([&, g] {
      results[g] = submit_plan(producers[g]->node.port(), alias, plans[g], 2, &stop, 600ms);
    });
  auto cut_all = [&](bool cut) {
    for (CuttableLink* l :
         {&to_ctl, to_producer[0].get(), to_producer[1].get(), to_producer[2].get()})
      cut ? l->cut() : l->heal();
  };

  std::this_thread::sleep_for(2s);
  const uint64_t height_at_cut = get_symbiote(ctl.http(), alias).height;
  uint64_t admitted_at_cut = 0;
  for (auto* p : producers) admitted_at_cut += info_u64(p->node, alias, "events", "admitted");
  cut_all(true);
  const auto cut_at = Clock::now();
  // The producers notice: /info says the controller is out of reach.
  bool reported = wait_until(
      [&] {
        for (auto* p : producers) {
          JsonReply r = get_json(p->node.http(), "/s/" + alias + "/info");
          if (!r.is_json() || !r.body.contains("controller_reach") ||
              r.body["controller_reach"].value("reachable", true))
            return false;
        }
        return true;
      },
      15s, 200ms);
  EXPECT_TRUE(reported) << "a producer did not report the controller out of reach";
  std::this_thread::sleep_for(20s - (Clock::now() - cut_at));
  uint64_t admitted_at_heal = 0;
  for (auto* p : producers) admitted_at_heal += info_u64(p->node, alias, "events", "admitted");
  const uint64_t height_at_heal = get_symbiote(ctl.http(), alias).height;
  cut_all(false);
  const auto healed_at = Clock::now();
  for (auto& t : load) t.join();

  std::vector<Hash32> accepted;
  size_t planned = 0;
  for (int g = 0; g < 3; ++g) {
    planned += plans[g].total();
    EXPECT_TRUE(results[g].refusals.empty())
        << results[g].refusals.size() << " refused, first " << results[g].refusals[0];
    EXPECT_TRUE(results[g].transport_errors.empty()) << results[g].transport_errors[0];
    accepted.insert(accepted.end(), results[g].accepted_hashes.begin(),
                    results[g].accepted_hashes.end());
  }
  EXPECT_EQ(accepted.size(), planned);
  EXPECT_GT(to_ctl.cut_connections(), 0u);

  // Every accepted event is applied on every node; wait_applied fails at the first rejected one.
  ASSERT_TRUE(wait_applied(ctl.http(), alias, accepted, 180s));
  const double converged_s = std::chrono::duration<double>(Clock::now() - healed_at).count();
  for (auto* n : nodes) {
    ASSERT_TRUE(wait_idle(n->http(), alias, 60s));
    EXPECT_EQ(info_u64(*n, alias, "events", "rejected"), 0u) << n->dir();
  }
  ASSERT_TRUE(same_state(nodes, alias, 60s));
  for (auto* n : nodes) {
    const std::string log = n->log(alias + ".log");
    EXPECT_EQ(log.find("banned"), std::string::npos) << n->dir() << ": an honest peer was banned";
    EXPECT_EQ(log.find("bad_nonce"), std::string::npos) << n->dir();
  }
  for (auto* p : producers)
    EXPECT_NE(p->node.log(alias + ".log").find("the controller may be out of reach"),
              std::string::npos)
        << p->node.dir();
  std::printf(
      "[ partition ] %zu events accepted, %llu of them while the controller was cut off for 20 s; "
      "all applied %.1f s after the heal; controller height %llu at the cut, %llu at the heal\n",
      accepted.size(), static_cast<unsigned long long>(admitted_at_heal - admitted_at_cut),
      converged_s, static_cast<unsigned long long>(height_at_cut),
      static_cast<unsigned long long>(height_at_heal));
}

}  // namespace
}  // namespace klyn::itest
