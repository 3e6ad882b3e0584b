#include "cli/cli_common.h"
namespace klyn::cli {
void add_bench_command(CLI::App& app) {
  (void)app;
}
}  // namespace klyn::cli
