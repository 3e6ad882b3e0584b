// klyn74r keys new | list | show
#include "cli/cli_common.h"
#include "codec/hex.h"
#include "core/keystore.h"
#include "core/password.h"

namespace klyn::cli {

void add_keys_commands(CLI::App& app) {
  auto* keys = app.add_subcommand("keys", "the encrypted keystore in <dir>/KEYS");
  keys->require_subcommand(1);
  auto dir = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto plain = std::make_shared<bool>(false);
  auto password_file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto moderate = std::make_shared<bool>(false);
  auto bls_key = std::make_shared<bool>(false);

  auto* knew =
      keys->add_subcommand("new", "create a new Ed25519 key (Argon2id + XChaCha20-Poly1305)");
  knew->add_option("name", *name, "key name")->required();
  knew->add_option("--dir", *dir, "data directory")->required();
  knew->add_option("--password-file", *password_file, "file whose first line is the password");
  knew->add_flag("--plain", *plain, "store UNENCRYPTED (devnet only)");
  knew->add_flag("--moderate", *moderate, "stronger (slower) Argon2id parameters");
  knew->add_flag("--bls", *bls_key,
                 "a BLS12-381 key (a dev_symbiland validator's vote key); prints its public key "
                 "and proof of possession for the genesis");
  knew->callback([=] {
    core::Keystore ks(std::filesystem::path(*dir) / "KEYS");
    core::KeyProtection prot = core::KeyProtection::unencrypted();
    core::SecretString pw;
    if (!*plain) {
      core::PasswordSource src;
      if (!password_file->empty()) src.add_file(*password_file);
      src.add_env("KLYN_KEYSTORE_PASSWORD").add_prompt();
      auto got = src.get("new password for key " + *name);
      if (!got) std::exit(report(kExitConfig, got.error().reason));
      pw = std::move(*got);
      prot = core::KeyProtection::with_password(
          pw.view(), *moderate ? core::KdfLimits::moderate() : core::KdfLimits::interactive());
    }
    auto info = *bls_key ? ks.create_bls(*name, prot) : ks.create(*name, prot);
    if (!info) std::exit(report(kExitConfig, info.error().reason));
    nlohmann::json out = {
        {"name", info->name}, {"address", info->address}, {"encrypted", info->encrypted}};
    if (*bls_key) {
      auto sk = ks.load_bls(*name, pw.view(), core::PlainKeys::allow);
      if (!sk) std::exit(report(kExitConfig, sk.error().reason));
      out["bls_key"] = info->address.substr(4);
      out["pop"] = codec::hex_encode(sk->prove_possession().to_bytes());
    }
    std::cout << out.dump() << "\n";
  });

  auto* klist =
      keys->add_subcommand("list", "list keys (name and address) without decrypting them");
  klist->add_option("--dir", *dir, "data directory")->required();
  klist->add_flag("--json", *json, "print JSON");
  klist->callback([=] {
    core::Keystore ks(std::filesystem::path(*dir) / "KEYS");
    auto list = ks.list();
    if (!list) std::exit(report(kExitConfig, list.error().reason));
    nlohmann::json out = nlohmann::json::array();
    for (const auto& k : *list) {
      nlohmann::json j = {{"name", k.name}, {"address", k.address}, {"encrypted", k.encrypted}};
      if (!k.problem.empty()) j["problem"] = k.problem;
      out.push_back(j);
      if (!*json)
        std::cout << k.name << "\t" << k.address << "\t"
                  << (k.encrypted ? "encrypted" : "PLAIN (dev only)")
                  << (k.problem.empty() ? "" : "\t" + k.problem) << "\n";
    }
    if (*json) std::cout << out.dump() << "\n";
  });

  auto* kshow = keys->add_subcommand("show", "show one key's address and protection");
  kshow->add_option("name", *name, "key name")->required();
  kshow->add_option("--dir", *dir, "data directory")->required();
  kshow->callback([=] {
    core::Keystore ks(std::filesystem::path(*dir) / "KEYS");
    auto k = ks.info(*name);
    if (!k) std::exit(report(kExitConfig, k.error().reason));
    std::cout << nlohmann::json({{"name", k->name},
                                 {"address", k->address},
                                 {"encrypted", k->encrypted},
                                 {"file", k->file.string()}})
                     .dump()
              << "\n";
  });
}

}  // namespace klyn::cli
