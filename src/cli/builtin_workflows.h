#pragma once
#include "core/workflow.h"

namespace klyn::cli {
// The one registration list naming concrete workflows (ARCHITECTURE §3).
core::WorkflowRegistry builtin_workflows();
}  // namespace klyn::cli
