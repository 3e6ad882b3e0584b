#include "hostchains/evm/transaction.h"

#include <cstring>

#include "hostchains/evm/keccak.h"
#include "hostchains/evm/rlp.h"

namespace klyn::hostchains::evm {
namespace {

// A 256-bit big-endian integer as an RLP item: leading zero bytes are not part of an integer.
Bytes rlp_uint256(const std::array<uint8_t, 32>& v) {
  size_t skip = 0;
  while (skip < v.size() && v[skip] == 0) ++skip;
  return rlp_string(ByteSpan(v.data() + skip, v.size() - skip));
}

std::vector<Bytes> common_fields(const LegacyTransaction& tx) {
  return {rlp_uint(tx.nonce), rlp_uint(tx.gas_price),
          rlp_uint(tx.gas),   tx.to ? rlp_string(*tx.to) : rlp_string({}),
          rlp_uint(tx.value), rlp_string(tx.data)};
}

}  // namespace

SignedTransaction sign_legacy_eip155(const LegacyTransaction& tx, uint64_t chain_id,
                                     const PrivateKey& key) {
  std::vector<Bytes> fields = common_fields(tx);
  fields.push_back(rlp_uint(chain_id));
  fields.push_back(rlp_uint(0));
  fields.push_back(rlp_uint(0));
  const RecoverableSignature sig = key.sign(keccak256(rlp_list(fields)));

  fields.resize(6);
  fields.push_back(rlp_uint(static_cast<uint64_t>(sig.recovery_id) + chain_id * 2 + 35));
  fields.push_back(rlp_uint256(sig.r));
  fields.push_back(rlp_uint256(sig.s));
  SignedTransaction out;
  out.raw = rlp_list(fields);
  out.hash = keccak256(out.raw);
  return out;
}

Address contract_address(const Address& sender, uint64_t nonce) {
  const Hash32 h = keccak256(rlp_list({rlp_string(sender), rlp_uint(nonce)}));
  Address a{};
  std::memcpy(a.data(), h.data() + 12, a.size());
  return a;
}

}  // namespace klyn::hostchains::evm
