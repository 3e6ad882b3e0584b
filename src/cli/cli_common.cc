#include "cli/cli_common.h"

#include "codec/binary.h"
#include "codec/hex.h"
#include "core/keystore.h"
#include "core/password.h"
#include "crypto/hash.h"
#include "net/url.h"

namespace klyn::cli {

int report(int code, const std::string& message) {
  std::cerr << "klyn74r: " << message << std::endl;
  return code;
}

Result<NodeClient> NodeClient::connect(const std::string& url) {
  auto hp = net::parse_http_url(url);
  if (!hp) return Error("bad_url", "--node " + url + ": " + hp.error().reason);
  NodeClient c;
  c.host_ = hp->first;
  c.port_ = hp->second;
  c.http_ = std::make_shared<net::HttpClient>(c.host_, c.port_, std::chrono::seconds(30));
  return c;
}

static Result<nlohmann::json> to_json(Result<net::Response> r) {
  if (!r) return r.error();
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status >= 400) {
    if (!j.is_discarded() && j.is_object() && j.contains("error"))
      return Error(j.value("error", "error"),
                   j.value("reason", "") + " (HTTP " + std::to_string(r->status) + ")");
    return Error("http_" + std::to_string(r->status), r->body);
  }
  if (j.is_discarded()) return Error("bad_response", "the node answered with invalid JSON");
  return j;
}

Result<nlohmann::json> NodeClient::get(const std::string& target) {
  return to_json(http_->get(target));
}

Result<nlohmann::json> NodeClient::post(const std::string& target, const std::string& body,
                                        const std::string& content_type) {
  return to_json(http_->post(target, body, content_type));
}

Result<crypto::KeyPair> load_key(const std::filesystem::path& dir, const std::string& name,
                                 const std::string& password_file) {
  core::Keystore ks(dir / "KEYS");
  auto info = ks.info(name);
  if (!info) return info.error();
  core::SecretString password;
  if (info->encrypted) {
    core::PasswordSource src;
    if (!password_file.empty()) src.add_file(password_file);
    src.add_env("KLYN_KEYSTORE_PASSWORD").add_prompt();
    auto pw = src.get("keystore password for " + name);
    if (!pw) return pw.error();
    password = std::move(*pw);
  } else {
    std::cerr << "klyn74r: warning: key \"" << name << "\" is an UNENCRYPTED development key"
              << std::endl;
  }
  return ks.load(name, password.view(), core::PlainKeys::allow);
}

Result<chain::SymbioteId> symbiote_id(NodeClient& node, const std::string& sym) {
  auto info = node.get("/s/" + sym + "/info");
  if (!info) return info.error();
  auto id = codec::hex_decode_fixed<32>(info->value("id", ""));
  if (!id) return Error("bad_response", "the node did not report the symbiote id");
  return *id;
}

crypto::KeyPair derived_test_key(const std::string& label, uint64_t index) {
  codec::Writer w;
  w.string("KLY-TEST-KEY-v1");
  w.string(label);
  w.u64(index);
  return crypto::KeyPair::from_seed(crypto::blake2b256(w.data()));
}

}  // namespace klyn::cli
