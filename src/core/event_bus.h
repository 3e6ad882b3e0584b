#pragma once
// EventBus: the process-wide publish/subscribe channel plugins see (§4.10). Topics are fixed
// strings ("event_admitted", "block_applied", "checkpoint_committed", "fork_alarm"); a message
// is a JSON object that always carries "symbiote" (the alias).
//
// Thread safety: publish/subscribe/unsubscribe from any thread. Subscribers are called
// synchronously on the publisher's thread and must be quick; they must not call back into the
// bus from inside the callback (no re-entrancy).

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace klyn::core {

class EventBus {
 public:
  using Subscriber = std::function<void(const std::string& topic, const nlohmann::json& message)>;

  // Returns a handle for unsubscribe(). An empty topic subscribes to every topic.
  uint64_t subscribe(std::string topic, Subscriber fn);
  void unsubscribe(uint64_t handle);
  void publish(const std::string& topic, const nlohmann::json& message);
  // True when somebody listens to `topic` (lets publishers skip building messages).
  bool has_subscribers(const std::string& topic) const;

 private:
  mutable std::mutex mu_;
  uint64_t next_ = 1;
  std::map<uint64_t, std::pair<std::string, Subscriber>> subs_;
};

}  // namespace klyn::core
