#include "hostchains/evm/deploy.h"

#include <algorithm>
#include <thread>

#include "codec/hex.h"
#include "hostchains/evm/checkpoints_contract.h"
#include "hostchains/evm/eth_client.h"
#include "hostchains/evm/transaction.h"

namespace klyn::hostchains::evm {

Result<Deployment> deploy_checkpoint_contract(const DeploySettings& settings,
                                              const PrivateKey& key) {
  auto eth_r = EthClient::create(settings.rpc_url, settings.timeout);
  if (!eth_r) return eth_r.error();
  EthClient& eth = **eth_r;

  auto chain_id = eth.chain_id();
  if (!chain_id) return chain_id.error();
  if (settings.chain_id && *settings.chain_id != *chain_id)
    return Error("wrong_network", settings.rpc_url + " is chain " + std::to_string(*chain_id) +
                                      ", expected " + std::to_string(*settings.chain_id));
  if (*chain_id == 0 || *chain_id > kMaxChainId)
    return Error("bad_response", "eth_chainId: unusable chain id " + std::to_string(*chain_id));

  const Address from = key.address();
  auto nonce = eth.pending_nonce(from);
  if (!nonce) return nonce.error();
  auto gas_price = choose_gas_price(eth, settings.fees);
  if (!gas_price) return gas_price.error();
  LegacyTransaction tx;
  tx.nonce = *nonce;
  tx.gas_price = *gas_price;
  tx.data = codec::hex_decode(contract::kCheckpointsBytecode).value();
  auto gas = estimate_gas_with_margin(eth, from, std::nullopt, tx.data);
  if (!gas) return gas.error();
  tx.gas = *gas;

  const SignedTransaction signed_tx = sign_legacy_eip155(tx, *chain_id, key);
  auto sent = send_transaction(eth, signed_tx);
  if (!sent) return sent.error();

  Deployment out;
  out.tx = *sent;
  out.address = address_hex(contract_address(from, tx.nonce));
  out.chain_id = *chain_id;

  const auto deadline = std::chrono::steady_clock::now() + settings.wait;
  auto pause = std::chrono::milliseconds(50);
  for (;;) {
    auto receipt = eth.receipt(out.tx);
    if (!receipt) return receipt.error();
    if (*receipt) {
      const Receipt& r = **receipt;
      if (!r.success)
        return Error("failed", "the creation transaction " + out.tx + " reverted in block " +
                                   std::to_string(r.block_number));
      if (r.created && address_hex(*r.created) != out.address)
        return Error("bad_response", "eth_getTransactionReceipt: contractAddress " +
                                         address_hex(*r.created) + ", expected " + out.address);
      out.block = r.block_number;
      return out;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline)
      return Error("timeout", "the creation transaction " + out.tx + " was not mined within " +
                                  std::to_string(settings.wait.count()) +
                                  " ms; once mined, the contract is at " + out.address);
    // Polling (no notification exists over plain JSON-RPC), bounded by the deadline.
    std::this_thread::sleep_for(
        std::min(pause, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)));
    pause = std::min(pause * 2, std::chrono::milliseconds(2000));
  }
}

}  // namespace klyn::hostchains::evm
