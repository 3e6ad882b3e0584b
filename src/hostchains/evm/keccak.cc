#include "hostchains/evm/keccak.h"

#include <cryptopp/keccak.h>

namespace klyn::hostchains::evm {

Hash32 keccak256(ByteSpan data) {
  static_assert(CryptoPP::Keccak_256::DIGESTSIZE == 32);
  CryptoPP::Keccak_256 h;
  h.Update(data.data(), data.size());
  Hash32 out{};
  h.Final(out.data());
  return out;
}

}  // namespace klyn::hostchains::evm
