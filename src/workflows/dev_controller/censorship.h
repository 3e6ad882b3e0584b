#pragma once
// Censorship evidence (§4.4, issue "dev_controller as a network" item 6).
//
// When the controller receives an instant block from a staked producer it answers with an
// **acknowledgement** it signs: (symbiote, instant block hash, its stored height at receipt). If
// none of the controller blocks height+1 … height+inclusion_window (the manifest's limit) names
// that instant block, the acknowledgement plus the instant block are **evidence**: the controller
// accepted the block and left it out. Anyone holding those controller blocks can check it.
//
// Invariants (tests: Censorship.*, integration Network.ProducersOn*):
// * E1  An acknowledgement verifies only under the manifest's controller key, for this symbiote.
// * E2  check_censorship() accepts evidence only if the ack verifies (E1), the instant block is
//       canonical, validly signed by its producer and hashes to the acknowledged hash, and every
//       controller block in the window is known and none names the hash. With blocks of the
//       window still missing it answers "not_yet" (the caller keeps the evidence and asks again);
//       never "valid" early.
// * E3  Evidence is deduplicated by instant block hash; it does not stop the chain (unlike a
//       fork alarm): it is recorded, served and gossiped.

#include <functional>
#include <optional>

#include "workflows/dev_controller/blocks.h"

namespace klyn::dev_controller {

struct InstantAck {
  SymbioteId symbiote{};
  Hash32 instant{};
  uint64_t height = 0;  // the controller's stored height when it received the instant block
  crypto::Signature signature{};

  Bytes signing_bytes() const;  // "KLY-DC-ACK-v1" | symbiote | instant | height
  Bytes encode() const;         // signing bytes | signature
  void sign(const crypto::KeyPair& controller);
  bool verify(const crypto::PublicKey& controller) const;
};
Result<InstantAck> decode_ack(ByteSpan bytes);

struct CensorshipEvidence {
  Bytes ack;             // InstantAck encoding
  Bytes instant;         // the instant block's canonical encoding
  Bytes encode() const;  // "KLY-DC-CENSORSHIP-v1" | bytes ack | bytes instant
};
Result<CensorshipEvidence> decode_evidence(ByteSpan bytes);

// What check_censorship needs to know of the local chain: the instant block hashes of stored
// controller block i, or nullopt when block i is not stored (yet).
using BlockInstants = std::function<std::optional<std::vector<Hash32>>(uint64_t index)>;

struct CensorshipCheck {
  enum class Verdict { kValid, kNotYet, kInvalid } verdict = Verdict::kInvalid;
  std::string reason;  // for kInvalid / kNotYet
  InstantAck ack;
  chain::AccountId producer{};
};

// E2. `window` = manifest.limits.inclusion_window.
CensorshipCheck check_censorship(const CensorshipEvidence& ev, const SymbioteId& symbiote,
                                 const crypto::PublicKey& controller, const BlockLimits& limits,
                                 uint64_t window, const BlockInstants& block_instants);

}  // namespace klyn::dev_controller
