// Differential: for any (key, message, signature) the table path answers what libsodium's
// crypto_sign_verify_detached answers (src/crypto/README.md, E1/E3).
//
// Input: byte 0 picks the mode and key, then 64 bytes that are either the signature itself or a
// mask XORed onto a real signature, then the message.
//   * mode 0: signature = the 64 bytes as they are;
//   * mode 1: signature = a valid signature of the message by the key, XOR the 64 bytes (so
//     valid and nearly valid signatures are reached);
//   * mode 2: the key is the first 32 of the 64 bytes, the signature the rest of the input's next
//     64 bytes (a table is built if the key passes the key checks; if not, libsodium must refuse).
// Keys 0..3 are ordinary, 4..10 have a torsion component (mixed order, as no real signer makes).
// Modes 0 and 1 also check the batch path (r_check + encode_batch, what verify_batch uses).
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "../chain/fuzz_check.h"
#include "crypto/ed25519/key_tables.h"
#include "crypto/ed25519/testing.h"

using namespace klyn;
using namespace klyn::crypto::ed25519;

namespace {

struct Key {
  test_support::Scalar secret;
  crypto::PublicKey pk;
  std::shared_ptr<const KeyTable> table;
};

const std::vector<Key>& keys() {
  static const std::vector<Key> ks = [] {
    if (sodium_init() < 0) std::abort();
    std::vector<Key> out;
    const auto torsion = test_support::torsion_points();
    for (int i = 0; i < 11; ++i) {
      uint8_t wide[64] = {};
      wide[0] = static_cast<uint8_t>(i + 1);
      wide[40] = 0x77;
      Key k;
      k.secret = test_support::scalar_from_wide(wide);
      k.pk = test_support::public_of(k.secret);
      if (i >= 4) k.pk = test_support::add_torsion(k.pk, torsion[i - 3]);
      k.table = KeyTable::build(k.pk);
      if (!k.table) std::abort();
      out.push_back(std::move(k));
    }
    return out;
  }();
  return ks;
}

bool libsodium(const crypto::PublicKey& pk, ByteSpan m, const crypto::Signature& s) {
  return crypto_sign_verify_detached(s.data(), m.data(), m.size(), pk.data()) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 65) return 0;
  const auto& ks = keys();
  const uint8_t mode = data[0] % 3;
  const Key& key = ks[(data[0] / 3) % ks.size()];
  const uint8_t* block = data + 1;
  if (mode == 2) {
    if (size < 129) return 0;
    crypto::PublicKey pk;
    std::memcpy(pk.data(), block, 32);
    crypto::Signature sig;
    std::memcpy(sig.data(), block + 32, 32);
    std::memcpy(sig.data() + 32, data + 65, 32);
    const ByteSpan msg(data + 97, size - 97);
    auto table = KeyTable::build(pk);
    FUZZ_CHECK(key_passes_checks(pk) == (table != nullptr));
    if (table)
      FUZZ_CHECK(table->verify(msg, sig) == libsodium(pk, msg, sig));
    else
      FUZZ_CHECK(!libsodium(pk, msg, sig));
    return 0;
  }
  const ByteSpan msg(data + 65, size - 65);
  crypto::Signature sig;
  if (mode == 0) {
    std::memcpy(sig.data(), block, 64);
  } else {
    uint8_t nonce[64];
    crypto_hash_sha512(nonce, msg.data(), msg.size());
    sig = test_support::sign_with_scalar(key.secret, key.pk, msg, nonce);
    for (int i = 0; i < 64; ++i) sig[i] ^= block[i];
  }
  const bool want = libsodium(key.pk, msg, sig);
  FUZZ_CHECK(key.table->verify(msg, sig) == want);
  // The batch path (crypto::verify_batch): R' encoded together with another point.
  const auto r = key.table->r_check(msg, sig);
  FUZZ_CHECK(r.has_value() || !want);
  if (r) {
    const Point pts[2] = {identity(), *r};
    std::array<uint8_t, 32> enc[2];
    encode_batch(pts, enc);
    FUZZ_CHECK((std::memcmp(enc[1].data(), sig.data(), 32) == 0) == want);
  }
  return 0;
}
