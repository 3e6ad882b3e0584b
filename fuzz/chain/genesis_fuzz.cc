// libFuzzer target: genesis decoders — decode_genesis (binary, e.g. from a peer) and
// genesis_from_json (GENESIS/<alias>.json).
//
// Oracles:
//  * binary: an accepted input re-encodes to exactly the input bytes; the JSON written for it
//    (genesis_to_json, never throws) parses back to the same genesis: both decoders accept the
//    same set of genesis values;
//  * JSON: an accepted genesis survives encode -> decode_genesis and genesis_to_json ->
//    genesis_from_json unchanged (same id), and keeps every hostchain and account the file lists
//    (nothing is dropped silently);
//  * a rejected input has an error naming what is wrong (code bad_genesis or malformed).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "chain/genesis.h"
#include "fuzz_check.h"

using namespace klyn;
using klyn::fuzz::same_bytes;

namespace {

void check_json_round_trip(const chain::Genesis& g) {
  std::string text;
  try {
    text = chain::genesis_to_json(g);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "genesis_to_json threw: %s\n", ex.what());
    FUZZ_CHECK(false);
  }
  auto back = chain::genesis_from_json(text);
  if (!back) std::fprintf(stderr, "genesis_from_json: %s\n", back.error().to_string().c_str());
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(*back == g);
  FUZZ_CHECK(back->id() == g.id());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan in(data, size);

  auto bin = chain::decode_genesis(in);
  if (bin) {
    FUZZ_CHECK(same_bytes(bin->encode(), in));
    check_json_round_trip(*bin);
  } else {
    FUZZ_CHECK(!bin.error().reason.empty());
  }

  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto js = chain::genesis_from_json(text);
  if (!js) {
    FUZZ_CHECK(js.error().code == "bad_genesis" && !js.error().reason.empty());
    return 0;
  }
  auto again = chain::decode_genesis(js->encode());
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *js);
  check_json_round_trip(*js);

  // Nothing listed in the file is dropped.
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!doc.is_discarded());
  FUZZ_CHECK(doc.at("accounts").size() == js->accounts.size());
  const auto& m = doc.at("manifest");
  size_t hostchains = m.contains("hostchains") ? m.at("hostchains").size() : 0;
  FUZZ_CHECK(hostchains == js->manifest.hostchains.size());
  return 0;
}
