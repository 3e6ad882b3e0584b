#include "hostchains/connector.h"

namespace klyn::hostchains {

std::string_view to_string(CommitStatus::State s) {
  switch (s) {
    case CommitStatus::State::kUnknown:
      return "unknown";
    case CommitStatus::State::kPending:
      return "pending";
    case CommitStatus::State::kIncluded:
      return "included";
    case CommitStatus::State::kFailed:
      return "failed";
  }
  return "unknown";
}

Status ConnectorRegistry::add(std::string type, ConnectorFactory factory) {
  if (factories_.count(type))
    return Error("duplicate", "connector type '" + type + "' registered twice");
  factories_.emplace(std::move(type), std::move(factory));
  return {};
}

bool ConnectorRegistry::has(std::string_view type) const {
  return factories_.count(type) > 0;
}

std::vector<std::string> ConnectorRegistry::types() const {
  std::vector<std::string> out;
  for (const auto& [t, f] : factories_) out.push_back(t);
  return out;
}

std::unique_ptr<Connector> ConnectorRegistry::create(const ConnectorSpec& spec,
                                                     core::ConfigReader& cfg) const {
  auto it = factories_.find(spec.ref.type);
  if (it == factories_.end()) {
    std::string known;
    for (const auto& [t, f] : factories_) known += (known.empty() ? "" : ", ") + t;
    cfg.error("type",
              "unknown hostchain type '" + spec.ref.type + "' (this node has: " + known + ")");
    return nullptr;
  }
  return it->second(spec, cfg);
}

CommonSettings read_common(core::ConfigReader& cfg) {
  CommonSettings s;
  s.type = cfg.required_string("type");
  s.network = cfg.required_string("network");
  s.confirmations = static_cast<uint64_t>(cfg.integer("confirmations", 6, 1, 1000));
  s.stopped = cfg.boolean("stopped", false);
  return s;
}

std::optional<chain::HostchainRef> match_manifest(const std::vector<chain::HostchainRef>& manifest,
                                                  const std::string& type,
                                                  const std::string& network,
                                                  const std::string& address) {
  for (const auto& h : manifest)
    if (h.type == type && h.network == network && (address.empty() || h.address == address))
      return h;
  return std::nullopt;
}

}  // namespace klyn::hostchains
