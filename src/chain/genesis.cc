#include "chain/genesis.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "codec/binary.h"
#include "crypto/hash.h"

namespace klyn::chain {

using nlohmann::json;

static constexpr size_t kMaxString = 256;
static constexpr size_t kMaxAccounts = 10'000'000;
static constexpr Height kMaxUnstakeDelay = 1'000'000'000;

Bytes Genesis::encode() const {
  codec::Writer w;
  w.string("KLY-GENESIS-v1");
  const Manifest& m = manifest;
  w.string(m.name);
  w.string(m.workflow);
  w.string(m.workflow_version);
  write_optional_account(w, m.controller);
  w.u64(m.fee.per_event);
  w.u32(m.fee.generator_share_permille);
  write_optional_account(w, m.fee.rest_to);
  w.u64(m.instant_producer_stake);
  w.u64(m.unstake_delay);
  w.u64(m.checkpoint_every);
  w.u32(m.limits.max_event_bytes);
  w.u32(m.limits.max_events_per_instant_block);
  w.u32(m.limits.max_instant_blocks_per_controller_block);
  w.u32(m.limits.nonce_window);
  w.u32(m.limits.inclusion_window);
  w.varint(m.hostchains.size());
  for (const auto& h : m.hostchains) {
    w.string(h.type);
    w.string(h.network);
    w.string(h.address);
  }
  w.varint(accounts.size());
  for (const auto& a : accounts) {
    w.fixed(a.id);
    w.u64(a.balance);
    w.u64(a.stake);
  }
  return std::move(w).take();
}

SymbioteId Genesis::id() const {
  return crypto::blake2b256("KLY-SYMBIOTE-ID-v1", encode());
}

// RFC 3629 UTF-8 (no overlong forms, surrogates or code points above U+10FFFF): the JSON form
// can only carry valid UTF-8, so the binary form must not accept anything else.
static bool is_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : 9;
    if (n == 9 || s.size() - i <= n) return false;  // bad lead byte, or truncated
    uint32_t cp = n == 0 ? c : c & (0x3f >> n);
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

static Status validate(const Genesis& g) {
  const Manifest& m = g.manifest;
  bool utf8 = is_utf8(m.name) && is_utf8(m.workflow) && is_utf8(m.workflow_version);
  for (const auto& h : m.hostchains)
    utf8 = utf8 && is_utf8(h.type) && is_utf8(h.network) && is_utf8(h.address);
  if (!utf8) return Error("bad_genesis", "manifest: strings must be valid UTF-8");
  if (m.name.empty()) return Error("bad_genesis", "manifest.name: must not be empty");
  if (m.workflow.empty()) return Error("bad_genesis", "manifest.workflow: must not be empty");
  if (m.workflow_version.empty())
    return Error("bad_genesis", "manifest.workflow_version: must not be empty");
  if (m.fee.generator_share_permille > 1000)
    return Error("bad_genesis", "manifest.fee.generator_share_permille: must be 0..1000");
  if (m.limits.max_event_bytes < 128 || m.limits.max_event_bytes > 65536)
    return Error("bad_genesis", "manifest.limits.max_event_bytes: must be 128..65536");
  if (m.limits.max_events_per_instant_block == 0 || m.limits.max_events_per_instant_block > 100000)
    return Error("bad_genesis", "manifest.limits.max_events_per_instant_block: must be 1..100000");
  if (m.limits.max_instant_blocks_per_controller_block == 0 ||
      m.limits.max_instant_blocks_per_controller_block > 1024)
    return Error("bad_genesis",
                 "manifest.limits.max_instant_blocks_per_controller_block: must be 1..1024");
  if (m.limits.nonce_window == 0 || m.limits.nonce_window > (1u << 20))
    return Error("bad_genesis", "manifest.limits.nonce_window: must be 1..1048576");
  if (m.limits.inclusion_window > (1u << 20))
    return Error("bad_genesis", "manifest.limits.inclusion_window: must be at most 1048576");
  if (m.unstake_delay > kMaxUnstakeDelay)
    return Error("bad_genesis", "manifest.freezes.unstake_delay: must be at most 1000000000");
  for (size_t i = 1; i < g.accounts.size(); ++i)
    if (!(g.accounts[i - 1].id < g.accounts[i].id))
      return Error("bad_genesis", "accounts: must be sorted by address and unique");
  Amount total = 0;
  for (const auto& a : g.accounts) {
    if (!add_amount(total, a.balance, total) || !add_amount(total, a.stake, total))
      return Error("bad_genesis", "accounts: total supply overflows 64 bits");
  }
  return Status();
}

Result<Genesis> decode_genesis(ByteSpan bytes) {
  codec::Reader r(bytes);
  Genesis g;
  Manifest& m = g.manifest;
  std::string magic;
  r.string(magic, 32);
  if (r.ok() && magic != "KLY-GENESIS-v1") r.fail("not a genesis");
  r.string(m.name, kMaxString);
  r.string(m.workflow, kMaxString);
  r.string(m.workflow_version, kMaxString);
  read_optional_account(r, m.controller);
  r.u64(m.fee.per_event);
  r.u32(m.fee.generator_share_permille);
  read_optional_account(r, m.fee.rest_to);
  r.u64(m.instant_producer_stake);
  r.u64(m.unstake_delay);
  r.u64(m.checkpoint_every);
  r.u32(m.limits.max_event_bytes);
  r.u32(m.limits.max_events_per_instant_block);
  r.u32(m.limits.max_instant_blocks_per_controller_block);
  r.u32(m.limits.nonce_window);
  r.u32(m.limits.inclusion_window);
  uint64_t n = 0;
  if (r.varint(n) && n > 64) r.fail("too many hostchains");
  for (uint64_t i = 0; r.ok() && i < n; ++i) {
    HostchainRef h;
    r.string(h.type, kMaxString);
    r.string(h.network, kMaxString);
    r.string(h.address, kMaxString);
    m.hostchains.push_back(std::move(h));
  }
  if (r.varint(n) && (n > kMaxAccounts || n * 48 > r.remaining())) r.fail("bad account count");
  for (uint64_t i = 0; r.ok() && i < n; ++i) {
    GenesisAccount a;
    r.fixed(a.id);
    r.u64(a.balance);
    r.u64(a.stake);
    g.accounts.push_back(a);
  }
  KLYN_TRY(r.finish("genesis"));
  KLYN_TRY(validate(g));
  return g;
}

// ---- JSON ----

namespace {

// Reads a JSON object strictly: typed getters record the first error with its path; unknown
// keys are reported by finish().
class JsonObject {
 public:
  JsonObject(const json& j, std::string path, std::string& err)
      : j_(j), path_(std::move(path)), err_(err) {
    if (!j_.is_object()) fail(path_, "must be an object");
  }
  bool ok() const { return err_.empty(); }
  void fail(const std::string& where, const std::string& reason) {
    if (err_.empty()) err_ = where + ": " + reason;
  }
  const json* get(const std::string& key, bool required) {
    seen_.insert(key);
    if (!j_.is_object()) return nullptr;
    auto it = j_.find(key);
    if (it == j_.end()) {
      if (required) fail(at(key), "missing");
      return nullptr;
    }
    return &*it;
  }
  std::string at(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  std::string str(const std::string& key, bool required, std::string def = "") {
    const json* v = get(key, required);
    if (!v) return def;
    if (!v->is_string()) {
      fail(at(key), "must be a string");
      return def;
    }
    auto s = v->get<std::string>();
    if (s.size() > kMaxString) fail(at(key), "longer than 256 characters");
    return s;
  }
  uint64_t u64(const std::string& key, bool required, uint64_t def, uint64_t max = UINT64_MAX) {
    const json* v = get(key, required);
    if (!v) return def;
    if (!v->is_number_unsigned()) {
      fail(at(key), "must be a non-negative integer");
      return def;
    }
    auto x = v->get<uint64_t>();
    if (x > max) fail(at(key), "must be at most " + std::to_string(max));
    return x;
  }
  std::optional<AccountId> address(const std::string& key, bool required) {
    std::string s = str(key, required);
    if (s.empty()) return std::nullopt;
    auto pk = crypto::parse_address(s);
    if (!pk) {
      fail(at(key), pk.error().reason);
      return std::nullopt;
    }
    return *pk;
  }
  void finish() {
    if (!j_.is_object()) return;
    for (auto it = j_.begin(); it != j_.end(); ++it)
      if (!seen_.count(it.key())) fail(at(it.key()), "unknown key");
  }

 private:
  const json& j_;
  std::string path_;
  std::string& err_;
  std::set<std::string> seen_;
};

}  // namespace

// Accounts are converted while parsing and their JSON objects discarded at once, so a genesis
// with millions of accounts never exists as a JSON tree in memory (node RSS stays small).
class AccountStream {
 public:
  std::vector<GenesisAccount> accounts;
  std::string err;
  json::parser_callback_t callback() {
    return [this](int depth, json::parse_event_t ev, json& parsed) -> bool {
      using E = json::parse_event_t;
      if (ev == E::key && depth == 1) {
        in_accounts_ = parsed == "accounts";
        if (in_accounts_ && seen_accounts_ && err.empty()) err = "accounts: duplicate key";
        seen_accounts_ = seen_accounts_ || in_accounts_;
      }
      // Only the items of the "accounts" array (depth 2) are accounts; an item that is not an
      // object is an error here, because the array kept in the tree no longer shows it.
      if (in_accounts_ && depth == 1 && (ev == E::array_start || ev == E::array_end))
        in_array_ = ev == E::array_start;
      if (!in_array_ || depth != 2) return true;
      if (ev == E::value || ev == E::array_start) {
        if (err.empty()) err = "accounts[" + std::to_string(index_) + "]: must be an object";
        if (ev == E::value) ++index_;
        return true;
      }
      if (ev == E::array_end) ++index_;
      if (ev == E::object_end) {
        if (err.empty()) {
          std::string path = "accounts[" + std::to_string(index_) + "]";
          JsonObject ao(parsed, path, err);
          GenesisAccount a;
          if (auto id = ao.address("address", true)) a.id = *id;
          a.balance = ao.u64("balance", false, 0);
          a.stake = ao.u64("stake", false, 0);
          ao.finish();
          accounts.push_back(a);
        }
        ++index_;
        return false;  // discard the object
      }
      return true;
    };
  }

 private:
  bool in_accounts_ = false, seen_accounts_ = false, in_array_ = false;
  size_t index_ = 0;
};

static Result<Genesis> genesis_from_parsed(const json& j, AccountStream& stream);

Result<Genesis> genesis_from_json(std::string_view text) {
  AccountStream stream;
  json j = json::parse(text, stream.callback(), /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error("bad_genesis", "not valid JSON");
  return genesis_from_parsed(j, stream);
}

static Result<Genesis> genesis_from_parsed(const json& j, AccountStream& stream) {
  std::string err = stream.err;
  Genesis g;
  JsonObject top(j, "", err);
  if (const json* mj = top.get("manifest", true)) {
    JsonObject mo(*mj, "manifest", err);
    Manifest& m = g.manifest;
    m.name = mo.str("name", true);
    m.workflow = mo.str("workflow", true);
    m.workflow_version = mo.str("workflow_version", true);
    m.controller = mo.address("controller", false);
    if (const json* fj = mo.get("fee", true)) {
      JsonObject fo(*fj, "manifest.fee", err);
      m.fee.per_event = fo.u64("per_event", true, 0);
      m.fee.generator_share_permille =
          static_cast<uint32_t>(fo.u64("generator_share_permille", true, 0, 1000));
      std::string rest = fo.str("rest_to", false, "burn");
      if (rest != "burn") {
        auto pk = crypto::parse_address(rest);
        if (!pk)
          fo.fail("manifest.fee.rest_to", "must be \"burn\" or an address: " + pk.error().reason);
        else
          m.fee.rest_to = *pk;
      }
      fo.finish();
    }
    if (const json* zj = mo.get("freezes", false)) {
      JsonObject zo(*zj, "manifest.freezes", err);
      m.instant_producer_stake = zo.u64("instant_producer", false, 0);
      m.unstake_delay = zo.u64("unstake_delay", false, 0, kMaxUnstakeDelay);
      zo.finish();
    }
    m.checkpoint_every = mo.u64("checkpoint_every", false, 0);
    if (const json* lj = mo.get("limits", false)) {
      JsonObject lo(*lj, "manifest.limits", err);
      Limits d;
      m.limits.max_event_bytes =
          static_cast<uint32_t>(lo.u64("max_event_bytes", false, d.max_event_bytes, 65536));
      m.limits.max_events_per_instant_block = static_cast<uint32_t>(
          lo.u64("max_events_per_instant_block", false, d.max_events_per_instant_block, 100000));
      m.limits.max_instant_blocks_per_controller_block =
          static_cast<uint32_t>(lo.u64("max_instant_blocks_per_controller_block", false,
                                       d.max_instant_blocks_per_controller_block, 1024));
      m.limits.nonce_window =
          static_cast<uint32_t>(lo.u64("nonce_window", false, d.nonce_window, 1 << 20));
      m.limits.inclusion_window =
          static_cast<uint32_t>(lo.u64("inclusion_window", false, d.inclusion_window, 1 << 20));
      lo.finish();
    }
    if (const json* hj = mo.get("hostchains", false)) {
      if (!hj->is_array()) {
        mo.fail("manifest.hostchains", "must be an array");
      } else if (hj->size() > 64) {
        mo.fail("manifest.hostchains", "at most 64 hostchains");
      } else {
        for (size_t i = 0; i < hj->size(); ++i) {
          JsonObject ho((*hj)[i], "manifest.hostchains[" + std::to_string(i) + "]", err);
          HostchainRef h;
          h.type = ho.str("type", true);
          h.network = ho.str("network", false);
          h.address = ho.str("address", false);
          ho.finish();
          m.hostchains.push_back(std::move(h));
        }
      }
    }
    mo.finish();
  }
  if (const json* aj = top.get("accounts", true)) {
    if (!aj->is_array())
      top.fail("accounts", "must be an array");
    else
      g.accounts = std::move(stream.accounts);
  }
  top.finish();
  if (!err.empty()) return Error("bad_genesis", err);
  std::sort(g.accounts.begin(), g.accounts.end(),
            [](const GenesisAccount& a, const GenesisAccount& b) { return a.id < b.id; });
  for (size_t i = 1; i < g.accounts.size(); ++i)
    if (g.accounts[i - 1].id == g.accounts[i].id)
      return Error("bad_genesis",
                   "accounts: duplicate address " + crypto::address_of(g.accounts[i].id));
  KLYN_TRY(validate(g));
  return g;
}

std::string genesis_to_json(const Genesis& g) {
  const Manifest& m = g.manifest;
  json mj;
  mj["name"] = m.name;
  mj["workflow"] = m.workflow;
  mj["workflow_version"] = m.workflow_version;
  if (m.controller) mj["controller"] = crypto::address_of(*m.controller);
  mj["fee"] = {{"per_event", m.fee.per_event},
               {"generator_share_permille", m.fee.generator_share_permille},
               {"rest_to", m.fee.rest_to ? crypto::address_of(*m.fee.rest_to) : "burn"}};
  mj["freezes"] = {{"instant_producer", m.instant_producer_stake},
                   {"unstake_delay", m.unstake_delay}};
  mj["checkpoint_every"] = m.checkpoint_every;
  mj["limits"] = {
      {"max_event_bytes", m.limits.max_event_bytes},
      {"max_events_per_instant_block", m.limits.max_events_per_instant_block},
      {"max_instant_blocks_per_controller_block", m.limits.max_instant_blocks_per_controller_block},
      {"nonce_window", m.limits.nonce_window},
      {"inclusion_window", m.limits.inclusion_window}};
  json hs = json::array();
  for (const auto& h : m.hostchains)
    hs.push_back({{"type", h.type}, {"network", h.network}, {"address", h.address}});
  mj["hostchains"] = hs;
  json accs = json::array();
  for (const auto& a : g.accounts)
    accs.push_back(
        {{"address", crypto::address_of(a.id)}, {"balance", a.balance}, {"stake", a.stake}});
  json j;
  j["manifest"] = mj;
  j["accounts"] = accs;
  return j.dump(2) + "\n";
}

Result<Genesis> load_genesis_file(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return Error("bad_genesis", path + ": cannot open: " + ec.message());
  if (size > (1ull << 30)) return Error("bad_genesis", path + ": larger than 1 GiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("bad_genesis", path + ": cannot open");
  AccountStream stream;
  json j = json::parse(in, stream.callback(), /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error("bad_genesis", path + ": not valid JSON");
  auto g = genesis_from_parsed(j, stream);
  if (!g) return Error("bad_genesis", path + ": " + g.error().reason);
  return g;
}

}  // namespace klyn::chain
