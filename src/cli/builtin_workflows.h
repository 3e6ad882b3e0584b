#pragma once
#include "core/workflow.h"

namespace klyn::cli {
// The one registration list naming concrete workflows (ARCHITECTURE §3).
core::WorkflowRegistry builtin_workflows();
// The one registration list naming concrete hostchain connectors (ARCHITECTURE §4.6).
hostchains::ConnectorRegistry builtin_connectors();
}  // namespace klyn::cli
