#include "hostchains/connector.h"

#include <spdlog/spdlog.h>
#include <toml++/toml.h>

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

Result<std::vector<HostchainLink>> build_hostchains(const core::SymbioteConfig& config,
                                                    const chain::Genesis& genesis,
                                                    const std::filesystem::path& data_dir,
                                                    const ConnectorRegistry& registry,
                                                    std::shared_ptr<spdlog::logger> log,
                                                    KeyLoader load_key, std::string self_url) {
  const auto& manifest = genesis.manifest.hostchains;
  std::vector<HostchainLink> links;
  core::ConfigErrors errors;
  for (const auto& [key, node] : config.hostchains) {
    const std::string name(key.str());
    const toml::table* table = node.as_table();
    if (!table) {
      errors.add(config.file, "hostchains." + name, "must be a table ([hostchains." + name + "])");
      continue;
    }
    core::ConfigReader cfg(*table, config.file, "hostchains." + name);
    HostchainLink link;
    link.name = name;
    link.settings = read_common(cfg);
    const std::string address = cfg.string("address");
    if (!link.settings.type.empty() && !link.settings.network.empty()) {
      auto ref = match_manifest(manifest, link.settings.type, link.settings.network, address);
      if (!ref) {
        cfg.error("network", "the manifest has no hostchain of type \"" + link.settings.type +
                                 "\" on network \"" + link.settings.network + "\"" +
                                 (address.empty() ? "" : " at " + address) +
                                 " (only the manifest's hostchains count)");
      } else {
        for (const auto& other : links)
          if (other.ref == *ref)
            cfg.error("network", "[hostchains." + other.name + "] already serves this hostchain");
        link.ref = *ref;
        ConnectorSpec spec;
        spec.name = name;
        spec.ref = *ref;
        spec.symbiote = genesis.id();
        spec.data_dir = data_dir;
        spec.log = log;
        spec.load_key = load_key;
        spec.self_url = self_url;
        link.connector = registry.create(spec, cfg);
      }
    }
    errors.append(cfg.finish());
    links.push_back(std::move(link));
  }
  if (!errors.empty()) return errors.to_error();
  for (const auto& ref : manifest) {
    bool served = false;
    for (const auto& l : links) served = served || l.ref == ref;
    if (!served && log)
      log->warn(
          "hostchain {} {} {} of the manifest has no [hostchains.<name>] table in {}: this "
          "node neither commits there nor audits it",
          ref.type, ref.network, ref.address, config.file);
  }
  return links;
}

}  // namespace klyn::hostchains
