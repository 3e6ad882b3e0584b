#pragma once
// The core process (`klyn74r run`): loads the global config and keys, hosts every enabled
// symbiote with its workflow, serves the API, and handles signals (§4.1, §4.2, §4.8).
//
// run_node() returns the process exit code: 0 after a graceful stop, 2 for config / genesis /
// keystore errors (reported with file, key and reason before anything starts), 1 for runtime
// failures (e.g. the port is taken, storage cannot be opened).

#include <filesystem>
#include <optional>

#include "core/workflow.h"

namespace klyn::core {

struct NodeOptions {
  std::filesystem::path dir;
  std::optional<uint16_t> port;  // overrides server.port
  std::optional<std::string> interface;
};

// `connectors`: the hostchain connector types this binary has (the CLI's registration list).
int run_node(const NodeOptions& options, const WorkflowRegistry& registry,
             const hostchains::ConnectorRegistry& connectors);

}  // namespace klyn::core
