#pragma once
// Helpers for net tests: a raw TCP client (POSIX, 127.0.0.1 only, every wait bounded) to send
// malformed or deliberately slow requests, and a bounded polling wait.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

namespace klyn::net::test {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Polls `pred` every 5 ms until it holds or `limit` passes.
inline bool wait_until(const std::function<bool()>& pred,
                       std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

class RawConn {
 public:
  explicit RawConn(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawConn() { close(); }
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;

  bool connected() const { return connected_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // False if the peer has closed (EPIPE/ECONNRESET).
  bool send(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads what is available within `limit`. Sets closed() when the peer closed or reset.
  std::string recv_some(std::chrono::milliseconds limit) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return {};
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      return {};
    }
    return std::string(buf, static_cast<size_t>(n));
  }

  // Reads until the peer closes or `limit` passes; returns everything received.
  std::string read_until_closed(std::chrono::milliseconds limit) {
    std::string out;
    const auto deadline = Clock::now() + limit;
    while (!closed_ && Clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      out += recv_some(std::max(left, std::chrono::milliseconds(1)));
    }
    return out;
  }

  // Reads one response with a Content-Length body (enough for this server's responses).
  std::optional<std::string> read_response(std::chrono::milliseconds limit = 3000ms) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline && !closed_) {
      size_t end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t body_len = 0;
        size_t cl = pending_.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) body_len = std::stoul(pending_.substr(cl + 16));
        if (pending_.size() >= end + 4 + body_len) {
          std::string resp = pending_.substr(0, end + 4 + body_len);
          pending_.erase(0, end + 4 + body_len);
          return resp;
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pending_ += recv_some(std::max(left, std::chrono::milliseconds(1)));
    }
    return std::nullopt;
  }

  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string pending_;
};

}  // namespace klyn::net::test
