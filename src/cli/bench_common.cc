// Shared pieces of `klyn74r bench` (see bench.h).
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/bench.h"
#include "cli/cli_common.h"
#include "codec/binary.h"
#include "common/process.h"

namespace klyn::cli::bench {

double ed25519_ceiling(unsigned threads, double seconds, bool tables) {
  constexpr int kMsgs = 256;
  std::vector<crypto::KeyPair> keys;
  std::vector<Bytes> msgs;
  std::vector<crypto::Signature> sigs;
  for (int i = 0; i < kMsgs; ++i) {
    keys.push_back(derived_test_key("ceiling", i));
    Bytes m(150, static_cast<uint8_t>(i));
    sigs.push_back(keys.back().sign(m));
    msgs.push_back(std::move(m));
  }
  auto check = [&](uint64_t n) {
    const auto& kp = keys[n % kMsgs];
    return tables
               ? crypto::verify(kp.public_key(), msgs[n % kMsgs], sigs[n % kMsgs])
               : crypto::verify_with_libsodium(kp.public_key(), msgs[n % kMsgs], sigs[n % kMsgs]);
  };
  if (tables)  // every key past its promotion
    for (int round = 0; round < 3; ++round)
      for (int i = 0; i < kMsgs; ++i) check(i);
  std::atomic<uint64_t> total{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> ts;
  auto t0 = Clock::now();
  for (unsigned t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        for (int i = 0; i < 64; ++i, ++n)
          if (!check(n)) std::abort();
      }
      total += n;
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : ts) t.join();
  return static_cast<double>(total) / seconds_since(t0);
}

void Ceilings::measure_again(unsigned threads, const char* when) {
  const double v = ed25519_ceiling(threads, 2.0, false);
  runs.push_back(v);
  libsodium = std::max(libsodium, v);
  std::cout << "ed25519 ceiling " << when << ": " << static_cast<uint64_t>(v)
            << " verifications/s (highest " << static_cast<uint64_t>(libsodium) << ")\n";
}

nlohmann::json Ceilings::to_json() const {
  return {{"ed25519_ceiling_per_s", libsodium}, {"ed25519_ceiling_runs_per_s", runs}};
}

Ceilings measure_ceilings(unsigned threads) {
  Ceilings c;
  c.libsodium = ed25519_ceiling(threads, 2.0, false);
  c.runs.push_back(c.libsodium);
  std::cout << "ed25519 ceiling (libsodium verify, " << threads
            << " threads): " << static_cast<uint64_t>(c.libsodium) << " verifications/s\n";
  c.tables = ed25519_ceiling(threads, 2.0, true);
  std::cout << "ed25519 node verifier (hot-key tables, " << threads
            << " threads): " << static_cast<uint64_t>(c.tables) << " verifications/s\n";
  return c;
}

double self_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

uint64_t peak_rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}

std::vector<SignedEvent> presign_transfers(const chain::SymbioteId& sym, const std::string& label,
                                           uint64_t accounts, uint64_t count, chain::Amount fee) {
  std::vector<SignedEvent> evs(count);
  if (accounts == 0) return evs;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const uint64_t per_account = (count + accounts - 1) / accounts;
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < cores; ++t)
    ts.emplace_back([&, t] {
      for (uint64_t a = t; a < accounts; a += cores) {
        auto from = derived_test_key(label, a);
        auto to = derived_test_key(label, (a + 1) % accounts).public_key();
        for (uint64_t k = 0; k < per_account; ++k) {
          const uint64_t idx = k * accounts + a;  // round-robin over accounts
          if (idx >= count) break;
          auto e = chain::make_transfer(sym, from, k + 1, fee, to, 1);
          evs[idx] = {e.encode(), e.hash()};
        }
      }
    });
  for (auto& t : ts) t.join();
  return evs;
}

bool post_batch(net::HttpClient& http, const std::string& alias,
                const std::vector<const SignedEvent*>& events, uint64_t& accepted,
                uint64_t& rejected) {
  codec::Writer w(events.size() * 160 + 8);
  w.varint(events.size());
  for (const auto* e : events) w.raw(e->bin);
  auto r = http.post("/s/" + alias + "/events", std::string(w.data().begin(), w.data().end()),
                     "application/octet-stream");
  if (!r || r->status != 200) return false;
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_object()) return false;
  accepted += j.value("accepted", uint64_t{0});
  rejected += j.value("rejected", uint64_t{0});
  return true;
}

}  // namespace klyn::cli::bench
