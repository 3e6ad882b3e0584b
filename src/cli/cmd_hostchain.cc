// klyn74r hostchain deploy evm: deploys the Checkpoints contract that an `evm` hostchain entry
// names (hostchains/evm/deploy.h) and prints what the manifest and the node-local table need.
#include <iostream>

#include "cli/cli_common.h"
#include "hostchains/evm/deploy.h"

namespace klyn::cli {

void add_hostchain_commands(CLI::App& app) {
  auto* hc = app.add_subcommand("hostchain", "work with hostchains");
  hc->require_subcommand(1);
  auto* deploy = hc->add_subcommand("deploy", "deploy what a hostchain needs");
  deploy->require_subcommand(1);
  auto* evm = deploy->add_subcommand(
      "evm",
      "deploy the Checkpoints contract on an Ethereum JSON-RPC node; prints the address "
      "(manifest hostchain address), the transaction and the block (start_block)");
  struct Options {
    std::string rpc_url, key_file;
    uint64_t chain_id = 0;
    uint64_t wait_seconds = 180;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  evm->add_option("--rpc-url", o->rpc_url, "http://host:port of the node")->required();
  evm->add_option("--key-file", o->key_file,
                  "file with the deployer's secp256k1 private key (64 hex; mode 0600)")
      ->required();
  evm->add_option("--chain-id", o->chain_id, "expected chain id (refuse another network)");
  evm->add_option("--wait-seconds", o->wait_seconds, "how long to wait for the receipt")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  evm->add_flag("--json", o->json, "print one JSON object");
  evm->callback([o] {
    auto key = hostchains::evm::read_private_key_file(o->key_file);
    if (!key) std::exit(report(kExitConfig, "--key-file: " + key.error().reason));
    hostchains::evm::DeploySettings s;
    s.rpc_url = o->rpc_url;
    if (o->chain_id) s.chain_id = o->chain_id;
    s.wait = std::chrono::seconds(o->wait_seconds);
    auto d = hostchains::evm::deploy_checkpoint_contract(s, *key);
    if (!d) std::exit(report(kExitFailure, d.error().to_string()));
    if (o->json) {
      std::cout << nlohmann::json({{"address", d->address},
                                   {"tx", d->tx},
                                   {"block", d->block},
                                   {"chain_id", d->chain_id}})
                       .dump()
                << "\n";
      return;
    }
    std::cout << "address  " << d->address << "\ntx       " << d->tx << "\nblock    " << d->block
              << "   (start_block of the [hostchains.<name>] table)\nchain_id " << d->chain_id
              << "\nmanifest hostchain: {\"type\": \"evm\", \"network\": \"" << d->chain_id
              << "\", \"address\": \"" << d->address << "\"}\n";
  });
}

}  // namespace klyn::cli
