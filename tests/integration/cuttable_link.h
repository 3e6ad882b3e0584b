#pragma once
// A TCP link over loopback that a test can cut, standing in for a firewall rule between two
// nodes: it listens on an ephemeral port of 127.0.0.1 and forwards every connection to a target
// port. Nodes are configured to reach each other through links; the test cuts and heals them.
//
// cut(): every open connection is reset, and new connections are accepted but never answered
// (the client waits until its own timeout, as behind a rule that drops packets) until heal(),
// which closes them. Data is forwarded unchanged in both directions while the link is up.

#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace klyn::itest {

class CuttableLink {
 public:
  explicit CuttableLink(uint16_t target);
  ~CuttableLink();
  CuttableLink(const CuttableLink&) = delete;
  CuttableLink& operator=(const CuttableLink&) = delete;

  uint16_t port() const { return port_; }
  void cut();
  void heal();
  bool is_cut() const { return cut_; }
  // Connections reset by cut() or held while cut (a measure that the cut was felt).
  uint64_t cut_connections() const { return cut_connections_; }

 private:
  struct Pipe {
    int client = -1, server = -1;
    std::atomic<bool> closed{false};
    std::thread up, down;
  };
  void accept_loop();
  static void forward(Pipe& p, int from, int to);
  void close_pipe(Pipe& p, bool reset);
  static void reap(Pipe& p);  // joins a closed pipe's threads and closes its sockets

  uint16_t target_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false}, cut_{false};
  std::atomic<uint64_t> cut_connections_{0};
  std::mutex mu_;
  std::list<Pipe> pipes_;
  std::vector<int> held_;  // accepted while cut, never answered
  std::thread acceptor_;
};

}  // namespace klyn::itest
