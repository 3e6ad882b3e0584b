#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/config.h"
#include "core/keystore.h"
#include "core/password.h"

namespace klyn::core {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using json = nlohmann::json;

struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("klyn-core-ks-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

json read_json(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}
void write_json(const fs::path& p, const json& j) {
  std::ofstream(p) << j.dump(2);
}

// Tests use the cheapest Argon2id parameters; one test checks the default.
KeyProtection fast(std::string_view pw) {
  return KeyProtection::with_password(pw, KdfLimits::minimum());
}

TEST(CoreBaseKeystore, CreateListLoadRoundTrip) {
  TempDir t;
  Keystore ks(t.path / "KEYS");
  auto a = ks.create("alpha-controller", fast("pw1"));
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  crypto::Seed seed{};
  seed[0] = 7;
  auto b = ks.import("beta", seed, fast("pw2"));
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(b->address, crypto::KeyPair::from_seed(seed).address());

  auto list = ks.list();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "alpha-controller");
  EXPECT_EQ((*list)[0].address, a->address);
  EXPECT_TRUE((*list)[0].encrypted);
  EXPECT_EQ((*list)[1].name, "beta");
  EXPECT_TRUE((*list)[1].problem.empty());

  auto ka = ks.load("alpha-controller", "pw1");
  ASSERT_TRUE(ka.ok()) << ka.error().to_string();
  EXPECT_EQ(ka->address(), a->address);
  auto kb = ks.load("beta", "pw2");
  ASSERT_TRUE(kb.ok());
  EXPECT_EQ(kb->seed(), seed);

  // The file has the documented shape and never contains the seed in the clear.
  json j = read_json(ks.file_of("beta"));
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["name"], "beta");
  EXPECT_EQ(j["kdf"]["alg"], "argon2id13");
  EXPECT_EQ(j["cipher"]["alg"], "xchacha20poly1305-ietf");
  EXPECT_EQ(j["kdf"]["salt"].get<std::string>().size(), 32u);
  EXPECT_EQ(j["cipher"]["nonce"].get<std::string>().size(), 48u);
  EXPECT_FALSE(j.contains("plain_seed"));

  auto dup = ks.create("beta", fast("x"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "key_exists");
  auto missing = ks.load("gamma", "pw");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "key_not_found");
}

TEST(CoreBaseKeystore, DefaultKdfIsInteractiveAndStoredInTheFile) {
  TempDir t;
  Keystore ks(t.path);
  ASSERT_TRUE(ks.create("k", KeyProtection::with_password("pw")).ok());
  json j = read_json(ks.file_of("k"));
  EXPECT_EQ(j["kdf"]["opslimit"].get<unsigned long long>(), crypto_pwhash_OPSLIMIT_INTERACTIVE);
  EXPECT_EQ(j["kdf"]["memlimit"].get<size_t>(), crypto_pwhash_MEMLIMIT_INTERACTIVE);
  EXPECT_TRUE(ks.load("k", "pw").ok());
}

TEST(CoreBaseKeystore, WrongPasswordIsBadPassword) {
  TempDir t;
  Keystore ks(t.path);
  ASSERT_TRUE(ks.create("k", fast("right")).ok());
  auto r = ks.load("k", "wrong");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_password");
  EXPECT_THAT(r.error().reason, HasSubstr("wrong password"));
  auto empty = ks.load("k", "");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "bad_password");
}

TEST(CoreBaseKeystore, TamperedAddressOrNameFailsToDecrypt) {
  TempDir t;
  Keystore ks(t.path);
  ASSERT_TRUE(ks.create("victim", fast("pw")).ok());
  auto other = ks.create("other", fast("pw"));
  ASSERT_TRUE(other.ok());
  json j = read_json(ks.file_of("victim"));
  j["address"] = other->address;  // shows another address
  write_json(ks.file_of("victim"), j);
  auto r = ks.load("victim", "pw");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_password");
  EXPECT_THAT(r.error().reason, HasSubstr("modified"));

  // A file copied under another name is refused too.
  fs::copy_file(ks.file_of("other"), ks.file_of("copy"));
  auto c = ks.load("copy", "pw");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "keystore_corrupt");

  // Flipped ciphertext.
  json o = read_json(ks.file_of("other"));
  std::string ct = o["cipher"]["ciphertext"];
  ct[0] = ct[0] == '0' ? '1' : '0';
  o["cipher"]["ciphertext"] = ct;
  write_json(ks.file_of("other"), o);
  EXPECT_EQ(ks.load("other", "pw").error().code, "bad_password");
}

TEST(CoreBaseKeystore, CorruptFilesAreReportedNotThrown) {
  TempDir t;
  Keystore ks(t.path);
  std::ofstream(ks.file_of("garbage")) << "{not json";
  std::ofstream(ks.file_of("huge-limits"))
      << R"({"version":1,"name":"huge-limits","address":"x","kdf":{"alg":"argon2id13",
      "opslimit":2,"memlimit":1099511627776,"salt":"00"},"cipher":{"alg":"xchacha20poly1305-ietf",
      "nonce":"00","ciphertext":"00"}})";
  std::ofstream(ks.file_of("bad-kdf"))
      << R"({"version":1,"name":"bad-kdf","address":"x","kdf":{"alg":5},"cipher":{}})";
  std::ofstream(t.path / ".tmp.json.tmp.123") << "partial";  // crashed writer's leftover
  EXPECT_EQ(ks.load("garbage", "pw").error().code, "keystore_corrupt");
  EXPECT_EQ(ks.load("huge-limits", "pw").error().code, "keystore_corrupt");
  EXPECT_EQ(ks.load("bad-kdf", "pw").error().code, "keystore_corrupt");
  auto list = ks.list();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  for (const auto& k : *list) EXPECT_FALSE(k.problem.empty()) << k.name;
}

TEST(CoreBaseKeystore, PlainKeyRefusedUnlessAllowed) {
  TempDir t;
  Keystore ks(t.path);
  auto info = ks.create("dev", KeyProtection::unencrypted());
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->encrypted);
  json j = read_json(ks.file_of("dev"));
  EXPECT_EQ(j["warning"], "UNENCRYPTED DEVELOPMENT KEY - never use for real funds");
  EXPECT_EQ(j["plain_seed"].get<std::string>().size(), 64u);
  auto listed = ks.list();
  ASSERT_TRUE(listed.ok());
  EXPECT_FALSE((*listed)[0].encrypted);

  auto refused = ks.load("dev", "");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "plain_key_refused");
  EXPECT_THAT(refused.error().reason, HasSubstr("allow_plain_keys"));
  auto allowed = ks.load("dev", "", PlainKeys::allow);
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed->address(), info->address);

  // A plain file whose seed does not match its address.
  j["address"] = crypto::KeyPair::generate().address();
  write_json(ks.file_of("dev"), j);
  EXPECT_EQ(ks.load("dev", "", PlainKeys::allow).error().code, "keystore_corrupt");
}

TEST(CoreBaseKeystore, LoadingAPlainKeyIsLoggedLoudly) {
  TempDir t;
  std::ostringstream out;
  auto log = std::make_shared<spdlog::logger>(
      "core", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  Keystore ks(t.path, log);
  ASSERT_TRUE(ks.create("dev", KeyProtection::unencrypted()).ok());
  ASSERT_TRUE(ks.load("dev", "", PlainKeys::allow).ok());
  EXPECT_THAT(out.str(), HasSubstr("UNSAFE"));
  EXPECT_THAT(out.str(), HasSubstr("UNENCRYPTED"));
  EXPECT_THAT(out.str(), HasSubstr("dev"));
}

// Fault injection: the disk fills up while a key is written. create() reports it, and no key
// file (complete or partial) and no temporary file is left.
TEST(CoreBaseKeystore, CreateOnFullDiskLeavesNothing) {
  TempDir t;
  Keystore ks(t.path);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim {
      32, 32
    };
    ::setrlimit(RLIMIT_FSIZE, &lim);
    auto r = ks.create("k", fast("pw"));
    ::_exit(!r.ok() && r.error().code == "io" ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(fs::is_empty(t.path));
  auto list = ks.list();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  EXPECT_TRUE(ks.create("k", fast("pw")).ok());  // and the name is still free
}

TEST(CoreBaseKeystore, BadNamesAndEmptyPassword) {
  TempDir t;
  Keystore ks(t.path / "KEYS");
  for (std::string bad : std::vector<std::string>{"", "..", ".", "../escape", "a/b", "with space",
                                                  std::string(65, 'a'), std::string("nul\0x", 5)}) {
    auto r = ks.create(bad, fast("pw"));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "bad_key_name") << bad;
    EXPECT_EQ(ks.load(bad, "pw").error().code, "bad_key_name");
  }
  EXPECT_TRUE(is_valid_key_name("Alpha_1.key-2"));
  EXPECT_FALSE(fs::exists(t.path / "escape.json"));
  auto weak = ks.create("k", fast(""));
  ASSERT_FALSE(weak.ok());
  EXPECT_EQ(weak.error().code, "weak_password");
}

TEST(CoreBaseKeystore, FileModeIs0600EvenWithPermissiveUmask) {
  TempDir t;
  mode_t old = ::umask(0);
  Keystore ks(t.path);
  auto r = ks.create("k", fast("pw"));
  auto p = ks.create("p", KeyProtection::unencrypted());
  ::umask(old);
  ASSERT_TRUE(r.ok() && p.ok());
  for (const char* name : {"k", "p"}) {
    struct stat st {};
    ASSERT_EQ(::stat(ks.file_of(name).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
  }
}

TEST(CoreBaseKeystore, PasswordSources) {
  TempDir t;
  fs::path pwfile = t.path / "pw";
  std::ofstream(pwfile) << "from-file\r\nsecond line ignored\n";
  ::setenv("KLYN_TEST_PW", "from-env", 1);
  ::unsetenv("KLYN_TEST_PW_UNSET");

  auto f = PasswordSource().add_file(pwfile).add_env("KLYN_TEST_PW").get();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->view(), "from-file");

  auto e = PasswordSource().add_env("KLYN_TEST_PW_UNSET").add_env("KLYN_TEST_PW").get();
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->view(), "from-env");

  // A configured file that is missing is an error, not a silent fall-through.
  auto missing = PasswordSource().add_file(t.path / "nope").add_env("KLYN_TEST_PW").get();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "io");

  std::ofstream(t.path / "empty") << "\n";
  EXPECT_EQ(PasswordSource().add_file(t.path / "empty").get().error().code, "io");

  auto none = PasswordSource().add_env("KLYN_TEST_PW_UNSET").get();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, "no_password");
  EXPECT_THAT(none.error().reason, HasSubstr("KLYN_TEST_PW_UNSET is not set"));

  KeysConfig keys;
  keys.password_file = pwfile;
  keys.password_env = "KLYN_TEST_PW";
  EXPECT_EQ(PasswordSource::from_config(keys).describe(),
            "file " + pwfile.string() + ", env KLYN_TEST_PW, prompt");
  ::unsetenv("KLYN_TEST_PW");
}

// A dev_symbiland validator's BLS12-381 vote key lives in the same keystore, encrypted the same
// way; its "address" is its public key, and neither kind of key loads as the other.
TEST(CoreBaseKeystore, BlsKeysAreEncryptedLoadedAndKeptApartFromEd25519Keys) {
  TempDir t;
  Keystore ks(t.path / "KEYS");
  auto info = ks.create_bls("vote", fast("pw"));
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  EXPECT_TRUE(info->is_bls());
  EXPECT_EQ(info->address.size(), 4u + 96u);
  EXPECT_TRUE(info->encrypted);
  auto sk = ks.load_bls("vote", "pw");
  ASSERT_TRUE(sk.ok()) << sk.error().to_string();
  EXPECT_EQ(bls_address(sk->public_key()), info->address);
  // It signs, and its proof of possession verifies.
  EXPECT_TRUE(bls::pop_verify(sk->public_key(), sk->prove_possession()));
  EXPECT_EQ(ks.load_bls("vote", "wrong").error().code, "bad_password");
  EXPECT_EQ(ks.load("vote", "pw").error().code, "wrong_key_kind");
  ASSERT_TRUE(ks.create("acct", fast("pw")).ok());
  EXPECT_EQ(ks.load_bls("acct", "pw").error().code, "wrong_key_kind");
  EXPECT_EQ(ks.create_bls("vote", fast("pw")).error().code, "key_exists");
  // Plain (devnet) BLS keys follow the plain-key rule.
  ASSERT_TRUE(ks.create_bls("dev-vote", KeyProtection::unencrypted()).ok());
  EXPECT_EQ(ks.load_bls("dev-vote", "").error().code, "plain_key_refused");
  EXPECT_TRUE(ks.load_bls("dev-vote", "", PlainKeys::allow).ok());
  auto list = ks.list();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 3u);
}

}  // namespace
}  // namespace klyn::core
