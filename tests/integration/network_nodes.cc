#include "network_nodes.h"

#include <thread>

#include "core/keystore.h"

namespace klyn::itest {

using namespace std::chrono_literals;

std::string loopback_url(uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

::testing::AssertionResult setup_follower(NodeProcess& f, const NodeProcess& controller,
                                          const std::string& alias) {
  if (auto r = f.init(); !r) return r;
  f.write_file("GENESIS/" + alias + ".json", controller.read_file("GENESIS/" + alias + ".json"));
  f.write_file("CONFIGS/symbiotes/" + alias + ".toml",
               "enabled = true\n"
               "genesis = \"GENESIS/" +
                   alias +
                   ".json\"\n"
                   "key = \"\"\n"
                   "role = \"follower\"\n"
                   "peers = [\"http://127.0.0.1:" +
                   std::to_string(controller.port()) +
                   "\"]\n"
                   "\n[workflow]\nsync_interval_ms = 20\n");
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult same_state(std::vector<NodeProcess*> nodes, const std::string& alias,
                                      std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    std::vector<SymbioteView> v;
    for (auto* n : nodes) v.push_back(get_symbiote(n->http(), alias));
    bool equal = true;
    for (auto& s : v)
      equal = equal && s.ok && s.height == v[0].height && s.state_root == v[0].state_root &&
              s.height == s.stored_height && s.height > 0;
    if (equal) return ::testing::AssertionSuccess();
    last.clear();
    for (auto& s : v)
      last += " [height " + std::to_string(s.height) + " root " + s.state_root.substr(0, 12) + "]";
    std::this_thread::sleep_for(50ms);
  }
  return ::testing::AssertionFailure() << "nodes did not converge:" << last;
}

void connect_all(std::vector<NodeProcess*> nodes, const std::string& alias) {
  for (auto* a : nodes)
    for (auto* b : nodes)
      if (a != b) {
        JsonReply r = post_body(a->http(), "/s/" + alias + "/addnode",
                                "{\"url\": \"" + loopback_url(b->port()) + "\"}");
        ASSERT_EQ(r.status, 200u) << r.body.dump();
      }
}

::testing::AssertionResult setup_producer(ProducerNode& p, const NodeProcess& controller,
                                          const std::string& alias, const std::string& extra,
                                          const std::string& controller_url) {
  if (auto r = p.node.init(); !r) return r;
  if (p.node.add_plain_key("prod").empty()) return ::testing::AssertionFailure() << "no key";
  core::Keystore keys(p.node.dir() / "KEYS");
  auto k = keys.load("prod", "", core::PlainKeys::allow);
  if (!k) return ::testing::AssertionFailure() << k.error().to_string();
  p.key = std::make_unique<crypto::KeyPair>(std::move(*k));
  p.node.write_file("GENESIS/" + alias + ".json",
                    controller.read_file("GENESIS/" + alias + ".json"));
  p.node.write_file(
      "CONFIGS/symbiotes/" + alias + ".toml",
      "enabled = true\ngenesis = \"GENESIS/" + alias +
          ".json\"\nkey = \"prod\"\nrole = \"producer\"\npeers = [\"" +
          (controller_url.empty() ? loopback_url(controller.port()) : controller_url) +
          "\"]\n\n[workflow]\nsync_interval_ms = 20\n" + extra);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult fund_and_stake(NodeProcess& ctl, const std::string& alias,
                                          const chain::SymbioteId& sym, const crypto::KeyPair& from,
                                          uint64_t nonce, const crypto::KeyPair& who, uint64_t fee,
                                          uint64_t amount, uint64_t stake) {
  std::vector<Hash32> hashes;
  auto t = chain::make_transfer(sym, from, nonce, fee, who.public_key(), amount);
  JsonReply r = post_body(ctl.http(), "/s/" + alias + "/event", event_body(t));
  if (r.status != 202) return ::testing::AssertionFailure() << r.raw;
  hashes.push_back(t.hash());
  if (auto w = wait_applied(ctl.http(), alias, hashes, 20s); !w) return w;
  if (stake == 0) return ::testing::AssertionSuccess();
  auto s = chain::make_stake(sym, who, 1, fee, stake);
  r = post_body(ctl.http(), "/s/" + alias + "/event", event_body(s));
  if (r.status != 202) return ::testing::AssertionFailure() << r.raw;
  return wait_applied(ctl.http(), alias, {s.hash()}, 20s);
}

}  // namespace klyn::itest
