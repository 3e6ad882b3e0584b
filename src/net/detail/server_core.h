#pragma once
// State shared by HttpServer and its sessions (internal to src/net).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <spdlog/logger.h>

#include "net/http_server.h"
#include "net/router.h"

namespace klyn::net::detail {

class Session;

struct Counters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> by_class[5] = {};  // 1xx..5xx
  std::atomic<uint64_t> open_connections{0};
  std::atomic<uint64_t> accepted_connections{0};
  std::atomic<uint64_t> refused_connections{0};
  std::atomic<uint64_t> timeouts{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};

  void count_response(unsigned status) {
    requests.fetch_add(1, std::memory_order_relaxed);
    unsigned cls = status / 100;
    if (cls >= 1 && cls <= 5) by_class[cls - 1].fetch_add(1, std::memory_order_relaxed);
  }
};

struct ServerCore {
  ServerCore(ServerOptions opts, Router r);

  ServerOptions options;
  Router router;
  std::shared_ptr<spdlog::logger> log;  // never null
  Counters counters;
  std::atomic<bool> stopping{false};

  // Live sessions, so stop() can reach them. Sessions add themselves when started and remove
  // themselves in their destructor.
  void register_session(const std::shared_ptr<Session>& s);
  void unregister_session(Session* s);
  std::vector<std::shared_ptr<Session>> live_sessions();

 private:
  std::mutex sessions_mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
};

}  // namespace klyn::net::detail
