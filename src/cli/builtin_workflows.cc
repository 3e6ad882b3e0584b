#include "cli/builtin_workflows.h"

#include "hostchains/bitcoin/bitcoin.h"
#include "hostchains/evm/evm_connector.h"
#include "hostchains/symbiote/symbiote.h"
#include "workflows/dev_controller/dev_controller.h"
#include "workflows/dev_symbiland/dev_symbiland.h"

namespace klyn::cli {

core::WorkflowRegistry builtin_workflows() {
  core::WorkflowRegistry r;
  (void)r.add(dev_controller::DevController::kName, dev_controller::DevController::version(),
              [] { return std::make_unique<dev_controller::DevController>(); });
  (void)r.add(dev_symbiland::DevSymbiland::kName, dev_symbiland::DevSymbiland::version(),
              [] { return std::make_unique<dev_symbiland::DevSymbiland>(); });
  return r;
}

std::pair<std::string, std::string> default_workflow() {
  return {dev_controller::DevController::kName, dev_controller::DevController::version()};
}

std::string workflow_version(const std::string& name) {
  std::string newest;
  for (const auto& [n, v] : builtin_workflows().list())
    if (n == name) newest = v;  // list() is sorted
  return newest;
}

hostchains::ConnectorRegistry builtin_connectors() {
  hostchains::ConnectorRegistry r;
  (void)r.add("symbiote", hostchains::symbiote::factory());
  (void)r.add("bitcoin", hostchains::bitcoin::factory());
  (void)r.add("evm", hostchains::evm::factory());
  return r;
}

}  // namespace klyn::cli
