#include "chain/genesis.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "chain/section.h"
#include "codec/binary.h"
#include "crypto/hash.h"

namespace klyn::chain {

using nlohmann::json;

static constexpr size_t kMaxString = 256;
static constexpr size_t kMaxAccounts = 10'000'000;
static constexpr Height kMaxUnstakeDelay = 1'000'000'000;
// The keys of the common manifest (and v1's "controller"): no workflow may be named like one,
// since its section is the manifest key named after it.
static constexpr std::string_view kCommonKeys[] = {
    "name",   "workflow",   "workflow_version", "fee",       "freezes",
    "limits", "hostchains", "checkpoint_every", "controller"};

static bool is_common_key(std::string_view key) {
  return std::find(std::begin(kCommonKeys), std::end(kCommonKeys), key) != std::end(kCommonKeys);
}

namespace {

// v1's fixed places of the dev_controller fields, and their defaults when a v1 JSON omits them.
struct V1Fields {
  std::optional<AccountId> controller;
  uint64_t instant_producer_stake = 0;
  uint32_t max_events_per_instant_block = 5000;
  uint32_t max_instant_blocks_per_controller_block = 16;
  uint32_t inclusion_window = 50;
};

nlohmann::json v1_section(const V1Fields& f) {
  nlohmann::json s = nlohmann::json::object();
  if (f.controller) s["controller"] = crypto::address_of(*f.controller);
  s["instant_producer_stake"] = f.instant_producer_stake;
  s["max_events_per_instant_block"] = f.max_events_per_instant_block;
  s["max_instant_blocks_per_controller_block"] = f.max_instant_blocks_per_controller_block;
  s["inclusion_window"] = f.inclusion_window;
  return s;
}

// The v1 fields of a layout-1 section; an error says which key does not fit v1's places.
Result<V1Fields> v1_fields(const Manifest& m) {
  auto s = section_of(m);
  if (!s) return s.error();
  V1Fields f;
  for (const auto& [key, value] : s->items()) {
    const std::string where = section_key_path(m, key);
    const bool known = std::find(std::begin(kV1Keys), std::end(kV1Keys), key) != std::end(kV1Keys);
    if (!known) return Error("bad_genesis", where + ": a version 1 genesis has no such key");
    if (key == "controller") {
      // Canonical base58 only, so that the address written back is the one read.
      auto pk = value.is_string() ? crypto::parse_address(value.get<std::string>())
                                  : Result<crypto::PublicKey>(Error("bad_genesis", "not a string"));
      if (!pk || crypto::address_of(*pk) != value.get<std::string>())
        return Error("bad_genesis", where + ": must be an address");
      f.controller = *pk;
      continue;
    }
    if (!value.is_number_unsigned())
      return Error("bad_genesis", where + ": must be a non-negative integer");
    const auto n = value.get<uint64_t>();
    if (key == "instant_producer_stake") {
      f.instant_producer_stake = n;
      continue;
    }
    uint32_t* field = key == "max_events_per_instant_block" ? &f.max_events_per_instant_block
                      : key == "inclusion_window"           ? &f.inclusion_window
                                                  : &f.max_instant_blocks_per_controller_block;
    if (n > UINT32_MAX) return Error("bad_genesis", where + ": must fit in 32 bits");
    *field = static_cast<uint32_t>(n);
  }
  for (const char* key : kV1Keys)
    if (std::string_view(key) != "controller" && !s->contains(key))
      return Error("bad_genesis", section_key_path(m, key) + ": missing");
  return f;
}

void write_hostchains_and_accounts(codec::Writer& w, const Genesis& g) {
  w.varint(g.manifest.hostchains.size());
  for (const auto& h : g.manifest.hostchains) {
    w.string(h.type);
    w.string(h.network);
    w.string(h.address);
  }
  w.varint(g.accounts.size());
  for (const auto& a : g.accounts) {
    w.fixed(a.id);
    w.u64(a.balance);
    w.u64(a.stake);
  }
}

}  // namespace

Result<nlohmann::json> section_of(const Manifest& m) {
  auto s = decode_section(m.section);
  if (!s) return Error("bad_section", "manifest." + m.workflow + ": " + s.error().reason);
  if (!s->is_object()) return Error("bad_section", "manifest." + m.workflow + ": not an object");
  return s;
}

Status set_section(Manifest& m, const nlohmann::json& object) {
  const std::string path = "manifest." + m.workflow;
  if (!object.is_object()) return Error("bad_section", path + ": must be an object");
  auto bytes = encode_section(object, path);
  if (!bytes) return bytes.error();
  m.section = std::move(*bytes);
  return Status();
}

std::string section_key_path(const Manifest& m, std::string_view key) {
  if (m.layout == 1) {
    if (key == "controller") return "manifest.controller";
    if (key == "instant_producer_stake") return "manifest.freezes.instant_producer";
    if (key == "max_events_per_instant_block" || key == "max_instant_blocks_per_controller_block" ||
        key == "inclusion_window")
      return "manifest.limits." + std::string(key);
  }
  return "manifest." + m.workflow + "." + std::string(key);
}

Bytes Genesis::encode() const {
  codec::Writer w;
  const Manifest& m = manifest;
  if (m.layout == 1) {
    // Only a validated manifest is encoded; a section that does not fit v1 encodes its defaults.
    auto fields = v1_fields(m);
    const V1Fields f = fields ? *fields : V1Fields{};
    w.string("KLY-GENESIS-v1");
    w.string(m.name);
    w.string(m.workflow);
    w.string(m.workflow_version);
    write_optional_account(w, f.controller);
    w.u64(m.fee.per_event);
    w.u32(m.fee.generator_share_permille);
    write_optional_account(w, m.fee.rest_to);
    w.u64(f.instant_producer_stake);
    w.u64(m.unstake_delay);
    w.u64(m.checkpoint_every);
    w.u32(m.limits.max_event_bytes);
    w.u32(f.max_events_per_instant_block);
    w.u32(f.max_instant_blocks_per_controller_block);
    w.u32(m.limits.nonce_window);
    w.u32(f.inclusion_window);
  } else {
    w.string("KLY-GENESIS-v2");
    w.string(m.name);
    w.string(m.workflow);
    w.string(m.workflow_version);
    w.u64(m.fee.per_event);
    w.u32(m.fee.generator_share_permille);
    write_optional_account(w, m.fee.rest_to);
    w.u64(m.unstake_delay);
    w.u64(m.checkpoint_every);
    w.u32(m.limits.max_event_bytes);
    w.u32(m.limits.nonce_window);
    w.bytes(m.section);
  }
  write_hostchains_and_accounts(w, *this);
  return std::move(w).take();
}

SymbioteId Genesis::id() const {
  return crypto::blake2b256("KLY-SYMBIOTE-ID-v1", encode());
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
  if (m.layout != 1 && m.layout != 2)
    return Error("bad_genesis", "manifest: unknown layout " + std::to_string(m.layout));
  if (m.layout == 2 && is_common_key(m.workflow))
    return Error("bad_genesis", "manifest.workflow: \"" + m.workflow +
                                    "\" is a manifest key and cannot name a workflow's section");
  if (auto s = section_of(m); !s) return Error("bad_genesis", s.error().reason);
  if (m.layout == 1)
    if (auto f = v1_fields(m); !f) return f.error();
  if (m.fee.generator_share_permille > 1000)
    return Error("bad_genesis", "manifest.fee.generator_share_permille: must be 0..1000");
  if (m.limits.max_event_bytes < 128 || m.limits.max_event_bytes > 65536)
    return Error("bad_genesis", "manifest.limits.max_event_bytes: must be 128..65536");
  if (m.limits.nonce_window == 0 || m.limits.nonce_window > (1u << 20))
    return Error("bad_genesis", "manifest.limits.nonce_window: must be 1..1048576");
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
  if (r.ok() && magic != "KLY-GENESIS-v1" && magic != "KLY-GENESIS-v2") r.fail("not a genesis");
  m.layout = magic == "KLY-GENESIS-v1" ? 1 : 2;
  r.string(m.name, kMaxString);
  r.string(m.workflow, kMaxString);
  r.string(m.workflow_version, kMaxString);
  if (m.layout == 1) {
    V1Fields f;
    read_optional_account(r, f.controller);
    r.u64(m.fee.per_event);
    r.u32(m.fee.generator_share_permille);
    read_optional_account(r, m.fee.rest_to);
    r.u64(f.instant_producer_stake);
    r.u64(m.unstake_delay);
    r.u64(m.checkpoint_every);
    r.u32(m.limits.max_event_bytes);
    r.u32(f.max_events_per_instant_block);
    r.u32(f.max_instant_blocks_per_controller_block);
    r.u32(m.limits.nonce_window);
    r.u32(f.inclusion_window);
    if (r.ok())
      if (auto st = set_section(m, v1_section(f)); !st) r.fail(st.error().reason);
  } else {
    r.u64(m.fee.per_event);
    r.u32(m.fee.generator_share_permille);
    read_optional_account(r, m.fee.rest_to);
    r.u64(m.unstake_delay);
    r.u64(m.checkpoint_every);
    r.u32(m.limits.max_event_bytes);
    r.u32(m.limits.nonce_window);
    r.bytes(m.section, kSectionMaxBytes);
  }
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
      track_keys(ev, parsed);
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
  // A repeated key anywhere is an error (nlohmann keeps the last one silently): the file would
  // mean something else to a reader that keeps the first.
  struct Frame {
    bool array = false;
    size_t index = 0;
    std::string key;  // the current key of an object
    std::set<std::string> keys;
    std::string path;
  };
  void track_keys(json::parse_event_t ev, const json& parsed) {
    using E = json::parse_event_t;
    auto child_path = [this] {
      if (frames_.empty()) return std::string();
      const Frame& f = frames_.back();
      if (f.array) return f.path + "[" + std::to_string(f.index) + "]";
      return f.path.empty() ? f.key : f.path + "." + f.key;
    };
    auto next_item = [this] {
      if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
    };
    switch (ev) {
      case E::object_start:
      case E::array_start:
        frames_.push_back({ev == E::array_start, 0, {}, {}, child_path()});
        break;
      case E::object_end:
      case E::array_end:
        if (!frames_.empty()) frames_.pop_back();
        next_item();
        break;
      case E::key:
        if (!frames_.empty() && parsed.is_string()) {
          Frame& f = frames_.back();
          f.key = parsed.get<std::string>();
          if (!f.keys.insert(f.key).second && err.empty() &&
              !(frames_.size() == 1 && f.key == "accounts"))
            err = child_path() + ": duplicate key";
        }
        break;
      case E::value:
        next_item();
        break;
    }
  }

  bool in_accounts_ = false, seen_accounts_ = false, in_array_ = false;
  size_t index_ = 0;
  std::vector<Frame> frames_;
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
    // Layout 2 has a key named after the workflow (its section); layout 1 has the dev_controller
    // fields at the manifest level. A file without the section key is read as layout 1.
    // (A workflow named like a common key cannot have a section: layout 2 refuses it.)
    const bool v2 = mj->is_object() && !m.workflow.empty() && mj->contains(m.workflow) &&
                    !is_common_key(m.workflow);
    m.layout = v2 ? 2 : 1;
    V1Fields f;
    if (v2) {
      if (const json* sj = mo.get(m.workflow, true)) {
        if (auto st = set_section(m, *sj); !st && err.empty()) err = st.error().reason;
      }
      // v1's places of dev_controller fields, with where they went, before "unknown key".
      if (mj->contains("controller"))
        mo.fail("manifest.controller",
                "belongs in manifest." + m.workflow + " when the manifest has that section");
    } else {
      f.controller = mo.address("controller", false);
    }
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
    auto moved = [&](JsonObject& o, const json& j, const char* key, const char* section_key) {
      if (v2 && j.is_object() && j.contains(key))
        o.fail(o.at(key), "belongs in manifest." + m.workflow + "." + section_key +
                              " when the manifest has that section");
    };
    if (const json* zj = mo.get("freezes", false)) {
      JsonObject zo(*zj, "manifest.freezes", err);
      moved(zo, *zj, "instant_producer", "instant_producer_stake");
      if (!v2) f.instant_producer_stake = zo.u64("instant_producer", false, 0);
      m.unstake_delay = zo.u64("unstake_delay", false, 0, kMaxUnstakeDelay);
      zo.finish();
    }
    m.checkpoint_every = mo.u64("checkpoint_every", false, 0);
    if (const json* lj = mo.get("limits", false)) {
      JsonObject lo(*lj, "manifest.limits", err);
      Limits d;
      m.limits.max_event_bytes =
          static_cast<uint32_t>(lo.u64("max_event_bytes", false, d.max_event_bytes, 65536));
      m.limits.nonce_window =
          static_cast<uint32_t>(lo.u64("nonce_window", false, d.nonce_window, 1 << 20));
      for (const char* key : {"max_events_per_instant_block",
                              "max_instant_blocks_per_controller_block", "inclusion_window"}) {
        moved(lo, *lj, key, key);
        if (v2) continue;
        uint32_t* field = std::string_view(key) == "max_events_per_instant_block"
                              ? &f.max_events_per_instant_block
                          : std::string_view(key) == "inclusion_window"
                              ? &f.inclusion_window
                              : &f.max_instant_blocks_per_controller_block;
        *field = static_cast<uint32_t>(lo.u64(key, false, *field, UINT32_MAX));
      }
      lo.finish();
    }
    if (!v2 && err.empty())
      if (auto st = set_section(m, v1_section(f)); !st) err = st.error().reason;
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
  mj["fee"] = {{"per_event", m.fee.per_event},
               {"generator_share_permille", m.fee.generator_share_permille},
               {"rest_to", m.fee.rest_to ? crypto::address_of(*m.fee.rest_to) : "burn"}};
  mj["freezes"] = {{"unstake_delay", m.unstake_delay}};
  mj["checkpoint_every"] = m.checkpoint_every;
  mj["limits"] = {{"max_event_bytes", m.limits.max_event_bytes},
                  {"nonce_window", m.limits.nonce_window}};
  auto section = section_of(m);
  json sj = section ? *section : json::object();
  if (m.layout == 1) {
    // v1's places: the section's keys are exactly kV1Keys (validated), all but controller numbers.
    if (sj.contains("controller")) mj["controller"] = sj["controller"];
    mj["freezes"]["instant_producer"] = sj.value("instant_producer_stake", json(0));
    for (const char* key : {"max_events_per_instant_block",
                            "max_instant_blocks_per_controller_block", "inclusion_window"})
      if (sj.contains(key)) mj["limits"][key] = sj[key];
  } else {
    mj[m.workflow] = sj;
  }
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
