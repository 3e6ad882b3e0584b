#include "core/event_bus.h"

#include <vector>

namespace klyn::core {

uint64_t EventBus::subscribe(std::string topic, Subscriber fn) {
  std::lock_guard lock(mu_);
  uint64_t h = next_++;
  subs_.emplace(h, std::make_pair(std::move(topic), std::move(fn)));
  return h;
}

void EventBus::unsubscribe(uint64_t handle) {
  std::lock_guard lock(mu_);
  subs_.erase(handle);
}

void EventBus::publish(const std::string& topic, const nlohmann::json& message) {
  std::vector<Subscriber> targets;
  {
    std::lock_guard lock(mu_);
    for (auto& [h, s] : subs_)
      if (s.first.empty() || s.first == topic) targets.push_back(s.second);
  }
  for (auto& fn : targets) fn(topic, message);
}

bool EventBus::has_subscribers(const std::string& topic) const {
  std::lock_guard lock(mu_);
  for (auto& [h, s] : subs_)
    if (s.first.empty() || s.first == topic) return true;
  return false;
}

}  // namespace klyn::core
