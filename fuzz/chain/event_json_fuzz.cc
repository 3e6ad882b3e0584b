// libFuzzer target: the POST /s/{sym}/event and POST /s/{sym}/events (JSON array) body path:
// net::parse_json_body, then chain::event_from_json for the object or each array item.
//
// Oracles:
//  * parse_json_body is exact: a body is accepted iff nlohmann accepts it, it has no NUL byte,
//    its text nests at most max_depth arrays/objects (limits 32 and 3), and no object repeats a
//    key (counted here another way: key events in the text against entries in the value);
//  * an accepted event round-trips through event_to_json -> event_from_json (field form) and the
//    {"raw": hex} form with the same hash; its encoding decodes back to the same event.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "chain/event.h"
#include "event_json_check.h"
#include "fuzz_check.h"
#include "net/json_body.h"

using namespace klyn;
using nlohmann::json;

namespace {

size_t entries(const json& j) {
  size_t n = j.is_object() ? j.size() : 0;
  if (j.is_structured())
    for (const auto& item : j) n += entries(item);
  return n;
}

// Nesting depth of the text as nlohmann's parser sees it (every array or object opened is one
// level), and whether some object repeats a key (the text has more keys than the value has
// object entries). nullopt when nlohmann rejects the text.
struct TextShape {
  size_t depth = 0;
  bool repeated_key = false;
};
std::optional<TextShape> text_shape(std::string_view body) {
  size_t max = 0, keys = 0;
  json::parser_callback_t cb = [&](int depth, json::parse_event_t ev, json&) {
    if (ev == json::parse_event_t::object_start || ev == json::parse_event_t::array_start)
      max = std::max(max, static_cast<size_t>(depth) + 1);
    if (ev == json::parse_event_t::key) ++keys;
    return true;
  };
  json j = json::parse(body, cb, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return TextShape{max, keys != entries(j)};
}

void check_event(const json& j) {
  auto e = chain::event_from_json(j);
  if (!e) {
    FUZZ_CHECK(!e.error().code.empty());
    return;
  }
  auto decoded = chain::decode_event(e->encode());
  FUZZ_CHECK(decoded.ok());
  FUZZ_CHECK(decoded->hash() == e->hash());
  fuzz::check_event_json_round_trip(*e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);

  constexpr size_t kShallow = 3;
  auto deep = net::parse_json_body(body);
  auto shallow = net::parse_json_body(body, kShallow);
  if (shallow) FUZZ_CHECK(deep.ok() && *deep == *shallow);
  if (deep || size < 1024) {
    // Accepted iff valid, nested at most max_depth and without a repeated key. (nlohmann reads a
    // NUL as the end of the input, so a body with one is never valid.)
    auto t = body.find('\0') == std::string_view::npos ? text_shape(body) : std::nullopt;
    const bool fine = t && !t->repeated_key;
    FUZZ_CHECK(deep.ok() == (fine && t->depth <= 32));
    FUZZ_CHECK(shallow.ok() == (fine && t->depth <= kShallow));
  }
  if (!deep) return 0;

  if (deep->is_array()) {
    for (const auto& item : *deep) check_event(item);
  } else {
    check_event(*deep);
  }
  return 0;
}
