#include "workflows/kit/peers.h"

#include "net/url.h"

namespace klyn::kit {

Result<bool> PeerSet::add(const std::string& url) {
  auto hp = net::parse_http_url(url);
  if (!hp) return Error("bad_url", "peer address " + url + ": " + hp.error().reason);
  std::lock_guard lock(mu_);
  for (const auto& p : peers_)
    if (p.host == hp->first && p.port == hp->second) return false;
  if (peers_.size() >= cap_)
    return Error("too_many_peers",
                 "this node keeps at most " + std::to_string(cap_) + " peers per symbiote");
  peers_.push_back({url, hp->first, hp->second});
  return true;
}

std::vector<Peer> PeerSet::snapshot() const {
  std::lock_guard lock(mu_);
  return peers_;
}

size_t PeerSet::size() const {
  std::lock_guard lock(mu_);
  return peers_.size();
}

}  // namespace klyn::kit
