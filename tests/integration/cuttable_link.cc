#include "cuttable_link.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>

namespace klyn::itest {
namespace {

void reset_and_close(int fd) {
  if (fd < 0) return;
  linger l{1, 0};  // RST instead of FIN: the peer sees "connection reset"
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

int connect_loopback(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

CuttableLink::CuttableLink(uint16_t target) : target_(target) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("CuttableLink: socket failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = 0;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("CuttableLink: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

CuttableLink::~CuttableLink() {
  stop_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
  std::lock_guard lock(mu_);
  for (Pipe& p : pipes_) close_pipe(p, false);
  for (Pipe& p : pipes_) reap(p);
  for (int fd : held_) ::close(fd);
}

void CuttableLink::accept_loop() {
  while (!stop_) {
    pollfd pf{listen_fd_, POLLIN, 0};
    if (::poll(&pf, 1, 50) <= 0) continue;
    int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    std::lock_guard lock(mu_);
    // Finished pipes are reaped here, so a long test does not pile up threads.
    for (auto it = pipes_.begin(); it != pipes_.end();) {
      if (it->closed) {
        reap(*it);
        it = pipes_.erase(it);
      } else {
        ++it;
      }
    }
    if (cut_) {
      held_.push_back(c);
      ++cut_connections_;
      continue;
    }
    int s = connect_loopback(target_);
    if (s < 0) {
      reset_and_close(c);  // the target is down: as it would look without the link
      continue;
    }
    Pipe& p = pipes_.emplace_back();
    p.client = c;
    p.server = s;
    p.up = std::thread([&p] { forward(p, p.client, p.server); });
    p.down = std::thread([&p] { forward(p, p.server, p.client); });
  }
}

// Copies `from` to `to` until either side closes or the pipe is closed (poll bounds each wait,
// so a closed pipe is noticed within 50 ms).
void CuttableLink::forward(Pipe& p, int from, int to) {
  char buf[65536];
  while (!p.closed) {
    pollfd pf{from, POLLIN, 0};
    int r = ::poll(&pf, 1, 50);
    if (r == 0) continue;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    ssize_t n = ::read(from, buf, sizeof buf);
    if (n <= 0) break;
    ssize_t off = 0;
    while (off < n && !p.closed) {
      ssize_t w = ::send(to, buf + off, static_cast<size_t>(n - off), MSG_NOSIGNAL);
      if (w <= 0) break;
      off += w;
    }
    if (off < n) break;
  }
  // The first direction to finish ends both (half-close is not needed between nodes).
  if (!p.closed.exchange(true)) {
    ::shutdown(p.client, SHUT_RDWR);
    ::shutdown(p.server, SHUT_RDWR);
  }
}

void CuttableLink::reap(Pipe& p) {
  if (p.up.joinable()) p.up.join();
  if (p.down.joinable()) p.down.join();
  ::close(p.client);
  ::close(p.server);
  p.client = p.server = -1;
}

void CuttableLink::close_pipe(Pipe& p, bool reset) {
  if (p.closed.exchange(true)) return;
  if (reset) {
    linger l{1, 0};
    ::setsockopt(p.client, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::setsockopt(p.server, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  ::shutdown(p.client, SHUT_RDWR);
  ::shutdown(p.server, SHUT_RDWR);
}

void CuttableLink::cut() {
  std::lock_guard lock(mu_);
  cut_ = true;
  for (Pipe& p : pipes_)
    if (!p.closed) {
      close_pipe(p, true);
      ++cut_connections_;
    }
}

void CuttableLink::heal() {
  std::lock_guard lock(mu_);
  for (int fd : held_) reset_and_close(fd);
  held_.clear();
  cut_ = false;
}

}  // namespace klyn::itest
