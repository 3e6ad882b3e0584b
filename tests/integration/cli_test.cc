// The client subcommands against a running node: what `make run` tells a newcomer to paste.
#include "cli/cli_common.h"
#include "codec/hex.h"
#include "crypto/bls12_381/signature.h"
#include "test_chain.h"

namespace klyn::itest {
namespace {

// The JSON object printed last on stdout.
nlohmann::json last_json(const std::string& output) {
  const auto brace = output.rfind("\n{");
  const std::string text = brace == std::string::npos ? output : output.substr(brace + 1);
  return nlohmann::json::parse(text, nullptr, false);
}

// `keys new --bls`: a validator's vote key, encrypted in the keystore; the printed public key and
// proof of possession are what a dev_symbiland genesis lists, and the proof verifies.
TEST(Cli, KeysNewBlsPrintsAPublicKeyAndAProofOfPossessionThatVerifies) {
  NodeProcess node("cli-bls");
  ASSERT_TRUE(node.init());
  const auto pw_file = node.temp_dir() / "password";
  node.write_file("../password", "a validator's password\n");
  ProcessResult r = node.cli({"keys", "new", "vote", "--bls", "--password-file", pw_file.string()});
  ASSERT_TRUE(r.exited_with(0)) << r.describe();
  auto j = last_json(r.output);
  ASSERT_TRUE(j.is_object()) << r.output;
  EXPECT_EQ(j["encrypted"], true);
  EXPECT_EQ(j["address"], "bls:" + j["bls_key"].get<std::string>());
  auto pk_bytes = codec::hex_decode(j["bls_key"].get<std::string>());
  auto pop_bytes = codec::hex_decode(j["pop"].get<std::string>());
  ASSERT_TRUE(pk_bytes.ok() && pop_bytes.ok()) << r.output;
  auto pk = bls::PublicKey::from_bytes(*pk_bytes);
  auto pop = bls::Signature::from_bytes(*pop_bytes);
  ASSERT_TRUE(pk.ok() && pop.ok()) << r.output;
  EXPECT_TRUE(bls::pop_verify(*pk, *pop));
  ProcessResult list = node.cli({"keys", "list"});
  EXPECT_NE(list.output.find("vote\tbls:"), std::string::npos) << list.describe();
}

TEST(Cli, TxTransferWaitAndQueryAgainstARunningNode) {
  NodeProcess node("cli");
  ASSERT_TRUE(node.init(true));
  ASSERT_TRUE(node.start());
  const std::string url = "http://127.0.0.1:" + std::to_string(node.port());
  const std::string bob = cli::derived_test_key("devnet-bob", 0).address();
  const AccountView before = get_account(node.http(), "beta", crypto::parse_address(bob).value());

  ProcessResult tx = node.cli({"tx", "transfer", "--node", url, "-s", "beta", "--key", "alice",
                               "--to", bob, "--amount", "4321", "--wait"});
  ASSERT_TRUE(tx.exited_with(0)) << tx.describe();
  nlohmann::json j = last_json(tx.output);
  ASSERT_TRUE(j.is_object()) << tx.output;
  EXPECT_EQ(j.value("status", ""), "applied") << tx.output;

  ProcessResult q = run_klyn74r({"query", "account", "--node", url, "-s", "beta", bob});
  ASSERT_TRUE(q.exited_with(0)) << q.describe();
  const auto brace = q.output.find('{');
  nlohmann::json acc = nlohmann::json::parse(
      q.output.substr(brace == std::string::npos ? 0 : brace), nullptr, false);
  ASSERT_TRUE(acc.is_object()) << q.output;
  EXPECT_EQ(acc.value("balance", uint64_t{0}), before.balance + 4321);

  // A refused event is exit code 1 with the node's reason; a bad address is a usage error (2).
  ProcessResult poor = node.cli({"tx", "transfer", "--node", url, "-s", "beta", "--key", "alice",
                                 "--to", bob, "--amount", "999999999999"});
  EXPECT_TRUE(poor.exited_with(1)) << poor.describe();
  EXPECT_NE(poor.output.find("insufficient_balance"), std::string::npos) << poor.output;
  ProcessResult bad = node.cli({"tx", "transfer", "--node", url, "-s", "beta", "--key", "alice",
                                "--to", "0OIl", "--amount", "1"});
  EXPECT_TRUE(bad.exited_with(2)) << bad.describe();
  ProcessResult unknown = run_klyn74r({"query", "info", "--node", url, "-s", "omega"});
  EXPECT_TRUE(unknown.exited_with(1)) << unknown.describe();
  EXPECT_NE(unknown.output.find("unknown_symbiote"), std::string::npos) << unknown.output;
}

// The address book: names for --to and query account (D/ADDRESSBOOK, then the keystore), and
// query event --wait.
TEST(Cli, AddressBookNamesAndQueryEventWait) {
  NodeProcess node("cli-book");
  ASSERT_TRUE(node.init(true));
  ASSERT_TRUE(node.start());
  const std::string url = "http://127.0.0.1:" + std::to_string(node.port());
  const std::string carol = cli::derived_test_key("carol", 0).address();

  ProcessResult add = node.cli({"address", "add", "carol", carol});
  ASSERT_TRUE(add.exited_with(0)) << add.describe();
  EXPECT_TRUE(node.cli({"address", "add", "carol", carol}).exited_with(2)) << "replaced silently";
  EXPECT_TRUE(node.cli({"address", "add", "bad name", carol}).exited_with(2));
  EXPECT_TRUE(node.cli({"address", "add", "dave", "0OIl"}).exited_with(2));
  EXPECT_TRUE(node.cli({"address", "add", carol, carol}).exited_with(2))
      << "a name that is an address";
  ProcessResult typo = run_klyn74r({"address", "list", "--dir", "/nonexistent/klyn-dir"});
  EXPECT_TRUE(typo.exited_with(2)) << typo.describe();
  EXPECT_NE(typo.output.find("not a directory"), std::string::npos) << typo.output;
  ProcessResult list = node.cli({"address", "list", "--json"});
  ASSERT_TRUE(list.exited_with(0)) << list.describe();
  nlohmann::json names = nlohmann::json::parse(list.output.substr(list.output.find('[')));
  std::map<std::string, std::string> from;
  for (const auto& e : names) from[e["name"]] = e["from"];
  EXPECT_EQ(from["carol"], "book") << list.output;
  EXPECT_EQ(from["alice"], "keys") << list.output;  // the devnet's account keys are names too

  // --to carol (the book); submitted without --wait, then query event --wait.
  ProcessResult tx = node.cli({"tx", "transfer", "--node", url, "-s", "beta", "--key", "alice",
                               "--to", "carol", "--amount", "7"});
  ASSERT_TRUE(tx.exited_with(0)) << tx.describe();
  const std::string hash = last_json(tx.output).value("hash", "");
  ASSERT_EQ(hash.size(), 64u) << tx.output;
  ProcessResult waited =
      run_klyn74r({"query", "event", "--node", url, "-s", "beta", hash, "--wait"});
  ASSERT_TRUE(waited.exited_with(0)) << waited.describe();
  EXPECT_EQ(last_json(waited.output).value("status", ""), "applied") << waited.output;
  ProcessResult acc = node.cli({"query", "account", "--node", url, "-s", "beta", "carol"});
  ASSERT_TRUE(acc.exited_with(0)) << acc.describe();
  EXPECT_NE(acc.output.find("\"balance\": 7"), std::string::npos) << acc.output;
  EXPECT_NE(acc.output.find(carol), std::string::npos) << acc.output;

  // --wait on a malformed hash fails at once with the node's reason (not after 30 s of polling).
  ProcessResult bad_hash = run_klyn74r(
      {"query", "event", "--node", url, "-s", "beta", "xyz", "--wait", "--wait-seconds", "20"});
  EXPECT_TRUE(bad_hash.exited_with(1)) << bad_hash.describe();
  EXPECT_EQ(bad_hash.output.find("still"), std::string::npos) << bad_hash.output;

  // A name that is nowhere: a usage error naming where it looked.
  ProcessResult nobody = node.cli({"tx", "transfer", "--node", url, "-s", "beta", "--key", "alice",
                                   "--to", "nobody", "--amount", "1"});
  EXPECT_TRUE(nobody.exited_with(2)) << nobody.describe();
  EXPECT_NE(nobody.output.find("ADDRESSBOOK"), std::string::npos) << nobody.output;
}

}  // namespace
}  // namespace klyn::itest
