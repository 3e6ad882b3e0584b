#include "hostchains/evm/evm_connector.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "codec/hex.h"
#include "hostchains/evm/checkpoint_abi.h"
#include "hostchains/evm/transaction.h"

namespace klyn::hostchains::evm {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A decimal chain id in 1..kMaxChainId, or nullopt.
std::optional<uint64_t> parse_chain_id(const std::string& s) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v == 0 || v > kMaxChainId) return std::nullopt;
  return v;
}

}  // namespace

std::optional<EvmSettings> read_settings(const ConnectorSpec& spec, core::ConfigReader& cfg) {
  const size_t errors_before = cfg.errors().size();
  EvmSettings s;
  s.name = spec.name;
  s.common = read_common(cfg);
  if (!s.common.network.empty()) {
    if (auto id = parse_chain_id(s.common.network))
      s.chain_id = *id;
    else
      cfg.error("network",
                "must be the decimal EVM chain id (eth_chainId), e.g. \"1\" or "
                "\"1337\", got \"" +
                    s.common.network + "\"");
    if (s.common.network != spec.ref.network)
      cfg.error("network", "\"" + s.common.network + "\" is not the manifest's network \"" +
                               spec.ref.network + "\"");
  }
  // The contract address comes from the manifest; the table may repeat it (to pick one of
  // several manifest entries), and must then agree.
  const std::string address = cfg.string("address", "");
  if (auto a = parse_address(spec.ref.address))
    s.contract = *a;
  else
    cfg.error("address", "the manifest's evm entry needs the Checkpoints contract address: " +
                             a.error().reason);
  if (!address.empty() && lower(address) != lower(spec.ref.address))
    cfg.error("address", "\"" + address + "\" is not the manifest's contract address \"" +
                             spec.ref.address + "\"");

  s.rpc_url = cfg.required_string("rpc_url");
  if (!s.rpc_url.empty()) {
    if (auto c = EthClient::create(s.rpc_url, s.timeout); !c)
      cfg.error("rpc_url", c.error().reason);
  }
  const std::string key_file = cfg.string("private_key_file", "");
  if (!key_file.empty()) {
    std::filesystem::path p(key_file);
    s.private_key_file = p.is_absolute() ? p : spec.data_dir / p;
    if (auto k = read_private_key_file(s.private_key_file); !k)
      cfg.error("private_key_file", k.error().reason);
  }
  s.fees.gas_price_multiplier = cfg.number("gas_price_multiplier", 1.25, 1.0, 10.0);
  const double max_gwei = cfg.number("max_gas_price_gwei", 0, 0, 1e9);
  s.fees.max_gas_price_wei = static_cast<uint64_t>(max_gwei * 1e9);
  s.gas_limit = static_cast<uint64_t>(cfg.integer("gas_limit", 0, 0, 30000000));
  if (s.gas_limit != 0 && s.gas_limit < 21000)
    cfg.error("gas_limit",
              "must be 0 (estimate) or at least 21000, got " + std::to_string(s.gas_limit));
  s.start_block = static_cast<uint64_t>(cfg.integer("start_block", 0, 0));
  s.logs_block_range = static_cast<uint64_t>(cfg.integer("logs_block_range", 5000, 1, 100000));
  s.reorg_depth = static_cast<uint64_t>(cfg.integer("reorg_depth", 128, 1, 1000000));
  s.timeout = cfg.duration_ms("timeout", std::chrono::seconds(10), std::chrono::milliseconds(100),
                              std::chrono::minutes(10));
  if (cfg.errors().size() != errors_before) return std::nullopt;
  return s;
}

ConnectorFactory factory() {
  return [](const ConnectorSpec& spec, core::ConfigReader& cfg) -> std::unique_ptr<Connector> {
    auto settings = read_settings(spec, cfg);
    if (!settings) return nullptr;
    std::optional<PrivateKey> key;
    if (!settings->private_key_file.empty()) {
      auto k = read_private_key_file(settings->private_key_file);
      if (!k) {
        cfg.error("private_key_file", k.error().reason);
        return nullptr;
      }
      key.emplace(std::move(*k));
    }
    auto eth = EthClient::create(settings->rpc_url, settings->timeout);
    if (!eth) {
      cfg.error("rpc_url", eth.error().reason);
      return nullptr;
    }
    return std::make_unique<EvmConnector>(std::move(*settings), std::move(key), std::move(*eth),
                                          spec.log);
  };
}

EvmConnector::EvmConnector(EvmSettings settings, std::optional<PrivateKey> key,
                           std::unique_ptr<EthClient> eth, std::shared_ptr<spdlog::logger> log)
    : settings_(std::move(settings)),
      key_(std::move(key)),
      eth_(std::move(eth)),
      log_(std::move(log)) {}

std::optional<Address> EvmConnector::committer() const {
  if (!key_) return std::nullopt;
  return key_->address();
}

Status EvmConnector::ensure_chain() {
  if (chain_checked_) return {};
  auto id = eth_->chain_id();
  if (!id) return id.error();
  if (*id != settings_.chain_id)
    return Error("wrong_network", eth_->url() + " is chain " + std::to_string(*id) +
                                      " (eth_chainId), but hostchains." + settings_.name +
                                      ".network is \"" + settings_.common.network + "\"");
  chain_checked_ = true;
  return {};
}

Status EvmConnector::ensure_contract() {
  KLYN_TRY(ensure_chain());
  if (contract_checked_) return {};
  auto code = eth_->has_code(settings_.contract);
  if (!code) return code.error();
  if (!*code)
    return Error("not_found", "no contract at " + address_hex(settings_.contract) + " on chain " +
                                  settings_.common.network + " (" + eth_->url() +
                                  "): deploy the Checkpoints contract and put its address in "
                                  "the manifest");
  contract_checked_ = true;
  return {};
}

Status EvmConnector::require_key() const {
  if (!key_)
    return Error("unauthorized", "hostchains." + settings_.name +
                                     " has no private_key_file: this node only reads commits");
  return {};
}

Result<std::string> EvmConnector::commit(const Checkpoint& cp) {
  if (settings_.common.stopped)
    return Error("stopped", "hostchains." + settings_.name + " is stopped in config");
  KLYN_TRY(require_key());
  KLYN_TRY(ensure_contract());
  const Address from = key_->address();
  if (!next_nonce_) {
    auto n = eth_->pending_nonce(from);
    if (!n) return n.error();
    next_nonce_ = *n;
  }
  auto gas_price = choose_gas_price(*eth_, settings_.fees);
  if (!gas_price) return gas_price.error();
  LegacyTransaction tx;
  tx.nonce = *next_nonce_;
  tx.gas_price = *gas_price;
  tx.to = settings_.contract;
  tx.data = encode_commit_call(cp);
  if (settings_.gas_limit != 0) {
    tx.gas = settings_.gas_limit;
  } else {
    auto gas = estimate_gas_with_margin(*eth_, from, tx.to, tx.data);
    if (!gas) return gas.error();
    tx.gas = *gas;
  }
  const SignedTransaction signed_tx = sign_legacy_eip155(tx, settings_.chain_id, *key_);
  auto sent = send_transaction(*eth_, signed_tx);
  if (!sent) {
    // We do not know whether the node took the nonce (a timeout may hide a success): ask again
    // next time.
    next_nonce_.reset();
    if (log_)
      log_->warn("hostchains.{}: commit of index {} failed: {}", settings_.name, cp.index,
                 sent.error().to_string());
    return sent.error();
  }
  ++*next_nonce_;
  if (log_)
    log_->info("hostchains.{}: committed index {} in {} (nonce {}, gas {}, gas price {} wei)",
               settings_.name, cp.index, *sent, tx.nonce, tx.gas, tx.gas_price);
  return sent;
}

Result<CommitStatus> EvmConnector::check(const std::string& tx) {
  if (!parse_hash(tx)) return Error("not_found", "\"" + tx + "\" is not a transaction hash");
  KLYN_TRY(ensure_chain());
  CommitStatus out;
  auto receipt = eth_->receipt(tx);
  if (!receipt) return receipt.error();
  if (!*receipt) {
    auto known = eth_->transaction_block(tx);
    if (!known) return known.error();
    // Known without a receipt: in the mempool (or mined a moment ago; the next check says).
    out.state = known->has_value() ? CommitStatus::State::kPending : CommitStatus::State::kUnknown;
    // A transaction that vanished (dropped, or reorganised away and not re-broadcast) leaves a
    // gap before our next nonce: read the nonce from the node again before the next commit.
    if (out.state == CommitStatus::State::kUnknown) next_nonce_.reset();
    return out;
  }
  auto tip = eth_->block_number();
  if (!tip) return tip.error();
  const Receipt& r = **receipt;
  out.state = r.success ? CommitStatus::State::kIncluded : CommitStatus::State::kFailed;
  out.confirmations = *tip >= r.block_number ? *tip - r.block_number + 1 : 1;
  out.block = r.block_hash.empty() ? std::to_string(r.block_number) : r.block_hash;
  return out;
}

Result<std::vector<FoundCommit>> EvmConnector::read_commits(const chain::SymbioteId& symbiote,
                                                            uint64_t from_index) {
  KLYN_TRY(ensure_contract());
  auto tip_r = eth_->block_number();
  if (!tip_r) return tip_r.error();
  const uint64_t tip = *tip_r;

  auto [it, inserted] = scans_.try_emplace(symbiote);
  Scan& scan = it->second;
  if (inserted) scan.next_block = settings_.start_block;
  // Scan anew what a reorganisation may have changed: the last reorg_depth blocks, and anything
  // above the tip (the chain got shorter).
  uint64_t rescan_from = tip + 1 > settings_.reorg_depth ? tip + 1 - settings_.reorg_depth : 0;
  rescan_from = std::max(settings_.start_block, std::min(rescan_from, scan.next_block));

  // Collect first, change the cache only when every window answered.
  std::vector<Found> fresh;
  for (uint64_t from = rescan_from; from <= tip;) {
    const uint64_t to = std::min(tip, from + settings_.logs_block_range - 1);
    auto logs = eth_->logs(from, to, settings_.contract, checkpoint_event_topic(), symbiote);
    if (!logs) return logs.error();
    std::sort(logs->begin(), logs->end(), [](const Log& a, const Log& b) {
      return std::tie(a.block_number, a.log_index) < std::tie(b.block_number, b.log_index);
    });
    for (const Log& log : *logs) {
      if (log.removed || log.block_number < from || log.block_number > to) continue;
      auto decoded = decode_checkpoint_log(log.topics, log.data);
      if (!decoded || decoded->checkpoint.symbiote != symbiote) continue;
      fresh.push_back({decoded->checkpoint, log.tx_hash, log.block_number});
    }
    if (to == tip) break;
    from = to + 1;
  }
  std::erase_if(scan.found, [&](const Found& f) { return f.block >= rescan_from; });
  scan.found.insert(scan.found.end(), fresh.begin(), fresh.end());
  scan.next_block = tip + 1;

  std::vector<FoundCommit> out;
  for (const Found& f : scan.found) {
    if (f.checkpoint.index < from_index) continue;
    out.push_back({f.checkpoint, f.tx, tip - f.block + 1});
  }
  return out;
}

Result<Balance> EvmConnector::balance() {
  KLYN_TRY(require_key());
  KLYN_TRY(ensure_chain());
  auto wei = eth_->balance(key_->address());
  if (!wei) return wei.error();
  return Balance{*wei, "wei"};
}

}  // namespace klyn::hostchains::evm
