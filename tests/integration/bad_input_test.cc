// Bad input through the public API: a 4xx JSON error with a reason (or a closed connection for
// a slow header), the node keeps serving, and the state does not change.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chain/event_json.h"
#include "cli/cli_common.h"
#include "codec/hex.h"
#include "test_chain.h"

namespace klyn::itest {
namespace {

// `klyn74r init --devnet` (symbiotes alpha and beta, alice and bob funded) with small limits.
::testing::AssertionResult start_devnet(NodeProcess& node) {
  if (auto r = node.init(true); !r) return r;
  node.set_toml("CONFIGS/node.toml", "server", "max_body_bytes", "262144");
  node.set_toml("CONFIGS/node.toml", "server", "header_timeout_ms", "1000");
  return node.start();
}

crypto::KeyPair alice() {
  return cli::derived_test_key("devnet-alice", 0);
}
crypto::KeyPair bob() {
  return cli::derived_test_key("devnet-bob", 0);
}

// Asserts the API's error shape: `status`, a JSON body with "error" (== `code` unless empty)
// and a non-empty "reason".
::testing::AssertionResult is_error(const JsonReply& r, unsigned status, const std::string& code) {
  if (r.status != status || !r.body.is_object() || !r.body.contains("error") ||
      !r.body["error"].is_string() || r.str("reason").empty() ||
      (!code.empty() && r.str("error") != code))
    return ::testing::AssertionFailure() << "expected " << status << " " << code << ", got "
                                         << r.status << " " << r.raw << r.error;
  return ::testing::AssertionSuccess();
}

// What must not change: state roots and heights of both symbiotes, the accounts involved.
struct Snapshot {
  std::vector<std::string> parts;
  bool operator==(const Snapshot&) const = default;
};
Snapshot snapshot(net::HttpClient& c, const std::vector<chain::AccountId>& accounts) {
  Snapshot s;
  for (const char* sym : {"alpha", "beta"}) {
    SymbioteView v = get_symbiote(c, sym);
    s.parts.push_back(std::string(sym) + " height " + std::to_string(v.height) + " stored " +
                      std::to_string(v.stored_height) + " root " + v.state_root + " mempool " +
                      std::to_string(v.mempool) + " admitted " + std::to_string(v.admitted));
    for (const auto& id : accounts) {
      AccountView a = get_account(c, sym, id);
      s.parts.push_back(std::string(sym) + " " + crypto::address_of(id) + " " +
                        std::to_string(a.balance) + "/" + std::to_string(a.nonce) + "/" +
                        std::to_string(a.stake));
    }
  }
  return s;
}

nlohmann::json json_of(const chain::Event& e) {
  nlohmann::json j = chain::event_to_json(e);
  j.erase("hash");
  return j;
}

TEST(BadInput, RejectedEventsLeaveStateUnchangedAndNodeServing) {
  NodeProcess node("badinput");
  ASSERT_TRUE(start_devnet(node));
  auto& c = node.http();
  const chain::SymbioteId alpha = symbiote_id(c, "alpha"), beta = symbiote_id(c, "beta");
  ASSERT_NE(hex(alpha), hex(beta));
  const crypto::KeyPair a = alice(), b = bob(), pauper = cli::derived_test_key("it-pauper", 0);
  const uint64_t fee = 1;  // the devnet's fee per event

  // One applied event, for the nonce-reuse cases.
  const chain::Event first = chain::make_transfer(alpha, a, 1, fee, b.public_key(), 10);
  ASSERT_EQ(post_body(c, "/s/alpha/event", json_of(first).dump()).status, 202u);
  ASSERT_TRUE(wait_applied(c, "alpha", {first.hash()}, 10s));
  ASSERT_TRUE(wait_idle(c, "alpha", 10s));
  const std::vector<chain::AccountId> involved{a.public_key(), b.public_key(), pauper.public_key()};
  const Snapshot before = snapshot(c, involved);

  const chain::Event next = chain::make_transfer(alpha, a, 2, fee, b.public_key(), 5);
  const std::string ev = "/s/alpha/event";

  // Malformed JSON, and JSON that is not an event.
  EXPECT_TRUE(is_error(post_body(c, ev, R"({"symbiote": "ab", "type": )"), 400, "bad_json"));
  EXPECT_TRUE(is_error(post_body(c, ev, "\xff\xfe not json"), 400, "bad_json"));
  EXPECT_TRUE(is_error(post_body(c, ev, "[1, 2, 3]"), 400, ""));
  EXPECT_TRUE(is_error(post_body(c, ev, "{}"), 400, ""));

  // Wrong types.
  {
    auto j = json_of(next);
    j["nonce"] = "2";
    EXPECT_TRUE(is_error(post_body(c, ev, j.dump()), 400, "")) << "nonce as a string";
    j = json_of(next);
    j["payload"]["amount"] = -5;
    EXPECT_TRUE(is_error(post_body(c, ev, j.dump()), 400, "")) << "negative amount";
    j = json_of(next);
    j["fee"] = 1.5;
    EXPECT_TRUE(is_error(post_body(c, ev, j.dump()), 400, "")) << "fractional fee";
    j = json_of(next);
    j["type"] = "MINT";
    EXPECT_TRUE(is_error(post_body(c, ev, j.dump()), 400, "")) << "unknown type";
    j = json_of(next);
    j["creator"] = "not-an-address";
    EXPECT_TRUE(is_error(post_body(c, ev, j.dump()), 400, "")) << "bad creator";
    // A repeated key: refused, not read as its last value (the signed event has nonce 2; a
    // second "nonce" after it must not turn it into another event).
    std::string twice = json_of(next).dump();
    twice.insert(twice.size() - 1, R"(,"nonce":1)");
    EXPECT_TRUE(is_error(post_body(c, ev, twice), 400, "bad_json")) << twice;
  }

  // Unknown symbiote.
  EXPECT_TRUE(
      is_error(post_body(c, "/s/omega/event", json_of(next).dump()), 404, "unknown_symbiote"));
  EXPECT_TRUE(is_error(get_json(c, "/s/omega/account/" + a.address()), 404, "unknown_symbiote"));
  // A symbiote this node hosts, on a path or method its workflow does not serve: not_found naming
  // it, not "unknown symbiote".
  JsonReply no_route = post_body(c, "/s/alpha/info", "{}");
  EXPECT_TRUE(is_error(no_route, 404, "not_found")) << no_route.raw;
  EXPECT_NE(no_route.str("reason").find("symbiote alpha"), std::string::npos) << no_route.raw;
  EXPECT_TRUE(is_error(get_json(c, "/s/alpha/no/such/route"), 404, "not_found"));
  // By id too; and a route only the other workflow serves (gamma is dev_symbiland).
  JsonReply by_id = get_json(c, "/s/" + hex(alpha) + "/nope");
  EXPECT_TRUE(is_error(by_id, 404, "not_found")) << by_id.raw;
  JsonReply other = get_json(c, "/s/gamma/alarms");
  EXPECT_TRUE(is_error(other, 404, "not_found")) << other.raw;
  EXPECT_NE(other.str("reason").find("dev_symbiland"), std::string::npos) << other.raw;

  // Bad signature.
  {
    chain::Event bad = next;
    bad.signature[7] ^= 0x01;
    EXPECT_TRUE(is_error(post_body(c, ev, json_of(bad).dump()), 400, "bad_signature"));
  }

  // Replay on another symbiote: as signed (names alpha), and with the id rewritten to beta.
  EXPECT_TRUE(is_error(post_body(c, "/s/beta/event", json_of(next).dump()), 400, "wrong_symbiote"));
  {
    auto j = json_of(next);
    j["symbiote"] = hex(beta);
    EXPECT_TRUE(is_error(post_body(c, "/s/beta/event", j.dump()), 400, "bad_signature"));
  }

  // Nonce reuse: the applied event again is answered with its status (a client that timed out
  // learns it was applied); a different event with the same nonce is refused.
  {
    JsonReply again = post_body(c, ev, json_of(first).dump());
    EXPECT_EQ(again.status, 200u) << again.raw;
    EXPECT_EQ(again.str("status"), "applied") << again.raw;
    EXPECT_EQ(again.str("hash"), hex(first.hash())) << again.raw;
    EXPECT_TRUE(again.body.value("known", false)) << again.raw;
  }
  EXPECT_TRUE(is_error(
      post_body(c, ev, json_of(chain::make_transfer(alpha, a, 1, fee, b.public_key(), 11)).dump()),
      409, "nonce_used"));

  // Insufficient balance: more than alice has, and an unfunded account paying a fee.
  EXPECT_TRUE(is_error(
      post_body(
          c, ev,
          json_of(chain::make_transfer(alpha, a, 2, fee, b.public_key(), 2'000'000'000)).dump()),
      400, "insufficient_balance"));
  const chain::Event unpaid = chain::make_transfer(alpha, pauper, 1, fee, b.public_key(), 1);
  EXPECT_TRUE(is_error(post_body(c, ev, json_of(unpaid).dump()), 400, "insufficient_balance"));
  // A refused event is remembered with its reason (RecentRefusals): a client that lost the
  // answer can tell "refused" from "never arrived".
  {
    JsonReply r = get_json(c, "/s/alpha/event/" + hex(unpaid.hash()));
    EXPECT_EQ(r.status, 200u) << r.raw;
    EXPECT_EQ(r.str("status"), "refused") << r.raw;
    EXPECT_EQ(r.str("error"), "insufficient_balance") << r.raw;
    EXPECT_FALSE(r.str("reason").empty()) << r.raw;
  }

  // A nonce beyond the window the mempool holds for a sender.
  EXPECT_TRUE(is_error(
      post_body(c, ev,
                json_of(chain::make_transfer(alpha, a, 1'000'000, fee, b.public_key(), 1)).dump()),
      400, "nonce_too_high"));

  // Fee below the manifest's minimum.
  EXPECT_TRUE(is_error(
      post_body(c, ev, json_of(chain::make_transfer(alpha, a, 2, 0, b.public_key(), 1)).dump()),
      400, "fee_too_low"));

  // Batches: all items refused individually; a malformed binary batch refused whole.
  {
    chain::Event bad = next;
    bad.signature[0] ^= 0x80;
    nlohmann::json arr = nlohmann::json::array({json_of(bad), json_of(first), {{"x", 1}}});
    JsonReply r = post_body(c, "/s/alpha/events", arr.dump());
    ASSERT_EQ(r.status, 200u) << r.raw;
    EXPECT_EQ(r.body.value("accepted", 99), 0);
    ASSERT_EQ(r.body["results"].size(), 3u);
    EXPECT_EQ(r.body["results"][0].value("error", ""), "bad_signature");
    EXPECT_EQ(r.body["results"][1].value("error", ""), "nonce_used");
    EXPECT_EQ(r.body["results"][1].value("status", ""), "applied");  // and what became of it
    EXPECT_FALSE(r.body["results"][1].contains("hash")) << "an item with a hash is accepted";
    for (const auto& item : r.body["results"]) EXPECT_FALSE(item.value("reason", "").empty());
    std::string bin = binary_batch({next}, 0, 1);
    JsonReply cut =
        post_body(c, "/s/alpha/events", bin.substr(0, bin.size() - 10), "application/octet-stream");
    EXPECT_TRUE(is_error(cut, 400, ""));
    // Media types are case-insensitive: the same body is read as the same binary batch.
    JsonReply cut_mixed =
        post_body(c, "/s/alpha/events", bin.substr(0, bin.size() - 10), "Application/Octet-Stream");
    EXPECT_EQ(cut_mixed.status, 400u);
    EXPECT_EQ(cut_mixed.str("error"), cut.str("error")) << cut_mixed.raw << " vs " << cut.raw;
    EXPECT_EQ(cut_mixed.str("reason"), cut.str("reason"));
    EXPECT_TRUE(is_error(post_body(c, "/s/alpha/events", R"({"not": "an array"})"), 400, ""));
  }

  // Bad queries.
  EXPECT_TRUE(is_error(get_json(c, "/s/alpha/account/0OIl"), 400, "bad_address"));
  EXPECT_TRUE(is_error(get_json(c, "/s/alpha/event/xyz"), 400, ""));
  EXPECT_TRUE(is_error(get_json(c, "/s/alpha/event/" + std::string(64, '0')), 404, "not_found"));
  EXPECT_TRUE(is_error(get_json(c, "/s/alpha/block/controller/abc"), 400, ""));
  EXPECT_TRUE(is_error(get_json(c, "/s/alpha/block/controller/999999"), 404, "not_found"));
  EXPECT_TRUE(is_error(get_json(c, "/s/alpha/blocks?from=0"), 400, ""));
  EXPECT_TRUE(is_error(get_json(c, "/s/alpha/blocks?limit=100000"), 400, ""));
  EXPECT_TRUE(is_error(get_json(c, "/s/alpha/state_root?height=-1"), 400, ""));
  EXPECT_TRUE(is_error(get_json(c, "/s/alpha/state_root?height=99999999"), 404, ""));
  EXPECT_TRUE(is_error(get_json(c, "/s/alpha/nope"), 404, ""));

  // Nothing changed, and the node still serves and accepts a valid event.
  EXPECT_EQ(get_json(c, "/info").status, 200u);
  EXPECT_EQ(snapshot(c, involved).parts, before.parts);
  ASSERT_EQ(post_body(c, ev, json_of(next).dump()).status, 202u);
  EXPECT_TRUE(wait_applied(c, "alpha", {next.hash()}, 10s));

  // The same pending event twice (a nonce gap keeps it pending): answered "pending", known.
  const chain::Event gap = chain::make_transfer(alpha, a, 10, fee, b.public_key(), 1);
  EXPECT_EQ(post_body(c, ev, json_of(gap).dump()).status, 202u);
  {
    JsonReply again = post_body(c, ev, json_of(gap).dump());
    EXPECT_EQ(again.status, 200u) << again.raw;
    EXPECT_EQ(again.str("status"), "pending") << again.raw;
    EXPECT_TRUE(again.body.value("known", false)) << again.raw;
  }
  EXPECT_EQ(get_event(c, "alpha", gap.hash()).status, "pending");

  // In one batch: a new event twice and a badly signed one twice. The first copy is admitted,
  // its copy is a duplicate; both bad copies are bad_signature (the copy is not verified again).
  {
    const chain::Event gap2 = chain::make_transfer(alpha, a, 11, fee, b.public_key(), 1);
    chain::Event bad = chain::make_transfer(alpha, a, 12, fee, b.public_key(), 1);
    bad.signature[5] ^= 0x02;
    nlohmann::json arr =
        nlohmann::json::array({json_of(gap2), json_of(bad), json_of(gap2), json_of(bad)});
    JsonReply r = post_body(c, "/s/alpha/events", arr.dump());
    ASSERT_EQ(r.status, 200u) << r.raw;
    EXPECT_EQ(r.body.value("accepted", 99), 1);
    ASSERT_EQ(r.body["results"].size(), 4u);
    EXPECT_EQ(r.body["results"][0].value("hash", ""), hex(gap2.hash()));
    EXPECT_EQ(r.body["results"][1].value("error", ""), "bad_signature");
    EXPECT_EQ(r.body["results"][2].value("error", ""), "duplicate");
    EXPECT_EQ(r.body["results"][2].value("status", ""), "pending");
    EXPECT_EQ(r.body["results"][3].value("error", ""), "bad_signature");
  }
}

TEST(BadInput, OversizedBodyAndDeepNestingAreRefused) {
  NodeProcess node("bigbody");
  ASSERT_TRUE(start_devnet(node));
  const Snapshot before = snapshot(node.http(), {alice().public_key()});

  for (const char* target : {"/s/alpha/event", "/s/alpha/events"}) {
    // Over max_body_bytes (262144): 413, connection closed by the server; a new one is served.
    auto big = node.new_client();
    std::string body = "{\"pad\": \"" + std::string(300'000, 'x') + "\"}";
    EXPECT_TRUE(is_error(post_body(*big, target, body), 413, "body_too_large")) << target;
    // 100,000 '[' (within the size limit): refused before the recursive parser sees it.
    auto deep = node.new_client();
    EXPECT_TRUE(is_error(post_body(*deep, target, std::string(100'000, '[')), 400, "bad_json"))
        << target;
    EXPECT_TRUE(
        is_error(post_body(*deep, target, std::string(50'000, '{') + "\"a\":1"), 400, "bad_json"))
        << target;
    EXPECT_EQ(get_json(*deep, "/info").status, 200u);
  }
  EXPECT_TRUE(node.running());
  EXPECT_EQ(snapshot(node.http(), {alice().public_key()}).parts, before.parts);
}

// A raw TCP connection to 127.0.0.1 for requests no well-behaved client would send.
class RawConn {
 public:
  explicit RawConn(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawConn() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool send_byte(char c) { return ::send(fd_, &c, 1, MSG_NOSIGNAL) == 1; }
  // Waits up to `limit` for the peer to close (EOF or reset); data received is ignored.
  bool closed_within(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) continue;
      char buf[512];
      if (::recv(fd_, buf, sizeof buf, 0) <= 0) return true;
    }
    return false;
  }

 private:
  int fd_;
  bool connected_ = false;
};

TEST(BadInput, SlowHeadersAreCutOffWhileOthersAreServed) {
  NodeProcess node("slowloris");
  ASSERT_TRUE(start_devnet(node));  // header_timeout_ms = 1000
  RawConn slow(node.port());
  ASSERT_TRUE(slow.connected());
  const std::string request = "GET /info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n\r\n";
  const auto t0 = Clock::now();
  bool closed = false;
  size_t sent = 0;
  for (; sent < request.size() && !closed; ++sent) {
    if (!slow.send_byte(request[sent])) {
      closed = true;
      break;
    }
    // Meanwhile, other clients are served promptly.
    auto other = node.new_client();
    const auto q0 = Clock::now();
    EXPECT_EQ(get_json(*other, "/info").status, 200u);
    EXPECT_LT(Clock::now() - q0, 1s);
    closed = slow.closed_within(1s);  // one byte a second
  }
  const auto elapsed = Clock::now() - t0;
  EXPECT_TRUE(closed) << "the server kept a connection sending one header byte a second";
  EXPECT_LT(sent, request.size());
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 3s) << "closed after "
                         << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
                         << " ms with header_timeout_ms = 1000";
  EXPECT_EQ(get_json(node.http(), "/info").status, 200u);
  EXPECT_TRUE(node.running());
}

}  // namespace
}  // namespace klyn::itest
