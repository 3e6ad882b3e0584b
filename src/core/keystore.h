#pragma once
// The keystore (ARCHITECTURE §4.9): one file per key, KEYS/<name>.json, mode 0600.
//
// Encrypted form: the 32-byte Ed25519 seed is encrypted with XChaCha20-Poly1305 under a key
// derived from the password with Argon2id (libsodium crypto_pwhash, parameters stored in the
// file). The key name and address are authenticated as associated data, so a file edited to
// show another name or address no longer decrypts.
//
//   {"version":1,"name":"alpha","address":"<base58>",
//    "kdf":{"alg":"argon2id13","opslimit":2,"memlimit":67108864,"salt":"<hex16>"},
//    "cipher":{"alg":"xchacha20poly1305-ietf","nonce":"<hex24>","ciphertext":"<hex48>"}}
//
// A BLS12-381 key (a dev_symbiland validator's vote key) has the same form; its "address" is
// "bls:" followed by the 96 hex digits of its public key, and what is encrypted is its 32-byte
// secret scalar. load() refuses it and load_bls() refuses an Ed25519 key (wrong_key_kind).
//
// Plain form (devnets only; refused by load() unless plain keys are allowed):
//   {"version":1,"name":"dev","address":"...","plain_seed":"<hex32>",
//    "warning":"UNENCRYPTED DEVELOPMENT KEY - never use for real funds"}
//
// Files are written atomically (temporary file, fsync, link/rename, fsync of the directory) and
// never overwritten by create/import. Thread safety: a Keystore holds only its directory path;
// concurrent use from several threads or processes is safe (creating the same name twice fails
// with "key_exists" for one of them).
//
// Error codes: bad_key_name, key_exists, key_not_found, bad_password, plain_key_refused,
// keystore_corrupt, weak_password, io.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/bls12_381/signature.h"
#include "crypto/ed25519.h"

namespace spdlog {
class logger;
}

namespace klyn::core {

// ^[A-Za-z0-9_.-]{1,64}$, and not "." or ".." (no path traversal).
bool is_valid_key_name(std::string_view name);

// Argon2id cost. interactive() (~64 MiB, fast) is the default; moderate() (~256 MiB) for keys
// guarding real value.
struct KdfLimits {
  unsigned long long opslimit;
  size_t memlimit;
  static KdfLimits interactive();
  static KdfLimits moderate();
  static KdfLimits minimum();  // tests only: fastest libsodium allows
};

// How a new key file is protected.
struct KeyProtection {
  bool plain = false;
  std::string password;  // used when !plain; must not be empty
  KdfLimits limits = KdfLimits::interactive();

  static KeyProtection with_password(std::string_view password,
                                     KdfLimits limits = KdfLimits::interactive());
  static KeyProtection unencrypted();  // devnet only
  ~KeyProtection();                    // wipes the password
};

struct KeyInfo {
  std::string name;
  std::string address;
  bool encrypted = true;
  std::filesystem::path file;
  std::string problem;  // list(): why the file could not be read; empty when fine
  bool is_bls() const { return address.rfind("bls:", 0) == 0; }
};

// The keystore "address" of a BLS public key: "bls:<96 hex>".
std::string bls_address(const bls::PublicKey& pk);

enum class PlainKeys { refuse, allow };

class Keystore {
 public:
  // dir: usually DataDir::keys_dir(). log: where loading a plain key is reported loudly
  // (optional).
  explicit Keystore(std::filesystem::path dir, std::shared_ptr<spdlog::logger> log = nullptr);

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path file_of(std::string_view name) const;

  // A new random key.
  Result<KeyInfo> create(std::string_view name, const KeyProtection& protection);
  // A key from an existing seed.
  Result<KeyInfo> import(std::string_view name, const crypto::Seed& seed,
                         const KeyProtection& protection);

  // A new random BLS12-381 key (KeyGen from 32 random bytes).
  Result<KeyInfo> create_bls(std::string_view name, const KeyProtection& protection);

  // Every KEYS/*.json, sorted by name, read without decrypting. Unreadable files are listed
  // with `problem` set. A missing directory is an empty list.
  Result<std::vector<KeyInfo>> list() const;
  Result<KeyInfo> info(std::string_view name) const;

  // Decrypts a key. A plain key is refused (plain_key_refused) unless plain == allow, in
  // which case a warning naming the key is logged. The address derived from the seed must
  // equal the stored one (else keystore_corrupt).
  Result<crypto::KeyPair> load(std::string_view name, std::string_view password,
                               PlainKeys plain = PlainKeys::refuse) const;
  // The same for a BLS key (its public key must match the stored address).
  Result<bls::SecretKey> load_bls(std::string_view name, std::string_view password,
                                  PlainKeys plain = PlainKeys::refuse) const;

 private:
  Result<KeyInfo> write_new(std::string_view name, const crypto::Seed& secret, std::string address,
                            const KeyProtection& protection);
  // The 32 secret bytes of a key file, decrypted (or read from a plain file if allowed).
  Result<crypto::Seed> secret_of(std::string_view name, std::string_view password, PlainKeys plain,
                                 bool bls, KeyInfo& info) const;
  std::filesystem::path dir_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace klyn::core
