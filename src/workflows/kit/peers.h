#pragma once
// The peers of one symbiote on this node (configured, plus those added at run time), shared by
// a workflow's gossip, event forwarding and catch-up.

#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"

namespace klyn::kit {

struct Peer {
  std::string url;
  std::string host;
  uint16_t port = 0;
};

// The peers of one symbiote on this node: the configured ones plus those added at run time
// (POST /s/{sym}/addnode), at most `cap`. Thread-safe; readers take a snapshot.
class PeerSet {
 public:
  explicit PeerSet(size_t cap) : cap_(cap) {}
  // true when added, false when already known. Errors: bad_url (not http://host:port),
  // too_many_peers.
  Result<bool> add(const std::string& url);
  std::vector<Peer> snapshot() const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::vector<Peer> peers_;
  size_t cap_;
};

}  // namespace klyn::kit
