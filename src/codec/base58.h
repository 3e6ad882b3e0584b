#pragma once
// Base58 (Bitcoin alphabet), used for account addresses (base58 of the Ed25519 public key).
// Decoding rejects characters outside the alphabet; leading '1's map to leading zero bytes.

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"

namespace klyn::codec {

std::string base58_encode(ByteSpan bytes);
Result<Bytes> base58_decode(std::string_view text);

}  // namespace klyn::codec
