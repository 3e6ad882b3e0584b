#pragma once
// Parsing untrusted JSON request bodies: size is limited by the server; nesting depth is limited
// here before nlohmann's recursive parser sees the text (a body of 8 MiB of '[' would otherwise
// exhaust the stack). A key repeated within one object is refused: nlohmann would keep the last
// one silently, so {"nonce": 8, "nonce": 1} would be read as nonce 1 by us and maybe as 8 by the
// client's library that signed it.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace klyn::net {

inline Result<nlohmann::json> parse_json_body(std::string_view body, size_t max_depth = 32) {
  size_t depth = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    // Never valid JSON (a raw control character), and nlohmann stops reading at a NUL as if the
    // input ended there, so "{...}\0<anything>" would be accepted.
    if (c == '\0') return Error("bad_json", "request body is not valid JSON");
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        return Error("bad_json",
                     "JSON nested deeper than " + std::to_string(max_depth) + " levels");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  // Keys of the objects open at this point of the parse, innermost last (objects are small: a
  // linear scan is cheaper than a set per object).
  std::vector<std::string> keys;
  std::vector<size_t> starts;
  std::string duplicate;
  auto check_keys = [&](int, nlohmann::json::parse_event_t ev, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (ev == E::object_start) {
      starts.push_back(keys.size());
    } else if (ev == E::object_end && !starts.empty()) {
      keys.resize(starts.back());
      starts.pop_back();
    } else if (ev == E::key && !starts.empty() && parsed.is_string()) {
      const std::string& k = parsed.get_ref<const std::string&>();
      for (size_t i = starts.back(); i < keys.size(); ++i)
        if (keys[i] == k && duplicate.empty()) duplicate = k;
      keys.push_back(k);
    }
    return true;
  };
  auto j = nlohmann::json::parse(body, check_keys, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error("bad_json", "request body is not valid JSON");
  if (!duplicate.empty())
    return Error("bad_json", "key \"" + duplicate + "\" appears twice in one object");
  return j;
}

}  // namespace klyn::net
