#pragma once
// HTTP vocabulary shared by the server, the router and the client: Method, Request, Response.
//
// These are plain values with no I/O. A Request is built by the server (or by a test) and handed
// to a route handler as `const Request&`; the handler returns a Response by value. Nothing here is
// thread-safe beyond the usual "const methods may be called concurrently".

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace klyn::net {

enum class Method { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };

// "GET", "POST", ...; kOther gives "OTHER".
std::string_view method_name(Method m);
// Case-sensitive, as HTTP methods are. Unknown names give kOther.
Method method_from_name(std::string_view name);

using HeaderList = std::vector<std::pair<std::string, std::string>>;
using ParamMap = std::map<std::string, std::string, std::less<>>;

// One HTTP request as seen by a route handler.
struct Request {
  Method method = Method::kGet;
  std::string method_text;  // as received, e.g. "GET" (useful when method == kOther)
  std::string target;       // raw request-target, e.g. "/s/abc/account/x?from=1"
  std::string path;         // raw path part of target (no query), not percent-decoded
  std::string body;
  std::string remote_address;  // peer IP ("127.0.0.1", "::1"); empty in unit tests
  uint16_t remote_port = 0;
  unsigned version = 11;  // 10 = HTTP/1.0, 11 = HTTP/1.1
  ParamMap path_params;   // filled by the router; values percent-decoded
  ParamMap query_params;  // percent-decoded, '+' as space; first occurrence of a key wins
  HeaderList headers;     // names lower-cased, values as received

  // Path parameter captured by `{name}` in the route pattern; empty if there is none.
  const std::string& param(std::string_view name) const;
  // Query parameter, percent-decoded.
  std::optional<std::string> query(std::string_view name) const;
  // Header value by case-insensitive name (first occurrence).
  std::optional<std::string> header(std::string_view name) const;
};

// A response produced by a handler (server side) or received by HttpClient (client side).
// The server adds Content-Length and Connection itself; `headers` are extra headers.
struct Response {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  HeaderList headers;

  // JSON body (invalid UTF-8 is replaced, never throws).
  static Response json(const nlohmann::json& body, unsigned status = 200);
  // The API's error shape: {"error": code, "reason": reason}.
  static Response error(unsigned status, std::string_view code, std::string_view reason);
  static Response text(std::string body, unsigned status = 200,
                       std::string content_type = "text/plain; charset=utf-8");

  // Header value by case-insensitive name among `headers` (client side: every received header).
  std::optional<std::string> header(std::string_view name) const;
};

// A route handler: synchronous, runs on a server I/O thread, must not block for long. An exception
// that escapes it becomes a 500 `internal` response (and an error log line).
using Handler = std::function<Response(const Request&)>;

}  // namespace klyn::net
