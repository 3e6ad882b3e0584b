#include "workflows/dev_symbiland/params.h"

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>

#include "codec/hex.h"

namespace klyn::dev_symbiland {

namespace {

struct Bound {
  const char* key;
  uint64_t min, max;
};
constexpr Bound kEpoch{"epoch", 1, UINT64_MAX};
constexpr Bound kBaseTimeout{"base_timeout_ms", 50, 60000};
constexpr Bound kMinInterval{"min_block_interval_ms", 0, 10000};
constexpr Bound kMaxEvents{"max_events_per_block", 1, 100000};

}  // namespace

Result<Params> read_params(const chain::Manifest& m) {
  auto section = chain::section_of(m);
  if (!section) return Error("bad_genesis", section.error().reason);
  const nlohmann::json& s = *section;
  auto path = [&](const std::string& key) { return chain::section_key_path(m, key); };
  auto fail = [](const std::string& where, const std::string& why) {
    return Error("bad_genesis", where + ": " + why);
  };
  Params p;
  const std::pair<const Bound*, std::function<void(uint64_t)>> fields[] = {
      {&kEpoch, [&](uint64_t n) { p.epoch = n; }},
      {&kBaseTimeout, [&](uint64_t n) { p.base_timeout_ms = n; }},
      {&kMinInterval, [&](uint64_t n) { p.min_block_interval_ms = n; }},
      {&kMaxEvents, [&](uint64_t n) { p.max_events_per_block = static_cast<uint32_t>(n); }}};
  for (const auto& [key, value] : s.items()) {
    if (key == "validators") continue;
    const auto* field = std::find_if(std::begin(fields), std::end(fields),
                                     [&](const auto& f) { return key == f.first->key; });
    if (field == std::end(fields))
      return fail(path(key),
                  "unknown key (dev_symbiland's are validators, epoch, "
                  "base_timeout_ms, min_block_interval_ms, max_events_per_block)");
    const Bound& b = *field->first;
    if (!value.is_number_unsigned() || value.get<uint64_t>() < b.min ||
        value.get<uint64_t>() > b.max)
      return fail(path(key), "must be " + std::to_string(b.min) + ".." + std::to_string(b.max));
    field->second(value.get<uint64_t>());
  }
  if (!s.contains("validators")) return fail(path("validators"), "missing");
  const nlohmann::json& vs = s["validators"];
  if (!vs.is_array() || vs.empty() || vs.size() > kMaxValidators)
    return fail(path("validators"),
                "must be an array of 1.." + std::to_string(kMaxValidators) + " validators");
  std::vector<Validator> set;
  std::vector<bls::Signature> pops;
  for (size_t i = 0; i < vs.size(); ++i) {
    const std::string at = path("validators") + "[" + std::to_string(i) + "]";
    const nlohmann::json& v = vs[i];
    if (!v.is_object()) return fail(at, "must be an object");
    for (const auto& [key, value] : v.items())
      if (key != "account" && key != "bls_key" && key != "pop" && key != "weight")
        return fail(at + "." + key, "unknown key (account, bls_key, pop, weight)");
    auto str = [&](const char* key) -> Result<std::string> {
      if (!v.contains(key)) return fail(at + "." + key, "missing");
      if (!v[key].is_string()) return fail(at + "." + key, "must be a string");
      return v[key].get<std::string>();
    };
    auto account = str("account");
    if (!account) return account.error();
    auto id = crypto::parse_address(*account);
    if (!id) return fail(at + ".account", id.error().reason);
    auto key_hex = str("bls_key");
    if (!key_hex) return key_hex.error();
    auto key_bytes = codec::hex_decode(*key_hex);
    if (!key_bytes) return fail(at + ".bls_key", "not hex: " + key_bytes.error().reason);
    auto key = bls::PublicKey::from_bytes(*key_bytes);
    if (!key) return fail(at + ".bls_key", "not a BLS12-381 public key: " + key.error().reason);
    auto pop_hex = str("pop");
    if (!pop_hex) return pop_hex.error();
    auto pop_bytes = codec::hex_decode(*pop_hex);
    if (!pop_bytes) return fail(at + ".pop", "not hex: " + pop_bytes.error().reason);
    auto pop = bls::Signature::from_bytes(*pop_bytes);
    if (!pop) return fail(at + ".pop", "not a BLS12-381 signature: " + pop.error().reason);
    if (!bls::pop_verify(*key, *pop))
      return fail(at + ".pop", "the proof of possession does not verify for this bls_key");
    uint64_t weight = 1;
    if (v.contains("weight")) {
      if (!v["weight"].is_number_unsigned() || v["weight"].get<uint64_t>() == 0)
        return fail(at + ".weight", "must be an integer >= 1");
      weight = v["weight"].get<uint64_t>();
    }
    p.validators.push_back({*id, *key, *pop, weight});
    set.push_back({*id, *key, weight});
    pops.push_back(*pop);
  }
  auto built = ValidatorSet::make(std::move(set), pops);
  if (!built) return fail(path("validators"), built.error().reason);
  p.set = std::move(*built);
  return p;
}

Status write_params(chain::Manifest& m, const std::vector<ValidatorEntry>& validators, Epoch epoch,
                    uint64_t base_timeout_ms, uint64_t min_block_interval_ms,
                    uint32_t max_events_per_block) {
  nlohmann::json vs = nlohmann::json::array();
  for (const auto& v : validators)
    vs.push_back({{"account", crypto::address_of(v.account)},
                  {"bls_key", codec::hex_encode(v.key.to_bytes())},
                  {"pop", codec::hex_encode(v.pop.to_bytes())},
                  {"weight", v.weight}});
  nlohmann::json s = {{"validators", vs},
                      {kEpoch.key, epoch},
                      {kBaseTimeout.key, base_timeout_ms},
                      {kMinInterval.key, min_block_interval_ms},
                      {kMaxEvents.key, max_events_per_block}};
  chain::Manifest next = m;
  if (auto st = chain::set_section(next, s); !st) return Error("bad_genesis", st.error().reason);
  if (auto back = read_params(next); !back) return back.error();
  m = std::move(next);
  return Status();
}

}  // namespace klyn::dev_symbiland
