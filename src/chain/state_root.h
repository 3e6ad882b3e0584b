#pragma once
// Incremental state root (LtHash16, n = 1024). See chain/README.md for the construction and
// why it is sound. Not thread-safe; one accumulator per symbiote, owned by the applier.

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "common/result.h"

namespace klyn::chain {

class LtHash {
 public:
  static constexpr size_t kLanes = 1024;
  static constexpr size_t kBytes = kLanes * 2;

  LtHash() { lanes_.fill(0); }
  void add(ByteSpan key, ByteSpan value);
  void remove(ByteSpan key, ByteSpan value);
  Hash32 root() const;

  Bytes serialize() const;
  static Result<LtHash> deserialize(ByteSpan bytes);
  bool operator==(const LtHash&) const = default;

 private:
  static void expand(ByteSpan key, ByteSpan value, std::array<uint16_t, kLanes>& out);
  std::array<uint16_t, kLanes> lanes_;
};

}  // namespace klyn::chain
