#include "hostchains/bitcoin/commit_scanner.h"

#include "codec/hex.h"

namespace klyn::hostchains::bitcoin {

using nlohmann::json;

namespace {

constexpr int64_t kRpcInvalidParameter = -8;  // getblockhash: height out of range

Result<uint64_t> as_height(const json& v, const char* what) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
    return Error("bad_response", std::string(what) + " is not a non-negative integer");
  return v.get<uint64_t>();
}

Result<Hash32> as_block_hash(const json& v, const char* what) {
  if (!v.is_string()) return Error("bad_response", std::string(what) + " is not a string");
  auto h = codec::hex_decode_fixed<32>(v.get_ref<const std::string&>());
  if (!h) return Error("bad_response", std::string(what) + ": " + h.error().reason);
  return *h;
}

// The commits in the outputs of one transaction of a verbose block.
void collect_commits(const json& tx, std::vector<std::string>& txids,
                     std::vector<CommitPayload>& payloads) {
  auto txid = tx.find("txid");
  auto vout = tx.find("vout");
  if (txid == tx.end() || !txid->is_string() || vout == tx.end() || !vout->is_array()) return;
  for (const auto& out : *vout) {
    if (!out.is_object()) continue;
    auto spk = out.find("scriptPubKey");
    if (spk == out.end() || !spk->is_object()) continue;
    auto hex = spk->find("hex");
    if (hex == spk->end() || !hex->is_string()) continue;
    const auto& text = hex->get_ref<const std::string&>();
    if (text.rfind("6a", 0) != 0) continue;  // not OP_RETURN: skip without decoding
    auto script = codec::hex_decode(text);
    if (!script) continue;
    if (auto p = decode_commit_script(*script)) {
      txids.push_back(txid->get<std::string>());
      payloads.push_back(*p);
    }
  }
}

}  // namespace

CommitScanner::CommitScanner(uint64_t start_height, uint64_t max_scan_blocks)
    : start_height_(start_height), max_scan_blocks_(max_scan_blocks == 0 ? 1 : max_scan_blocks) {}

void CommitScanner::reset() {
  block_hashes_.clear();
  found_.clear();
}

void CommitScanner::drop_top_block() {
  const uint64_t height = next_height() - 1;
  block_hashes_.pop_back();
  while (!found_.empty() && found_.back().height >= height) found_.pop_back();
}

Status CommitScanner::follow_reorg(RpcSession& rpc, uint64_t tip) {
  uint64_t steps = 0;
  while (!block_hashes_.empty()) {
    const uint64_t height = next_height() - 1;
    if (height <= tip) {
      auto h = rpc.node("getblockhash", json::array({height}));
      if (!h && !(h.error().code == "rpc_error" && rpc.rpc_code() == kRpcInvalidParameter))
        return h.error();
      if (h) {
        auto hash = as_block_hash(*h, "getblockhash");
        if (!hash) return hash.error();
        if (*hash == block_hashes_.back()) return {};
      }
    }
    drop_top_block();
    if (++steps > max_scan_blocks_) {
      reset();  // deeper than we care to walk: scan again from the start
      return {};
    }
  }
  return {};
}

Result<bool> CommitScanner::scan_next(RpcSession& rpc) {
  const uint64_t height = next_height();
  auto hash_json = rpc.node("getblockhash", json::array({height}));
  if (!hash_json && hash_json.error().code == "rpc_error" && rpc.rpc_code() == kRpcInvalidParameter)
    return false;  // the chain got shorter since getblockcount: the next call walks back
  if (!hash_json) return hash_json.error();
  auto hash = as_block_hash(*hash_json, "getblockhash");
  if (!hash) return hash.error();
  auto block = rpc.node("getblock", json::array({*hash_json, 2}));
  if (!block) return block.error();
  if (!block->is_object()) return Error("bad_response", "getblock: not an object");

  auto h = block->find("height");
  if (h == block->end()) return Error("bad_response", "getblock: no height");
  auto got_height = as_height(*h, "getblock height");
  if (!got_height) return got_height.error();
  if (*got_height != height)
    return Error("bad_response", "getblock: asked height " + std::to_string(height) + ", got " +
                                     std::to_string(*got_height));
  if (!block_hashes_.empty()) {
    auto prev = block->find("previousblockhash");
    if (prev == block->end()) return Error("bad_response", "getblock: no previousblockhash");
    auto prev_hash = as_block_hash(*prev, "getblock previousblockhash");
    if (!prev_hash) return prev_hash.error();
    if (*prev_hash != block_hashes_.back()) return false;  // the chain changed under us
  }
  auto txs = block->find("tx");
  if (txs == block->end() || !txs->is_array())
    return Error("bad_response", "getblock: no tx array");

  std::vector<std::string> txids;
  std::vector<CommitPayload> payloads;
  for (const auto& tx : *txs) {
    if (!tx.is_object())
      return Error("bad_response", "getblock: transactions are not objects (verbosity 2)");
    collect_commits(tx, txids, payloads);
  }
  block_hashes_.push_back(*hash);
  for (size_t i = 0; i < txids.size(); ++i)
    found_.push_back(Found{payloads[i], std::move(txids[i]), height});
  return true;
}

Result<std::vector<FoundCommit>> CommitScanner::read(RpcSession& rpc,
                                                     const chain::SymbioteId& symbiote,
                                                     uint64_t from_index) {
  auto count = rpc.node("getblockcount");
  if (!count) return count.error();
  auto tip = as_height(*count, "getblockcount");
  if (!tip) return tip.error();

  KLYN_TRY(follow_reorg(rpc, *tip));

  caught_up_ = false;
  for (uint64_t scanned = 0; scanned < max_scan_blocks_ && next_height() <= *tip; ++scanned) {
    auto more = scan_next(rpc);
    if (!more) return more.error();
    if (!*more) break;
  }
  caught_up_ = next_height() > *tip;

  const SymbiotePrefix prefix = symbiote_prefix(symbiote);
  std::vector<FoundCommit> out;
  for (const auto& f : found_) {
    if (f.payload.symbiote != prefix || f.payload.index < from_index) continue;
    if (f.height > *tip) continue;
    FoundCommit fc;
    fc.checkpoint.symbiote = symbiote;
    fc.checkpoint.index = f.payload.index;
    fc.checkpoint.hash = f.payload.hash;
    fc.tx = f.txid;
    fc.confirmations = *tip - f.height + 1;
    out.push_back(std::move(fc));
  }
  return out;
}

}  // namespace klyn::hostchains::bitcoin
