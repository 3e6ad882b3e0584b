// bench_hostchains: does committing checkpoints to hostchains slow the node down? (issue 5:
// applied/s with two hostchains active may drop by at most 5 % against none.)
//
// Each round starts a fresh real `litecoind -regtest` and a real ganache (the test harnesses;
// fresh, so that rounds do not inherit each other's chains), deploys the checkpoint contract,
// then runs `klyn74r bench` without hostchains and with both (`--hostchain
// bitcoin:litecoin-regtest --hostchain evm:1337:<contract>`, checkpoint every
// --checkpoint-every controller blocks, default 100: about one commit per second per hostchain
// at this load; 1 confirmation; a thread mines a litecoin block every 500 ms in both runs,
// ganache mines each transaction at once). Prints every run, the CPU the two daemons used during
// the run with hostchains (they share the node's cores here, unlike on a real deployment) and
// the mean drop.
// Alternating A/B rounds keep a slow drift of the machine out of the comparison.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "common/process.h"
#include "hostchains/bitcoin/testing/litecoind.h"
#include "hostchains/evm/deploy.h"
#include "hostchains/evm/secp256k1_key.h"
#include "hostchains/evm/testing/ganache.h"

namespace {

using namespace klyn;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Run {
  bool ok = false;
  double applied_per_s = 0, ceiling = 0, node_cpu_ms_per_1000 = 0;
  nlohmann::json hostchains;
  std::string output;
};

Run run_bench(const std::vector<std::string>& args) {
  std::string cmd = KLYN74R_BIN " bench";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1";
  Run r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = ::pclose(p);
  const auto pos = r.output.rfind("\n{\n");
  if (status != 0 || pos == std::string::npos) return r;
  auto j = nlohmann::json::parse(r.output.substr(pos + 1), nullptr, false);
  if (!j.is_object()) return r;
  r.ok = true;
  r.applied_per_s = j.value("applied_per_s", 0.0);
  r.ceiling = j.value("ed25519_ceiling_per_s", 0.0);
  r.node_cpu_ms_per_1000 = j.value("node_cpu_ms_per_1000_events", 0.0);
  r.hostchains = j.value("hostchains", nlohmann::json::array());
  return r;
}

double cpu_seconds(pid_t pid) {
  return process_cpu_seconds(pid).value_or(0);
}

int fail(const std::string& what) {
  std::cerr << "bench_hostchains: " << what << "\n";
  return 1;
}

}  // namespace

// One round's hostchains: a fresh litecoind and ganache (so rounds do not inherit each other's
// chains), the deployed contract, the [hostchains.*] tables, and a miner thread for litecoin.
struct Daemons {
  std::unique_ptr<hostchains::bitcoin::testing::Litecoind> ltc;
  std::unique_ptr<hostchains::evm::testing::Ganache> eth;
  std::vector<std::string> with_args;  // what `klyn74r bench` needs to use them
  std::atomic<bool> mining{true};
  std::thread miner;

  ~Daemons() {
    mining = false;
    if (miner.joinable()) miner.join();
  }
  double cpu() const { return cpu_seconds(ltc->pid()) + cpu_seconds(eth->pid()); }
};

Result<std::unique_ptr<Daemons>> start_daemons(const fs::path& tmp, uint64_t every) {
  auto d = std::make_unique<Daemons>();
  auto ltc = hostchains::bitcoin::testing::Litecoind::start();
  if (!ltc) return Error("litecoind", ltc.error().to_string());
  d->ltc = std::move(*ltc);
  auto eth = hostchains::evm::testing::Ganache::start();
  if (!eth) return Error("ganache", eth.error().to_string());
  d->eth = std::move(*eth);
  const std::string key_hex = hostchains::evm::testing::Ganache::account_keys()[0];
  auto key = hostchains::evm::PrivateKey::from_hex(key_hex);
  if (!key) return key.error();
  hostchains::evm::DeploySettings ds;
  ds.rpc_url = d->eth->url();
  ds.chain_id = d->eth->chain_id();
  auto dep = hostchains::evm::deploy_checkpoint_contract(ds, *key);
  if (!dep) return dep.error();
  const fs::path key_file = tmp / "evm.key";  // a ganache TEST key (--wallet.deterministic)
  {
    std::ofstream k(key_file);
    k << (key_hex.rfind("0x", 0) == 0 ? key_hex.substr(2) : key_hex) << "\n";
  }
  ::chmod(key_file.c_str(), 0600);
  const fs::path tables = tmp / "hostchains.toml";
  {
    std::ofstream t(tables);
    t << "[hostchains.ltc]\ntype = \"bitcoin\"\nnetwork = \"litecoin-regtest\"\nrpc_url = \""
      << d->ltc->rpc_url() << "\"\nrpc_user = \"" << d->ltc->options().rpc_user
      << "\"\nrpc_password = \"" << d->ltc->options().rpc_password
      << "\"\nwallet = \"miner\"\nconfirmations = 1\n\n"
      << "[hostchains.eth]\ntype = \"evm\"\nnetwork = \"" << d->eth->chain_id()
      << "\"\nconfirmations = 1\nrpc_url = \"" << d->eth->url() << "\"\nprivate_key_file = \""
      << key_file.string() << "\"\nstart_block = " << dep->block << "\n";
  }
  d->with_args = {
      "--hostchain",        "bitcoin:litecoin-regtest",
      "--hostchain",        "evm:" + std::to_string(d->eth->chain_id()) + ":" + dep->address,
      "--hostchain-config", tables.string(),
      "--checkpoint-every", std::to_string(every)};
  Daemons* raw = d.get();
  d->miner = std::thread([raw] {
    while (raw->mining) {
      (void)raw->ltc->mine(1);
      std::this_thread::sleep_for(500ms);
    }
  });
  return d;
}

int main(int argc, char** argv) {
  uint64_t events = 200'000, rounds = 3, every = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const uint64_t v = std::stoull(argv[i + 1]);
    if (a == "--events")
      events = v;
    else if (a == "--rounds")
      rounds = v;
    else if (a == "--checkpoint-every")
      every = v;
    else
      return fail("usage: bench_hostchains [--events N] [--rounds R] [--checkpoint-every K]");
  }
  if (rounds == 0 || events == 0 || every == 0)
    return fail("--events, --rounds and --checkpoint-every must be at least 1");
  const fs::path tmp = fs::temp_directory_path() / ("klyn-bench-hc-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  const std::vector<std::string> base = {
      "-n", std::to_string(events), "-a", "1000", "-c", "4", "-b", "500"};
  double sum_none = 0, sum_with = 0, cpu_none = 0, cpu_with = 0;
  int status = 0;
  std::cout << "round | no hostchains applied/s (ceiling) | two hostchains applied/s (ceiling) | "
               "node CPU per 1000 events none / two | daemons' CPU | hostchains\n";
  for (uint64_t r = 0; r < rounds && status == 0; ++r) {
    auto d = start_daemons(tmp, every);
    if (!d) {
      status = fail(d.error().to_string());
      break;
    }
    Run a = run_bench(base);  // the daemons run (and the miner mines) in both runs
    std::vector<std::string> with = base;
    with.insert(with.end(), (*d)->with_args.begin(), (*d)->with_args.end());
    const double cpu0 = (*d)->cpu();
    Run b = run_bench(with);
    const double daemons = (*d)->cpu() - cpu0;
    if (!a.ok || !b.ok) {
      std::cerr << (a.ok ? b.output : a.output) << "\n";
      status = fail("a klyn74r bench run failed");
      break;
    }
    sum_none += a.applied_per_s;
    sum_with += b.applied_per_s;
    cpu_none += a.node_cpu_ms_per_1000;
    cpu_with += b.node_cpu_ms_per_1000;
    std::cout << r + 1 << " | " << static_cast<uint64_t>(a.applied_per_s) << " ("
              << static_cast<uint64_t>(a.ceiling) << ") | "
              << static_cast<uint64_t>(b.applied_per_s) << " (" << static_cast<uint64_t>(b.ceiling)
              << ") | node CPU per 1000 events " << a.node_cpu_ms_per_1000 << " / "
              << b.node_cpu_ms_per_1000 << " ms | daemons used " << daemons << " s CPU during it | "
              << b.hostchains.dump() << "\n";
    for (const auto& h : b.hostchains)
      if (h.value("last_commit_index", 0) == 0)
        status = fail("hostchain " + h.value("name", "") + " got no commit: " + h.dump());
  }
  fs::remove_all(tmp);
  if (status != 0) return status;
  const double drop = 1.0 - sum_with / sum_none;
  std::cout << "mean applied/s: none " << static_cast<uint64_t>(sum_none / rounds) << ", two "
            << "hostchains " << static_cast<uint64_t>(sum_with / rounds) << ", drop " << drop * 100
            << " % (target <= 5 %)\n";
  return 0;
}
