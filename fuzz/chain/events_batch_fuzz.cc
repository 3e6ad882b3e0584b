// libFuzzer target: the binary batch body of POST /s/{sym}/events (Content-Type
// application/octet-stream): varint n (at most 10000), then n canonical events, nothing after.
//
// The route decodes the batch inline (workflows/dev_controller/api.cc); decode_batch below
// follows it step by step over the same primitives (codec::Reader, chain::read_event). Keep the
// two in step.
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

namespace {

constexpr uint64_t kMaxBatch = 10'000;

Result<std::vector<chain::Event>> decode_batch(ByteSpan body) {
  codec::Reader rd(body);
  uint64_t n = 0;
  if (!rd.varint(n)) return Error("malformed", "batch: missing event count");
  if (n > kMaxBatch) return Error("too_large", "at most 10000 events per batch");
  std::vector<chain::Event> items;
  for (uint64_t i = 0; i < n; ++i) {
    chain::Event e;
    if (!chain::read_event(rd, e)) return rd.error("batch item " + std::to_string(i));
    items.push_back(std::move(e));
  }
  if (auto st = rd.finish("batch"); !st) return st.error();
  return items;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan in(data, size);
  auto batch = decode_batch(in);
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
