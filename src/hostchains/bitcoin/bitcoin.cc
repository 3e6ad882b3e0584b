#include "hostchains/bitcoin/bitcoin.h"

#include <spdlog/spdlog.h>

#include "codec/hex.h"
#include "hostchains/bitcoin/amount.h"
#include "hostchains/bitcoin/commit_script.h"

namespace klyn::hostchains::bitcoin {

using nlohmann::json;

namespace {

constexpr int64_t kRpcWalletInsufficientFunds = -6;
constexpr int64_t kRpcMethodNotFound = -32601;
constexpr int64_t kRpcInvalidAddressOrKey = -5;  // no such transaction
constexpr int64_t kRpcVerifyAlreadyInChain = -27;

RpcSessionOptions session_options(const BitcoinSettings& s) {
  return RpcSessionOptions{s.rpc_url,         s.rpc_user, s.rpc_password,
                           s.rpc_cookie_file, s.wallet,   s.timeout};
}

// Bitcoin Core says "Insufficient funds" (RPC_WALLET_ERROR, -4) from fundrawtransaction and uses
// RPC_WALLET_INSUFFICIENT_FUNDS (-6) elsewhere.
Error map_funds(Error e, int64_t rpc_code) {
  if (e.code == "rpc_error" && (rpc_code == kRpcWalletInsufficientFunds ||
                                e.reason.find("Insufficient funds") != std::string::npos))
    return Error("insufficient_funds", std::move(e.reason));
  return e;
}

Result<std::string> string_member(const json& obj, const char* key, const std::string& method) {
  if (!obj.is_object()) return Error("bad_response", method + ": not an object");
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string())
    return Error("bad_response", method + ": no string member '" + key + "'");
  return it->get<std::string>();
}

bool is_txid(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

}  // namespace

BitcoinConnector::BitcoinConnector(BitcoinSettings settings, std::shared_ptr<spdlog::logger> log)
    : settings_(std::move(settings)),
      log_(std::move(log)),
      rpc_(session_options(settings_)),
      scanner_(settings_.start_height, settings_.max_scan_blocks) {}

BitcoinConnector::~BitcoinConnector() = default;

Result<std::string> BitcoinConnector::commit(const Checkpoint& cp) {
  if (settings_.common.stopped)
    return Error("stopped", "this hostchain is stopped (stopped = true): no new commits");
  const std::string payload = codec::hex_encode(encode_commit_payload(cp));

  auto raw = rpc_.node("createrawtransaction",
                       json::array({json::array(), json::array({json{{"data", payload}}})}));
  if (!raw) return raw.error();
  if (!raw->is_string()) return Error("bad_response", "createrawtransaction: not a string");

  json options = json::object();
  if (settings_.fee_rate) options["fee_rate"] = *settings_.fee_rate;
  auto funded = rpc_.wallet("fundrawtransaction", json::array({*raw, options}));
  if (!funded) return map_funds(funded.error(), rpc_.rpc_code());
  auto funded_hex = string_member(*funded, "hex", "fundrawtransaction");
  if (!funded_hex) return funded_hex.error();

  auto signed_tx = rpc_.wallet("signrawtransactionwithwallet", json::array({*funded_hex}));
  if (!signed_tx) return signed_tx.error();
  auto signed_hex = string_member(*signed_tx, "hex", "signrawtransactionwithwallet");
  if (!signed_hex) return signed_hex.error();
  auto complete = signed_tx->find("complete");
  if (complete == signed_tx->end() || !complete->is_boolean() || !complete->get<bool>()) {
    std::string why = signed_tx->contains("errors") ? (*signed_tx)["errors"].dump() : "";
    return Error("rpc_error", "signrawtransactionwithwallet: signing incomplete " + why);
  }

  auto sent = rpc_.node("sendrawtransaction", json::array({*signed_hex}));
  if (!sent && sent.error().code == "rpc_error" &&
      (rpc_.rpc_code() == kRpcVerifyAlreadyInChain ||
       sent.error().reason.find("already") != std::string::npos)) {
    // Sent before (a retried request, or a wallet rebroadcast): the commit is there; answer its
    // txid like a successful send.
    auto decoded = rpc_.node("decoderawtransaction", json::array({*signed_hex}));
    if (decoded) {
      if (auto txid = string_member(*decoded, "txid", "decoderawtransaction");
          txid && is_txid(*txid))
        sent = json(*txid);
    }
  }
  if (!sent) return map_funds(sent.error(), rpc_.rpc_code());
  if (!sent->is_string() || !is_txid(sent->get<std::string>()))
    return Error("bad_response", "sendrawtransaction: not a transaction id");
  std::string txid = sent->get<std::string>();
  if (log_) log_->info("bitcoin: committed checkpoint {} in transaction {}", cp.index, txid);
  return txid;
}

Result<CommitStatus> BitcoinConnector::check(const std::string& tx) {
  if (!is_txid(tx)) return Error("not_found", "not a transaction id: \"" + tx + "\"");
  json info;
  auto w = rpc_.wallet("gettransaction", json::array({tx}));
  if (w) {
    info = std::move(*w);
  } else if (w.error().code != "rpc_error") {
    return w.error();
  } else {
    // Not a transaction of this wallet (or no wallet): ask the chain (-txindex) and mempool.
    auto r = rpc_.node("getrawtransaction", json::array({tx, true}));
    if (r)
      info = std::move(*r);
    else if (r.error().code != "rpc_error" || rpc_.rpc_code() != kRpcInvalidAddressOrKey)
      return r.error();
  }
  if (!info.is_null() && !info.is_object())
    return Error("bad_response", "gettransaction/getrawtransaction: not an object");

  CommitStatus st;
  int64_t confirmations = 0;
  if (info.is_object()) {
    if (auto c = info.find("confirmations"); c != info.end()) {
      if (!c->is_number_integer()) return Error("bad_response", "confirmations is not an integer");
      confirmations = c->get<int64_t>();
    }
  }
  if (confirmations > 0) {
    auto block = string_member(info, "blockhash", "gettransaction");
    if (!block) return block.error();
    st.state = CommitStatus::State::kIncluded;
    st.confirmations = static_cast<uint64_t>(confirmations);
    st.block = std::move(*block);
    return st;
  }
  // Not in a block of the best chain (never was, or a reorganisation took it out).
  auto m = rpc_.node("getmempoolentry", json::array({tx}));
  if (m) {
    st.state = CommitStatus::State::kPending;
  } else if (m.error().code == "rpc_error") {
    st.state = CommitStatus::State::kUnknown;
  } else {
    return m.error();
  }
  return st;
}

Result<std::vector<FoundCommit>> BitcoinConnector::read_commits(const chain::SymbioteId& symbiote,
                                                                uint64_t from_index) {
  return scanner_.read(rpc_, symbiote, from_index);
}

Result<Balance> BitcoinConnector::balance() {
  auto b = rpc_.wallet("getbalances");
  json amount;
  if (b) {
    if (!b->is_object() || !b->contains("mine") || !(*b)["mine"].is_object() ||
        !(*b)["mine"].contains("trusted"))
      return Error("bad_response", "getbalances: no mine.trusted");
    amount = (*b)["mine"]["trusted"];
  } else if (b.error().code == "rpc_error" && rpc_.rpc_code() == kRpcMethodNotFound) {
    auto old = rpc_.wallet("getbalance");  // daemons before getbalances (Bitcoin Core < 0.19)
    if (!old) return old.error();
    amount = std::move(*old);
  } else {
    return b.error();
  }
  auto sat = json_coin_amount(amount);
  if (!sat) return sat.error();
  return Balance{std::to_string(*sat), "sat"};
}

ConnectorFactory factory() {
  return [](const ConnectorSpec& spec, core::ConfigReader& cfg) -> std::unique_ptr<Connector> {
    auto settings = read_settings(spec, cfg);
    if (!settings) return nullptr;
    return std::make_unique<BitcoinConnector>(std::move(*settings), spec.log);
  };
}

}  // namespace klyn::hostchains::bitcoin
