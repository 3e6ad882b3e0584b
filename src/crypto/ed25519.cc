#include "crypto/ed25519.h"

#include <sodium.h>

#include "codec/base58.h"
#include "crypto/ed25519/key_tables.h"
#include "crypto/hash.h"

namespace klyn::crypto {

KeyPair KeyPair::generate() {
  init();
  Seed seed;
  randombytes_buf(seed.data(), seed.size());
  KeyPair kp = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return kp;
}

KeyPair KeyPair::from_seed(const Seed& seed) {
  init();
  KeyPair kp;
  kp.seed_ = seed;
  crypto_sign_seed_keypair(kp.pk_.data(), kp.sk_.data(), seed.data());
  return kp;
}

KeyPair::~KeyPair() {
  sodium_memzero(seed_.data(), seed_.size());
  sodium_memzero(sk_.data(), sk_.size());
}

KeyPair::KeyPair(KeyPair&& other) noexcept : seed_(other.seed_), sk_(other.sk_), pk_(other.pk_) {
  sodium_memzero(other.seed_.data(), other.seed_.size());
  sodium_memzero(other.sk_.data(), other.sk_.size());
}

KeyPair& KeyPair::operator=(KeyPair&& other) noexcept {
  if (this != &other) {
    seed_ = other.seed_;
    sk_ = other.sk_;
    pk_ = other.pk_;
    sodium_memzero(other.seed_.data(), other.seed_.size());
    sodium_memzero(other.sk_.data(), other.sk_.size());
  }
  return *this;
}

std::string KeyPair::address() const {
  return address_of(pk_);
}

Signature KeyPair::sign(ByteSpan message) const {
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk_.data());
  return sig;
}

bool verify(const PublicKey& pk, ByteSpan message, const Signature& sig) {
  return ed25519::TableVerifier::shared().verify(pk, message, sig);
}

std::vector<bool> verify_batch(std::span<const VerifyRequest> requests) {
  return ed25519::TableVerifier::shared().verify_batch(requests);
}

bool verify_with_libsodium(const PublicKey& pk, ByteSpan message, const Signature& sig) {
  init();
  return crypto_sign_verify_detached(sig.data(), message.data(), message.size(), pk.data()) == 0;
}

std::string address_of(const PublicKey& pk) {
  return codec::base58_encode(pk);
}

Result<PublicKey> parse_address(std::string_view address) {
  if (address.empty() || address.size() > 64)
    return Error("bad_address", "address must be 1-64 base58 characters (32 bytes: 32-44)");
  auto bytes = codec::base58_decode(address);
  if (!bytes) return Error("bad_address", "address is not base58: " + bytes.error().reason);
  if (bytes->size() != 32)
    return Error("bad_address",
                 "address decodes to " + std::to_string(bytes->size()) + " bytes, expected 32");
  PublicKey pk;
  std::copy(bytes->begin(), bytes->end(), pk.begin());
  return pk;
}

}  // namespace klyn::crypto
