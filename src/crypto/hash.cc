#include "crypto/hash.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace klyn::crypto {

static_assert(sizeof(crypto_generichash_state) <= 384, "state buffer too small");

void init() {
  static const bool ok = [] {
    if (sodium_init() < 0) std::abort();  // cannot run without a working RNG
    return true;
  }();
  (void)ok;
}

namespace {
struct AutoInit {
  AutoInit() { init(); }
} auto_init;
}  // namespace

Hash32 blake2b256(ByteSpan data) {
  Hash32 out;
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
  return out;
}

Hash32 blake2b256(std::string_view domain, ByteSpan data) {
  Blake2b256 h;
  h.update(domain);
  h.update(data);
  return h.finish();
}

Hash32 sha256(ByteSpan data) {
  Hash32 out;
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

Blake2b256::Blake2b256() {
  crypto_generichash_init(reinterpret_cast<crypto_generichash_state*>(state_), nullptr, 0, 32);
}
void Blake2b256::update(ByteSpan data) {
  crypto_generichash_update(reinterpret_cast<crypto_generichash_state*>(state_), data.data(),
                            data.size());
}
Hash32 Blake2b256::finish() {
  Hash32 out;
  crypto_generichash_final(reinterpret_cast<crypto_generichash_state*>(state_), out.data(),
                           out.size());
  return out;
}

}  // namespace klyn::crypto
