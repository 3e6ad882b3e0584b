#pragma once
// Helpers for tests of dev_controller networks made of real node processes: followers and
// producers set up next to a controller that setup_chain() created, peers connected, and a
// check that every node reached the same state.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "test_chain.h"

namespace klyn::itest {

// http://127.0.0.1:<port>
std::string loopback_url(uint16_t port);

// A follower of `alias`: its own data dir with the controller's genesis file and a symbiote
// config naming the controller as its peer (no key, role follower).
::testing::AssertionResult setup_follower(NodeProcess& f, const NodeProcess& controller,
                                          const std::string& alias);

// A producer node: its own key "prod" (a plain test key) and the controller's genesis.
struct ProducerNode {
  NodeProcess node;
  std::unique_ptr<crypto::KeyPair> key;
  explicit ProducerNode(const std::string& name) : node(name) {}
};
// `extra` is appended to its [workflow] section; `controller_url` (default: the controller's
// own port) is how it reaches the controller.
::testing::AssertionResult setup_producer(ProducerNode& p, const NodeProcess& controller,
                                          const std::string& alias, const std::string& extra = "",
                                          const std::string& controller_url = "");

// Funds `who` from `from` (nonce `nonce`) and, when stake > 0, freezes `stake` of it (its nonce 1).
::testing::AssertionResult fund_and_stake(NodeProcess& ctl, const std::string& alias,
                                          const chain::SymbioteId& sym, const crypto::KeyPair& from,
                                          uint64_t nonce, const crypto::KeyPair& who, uint64_t fee,
                                          uint64_t amount, uint64_t stake);

// POST addnode on every node for every other one (direct ports).
void connect_all(std::vector<NodeProcess*> nodes, const std::string& alias);

// Every node reports the same height and state root, has applied all it stored, and height > 0.
::testing::AssertionResult same_state(std::vector<NodeProcess*> nodes, const std::string& alias,
                                      std::chrono::milliseconds timeout);

}  // namespace klyn::itest
