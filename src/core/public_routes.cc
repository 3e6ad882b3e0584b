#include <regex>

#include "core/openapi.h"

namespace klyn::core {

std::vector<std::pair<net::Method, std::string>> public_routes(const net::Router& router) {
  static const std::regex fallback(R"(/\{p[0-9]+\})");
  std::vector<std::pair<net::Method, std::string>> out;
  for (const auto& [method, pattern] : router.patterns()) {
    if (pattern.find("/sync/") != std::string::npos) continue;
    // Symbiote routes: only the /s/{sym}/... form (each is registered under its alias and id
    // too), and not the fallbacks.
    if (pattern.rfind("/s/", 0) == 0 && pattern.rfind("/s/{sym}/", 0) != 0) continue;
    if (std::regex_search(pattern, fallback)) continue;
    out.emplace_back(method, pattern);  // once: the router refuses a second route of one shape
  }
  return out;
}

}  // namespace klyn::core
