#pragma once
#include <string>
#include <utility>

#include "core/workflow.h"

namespace klyn::cli {
// The one registration list naming concrete workflows (ARCHITECTURE §3).
core::WorkflowRegistry builtin_workflows();
// The workflow (name, version) a new symbiote gets from `klyn74r init` and `testnet` unless told.
std::pair<std::string, std::string> default_workflow();
// The newest version of a built-in workflow ("" if there is none of that name).
std::string workflow_version(const std::string& name);
// The one registration list naming concrete hostchain connectors (ARCHITECTURE §4.6).
hostchains::ConnectorRegistry builtin_connectors();
}  // namespace klyn::cli
