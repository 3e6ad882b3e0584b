// libFuzzer target: the binary decoders of chain/ (events, payloads, accounts, event records).
//
// Oracles:
//  * decode_event accepts only the canonical encoding: an accepted input re-encodes to exactly
//    the input bytes, and its JSON forms round-trip to the same hash;
//  * read_event (the streaming reader used inside blocks and batches) agrees with decode_event:
//    it stops where the event ends, and decode_event accepts exactly that prefix;
//  * payload decoders (TRANSFER/STAKE/UNSTAKE/DELEGATE), decode_account and
//    decode_event_record re-encode accepted inputs to the same bytes.
#include <cstddef>
#include <cstdint>

#include "chain/account.h"
#include "chain/event.h"
#include "chain/state.h"
#include "event_json_check.h"
#include "fuzz_check.h"

using namespace klyn;
using klyn::fuzz::same_bytes;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan in(data, size);

  auto e = chain::decode_event(in);
  if (e) {
    FUZZ_CHECK(same_bytes(e->encode(), in));
    FUZZ_CHECK(e->hash() == chain::decode_event(e->encode())->hash());
    fuzz::check_event_json_round_trip(*e);
  }

  codec::Reader r(in);
  chain::Event streamed;
  if (chain::read_event(r, streamed)) {
    ByteSpan prefix = in.first(r.position());
    auto whole = chain::decode_event(prefix);
    FUZZ_CHECK(whole.ok());
    FUZZ_CHECK(same_bytes(whole->encode(), prefix));
    FUZZ_CHECK(e.ok() == (r.position() == size));
  } else {
    FUZZ_CHECK(!e.ok());
  }

  if (auto p = chain::decode_transfer(in)) {
    FUZZ_CHECK(p->amount != 0);
    FUZZ_CHECK(same_bytes(chain::encode_payload(*p), in));
  }
  if (auto p = chain::decode_amount(in)) {
    FUZZ_CHECK(p->amount != 0);
    FUZZ_CHECK(same_bytes(chain::encode_payload(*p), in));
  }
  if (auto p = chain::decode_delegate(in)) FUZZ_CHECK(same_bytes(chain::encode_payload(*p), in));

  if (auto a = chain::decode_account(in)) FUZZ_CHECK(same_bytes(chain::encode_account(*a), in));

  if (auto rec = chain::decode_event_record(in)) {
    FUZZ_CHECK(rec->status == chain::EventStatus::kApplied ||
               rec->status == chain::EventStatus::kRejected);
    FUZZ_CHECK(same_bytes(chain::encode_event_record(*rec), in));
  }
  return 0;
}
