// libFuzzer target: the bitcoin connector's reading of output scripts found on a hostchain
// (op_return_data, decode_commit_script, decode_commit_payload) — anyone can put any bytes there.
//
// Oracles:
//  * a script that decodes as a commit carries an OP_RETURN payload that decodes to the same
//    commit;
//  * decode_commit_payload accepts only 52-byte inputs starting with the magic.
#include <cstddef>
#include <cstdint>

#include "fuzz_check.h"
#include "hostchains/bitcoin/commit_script.h"

using namespace klyn;
using namespace klyn::hostchains;
using namespace klyn::hostchains::bitcoin;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan in(data, size);
  auto payload = decode_commit_payload(in);
  if (payload) {
    FUZZ_CHECK(size == kCommitPayloadSize);
    FUZZ_CHECK(std::equal(kCommitMagic.begin(), kCommitMagic.end(), in.begin()));
  }
  auto pushed = op_return_data(in);
  auto commit = decode_commit_script(in);
  if (commit) {
    FUZZ_CHECK(pushed.has_value());
    auto again = decode_commit_payload(*pushed);
    FUZZ_CHECK(again.has_value() && *again == *commit);
  }
  return 0;
}
