#include "chain_client.h"

#include <mutex>
#include <random>
#include <thread>

#include "chain/event_json.h"
#include "codec/binary.h"
#include "codec/hex.h"

namespace klyn::itest {

std::string hex(const Hash32& h) {
  return codec::hex_encode(h);
}

std::string event_body(const chain::Event& e) {
  nlohmann::json j = chain::event_to_json(e);
  j.erase("hash");
  return j.dump();
}

std::string binary_batch(const std::vector<chain::Event>& events, size_t from, size_t count) {
  codec::Writer w;
  w.varint(count);
  for (size_t i = from; i < from + count; ++i) events[i].encode_to(w);
  const Bytes& b = w.data();
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

AccountView get_account(net::HttpClient& c, const std::string& sym, const chain::AccountId& id) {
  AccountView a;
  auto r = get_json(c, "/s/" + sym + "/account/" + crypto::address_of(id));
  if (r.status != 200 || !r.body.is_object()) return a;
  a.ok = true;
  a.balance = r.body.value("balance", uint64_t{0});
  a.nonce = r.body.value("nonce", uint64_t{0});
  a.stake = r.body.value("stake", uint64_t{0});
  return a;
}

SymbioteView get_symbiote(net::HttpClient& c, const std::string& sym) {
  SymbioteView s;
  auto r = get_json(c, "/s/" + sym + "/info");
  if (r.status != 200 || !r.body.is_object()) return s;
  s.ok = true;
  s.height = r.body.value("height", uint64_t{0});
  s.stored_height = r.body.value("stored_height", uint64_t{0});
  s.mempool = r.body.value("mempool", uint64_t{0});
  s.id = r.body.value("id", "");
  s.state_root = r.body.value("state_root", "");
  if (r.body.contains("events") && r.body["events"].is_object()) {
    s.applied = r.body["events"].value("applied", uint64_t{0});
    s.admitted = r.body["events"].value("admitted", uint64_t{0});
  }
  return s;
}

chain::SymbioteId symbiote_id(net::HttpClient& c, const std::string& sym) {
  auto s = get_symbiote(c, sym);
  auto id = codec::hex_decode_fixed<32>(s.id);
  EXPECT_TRUE(id.ok()) << "no id for symbiote " << sym;
  return id ? *id : chain::SymbioteId{};
}

EventView get_event(net::HttpClient& c, const std::string& sym, const Hash32& hash) {
  EventView v;
  auto r = get_json(c, "/s/" + sym + "/event/" + hex(hash));
  if (r.status == 404) {
    v.status = "unknown";
  } else if (r.status != 200 || !r.body.is_object()) {
    v.status = "error";
    v.reason = r.error.empty() ? r.raw : r.error;
  } else {
    v.status = r.body.value("status", "");
    v.height = r.body.value("height", uint64_t{0});
    v.reason = r.body.value("reason", "");
  }
  return v;
}

size_t TransferPlan::total() const {
  size_t n = 0;
  for (const auto& s : per_sender) n += s.size();
  return n;
}

std::vector<Hash32> TransferPlan::hashes() const {
  std::vector<Hash32> out;
  out.reserve(total());
  for (const auto& s : per_sender)
    for (const auto& e : s) out.push_back(e.hash());
  return out;
}

TransferPlan plan_transfers(const chain::SymbioteId& sym,
                            const std::vector<crypto::KeyPair>& senders,
                            const std::vector<chain::AccountId>& recipients, const PlanOptions& o) {
  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<uint64_t> amount(1, o.max_amount);
  std::uniform_int_distribution<size_t> pick(0, recipients.size() - 1);
  TransferPlan plan;
  plan.per_sender.resize(senders.size());
  for (size_t s = 0; s < senders.size(); ++s) {
    plan.per_sender[s].reserve(o.per_sender);
    for (size_t i = 0; i < o.per_sender; ++i) {
      chain::AccountId to = recipients[pick(rng)];
      for (int guard = 0; to == senders[s].public_key() && guard < 100; ++guard)
        to = recipients[pick(rng)];
      plan.per_sender[s].push_back(
          chain::make_transfer(sym, senders[s], o.first_nonce + i, o.fee, to, amount(rng)));
    }
  }
  return plan;
}

namespace {

// One connection's share of a submission.
void submit_worker(uint16_t port, const std::string& sym, const TransferPlan& plan,
                   const std::vector<size_t>& senders, const std::atomic<bool>* stop,
                   std::chrono::milliseconds pause, SubmitResult& out) {
  net::HttpClient client("127.0.0.1", port, 10s);
  const std::string one = "/s/" + sym + "/event", many = "/s/" + sym + "/events";
  std::vector<size_t> next(senders.size(), 0);
  constexpr size_t kChunk[3] = {3, 10, 25};  // single posts, JSON batch, binary batch
  auto refused = [&](const std::string& what) { out.refusals.push_back(what); };
  size_t round = 0;
  bool work = true;
  while (work && !(stop && stop->load())) {
    work = false;
    for (size_t k = 0; k < senders.size(); ++k) {
      if (stop && stop->load()) break;
      const auto& evs = plan.per_sender[senders[k]];
      if (next[k] >= evs.size()) continue;
      work = true;
      const int mode = static_cast<int>((round + k) % 3);
      const size_t n = std::min(kChunk[mode], evs.size() - next[k]);
      const size_t from = next[k];
      next[k] += n;
      if (mode == 0) {
        for (size_t i = from; i < from + n; ++i) {
          auto r = post_body(client, one, event_body(evs[i]));
          if (r.status == 0) {
            out.transport_errors.push_back(r.error);
            return;
          }
          ++out.single;
          if (r.status == 202 && r.str("hash") == hex(evs[i].hash())) {
            ++out.accepted;
            out.accepted_hashes.insert(evs[i].hash());
          } else if (r.status == 200 && r.body.is_object() && r.body.value("known", false) &&
                     r.str("hash") == hex(evs[i].hash())) {
            ++out.known;  // sent again: answered with its status, not refused
          } else
            refused(std::to_string(r.status) + " " + r.raw);
        }
        continue;
      }
      JsonReply r;
      if (mode == 1) {
        nlohmann::json arr = nlohmann::json::array();
        for (size_t i = from; i < from + n; ++i) {
          nlohmann::json j = chain::event_to_json(evs[i]);
          j.erase("hash");
          arr.push_back(std::move(j));
        }
        r = post_body(client, many, arr.dump());
        ++out.json_batches;
      } else {
        r = post_body(client, many, binary_batch(evs, from, n), "application/octet-stream");
        ++out.binary_batches;
      }
      if (r.status == 0) {
        out.transport_errors.push_back(r.error);
        return;
      }
      if (r.status != 200 || !r.body.is_object() || !r.body["results"].is_array() ||
          r.body["results"].size() != n) {
        refused("batch: " + std::to_string(r.status) + " " + r.raw);
        continue;
      }
      for (size_t i = 0; i < n; ++i) {
        const auto& item = r.body["results"][i];
        if (item.is_object() && item.value("hash", "") == hex(evs[from + i].hash())) {
          ++out.accepted;
          out.accepted_hashes.insert(evs[from + i].hash());
        } else
          refused(item.dump());
      }
    }
    ++round;
    // Bounded by the plan: at most one pause per chunk of each sender.
    for (auto left = pause; work && left.count() > 0 && !(stop && stop->load()); left -= 10ms)
      std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(10)));
  }
  out.connections_opened = client.connections_opened();
}

}  // namespace

SubmitResult submit_plan(uint16_t port, const std::string& sym, const TransferPlan& plan,
                         size_t connections, const std::atomic<bool>* stop,
                         std::chrono::milliseconds pause) {
  std::vector<std::vector<size_t>> share(connections);
  for (size_t s = 0; s < plan.per_sender.size(); ++s) share[s % connections].push_back(s);
  std::vector<SubmitResult> parts(connections);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < connections; ++t)
    threads.emplace_back(submit_worker, port, std::cref(sym), std::cref(plan), std::cref(share[t]),
                         stop, pause, std::ref(parts[t]));
  for (auto& t : threads) t.join();
  SubmitResult all;
  for (auto& p : parts) {
    all.accepted += p.accepted;
    all.accepted_hashes.insert(p.accepted_hashes.begin(), p.accepted_hashes.end());
    all.connections_opened += p.connections_opened;
    all.single += p.single;
    all.json_batches += p.json_batches;
    all.binary_batches += p.binary_batches;
    all.refusals.insert(all.refusals.end(), p.refusals.begin(), p.refusals.end());
    all.known += p.known;
    all.transport_errors.insert(all.transport_errors.end(), p.transport_errors.begin(),
                                p.transport_errors.end());
  }
  return all;
}

::testing::AssertionResult wait_applied(net::HttpClient& c, const std::string& sym,
                                        const std::vector<Hash32>& hashes,
                                        std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  size_t i = 0;
  EventView last;
  while (i < hashes.size()) {
    last = get_event(c, sym, hashes[i]);
    if (last.status == "applied") {
      ++i;
      continue;
    }
    if (last.status == "rejected" || last.status == "error" || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(20ms);  // pending (or not yet known): poll again
  }
  if (i == hashes.size()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << (hashes.size() - i) << " of " << hashes.size() << " events not applied; event "
         << hex(hashes[i]) << " is " << last.status << " " << last.reason;
}

::testing::AssertionResult wait_idle(net::HttpClient& c, const std::string& sym,
                                     std::chrono::milliseconds timeout) {
  SymbioteView s;
  bool ok = wait_until(
      [&] {
        s = get_symbiote(c, sym);
        return s.ok && s.height == s.stored_height && s.mempool == 0;
      },
      timeout, 20ms);
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "symbiote " << sym << " not idle: height " << s.height << ", stored " << s.stored_height
         << ", mempool " << s.mempool;
}

}  // namespace klyn::itest
