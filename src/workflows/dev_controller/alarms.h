#pragma once
// Fork alarms of a dev_controller symbiote (§4.4, issue "dev_controller as a network" item 5).
//
// An **equivocation proof** is two controller blocks of this symbiote with the same index and
// different hashes, both carrying a valid controller signature. Anyone can check it with the
// manifest alone; it proves the controller signed two histories. A node that holds one stops
// applying new controller blocks of the symbiote (its state stays at the last block applied
// before), serves the proof, publishes `fork_alarm` on the event bus and gossips the proof once to
// its peers.
//
// Invariants (tests: Alarms.*, integration Network.Equivocation*):
// * A1  check_equivocation() accepts exactly: same symbiote, same index, different hashes, both
//       signatures valid for the manifest's controller, both canonical encodings. The proof's id
//       does not depend on the order the two blocks are given in.
// * A2  An alarm, once recorded, is durable (kit::AlarmBook, `w:alarm:` prefix, B1) and survives
//       restarts; a node with a fork alarm never applies another controller block of that
//       symbiote.
// * A3  Recording the same proof twice is a no-op that reports "already known" (B2: the alarm's
//       id is the proof's id, so gossip stops).

#include <cstdint>
#include <string>

#include "workflows/dev_controller/blocks.h"
#include "workflows/kit/alarm_book.h"

namespace klyn::dev_controller {

using kit::Alarm;
using kit::AlarmBook;

struct EquivocationProof {
  Bytes first, second;  // canonical controller block encodings, ordered by hash (first < second)
  uint64_t index = 0;
  Hash32 first_hash{}, second_hash{};

  // The proof's identity: BLAKE2b-256 over both hashes (order-independent, see A1).
  Hash32 id() const;
  // Wire/storage form: "KLY-DC-EQUIVOCATION-v1" | bytes first | bytes second.
  Bytes encode() const;
};

// A1. `a` and `b` in either order.
Result<EquivocationProof> check_equivocation(ByteSpan a, ByteSpan b, const SymbioteId& symbiote,
                                             const crypto::PublicKey& controller,
                                             const BlockLimits& limits);
// Decodes encode() and re-checks the proof (a decoded proof is always a valid one).
Result<EquivocationProof> decode_equivocation(ByteSpan bytes, const SymbioteId& symbiote,
                                              const crypto::PublicKey& controller,
                                              const BlockLimits& limits);

// The alarm book of a dev_controller symbiote (kit::AlarmBook): alarms under `w:alarm:`;
// "equivocation" and "hostchain_mismatch" (kit checkpointer.h) stop the chain (fork alarms, A2);
// "censorship" (censorship.h) is evidence that is recorded and served but does not stop it.
inline AlarmBook::Options alarm_book_options() {
  return {"w:alarm:", {"censorship"}};
}
// The alarm recording an equivocation proof (its id is the proof's, A3).
Alarm equivocation_alarm(const EquivocationProof& proof, std::string source, uint64_t now_ms);

}  // namespace klyn::dev_controller
