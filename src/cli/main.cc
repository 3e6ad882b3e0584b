// klyn74r: the KLYNTAR core launcher and client.
#include "cli/cli_common.h"

int main(int argc, char** argv) {
  CLI::App app{"klyn74r - KLYNTAR core: hosts many chains (symbiotes) side by side"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "klyn74r 0.1.0");
  klyn::cli::add_init_commands(app);
  klyn::cli::add_run_command(app);
  klyn::cli::add_keys_commands(app);
  klyn::cli::add_tx_commands(app);
  klyn::cli::add_query_commands(app);
  klyn::cli::add_address_commands(app);
  klyn::cli::add_bench_command(app);
  klyn::cli::add_replay_command(app);
  klyn::cli::add_testnet_commands(app);
  klyn::cli::add_hostchain_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : klyn::cli::kExitConfig;
  }
  return 0;
}
