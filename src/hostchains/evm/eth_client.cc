#include "hostchains/evm/eth_client.h"

#include <algorithm>

#include "codec/hex.h"

namespace klyn::hostchains::evm {

using nlohmann::json;

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The hex digits of a quantity ("0x" + 1..max_digits hex digits), or an error.
Result<std::string_view> quantity_digits(std::string_view text, size_t max_digits) {
  if (text.size() < 3 || text[0] != '0' || text[1] != 'x')
    return Error("bad_quantity", "expected 0x and hex digits, got \"" + std::string(text) + "\"");
  std::string_view d = text.substr(2);
  if (!std::all_of(d.begin(), d.end(), [](char c) { return hex_digit(c) >= 0; }))
    return Error("bad_quantity", "not hex: \"" + std::string(text) + "\"");
  while (d.size() > 1 && d[0] == '0') d.remove_prefix(1);
  if (d.size() > max_digits)
    return Error("bad_quantity", "more than " + std::to_string(max_digits * 4) + " bits: \"" +
                                     std::string(text) + "\"");
  return d;
}

Error bad_response(const std::string& method, const std::string& what) {
  return Error("bad_response", method + ": " + what);
}

// Member `key` of object `j` as a string (absent, null or not a string → nullopt).
std::optional<std::string> string_member(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

Result<uint64_t> quantity_member(const json& j, const char* key, const std::string& method) {
  auto s = string_member(j, key);
  if (!s) return bad_response(method, std::string("no ") + key);
  auto q = parse_quantity(*s);
  if (!q) return bad_response(method, std::string(key) + ": " + q.error().reason);
  return *q;
}

Result<Log> parse_log(const json& j) {
  const std::string m = "eth_getLogs";
  if (!j.is_object()) return bad_response(m, "a log is not an object");
  Log log;
  auto topics = j.find("topics");
  if (topics == j.end() || !topics->is_array()) return bad_response(m, "a log has no topics");
  for (const auto& t : *topics) {
    if (!t.is_string()) return bad_response(m, "a topic is not a string");
    auto h = parse_hash(t.get<std::string>());
    if (!h) return bad_response(m, "topic: " + h.error().reason);
    log.topics.push_back(*h);
  }
  auto data = string_member(j, "data");
  if (!data) return bad_response(m, "a log has no data");
  auto bytes = codec::hex_decode(*data);
  if (!bytes) return bad_response(m, "log data: " + bytes.error().reason);
  log.data = std::move(*bytes);
  auto bn = quantity_member(j, "blockNumber", m);
  if (!bn) return bn.error();
  log.block_number = *bn;
  auto li = quantity_member(j, "logIndex", m);
  if (!li) return li.error();
  log.log_index = *li;
  log.block_hash = string_member(j, "blockHash").value_or("");
  auto tx = string_member(j, "transactionHash");
  if (!tx) return bad_response(m, "a log has no transactionHash");
  log.tx_hash = *tx;
  if (auto r = j.find("removed"); r != j.end() && r->is_boolean()) log.removed = r->get<bool>();
  return log;
}

}  // namespace

Result<uint64_t> parse_quantity(std::string_view text) {
  auto d = quantity_digits(text, 16);
  if (!d) return d.error();
  uint64_t v = 0;
  for (char c : *d) v = (v << 4) | static_cast<uint64_t>(hex_digit(c));
  return v;
}

Result<std::string> quantity_to_decimal(std::string_view text) {
  auto d = quantity_digits(text, 64);
  if (!d) return d.error();
  // Little-endian limbs in base 10^9: multiply by 16 and add each hex digit.
  std::vector<uint32_t> limbs{0};
  for (char c : *d) {
    uint64_t carry = static_cast<uint64_t>(hex_digit(c));
    for (auto& limb : limbs) {
      const uint64_t x = uint64_t{limb} * 16 + carry;
      limb = static_cast<uint32_t>(x % 1000000000);
      carry = x / 1000000000;
    }
    if (carry) limbs.push_back(static_cast<uint32_t>(carry));
  }
  std::string out = std::to_string(limbs.back());
  for (size_t i = limbs.size() - 1; i-- > 0;) {
    std::string part = std::to_string(limbs[i]);
    out += std::string(9 - part.size(), '0') + part;
  }
  return out;
}

std::string to_quantity(uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), digits[v & 0xf]);
    v >>= 4;
  } while (v);
  return "0x" + out;
}

std::string to_data(ByteSpan bytes) {
  return "0x" + codec::hex_encode(bytes);
}

Result<Hash32> parse_hash(std::string_view text) {
  if (text.size() != 66 || text[0] != '0' || text[1] != 'x')
    return Error("bad_hash", "expected 0x and 64 hex digits, got \"" + std::string(text) + "\"");
  auto h = codec::hex_decode_fixed<32>(text.substr(2));
  if (!h) return Error("bad_hash", h.error().reason);
  return *h;
}

Result<std::unique_ptr<EthClient>> EthClient::create(std::string url,
                                                     std::chrono::milliseconds timeout) {
  auto rpc = JsonRpcClient::create({std::move(url), "", "", timeout});
  if (!rpc) return rpc.error();
  return std::unique_ptr<EthClient>(new EthClient(std::move(*rpc)));
}

Result<json> EthClient::call(const std::string& method, json params) {
  return rpc_->call(method, std::move(params));
}

Result<uint64_t> EthClient::quantity_call(const std::string& method, json params) {
  auto r = rpc_->call(method, std::move(params));
  if (!r) return r.error();
  if (!r->is_string()) return bad_response(method, "result is not a hex string");
  auto q = parse_quantity(r->get<std::string>());
  if (!q) return bad_response(method, q.error().reason);
  return *q;
}

Result<uint64_t> EthClient::chain_id() {
  return quantity_call("eth_chainId", json::array());
}
Result<uint64_t> EthClient::block_number() {
  return quantity_call("eth_blockNumber", json::array());
}
Result<uint64_t> EthClient::gas_price() {
  return quantity_call("eth_gasPrice", json::array());
}

Result<uint64_t> EthClient::pending_nonce(const Address& a) {
  return quantity_call("eth_getTransactionCount", json::array({address_hex(a), "pending"}));
}

Result<uint64_t> EthClient::estimate_gas(const Address& from, const std::optional<Address>& to,
                                         ByteSpan data) {
  json tx = {{"from", address_hex(from)}, {"data", to_data(data)}};
  if (to) tx["to"] = address_hex(*to);
  return quantity_call("eth_estimateGas", json::array({tx}));
}

Result<std::string> EthClient::balance(const Address& a) {
  const std::string m = "eth_getBalance";
  auto r = rpc_->call(m, json::array({address_hex(a), "latest"}));
  if (!r) return r.error();
  if (!r->is_string()) return bad_response(m, "result is not a hex string");
  auto d = quantity_to_decimal(r->get<std::string>());
  if (!d) return bad_response(m, d.error().reason);
  return *d;
}

Result<bool> EthClient::has_code(const Address& a) {
  const std::string m = "eth_getCode";
  auto r = rpc_->call(m, json::array({address_hex(a), "latest"}));
  if (!r) return r.error();
  if (!r->is_string()) return bad_response(m, "result is not a hex string");
  const std::string code = r->get<std::string>();
  return code != "0x" && !code.empty();
}

Result<std::string> EthClient::send_raw_transaction(ByteSpan raw) {
  const std::string m = "eth_sendRawTransaction";
  auto r = rpc_->call(m, json::array({to_data(raw)}));
  if (!r) return r.error();
  if (!r->is_string() || !parse_hash(r->get<std::string>()))
    return bad_response(m, "result is not a transaction hash");
  return r->get<std::string>();
}

Result<std::optional<Receipt>> EthClient::receipt(const std::string& tx) {
  const std::string m = "eth_getTransactionReceipt";
  auto r = rpc_->call(m, json::array({tx}));
  if (!r) return r.error();
  if (r->is_null()) return std::optional<Receipt>();
  if (!r->is_object()) return bad_response(m, "result is not an object");
  // Some nodes answer a receipt of a pending transaction with a null block number.
  if (auto bn = r->find("blockNumber"); bn == r->end() || bn->is_null())
    return std::optional<Receipt>();
  Receipt out;
  auto bn = quantity_member(*r, "blockNumber", m);
  if (!bn) return bn.error();
  out.block_number = *bn;
  out.block_hash = string_member(*r, "blockHash").value_or("");
  auto status = quantity_member(*r, "status", m);
  if (!status) return status.error();
  out.success = *status == 1;
  if (auto ca = string_member(*r, "contractAddress")) {
    auto a = parse_address(*ca);
    if (!a) return bad_response(m, "contractAddress: " + a.error().reason);
    out.created = *a;
  }
  return std::optional<Receipt>(std::move(out));
}

Result<std::optional<std::optional<uint64_t>>> EthClient::transaction_block(const std::string& tx) {
  using Out = std::optional<std::optional<uint64_t>>;
  const std::string m = "eth_getTransactionByHash";
  auto r = rpc_->call(m, json::array({tx}));
  if (!r) return r.error();
  if (r->is_null()) return Out();
  if (!r->is_object()) return bad_response(m, "result is not an object");
  auto bn = r->find("blockNumber");
  if (bn == r->end() || bn->is_null()) return Out(std::optional<uint64_t>());
  auto q = quantity_member(*r, "blockNumber", m);
  if (!q) return q.error();
  return Out(std::optional<uint64_t>(*q));
}

Result<std::vector<Log>> EthClient::logs(uint64_t from, uint64_t to, const Address& contract,
                                         const Hash32& topic0, const Hash32& topic1) {
  const std::string m = "eth_getLogs";
  json filter = {{"fromBlock", to_quantity(from)},
                 {"toBlock", to_quantity(to)},
                 {"address", address_hex(contract)},
                 {"topics", json::array({to_data(topic0), to_data(topic1)})}};
  auto r = rpc_->call(m, json::array({filter}));
  if (!r) return r.error();
  if (!r->is_array()) return bad_response(m, "result is not an array");
  std::vector<Log> out;
  out.reserve(r->size());
  for (const auto& j : *r) {
    auto log = parse_log(j);
    if (!log) return log.error();
    out.push_back(std::move(*log));
  }
  return out;
}

}  // namespace klyn::hostchains::evm
