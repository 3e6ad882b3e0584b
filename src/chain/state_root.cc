#include "chain/state_root.h"

#include <sodium.h>

#include "crypto/hash.h"

namespace klyn::chain {

void LtHash::expand(ByteSpan key, ByteSpan value, std::array<uint16_t, kLanes>& out) {
  crypto::Blake2b256 h;
  h.update(std::string_view("KLY-LTHASH-ELEM-v1"));
  uint8_t len[4] = {static_cast<uint8_t>(key.size() >> 24), static_cast<uint8_t>(key.size() >> 16),
                    static_cast<uint8_t>(key.size() >> 8), static_cast<uint8_t>(key.size())};
  h.update(ByteSpan(len, 4));
  h.update(key);
  h.update(value);
  Hash32 seed = h.finish();
  static const uint8_t kNonce[crypto_stream_chacha20_NONCEBYTES] = {0};
  uint8_t buf[kBytes];
  crypto_stream_chacha20(buf, sizeof buf, kNonce, seed.data());
  for (size_t i = 0; i < kLanes; ++i)
    out[i] = static_cast<uint16_t>(buf[2 * i] | (static_cast<uint16_t>(buf[2 * i + 1]) << 8));
}

void LtHash::add(ByteSpan key, ByteSpan value) {
  std::array<uint16_t, kLanes> v;
  expand(key, value, v);
  for (size_t i = 0; i < kLanes; ++i) lanes_[i] = static_cast<uint16_t>(lanes_[i] + v[i]);
}

void LtHash::remove(ByteSpan key, ByteSpan value) {
  std::array<uint16_t, kLanes> v;
  expand(key, value, v);
  for (size_t i = 0; i < kLanes; ++i) lanes_[i] = static_cast<uint16_t>(lanes_[i] - v[i]);
}

Bytes LtHash::serialize() const {
  Bytes out(kBytes);
  for (size_t i = 0; i < kLanes; ++i) {
    out[2 * i] = static_cast<uint8_t>(lanes_[i]);
    out[2 * i + 1] = static_cast<uint8_t>(lanes_[i] >> 8);
  }
  return out;
}

Result<LtHash> LtHash::deserialize(ByteSpan bytes) {
  if (bytes.size() != kBytes) return Error("corrupt", "state accumulator has wrong size");
  LtHash h;
  for (size_t i = 0; i < kLanes; ++i)
    h.lanes_[i] =
        static_cast<uint16_t>(bytes[2 * i] | (static_cast<uint16_t>(bytes[2 * i + 1]) << 8));
  return h;
}

Hash32 LtHash::root() const {
  return crypto::blake2b256("KLY-STATE-ROOT-v1", serialize());
}

}  // namespace klyn::chain
