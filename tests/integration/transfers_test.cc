// Transfers through a real node: exact balances, nonces and fees; state survives a restart.
#include <signal.h>

#include <cstdio>

#include "cli/cli_common.h"
#include "test_chain.h"

namespace klyn::itest {
namespace {

// The 20 funded accounts plus 10 fresh (unfunded) addresses as recipients.
std::vector<chain::AccountId> recipients_of(const TestChain& c, const std::string& fresh_label,
                                            size_t fresh) {
  std::vector<chain::AccountId> out;
  for (const auto& k : c.accounts) out.push_back(k.public_key());
  for (size_t i = 0; i < fresh; ++i)
    out.push_back(cli::derived_test_key(fresh_label, i).public_key());
  return out;
}

std::string first(const std::vector<std::string>& v) {
  return v.empty() ? "" : v.front();
}

TEST(Transfers, TwoThousandFromTwentyAccountsGiveExactBalancesAndFees) {
  NodeProcess node("transfers");
  TestChain c;
  ASSERT_TRUE(setup_chain(node, {.alias = "load", .label = "it-transfers"}, c));
  ASSERT_TRUE(node.start());
  const chain::SymbioteId sym = symbiote_id(node.http(), "load");
  ASSERT_EQ(hex(sym), hex(c.genesis.id()));

  const TransferPlan plan =
      plan_transfers(sym, c.accounts, recipients_of(c, "it-transfers-fresh", 10),
                     {.per_sender = 100,
                      .fee = c.genesis.manifest.fee.per_event,
                      .max_amount = 1000,
                      .seed = 20261125});
  ASSERT_EQ(plan.total(), 2000u);

  const SubmitResult sub = submit_plan(node.port(), "load", plan, 4);
  EXPECT_EQ(sub.accepted, 2000u) << first(sub.refusals);
  EXPECT_TRUE(sub.transport_errors.empty()) << first(sub.transport_errors);
  EXPECT_GT(sub.single, 0u);
  EXPECT_GT(sub.json_batches, 0u);
  EXPECT_GT(sub.binary_batches, 0u);
  // Keep-alive: every one of the 4 submitters used a single connection.
  EXPECT_EQ(sub.connections_opened, 4u);

  ASSERT_TRUE(wait_applied(node.http(), "load", plan.hashes(), 60s));
  ASSERT_TRUE(wait_idle(node.http(), "load", 10s));

  // Expected state from the manifest: fee per event, the producer's (the controller's) share,
  // the rest burned.
  const ExpectedState x = expected_after(c.genesis, c.controller, {&plan});
  ASSERT_GT(x.producer_fees, 0u) << "choose a fee whose generator share is not zero";
  ASSERT_GT(x.burned, 0u);
  EXPECT_TRUE(accounts_match(node.http(), "load", x));
  const AccountView ctl = get_account(node.http(), "load", c.controller);
  EXPECT_EQ(ctl.stake, section_number(c.genesis, "instant_producer_stake"));

  const SymbioteView info = get_symbiote(node.http(), "load");
  EXPECT_EQ(info.applied, 2000u);
  EXPECT_GE(info.height, 1u);
  auto root = get_json(node.http(), "/s/load/state_root");
  ASSERT_EQ(root.status, 200u) << root.raw;
  EXPECT_EQ(root.str("state_root"), info.state_root);
  EXPECT_EQ(root.body.value("height", uint64_t{0}), info.height);
  EXPECT_EQ(info.state_root.size(), 64u);
  // The symbiote id serves the same routes as the alias.
  EXPECT_EQ(get_symbiote(node.http(), hex(sym)).state_root, info.state_root);

  // The blocks: consecutive controller blocks linked by hash, all applied, naming instant blocks
  // produced by the controller that carry exactly the 2,000 events.
  std::string prev = hex(sym);
  uint64_t index = 0;
  size_t events = 0;
  for (uint64_t from = 1; from <= info.height; from += 100) {
    auto page = get_json(node.http(), "/s/load/blocks?from=" + std::to_string(from) + "&limit=100");
    ASSERT_EQ(page.status, 200u) << page.raw;
    for (const auto& b : page.body["blocks"]) {
      ASSERT_EQ(b.value("index", uint64_t{0}), ++index);
      ASSERT_EQ(b.value("prev_hash", ""), prev) << "block " << index;
      EXPECT_TRUE(b.value("applied", false));
      prev = b.value("hash", "");
      for (const auto& ih : b["instant_blocks"]) {
        auto ib = get_json(node.http(), "/s/load/block/instant/" + ih.get<std::string>());
        ASSERT_EQ(ib.status, 200u) << ib.raw;
        EXPECT_EQ(ib.str("producer"), crypto::address_of(c.controller));
        events += ib.body["events"].size();
      }
    }
  }
  EXPECT_EQ(index, info.height);
  EXPECT_EQ(events, 2000u);

  auto stopped = node.stop();
  EXPECT_TRUE(stopped.exited_with(0)) << stopped.describe();
}

TEST(Transfers, RestartKeepsStateRootHeightsAndBalances) {
  NodeProcess node("restart");
  TestChain c;
  ASSERT_TRUE(setup_chain(node, {.alias = "load", .label = "it-restart"}, c));
  ASSERT_TRUE(node.start());
  const chain::SymbioteId sym = symbiote_id(node.http(), "load");
  const auto recipients = recipients_of(c, "it-restart-fresh", 5);
  const TransferPlan before = plan_transfers(
      sym, c.accounts, recipients, {.per_sender = 10, .fee = c.genesis.manifest.fee.per_event});
  const SubmitResult sub = submit_plan(node.port(), "load", before, 2);
  ASSERT_EQ(sub.accepted, before.total()) << first(sub.refusals);
  ASSERT_TRUE(wait_applied(node.http(), "load", before.hashes(), 30s));
  ASSERT_TRUE(wait_idle(node.http(), "load", 10s));

  const SymbioteView s1 = get_symbiote(node.http(), "load");
  const auto root1 = get_json(node.http(), "/s/load/state_root");
  const auto head1 = get_json(node.http(), "/s/load/block/controller/" + std::to_string(s1.height));
  ASSERT_EQ(head1.status, 200u) << head1.raw;
  const ExpectedState x1 = expected_after(c.genesis, c.controller, {&before});
  ASSERT_TRUE(accounts_match(node.http(), "load", x1));

  // SIGINT (Ctrl-C) is a graceful stop too.
  const ProcessResult stopped = node.stop(15s, SIGINT);
  ASSERT_TRUE(stopped.exited_with(0)) << stopped.describe();
  EXPECT_NE(stopped.output.find("stopped cleanly"), std::string::npos);
  ASSERT_TRUE(node.start());

  // Right after the restart, before any new event: the same heights, root and balances.
  const SymbioteView s2 = get_symbiote(node.http(), "load");
  EXPECT_EQ(s2.height, s1.height);
  EXPECT_EQ(s2.stored_height, s1.stored_height);
  EXPECT_EQ(s2.state_root, s1.state_root);
  const auto root2 = get_json(node.http(), "/s/load/state_root");
  EXPECT_EQ(root2.str("state_root"), root1.str("state_root"));
  const auto head2 = get_json(node.http(), "/s/load/block/controller/" + std::to_string(s1.height));
  EXPECT_EQ(head2.str("hash"), head1.str("hash"));
  EXPECT_TRUE(accounts_match(node.http(), "load", x1));
  for (const auto& h : before.hashes()) {
    EventView e = get_event(node.http(), "load", h);
    ASSERT_EQ(e.status, "applied") << hex(h);
  }

  // The chain continues where it stopped: new events apply on top, linked to the old head.
  const TransferPlan after = plan_transfers(
      sym, c.accounts, recipients,
      {.per_sender = 5, .fee = c.genesis.manifest.fee.per_event, .seed = 7, .first_nonce = 11});
  const SubmitResult sub2 = submit_plan(node.port(), "load", after, 2);
  ASSERT_EQ(sub2.accepted, after.total()) << first(sub2.refusals);
  ASSERT_TRUE(wait_applied(node.http(), "load", after.hashes(), 30s));
  ASSERT_TRUE(wait_idle(node.http(), "load", 10s));
  const auto next =
      get_json(node.http(), "/s/load/block/controller/" + std::to_string(s1.height + 1));
  ASSERT_EQ(next.status, 200u) << next.raw;
  EXPECT_EQ(next.str("prev_hash"), head1.str("hash"));
  EXPECT_TRUE(accounts_match(node.http(), "load",
                             expected_after(c.genesis, c.controller, {&before, &after})));
}

// Admission checks the balance against committed state only, so two events that each fit but
// together overspend are both admitted; the second is rejected when applied: it costs nothing
// (no fee, no nonce), is reported "rejected" with a reason, and its nonce can be used again.
TEST(Transfers, OverspendIsRejectedAtApplyWithoutFeeOrNonce) {
  NodeProcess node("overspend");
  TestChain c;
  ASSERT_TRUE(setup_chain(
      node, {.alias = "load", .label = "it-overspend", .accounts = 2, .balance = 1000}, c));
  ASSERT_TRUE(node.start());
  const chain::SymbioteId sym = symbiote_id(node.http(), "load");
  const uint64_t fee = c.genesis.manifest.fee.per_event;
  const auto& from = c.accounts[0];
  const auto to = c.accounts[1].public_key();
  TransferPlan plan;
  plan.per_sender = {{chain::make_transfer(sym, from, 1, fee, to, 600),
                      chain::make_transfer(sym, from, 2, fee, to, 600)}};
  // The second first: it waits for nonce 1, so both are admitted against the same balance.
  JsonReply r = post_body(node.http(), "/s/load/event", event_body(plan.per_sender[0][1]));
  ASSERT_EQ(r.status, 202u) << r.raw;
  r = post_body(node.http(), "/s/load/event", event_body(plan.per_sender[0][0]));
  ASSERT_EQ(r.status, 202u) << r.raw;
  const Hash32 first = plan.per_sender[0][0].hash(), second = plan.per_sender[0][1].hash();
  ASSERT_TRUE(wait_applied(node.http(), "load", {first}, 10s));
  EventView v;
  ASSERT_TRUE(wait_until(
      [&] {
        v = get_event(node.http(), "load", second);
        return v.status != "pending";
      },
      10s));
  EXPECT_EQ(v.status, "rejected");
  EXPECT_NE(v.reason.find("balance"), std::string::npos) << v.reason;

  TransferPlan applied;
  applied.per_sender = {{plan.per_sender[0][0]}};
  EXPECT_TRUE(
      accounts_match(node.http(), "load", expected_after(c.genesis, c.controller, {&applied})));

  // Nonce 2 is still free.
  TransferPlan retry;
  retry.per_sender = {{chain::make_transfer(sym, from, 2, fee, to, 100)}};
  r = post_body(node.http(), "/s/load/event", event_body(retry.per_sender[0][0]));
  ASSERT_EQ(r.status, 202u) << r.raw;
  ASSERT_TRUE(wait_applied(node.http(), "load", retry.hashes(), 10s));
  EXPECT_TRUE(accounts_match(node.http(), "load",
                             expected_after(c.genesis, c.controller, {&applied, &retry})));
  EXPECT_EQ(get_event(node.http(), "load", second).status, "rejected");
}

// An accepted event is "pending" until a block decides it and then "applied" or "rejected": a
// client polling its status while it is applied never sees it unknown (404), and a nonce freed by
// a rejection can be used the moment the rejection is visible. Each event is polled without
// pause from its 202 on, so the polls meet the instants its block is committed.
TEST(Transfers, AnEventPolledWhileItIsAppliedIsNeverUnknown) {
  NodeProcess node("poll-status");
  TestChain c;
  ASSERT_TRUE(setup_chain(
      node, {.alias = "load", .label = "it-poll-status", .accounts = 3, .balance = 1'000'000}, c));
  ASSERT_TRUE(node.start());
  const chain::SymbioteId sym = symbiote_id(node.http(), "load");
  const uint64_t fee = c.genesis.manifest.fee.per_event;
  const auto to = c.accounts[2].public_key();
  size_t polls = 0;
  for (uint64_t nonce = 1; nonce <= 300; ++nonce) {
    for (int k = 0; k < 2; ++k) {
      const chain::Event e = chain::make_transfer(sym, c.accounts[k], nonce, fee, to, 1);
      JsonReply r = post_body(node.http(), "/s/load/event", event_body(e));
      ASSERT_EQ(r.status, 202u) << "nonce " << nonce << ": " << r.raw;
    }
    for (int k = 0; k < 2; ++k) {
      const Hash32 h = chain::make_transfer(sym, c.accounts[k], nonce, fee, to, 1).hash();
      EventView v;
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      do {
        v = get_event(node.http(), "load", h);
        ++polls;
        ASSERT_NE(v.status, "unknown") << "nonce " << nonce << " of sender " << k;
      } while (v.status == "pending" && std::chrono::steady_clock::now() < deadline);
      ASSERT_EQ(v.status, "applied") << v.reason;
    }
  }
  std::printf("[ poll ] 600 events, %zu status polls, none unknown\n", polls);
}

// The stop switch (§4.1): `enabled = false` in a symbiote's toml stops serving it without
// removing its data; enabling it again brings back the same state.
TEST(Transfers, DisabledSymbioteKeepsItsData) {
  NodeProcess node("stopswitch");
  ASSERT_TRUE(node.init(true));  // alpha and beta
  ASSERT_TRUE(node.start());
  const chain::SymbioteId beta = symbiote_id(node.http(), "beta");
  const crypto::KeyPair alice = cli::derived_test_key("devnet-alice", 0);
  const crypto::KeyPair bob = cli::derived_test_key("devnet-bob", 0);
  const chain::Event e = chain::make_transfer(beta, alice, 1, 1, bob.public_key(), 12345);
  ASSERT_EQ(post_body(node.http(), "/s/beta/event", event_body(e)).status, 202u);
  ASSERT_TRUE(wait_applied(node.http(), "beta", {e.hash()}, 10s));
  ASSERT_TRUE(wait_idle(node.http(), "beta", 10s));
  const SymbioteView before = get_symbiote(node.http(), "beta");
  const AccountView bob_before = get_account(node.http(), "beta", bob.public_key());

  ASSERT_TRUE(node.stop().exited_with(0));
  ASSERT_TRUE(node.set_toml("CONFIGS/symbiotes/beta.toml", "", "enabled", "false"));
  ASSERT_TRUE(node.start());
  auto r = get_json(node.http(), "/s/beta/info");
  EXPECT_EQ(r.status, 404u) << r.raw;
  EXPECT_EQ(r.str("error"), "unknown_symbiote");
  auto list = get_json(node.http(), "/symbiotes");
  ASSERT_TRUE(list.body.is_object()) << list.raw;
  // alpha and gamma (the devnet's dev_symbiland symbiote); beta is not listed.
  EXPECT_EQ(list.body["symbiotes"].size(), 2u) << list.raw;
  for (const auto& sym : list.body["symbiotes"]) EXPECT_NE(sym.value("alias", ""), "beta");
  EXPECT_EQ(get_json(node.http(), "/s/alpha/info").status, 200u);

  ASSERT_TRUE(node.stop().exited_with(0));
  ASSERT_TRUE(node.set_toml("CONFIGS/symbiotes/beta.toml", "", "enabled", "true"));
  ASSERT_TRUE(node.start());
  const SymbioteView after = get_symbiote(node.http(), "beta");
  EXPECT_EQ(after.height, before.height);
  EXPECT_EQ(after.state_root, before.state_root);
  EXPECT_EQ(get_account(node.http(), "beta", bob.public_key()).balance, bob_before.balance);
  EXPECT_EQ(get_event(node.http(), "beta", e.hash()).status, "applied");
}

// manifest.fee.rest_to: the part of each fee that is not the producer's goes to that address
// instead of being burned; the total supply is unchanged.
TEST(Transfers, FeeRestGoesToTheManifestAddress) {
  NodeProcess node("feerest");
  TestChain c;
  const crypto::KeyPair sink = cli::derived_test_key("it-feerest-sink", 0);
  ASSERT_TRUE(setup_chain(node,
                          {.alias = "load",
                           .label = "it-feerest",
                           .accounts = 5,
                           .fee = 10,
                           .generator_share = 250,
                           .extra = {"--fee-rest", sink.address()}},
                          c));
  ASSERT_TRUE(c.genesis.manifest.fee.rest_to.has_value());
  ASSERT_TRUE(node.start());
  const chain::SymbioteId sym = symbiote_id(node.http(), "load");
  std::vector<chain::AccountId> to;
  for (const auto& k : c.accounts) to.push_back(k.public_key());
  const TransferPlan plan =
      plan_transfers(sym, c.accounts, to, {.per_sender = 20, .fee = 13, .seed = 3});
  ASSERT_EQ(submit_plan(node.port(), "load", plan, 2).accepted, plan.total());
  ASSERT_TRUE(wait_applied(node.http(), "load", plan.hashes(), 30s));
  const ExpectedState x = expected_after(c.genesis, c.controller, {&plan});
  EXPECT_EQ(x.burned, 0u);
  // A fee above the minimum is split as paid: 13 * 250 / 1000 = 3 to the producer, 10 to the sink.
  EXPECT_EQ(x.producer_fees, 3u * plan.total());
  EXPECT_EQ(x.balance.at(sink.public_key()), 10u * plan.total());
  EXPECT_TRUE(accounts_match(node.http(), "load", x));
}

}  // namespace
}  // namespace klyn::itest
