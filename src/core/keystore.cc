#include "core/keystore.h"

#include <sodium.h>

#include <spdlog/logger.h>
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "codec/hex.h"
#include "core/data_dir.h"

namespace klyn::core {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr int kVersion = 1;
constexpr const char* kKdfAlg = "argon2id13";
constexpr const char* kCipherAlg = "xchacha20poly1305-ietf";
constexpr const char* kPlainWarning = "UNENCRYPTED DEVELOPMENT KEY - never use for real funds";
constexpr size_t kMaxKeyFileBytes = 64 * 1024;
// A tampered file must not make us burn unbounded memory or time before failing.
constexpr unsigned long long kMaxOpslimit = 64;
constexpr size_t kMaxMemlimit = size_t{4} << 30;

void sodium_ready() {
  static const int rc = sodium_init();
  (void)rc;
}

// The associated data binds the ciphertext to the name and address shown in the file.
std::string associated_data(std::string_view name, std::string_view address) {
  std::string ad = "klyntar-keystore-v1";
  ad.push_back('\0');
  ad.append(name);
  ad.push_back('\0');
  ad.append(address);
  return ad;
}

Error corrupt(std::string_view name, const std::string& why) {
  return Error("keystore_corrupt", "key " + std::string(name) + ": " + why);
}

// Derives the AEAD key; false when libsodium cannot (out of memory, bad limits).
bool derive_key(std::string_view password, const uint8_t* salt, unsigned long long opslimit,
                size_t memlimit, uint8_t out[crypto_aead_xchacha20poly1305_ietf_KEYBYTES]) {
  return crypto_pwhash(out, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, password.data(),
                       password.size(), salt, opslimit, memlimit,
                       crypto_pwhash_ALG_ARGON2ID13) == 0;
}

std::string string_field(const json& obj, const char* field) {
  if (!obj.is_object() || !obj.contains(field) || !obj[field].is_string()) return "";
  return obj[field].get<std::string>();
}

template <size_t N>
Result<std::array<uint8_t, N>> hex_field(const json& obj, const char* field,
                                         std::string_view name) {
  if (!obj.is_object() || !obj.contains(field) || !obj[field].is_string())
    return corrupt(name, std::string("missing field ") + field);
  auto r = codec::hex_decode_fixed<N>(obj[field].get<std::string>());
  if (!r) return corrupt(name, std::string("bad ") + field + ": " + r.error().reason);
  return *r;
}

using Salt = std::array<uint8_t, crypto_pwhash_SALTBYTES>;
using Nonce = std::array<uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES>;
using Ciphertext = std::array<uint8_t, 32 + crypto_aead_xchacha20poly1305_ietf_ABYTES>;

// A key file checked for shape (everything but the password and the address/seed match).
struct ParsedFile {
  KeyInfo info;
  unsigned long long opslimit = 0;
  size_t memlimit = 0;
  Salt salt{};
  Nonce nonce{};
  Ciphertext ciphertext{};
  crypto::Seed plain_seed{};

  ParsedFile() = default;
  ParsedFile(ParsedFile&&) = default;
  ~ParsedFile() { sodium_memzero(plain_seed.data(), plain_seed.size()); }
};

Result<ParsedFile> read_key_file(const fs::path& path, std::string_view expected_name) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory)
      return Error("key_not_found", "no key " + std::string(expected_name) + " (" + path.string() +
                                        " does not exist)");
    return Error("io", "cannot read " + path.string() + ": " + ec.message());
  }
  if (size > kMaxKeyFileBytes) return corrupt(expected_name, "file is too large");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("io", "cannot open " + path.string());
  std::ostringstream os;
  os << in.rdbuf();
  std::string text = os.str();
  json d = json::parse(text, nullptr, /*allow_exceptions=*/false);
  sodium_memzero(text.data(), text.size());
  if (d.is_discarded() || !d.is_object()) return corrupt(expected_name, "not a JSON object");
  if (!d.contains("version") || !d["version"].is_number_integer() || d["version"] != kVersion)
    return corrupt(expected_name, "unsupported or missing version (expected 1)");
  ParsedFile out;
  out.info.name = string_field(d, "name");
  out.info.address = string_field(d, "address");
  out.info.file = path;
  if (out.info.name.empty() || out.info.address.empty())
    return corrupt(expected_name, "missing name or address");
  if (out.info.name != expected_name)
    return corrupt(expected_name, "the file names key \"" + out.info.name + "\"");

  if (d.contains("plain_seed")) {
    out.info.encrypted = false;
    auto seed = hex_field<32>(d, "plain_seed", expected_name);
    if (!seed) return seed.error();
    out.plain_seed = *seed;
    return out;
  }
  if (!d.contains("kdf") || !d.contains("cipher"))
    return corrupt(expected_name, "neither kdf/cipher nor plain_seed present");
  out.info.encrypted = true;
  const json& kdf = d["kdf"];
  const json& cipher = d["cipher"];
  if (string_field(kdf, "alg") != kKdfAlg)
    return corrupt(expected_name, "unsupported kdf (expected argon2id13)");
  if (string_field(cipher, "alg") != kCipherAlg)
    return corrupt(expected_name, "unsupported cipher (expected xchacha20poly1305-ietf)");
  if (!kdf.contains("opslimit") || !kdf["opslimit"].is_number_unsigned() ||
      !kdf.contains("memlimit") || !kdf["memlimit"].is_number_unsigned())
    return corrupt(expected_name, "missing kdf limits");
  auto opslimit = kdf["opslimit"].get<unsigned long long>();
  auto memlimit = kdf["memlimit"].get<unsigned long long>();
  if (opslimit < crypto_pwhash_OPSLIMIT_MIN || opslimit > kMaxOpslimit ||
      memlimit < crypto_pwhash_MEMLIMIT_MIN || memlimit > kMaxMemlimit)
    return corrupt(expected_name, "kdf limits out of range");
  out.opslimit = opslimit;
  out.memlimit = static_cast<size_t>(memlimit);
  auto salt = hex_field<crypto_pwhash_SALTBYTES>(kdf, "salt", expected_name);
  if (!salt) return salt.error();
  auto nonce = hex_field<Nonce{}.size()>(cipher, "nonce", expected_name);
  if (!nonce) return nonce.error();
  auto ct = hex_field<Ciphertext{}.size()>(cipher, "ciphertext", expected_name);
  if (!ct) return ct.error();
  out.salt = *salt;
  out.nonce = *nonce;
  out.ciphertext = *ct;
  return out;
}

}  // namespace

bool is_valid_key_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

KdfLimits KdfLimits::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}
KdfLimits KdfLimits::moderate() {
  return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
}
KdfLimits KdfLimits::minimum() {
  return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

KeyProtection KeyProtection::with_password(std::string_view password, KdfLimits limits) {
  KeyProtection p;
  p.password = std::string(password);
  p.limits = limits;
  return p;
}

KeyProtection KeyProtection::unencrypted() {
  KeyProtection p;
  p.plain = true;
  return p;
}

KeyProtection::~KeyProtection() {
  sodium_memzero(password.data(), password.size());
}

Keystore::Keystore(fs::path dir, std::shared_ptr<spdlog::logger> log)
    : dir_(std::move(dir)), log_(std::move(log)) {}

fs::path Keystore::file_of(std::string_view name) const {
  return dir_ / (std::string(name) + ".json");
}

Result<KeyInfo> Keystore::create(std::string_view name, const KeyProtection& protection) {
  if (!is_valid_key_name(name))
    return Error("bad_key_name",
                 "key name must match ^[A-Za-z0-9_.-]{1,64}$, got \"" + std::string(name) + "\"");
  auto kp = crypto::KeyPair::generate();
  return write_new(name, kp.seed(), kp.address(), protection);
}

std::string bls_address(const bls::PublicKey& pk) {
  return "bls:" + codec::hex_encode(pk.to_bytes());
}

Result<KeyInfo> Keystore::create_bls(std::string_view name, const KeyProtection& protection) {
  if (!is_valid_key_name(name))
    return Error("bad_key_name",
                 "key name must match ^[A-Za-z0-9_.-]{1,64}$, got \"" + std::string(name) + "\"");
  sodium_ready();
  crypto::Seed ikm{};
  randombytes_buf(ikm.data(), ikm.size());
  auto sk = bls::SecretKey::key_gen(ikm);
  sodium_memzero(ikm.data(), ikm.size());
  if (!sk) return Error("io", "BLS key generation failed: " + sk.error().reason);
  crypto::Seed secret = sk->to_bytes();
  auto info = write_new(name, secret, bls_address(sk->public_key()), protection);
  sodium_memzero(secret.data(), secret.size());
  return info;
}

Result<KeyInfo> Keystore::import(std::string_view name, const crypto::Seed& seed,
                                 const KeyProtection& protection) {
  if (!is_valid_key_name(name))
    return Error("bad_key_name",
                 "key name must match ^[A-Za-z0-9_.-]{1,64}$, got \"" + std::string(name) + "\"");
  auto kp = crypto::KeyPair::from_seed(seed);
  return write_new(name, kp.seed(), kp.address(), protection);
}

Result<KeyInfo> Keystore::write_new(std::string_view name, const crypto::Seed& secret,
                                    std::string address, const KeyProtection& protection) {
  sodium_ready();
  fs::path path = file_of(name);
  std::error_code ec;
  if (fs::exists(path, ec)) return Error("key_exists", "key " + std::string(name) + " exists");
  if (!fs::exists(dir_, ec)) {
    fs::create_directories(dir_, ec);
    if (ec) return Error("io", "cannot create " + dir_.string() + ": " + ec.message());
    fs::permissions(dir_, fs::perms::owner_all, ec);
  }

  KeyInfo info;
  info.name = std::string(name);
  info.address = std::move(address);
  info.file = path;
  info.encrypted = !protection.plain;

  json doc = {{"version", kVersion}, {"name", info.name}, {"address", info.address}};
  std::string seed_hex;
  if (protection.plain) {
    seed_hex = codec::hex_encode(secret);
    doc["plain_seed"] = seed_hex;
    doc["warning"] = kPlainWarning;
  } else {
    if (protection.password.empty())
      return Error("weak_password", "an encrypted key needs a non-empty password");
    const KdfLimits& lim = protection.limits;
    if (lim.opslimit < crypto_pwhash_OPSLIMIT_MIN || lim.memlimit < crypto_pwhash_MEMLIMIT_MIN ||
        lim.opslimit > kMaxOpslimit || lim.memlimit > kMaxMemlimit)
      return Error("bad_kdf_limits", "Argon2id limits out of range");
    std::array<uint8_t, crypto_pwhash_SALTBYTES> salt;
    std::array<uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce;
    randombytes_buf(salt.data(), salt.size());
    randombytes_buf(nonce.data(), nonce.size());
    uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
    if (!derive_key(protection.password, salt.data(), lim.opslimit, lim.memlimit, key))
      return Error("io", "Argon2id key derivation failed (out of memory?)");
    std::string ad = associated_data(info.name, info.address);
    std::array<uint8_t, 32 + crypto_aead_xchacha20poly1305_ietf_ABYTES> ct;
    unsigned long long ct_len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(ct.data(), &ct_len, secret.data(), secret.size(),
                                               reinterpret_cast<const uint8_t*>(ad.data()),
                                               ad.size(), nullptr, nonce.data(), key);
    sodium_memzero(key, sizeof key);
    doc["kdf"] = {{"alg", kKdfAlg},
                  {"opslimit", lim.opslimit},
                  {"memlimit", lim.memlimit},
                  {"salt", codec::hex_encode(salt)}};
    doc["cipher"] = {{"alg", kCipherAlg},
                     {"nonce", codec::hex_encode(nonce)},
                     {"ciphertext", codec::hex_encode(ByteSpan(ct.data(), ct_len))}};
  }
  std::string text = doc.dump(2) + "\n";
  sodium_memzero(seed_hex.data(), seed_hex.size());
  Status st = write_file_atomic(path, text, 0600, /*overwrite=*/false);
  sodium_memzero(text.data(), text.size());
  if (!st) {
    if (st.error().code == "exists")
      return Error("key_exists", "key " + std::string(name) + " exists");
    return st.error();
  }
  return info;
}

Result<std::vector<KeyInfo>> Keystore::list() const {
  std::vector<KeyInfo> out;
  std::error_code ec;
  if (!fs::exists(dir_, ec)) return out;
  fs::directory_iterator it(dir_, ec), end;
  if (ec) return Error("io", "cannot list " + dir_.string() + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return Error("io", "cannot list " + dir_.string() + ": " + ec.message());
    const fs::path& p = it->path();
    std::string stem = p.stem().string();
    // Temporary files of an interrupted write start with '.', and are not keys.
    if (p.extension() != ".json" || !is_valid_key_name(stem) || stem[0] == '.') continue;
    auto parsed = read_key_file(p, stem);
    if (parsed) {
      out.push_back(parsed->info);
    } else {
      KeyInfo bad;
      bad.name = stem;
      bad.file = p;
      bad.problem = parsed.error().reason;
      out.push_back(std::move(bad));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const KeyInfo& a, const KeyInfo& b) { return a.name < b.name; });
  return out;
}

Result<KeyInfo> Keystore::info(std::string_view name) const {
  if (!is_valid_key_name(name))
    return Error("bad_key_name",
                 "key name must match ^[A-Za-z0-9_.-]{1,64}$, got \"" + std::string(name) + "\"");
  auto parsed = read_key_file(file_of(name), name);
  if (!parsed) return parsed.error();
  return parsed->info;
}

Result<crypto::Seed> Keystore::secret_of(std::string_view name, std::string_view password,
                                         PlainKeys plain, bool bls, KeyInfo& out) const {
  sodium_ready();
  if (!is_valid_key_name(name))
    return Error("bad_key_name",
                 "key name must match ^[A-Za-z0-9_.-]{1,64}$, got \"" + std::string(name) + "\"");
  auto parsed = read_key_file(file_of(name), name);
  if (!parsed) return parsed.error();
  const KeyInfo& info = parsed->info;
  if (info.is_bls() != bls)
    return Error("wrong_key_kind",
                 "key " + info.name + " is " + (info.is_bls() ? "a BLS12-381" : "an Ed25519") +
                     " key, not " + (bls ? "a BLS12-381" : "an Ed25519") + " key");
  out = info;
  crypto::Seed seed{};
  if (!info.encrypted) {
    if (plain != PlainKeys::allow)
      return Error("plain_key_refused",
                   "key " + info.name +
                       " is stored UNENCRYPTED; plain keys are refused unless "
                       "keys.allow_plain_keys = true (devnets only). Re-import it encrypted.");
    seed = parsed->plain_seed;
    if (log_)
      log_->warn(
          "UNSAFE: using UNENCRYPTED development key '{}' ({}) from {} - never use it for real "
          "funds",
          info.name, info.address, info.file.string());
    return seed;
  }
  uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  if (!derive_key(password, parsed->salt.data(), parsed->opslimit, parsed->memlimit, key))
    return Error("io", "Argon2id key derivation failed (out of memory?)");
  std::string ad = associated_data(info.name, info.address);
  unsigned long long seed_len = 0;
  int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
      seed.data(), &seed_len, nullptr, parsed->ciphertext.data(), parsed->ciphertext.size(),
      reinterpret_cast<const uint8_t*>(ad.data()), ad.size(), parsed->nonce.data(), key);
  sodium_memzero(key, sizeof key);
  if (rc != 0 || seed_len != seed.size()) {
    sodium_memzero(seed.data(), seed.size());
    // AEAD cannot tell a wrong password from an edited name/address/ciphertext.
    return Error("bad_password", "cannot decrypt key " + info.name +
                                     ": wrong password, or the file was modified (its name "
                                     "and address are authenticated)");
  }
  return seed;
}

Result<crypto::KeyPair> Keystore::load(std::string_view name, std::string_view password,
                                       PlainKeys plain) const {
  KeyInfo info;
  auto seed = secret_of(name, password, plain, /*bls=*/false, info);
  if (!seed) return seed.error();
  crypto::KeyPair kp = crypto::KeyPair::from_seed(*seed);
  sodium_memzero(seed->data(), seed->size());
  if (kp.address() != info.address)
    return corrupt(
        name, "stored address " + info.address + " does not match the key (" + kp.address() + ")");
  return kp;
}

Result<bls::SecretKey> Keystore::load_bls(std::string_view name, std::string_view password,
                                          PlainKeys plain) const {
  KeyInfo info;
  auto secret = secret_of(name, password, plain, /*bls=*/true, info);
  if (!secret) return secret.error();
  auto sk = bls::SecretKey::from_bytes(*secret);
  sodium_memzero(secret->data(), secret->size());
  if (!sk) return corrupt(name, "not a BLS12-381 secret key: " + sk.error().reason);
  if (bls_address(sk->public_key()) != info.address)
    return corrupt(name, "stored public key " + info.address + " does not match the key");
  return sk;
}

}  // namespace klyn::core
