#include "core/workflow.h"

namespace klyn::core {

Status SymbioteRoutes::add(net::Method method, std::string_view pattern, net::Handler handler) {
  if (pattern.empty() || pattern[0] != '/')
    return Error("bad_route", "symbiote route must start with '/': " + std::string(pattern));
  KLYN_TRY(router_.add(method, "/s/" + alias_ + std::string(pattern), handler));
  KLYN_TRY(router_.add(method, "/s/" + id_hex_ + std::string(pattern), handler));
  // The fallback for unknown symbiotes; registered by the first symbiote with this shape, so a
  // "bad_route" (already registered) from later ones is expected and ignored.
  (void)router_.add(method, "/s/{sym}" + std::string(pattern), unknown_);
  return Status();
}

Status GuardedRoutes::add(net::Method method, std::string_view pattern, net::Handler handler) {
  return routes_.add(
      method, pattern, [&store = store_, handler = std::move(handler)](const net::Request& req) {
        if (auto fault = store.fault())
          return net::Response::error(503, "storage_fault",
                                      "this symbiote is halted: " + fault->to_string());
        return handler(req);
      });
}

net::Handler SymbioteRoutes::unknown_symbiote_handler() {
  return [](const net::Request& req) {
    return net::Response::error(
        404, "unknown_symbiote",
        "no symbiote with alias or id \"" + req.param("sym") + "\" on this node");
  };
}

Status Workflow::check_manifest(const chain::Manifest& manifest) const {
  auto section = chain::section_of(manifest);
  if (!section) return Error("bad_genesis", section.error().reason);
  if (!section->empty())
    return Error("bad_genesis", "manifest." + manifest.workflow + ": workflow " +
                                    manifest.workflow + " takes no parameters");
  return Status();
}

Status WorkflowRegistry::add(std::string name, std::string version, WorkflowFactory factory) {
  auto key = std::make_pair(std::move(name), std::move(version));
  if (factories_.count(key))
    return Error("duplicate_workflow", key.first + " " + key.second + " is registered twice");
  factories_.emplace(std::move(key), std::move(factory));
  return Status();
}

Result<std::unique_ptr<Workflow>> WorkflowRegistry::create(const std::string& name,
                                                           const std::string& version) const {
  auto it = factories_.find({name, version});
  if (it != factories_.end()) return it->second();
  std::string have;
  for (auto& [k, f] : factories_) {
    if (k.first != name) continue;
    if (!have.empty()) have += ", ";
    have += k.second;
  }
  if (have.empty()) {
    std::string all;
    for (auto& [k, f] : factories_) all += (all.empty() ? "" : ", ") + k.first + " " + k.second;
    return Error("unknown_workflow", "workflow \"" + name +
                                         "\" is not built into this node (it has: " +
                                         (all.empty() ? "none" : all) + ")");
  }
  return Error("workflow_version", "the manifest pins " + name + " " + version +
                                       " but this node has " + name + " " + have);
}

std::vector<std::pair<std::string, std::string>> WorkflowRegistry::list() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [k, f] : factories_) out.push_back(k);
  return out;
}

}  // namespace klyn::core
