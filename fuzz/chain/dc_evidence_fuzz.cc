// libFuzzer target: the proofs and evidence dev_controller nodes gossip to each other
// (decode_ack, decode_evidence, decode_equivocation; check_censorship on what decodes).
//
// Oracles:
//  * an accepted acknowledgement / evidence re-encodes to exactly the input bytes;
//  * decode_equivocation never accepts (the fuzzer cannot forge controller signatures; a crash or
//    an acceptance is a bug), whatever the bytes;
//  * check_censorship on decoded evidence never says "valid" (its ack cannot carry the test
//    controller's signature) and never crashes, with blocks of the window present or missing.
#include <cstddef>
#include <cstdint>

#include "fuzz_check.h"
#include "workflows/dev_controller/alarms.h"
#include "workflows/dev_controller/censorship.h"

using namespace klyn;
using namespace klyn::dev_controller;
using klyn::fuzz::same_bytes;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan in(data, size);
  static const crypto::KeyPair controller = crypto::KeyPair::from_seed(crypto::Seed{7});
  SymbioteId sym{};
  sym.fill(3);
  const BlockLimits limits{4, 4};

  if (auto ack = decode_ack(in)) FUZZ_CHECK(same_bytes(ack->encode(), in));

  if (auto ev = decode_evidence(in)) {
    FUZZ_CHECK(same_bytes(ev->encode(), in));
    for (int present = 0; present < 2; ++present) {
      auto c = check_censorship(*ev, sym, controller.public_key(), limits, 3,
                                [&](uint64_t) -> std::optional<std::vector<Hash32>> {
                                  if (!present) return std::nullopt;
                                  return std::vector<Hash32>{};
                                });
      FUZZ_CHECK(c.verdict != CensorshipCheck::Verdict::kValid);
    }
  }

  auto proof = decode_equivocation(in, sym, controller.public_key(), limits);
  FUZZ_CHECK(!proof.ok());
  return 0;
}
