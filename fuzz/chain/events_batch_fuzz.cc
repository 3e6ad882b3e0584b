// libFuzzer target: the binary batch body of POST /s/{sym}/events (Content-Type
// application/octet-stream): varint n (at most 10000), then n canonical events, nothing after.
//
// The route, the event forwarder and this target share chain::decode_event_batch.
//
// Oracles: an accepted batch re-encodes (varint n + each event's encoding) to exactly the input;
// every event of it decodes alone to the same event; a rejected batch has a reason.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "chain/event.h"
#include "codec/binary.h"
#include "fuzz_check.h"

using namespace klyn;
using klyn::fuzz::same_bytes;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan in(data, size);
  auto batch = chain::decode_event_batch(in);
  if (!batch) {
    FUZZ_CHECK(!batch.error().code.empty() && !batch.error().reason.empty());
    return 0;
  }
  codec::Writer w;
  w.varint(batch->size());
  for (const auto& e : *batch) {
    e.encode_to(w);
    auto alone = chain::decode_event(e.encode());
    FUZZ_CHECK(alone.ok() && alone->hash() == e.hash());
  }
  FUZZ_CHECK(same_bytes(w.data(), in));
  return 0;
}
