#include "cli/builtin_workflows.h"

#include "hostchains/bitcoin/bitcoin.h"
#include "hostchains/evm/evm_connector.h"
#include "hostchains/symbiote/symbiote.h"
#include "workflows/dev_controller/dev_controller.h"

namespace klyn::cli {

core::WorkflowRegistry builtin_workflows() {
  core::WorkflowRegistry r;
  (void)r.add(dev_controller::DevController::kName, dev_controller::DevController::version(),
              [] { return std::make_unique<dev_controller::DevController>(); });
  return r;
}

std::pair<std::string, std::string> default_workflow() {
  return {dev_controller::DevController::kName, dev_controller::DevController::version()};
}

hostchains::ConnectorRegistry builtin_connectors() {
  hostchains::ConnectorRegistry r;
  (void)r.add("symbiote", hostchains::symbiote::factory());
  (void)r.add("bitcoin", hostchains::bitcoin::factory());
  (void)r.add("evm", hostchains::evm::factory());
  return r;
}

}  // namespace klyn::cli
