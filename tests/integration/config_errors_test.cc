// Configuration and key errors stop `klyn74r run` before anything starts: exit code 2 and a
// message naming the file, the key and the reason.
#include <nlohmann/json.hpp>

#include "chain/genesis.h"
#include "test_chain.h"

namespace klyn::itest {
namespace {

// Runs the node expecting it to refuse to start: exit code 2 within 30 s, nothing served.
ProcessResult run_expecting_refusal(NodeProcess& node, const EnvList& env = {}) {
  node.spawn(env);
  ProcessResult r = node.wait_exit(30s);
  EXPECT_TRUE(r.exited_with(2)) << r.describe();
  return r;
}

::testing::AssertionResult mentions(const std::string& text,
                                    const std::vector<std::string>& needles) {
  for (const auto& n : needles)
    if (text.find(n) == std::string::npos)
      return ::testing::AssertionFailure() << "\"" << n << "\" not in:\n" << text;
  return ::testing::AssertionSuccess();
}

TEST(ConfigErrors, NodeTomlPortNotAnInteger) {
  NodeProcess node("cfg-port");
  ASSERT_TRUE(node.init(true));
  ASSERT_TRUE(node.set_toml("CONFIGS/node.toml", "server", "port", "\"abc\""));
  // --port is given by the harness, yet the bad file is still an error.
  ProcessResult r = run_expecting_refusal(node);
  EXPECT_TRUE(mentions(r.output, {"CONFIGS/node.toml", "server.port", "integer", "\"abc\""}));
}

TEST(ConfigErrors, SymbioteTomlUnknownKeys) {
  NodeProcess node("cfg-unknown");
  ASSERT_TRUE(node.init(true));
  ASSERT_TRUE(node.set_toml("CONFIGS/symbiotes/alpha.toml", "", "colour", "\"blue\""));
  ProcessResult r = run_expecting_refusal(node);
  EXPECT_TRUE(mentions(r.output, {"CONFIGS/symbiotes/alpha.toml", "colour", "unknown key"}));

  // A typo inside [workflow] (validated by the workflow) is reported the same way.
  NodeProcess node2("cfg-workflow");
  ASSERT_TRUE(node2.init(true));
  ASSERT_TRUE(node2.set_toml("CONFIGS/symbiotes/beta.toml", "workflow", "phantom_block", "true"));
  ProcessResult r2 = run_expecting_refusal(node2);
  EXPECT_TRUE(mentions(r2.output, {"CONFIGS/symbiotes/beta.toml", "phantom_block", "unknown key"}));
}

TEST(ConfigErrors, GenesisPinsAWorkflowVersionTheNodeDoesNotHave) {
  NodeProcess node("cfg-version");
  ASSERT_TRUE(node.init(true));
  auto g = chain::load_genesis_file((node.dir() / "GENESIS/alpha.json").string());
  ASSERT_TRUE(g.ok());
  const std::string have = g->manifest.workflow_version;  // what genesis new wrote = the node's
  ASSERT_NE(have, "9.9.9");
  g->manifest.workflow_version = "9.9.9";
  node.write_file("GENESIS/alpha.json", chain::genesis_to_json(*g));
  ProcessResult r = run_expecting_refusal(node);
  EXPECT_TRUE(mentions(r.output, {"alpha", "9.9.9", "dev_controller " + have}));
}

// The workflow checks its own manifest section before the node starts (core::Workflow::
// check_manifest): a value out of range or an unknown key names the genesis file and the JSON path.
TEST(ConfigErrors, AWorkflowSectionTheWorkflowRefusesNamesFileAndPath) {
  NodeProcess node("cfg-section");
  ASSERT_TRUE(node.init(true));
  const std::string file = (node.dir() / "GENESIS/alpha.json").string();
  auto text = node.read_file("GENESIS/alpha.json");
  auto j = nlohmann::json::parse(text);
  ASSERT_TRUE(j["manifest"].contains("dev_controller")) << text;  // init writes layout 2
  j["manifest"]["dev_controller"]["max_events_per_instant_block"] = 0;
  node.write_file("GENESIS/alpha.json", j.dump(2));
  ProcessResult r = run_expecting_refusal(node);
  EXPECT_TRUE(mentions(
      r.output, {"GENESIS/alpha.json", "manifest.dev_controller.max_events_per_instant_block",
                 "must be 1..100000"}));
  j["manifest"]["dev_controller"]["max_events_per_instant_block"] = 10;
  j["manifest"]["dev_controller"]["controler"] = "typo";
  node.write_file("GENESIS/alpha.json", j.dump(2));
  r = run_expecting_refusal(node);
  EXPECT_TRUE(mentions(r.output,
                       {"GENESIS/alpha.json", "manifest.dev_controller.controler", "unknown key"}));
  // Fixed, it runs.
  j["manifest"]["dev_controller"].erase("controler");
  node.write_file("GENESIS/alpha.json", j.dump(2));
  ASSERT_TRUE(node.start());
  EXPECT_TRUE(node.stop().exited_with(0));
}

TEST(ConfigErrors, WrongKeystorePasswordIsClearAndExitsTwo) {
  NodeProcess node("cfg-password");
  ASSERT_TRUE(node.init());
  const auto pw_file = node.temp_dir() / "password";
  node.write_file("../password", "correct horse battery staple\n");
  ProcessResult k = node.cli({"keys", "new", "guard", "--password-file", pw_file.string()});
  ASSERT_TRUE(k.exited_with(0)) << k.describe();
  ASSERT_NE(k.output.find("\"encrypted\":true"), std::string::npos) << k.output;
  ASSERT_TRUE(node.genesis_new("secure", "guard"));
  ASSERT_TRUE(
      node.set_toml("CONFIGS/node.toml", "keys", "password_env", "\"KLYN_KEYSTORE_PASSWORD\""));

  ProcessResult r =
      run_expecting_refusal(node, {{"KLYN_KEYSTORE_PASSWORD", "Tr0ub4dor&3 (wrong)"}});
  EXPECT_TRUE(mentions(r.output, {"CONFIGS/symbiotes/secure.toml", "guard", "wrong password"}));

  // No password at all (no terminal to prompt on): also a clear refusal.
  ProcessResult none = run_expecting_refusal(node);
  EXPECT_TRUE(mentions(none.output, {"CONFIGS/symbiotes/secure.toml", "password"}));

  // The right password starts the node: the refusals above were about the password only.
  ASSERT_TRUE(node.start({{"KLYN_KEYSTORE_PASSWORD", "correct horse battery staple"}}));
  ProcessResult stopped = node.stop();
  EXPECT_TRUE(stopped.exited_with(0)) << stopped.describe();
}

}  // namespace
}  // namespace klyn::itest
