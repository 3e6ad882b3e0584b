#include "test_chain.h"

#include "chain/event.h"
#include "cli/cli_common.h"

namespace klyn::itest {

::testing::AssertionResult setup_chain(NodeProcess& node, const ChainOptions& o, TestChain& out) {
  if (auto r = node.init(); !r) return r;
  const std::string ctl = node.add_plain_key("ctl");
  if (ctl.empty()) return ::testing::AssertionFailure() << "no controller key";
  std::vector<std::string> args{
      "--fee",
      std::to_string(o.fee),
      "--generator-share",
      std::to_string(o.generator_share),
      "--fund-derived",
      o.label + ":" + std::to_string(o.accounts) + ":" + std::to_string(o.balance)};
  args.insert(args.end(), o.extra.begin(), o.extra.end());
  auto r = node.genesis_new(o.alias, "ctl", args);
  if (!r) return r;
  auto g = chain::load_genesis_file((node.dir() / "GENESIS" / (o.alias + ".json")).string());
  if (!g) return ::testing::AssertionFailure() << "genesis: " << g.error().to_string();
  auto controller = crypto::parse_address(ctl);
  if (!controller) return ::testing::AssertionFailure() << "bad controller address " << ctl;
  out.alias = o.alias;
  out.genesis = std::move(*g);
  out.controller = *controller;
  out.accounts.clear();
  for (size_t i = 0; i < o.accounts; ++i) out.accounts.push_back(cli::derived_test_key(o.label, i));
  return ::testing::AssertionSuccess();
}

ExpectedState expected_after(const chain::Genesis& g, const chain::AccountId& producer,
                             const std::vector<const TransferPlan*>& plans) {
  ExpectedState x;
  for (const auto& a : g.accounts) {
    x.balance[a.id] = a.balance;
    x.nonce[a.id] = 0;
    x.genesis_supply += a.balance;
  }
  const auto& fee = g.manifest.fee;
  for (const TransferPlan* plan : plans) {
    for (const auto& evs : plan->per_sender) {
      for (const auto& e : evs) {
        auto p = chain::decode_transfer(e.payload);
        EXPECT_TRUE(p.ok());
        if (!p) continue;
        x.balance[e.creator] -= p->amount + e.fee;
        x.nonce[e.creator] = std::max(x.nonce[e.creator], e.nonce);
        x.balance[p->to] += p->amount;
        x.nonce.try_emplace(p->to, 0);
        const uint64_t share = e.fee * fee.generator_share_permille / 1000;
        x.balance[producer] += share;
        x.nonce.try_emplace(producer, 0);
        if (fee.rest_to) x.nonce.try_emplace(*fee.rest_to, 0);
        x.producer_fees += share;
        if (fee.rest_to)
          x.balance[*fee.rest_to] += e.fee - share;
        else
          x.burned += e.fee - share;
      }
    }
  }
  return x;
}

::testing::AssertionResult accounts_match(net::HttpClient& c, const std::string& sym,
                                          const ExpectedState& expected) {
  size_t bad = 0;
  uint64_t supply = 0;
  auto failure = ::testing::AssertionFailure();
  for (const auto& [id, balance] : expected.balance) {
    AccountView a = get_account(c, sym, id);
    supply += a.balance;
    const uint64_t nonce = expected.nonce.at(id);
    if (!a.ok || a.balance != balance || a.nonce != nonce) {
      if (++bad <= 5)
        failure << "\n  " << crypto::address_of(id) << ": balance " << a.balance << " (expected "
                << balance << "), nonce " << a.nonce << " (expected " << nonce << ")";
    }
  }
  if (supply + expected.burned != expected.genesis_supply) {
    ++bad;
    failure << "\n  supply " << supply << " + burned " << expected.burned << " != genesis supply "
            << expected.genesis_supply;
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return failure << "\n  (" << bad << " mismatches among " << expected.balance.size()
                 << " accounts)";
}

}  // namespace klyn::itest
