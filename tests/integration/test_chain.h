#pragma once
// A symbiote set up for a test: one dev_controller chain whose controller is this node (a plain
// key "ctl"), funding deterministic test accounts (cli::derived_test_key), plus the model of
// what balances and nonces must be after a set of valid transfers.

#include <map>
#include <string>
#include <vector>

#include "chain/genesis.h"
#include "chain_client.h"
#include "node_process.h"

namespace klyn::itest {

struct ChainOptions {
  std::string alias = "load";
  std::string label;  // derived_test_key label of the funded accounts
  size_t accounts = 20;
  uint64_t balance = 1'000'000'000;
  uint64_t fee = 7;
  uint32_t generator_share = 300;       // per mille
  std::vector<std::string> extra = {};  // more `genesis new` options
};

struct TestChain {
  std::string alias;
  std::vector<crypto::KeyPair> accounts;  // funded in genesis
  chain::Genesis genesis;                 // as written in GENESIS/<alias>.json
  chain::AccountId controller{};          // producer of every instant block
};

// `klyn74r init`, a plain key "ctl" (keys.allow_plain_keys = true) and `genesis new` with
// --fund-derived LABEL:COUNT:BALANCE; reads the genesis back.
::testing::AssertionResult setup_chain(NodeProcess& node, const ChainOptions& o, TestChain& out);

// A number the genesis' workflow section holds ("instant_producer_stake", "inclusion_window" of
// dev_controller's, workflows/dev_controller/params.h). Throws when it has none by that name.
inline uint64_t section_number(const chain::Genesis& g, const std::string& key) {
  return chain::section_of(g.manifest).value().at(key).get<uint64_t>();
}

// The addresses of the funded accounts (recipients for plan_transfers).
inline std::vector<chain::AccountId> ids_of(const TestChain& c) {
  std::vector<chain::AccountId> out;
  for (const auto& k : c.accounts) out.push_back(k.public_key());
  return out;
}

// Balances and nonces after every event of `plans` is applied (each must be valid), computed
// from the genesis manifest: amount + fee off the sender, amount to the recipient, the
// generator share of each fee to `producer`, the rest to manifest.fee.rest_to or burned.
struct ExpectedState {
  std::map<chain::AccountId, uint64_t> balance, nonce;
  uint64_t genesis_supply = 0, burned = 0, producer_fees = 0;
};
ExpectedState expected_after(const chain::Genesis& g, const chain::AccountId& producer,
                             const std::vector<const TransferPlan*>& plans);

// Compares every account of `expected` with the node; fails listing the first mismatches.
::testing::AssertionResult accounts_match(net::HttpClient& c, const std::string& sym,
                                          const ExpectedState& expected);

}  // namespace klyn::itest
