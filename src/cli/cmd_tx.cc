// klyn74r tx transfer|stake|unstake|delegate (sign locally, post to a node) and
// klyn74r query info|account|block|event|state_root|alarms|finality.
#include <thread>

#include "chain/event_json.h"
#include "cli/cli_common.h"
#include "codec/hex.h"

namespace klyn::cli {

namespace {

struct TxOptions {
  std::string node = "http://127.0.0.1:7777";
  std::string sym;
  std::string dir;
  std::string key;
  std::string password_file;
  uint64_t fee = 1;
  uint64_t nonce = 0;  // 0 = ask the node
  bool wait = false;
  double wait_seconds = 30;
};

void add_tx_common(CLI::App* c, TxOptions& o) {
  c->add_option("--node", o.node, "node API URL")->capture_default_str();
  c->add_option("--symbiote,-s", o.sym, "symbiote alias or id")->required();
  c->add_option("--dir", o.dir, "data directory holding the keystore (KEYS/)")->required();
  c->add_option("--key,-k", o.key, "key name in the keystore")->required();
  c->add_option("--password-file", o.password_file,
                "file whose first line is the keystore password");
  c->add_option("--fee", o.fee, "fee")->capture_default_str();
  c->add_option("--nonce", o.nonce, "nonce (default: the account's next nonce from the node)");
  c->add_flag("--wait", o.wait, "wait until the event is applied or rejected");
  c->add_option("--wait-seconds", o.wait_seconds, "how long --wait waits")->capture_default_str();
}

// Signs with `build` and posts; prints the node's answer. Exit code per outcome.
int send(const TxOptions& o,
         const std::function<chain::Event(const chain::SymbioteId&, const crypto::KeyPair&,
                                          uint64_t)>& build) {
  auto key = load_key(o.dir, o.key, o.password_file);
  if (!key) return report(kExitConfig, "key " + o.key + ": " + key.error().reason);
  auto node = NodeClient::connect(o.node);
  if (!node) return report(kExitConfig, node.error().reason);
  auto id = symbiote_id(*node, o.sym);
  if (!id) return report(kExitFailure, "symbiote " + o.sym + ": " + id.error().to_string());
  uint64_t nonce = o.nonce;
  if (nonce == 0) {
    auto acc = node->get("/s/" + o.sym + "/account/" + key->address());
    if (!acc) return report(kExitFailure, acc.error().to_string());
    nonce = acc->value("nonce", uint64_t{0}) + 1;
  }
  chain::Event e = build(*id, *key, nonce);
  nlohmann::json body = chain::event_to_json(e);
  body.erase("hash");
  auto r = node->post("/s/" + o.sym + "/event", body.dump());
  if (!r) return report(kExitFailure, "refused: " + r.error().to_string());
  std::string hash = r->value("hash", "");
  if (!o.wait) {
    std::cout << r->dump() << "\n";
    return kExitOk;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.wait_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    auto st = node->get("/s/" + o.sym + "/event/" + hash);
    if (st && st->value("status", "") != "pending") {
      st->erase("event");
      std::cout << st->dump() << "\n";
      return st->value("status", "") == "applied" ? kExitOk : kExitFailure;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return report(kExitFailure,
                "event " + hash + " still pending after " + std::to_string(o.wait_seconds) + " s");
}

Result<chain::AccountId> address_arg(const std::string& s, const char* what) {
  auto a = crypto::parse_address(s);
  if (!a) return Error("usage", std::string(what) + ": " + a.error().reason);
  return *a;
}

}  // namespace

void add_tx_commands(CLI::App& app) {
  auto* tx = app.add_subcommand("tx", "sign an event locally and submit it to a node");
  tx->require_subcommand(1);
  auto o = std::make_shared<TxOptions>();
  auto to = std::make_shared<std::string>();
  auto amount = std::make_shared<uint64_t>(0);
  auto clear = std::make_shared<bool>(false);

  auto* t = tx->add_subcommand("transfer", "TRANSFER amount to an address");
  add_tx_common(t, *o);
  t->add_option("--to", *to, "recipient address")->required();
  t->add_option("--amount", *amount, "amount")->required()->check(CLI::PositiveNumber);
  t->callback([=] {
    auto dest = address_arg(*to, "--to");
    if (!dest) std::exit(report(kExitConfig, dest.error().reason));
    std::exit(send(*o, [&](const chain::SymbioteId& id, const crypto::KeyPair& k, uint64_t n) {
      return chain::make_transfer(id, k, n, o->fee, *dest, *amount);
    }));
  });

  auto* s = tx->add_subcommand("stake", "STAKE (freeze) amount");
  add_tx_common(s, *o);
  s->add_option("--amount", *amount, "amount")->required()->check(CLI::PositiveNumber);
  s->callback([=] {
    std::exit(send(*o, [&](const chain::SymbioteId& id, const crypto::KeyPair& k, uint64_t n) {
      return chain::make_stake(id, k, n, o->fee, *amount);
    }));
  });

  auto* u = tx->add_subcommand("unstake", "UNSTAKE amount (released after the manifest's delay)");
  add_tx_common(u, *o);
  u->add_option("--amount", *amount, "amount")->required()->check(CLI::PositiveNumber);
  u->callback([=] {
    std::exit(send(*o, [&](const chain::SymbioteId& id, const crypto::KeyPair& k, uint64_t n) {
      return chain::make_unstake(id, k, n, o->fee, *amount);
    }));
  });

  auto* d = tx->add_subcommand("delegate", "DELEGATE to an address (or --clear)");
  add_tx_common(d, *o);
  d->add_option("--to", *to, "delegate address");
  d->add_flag("--clear", *clear, "remove the delegate");
  d->callback([=] {
    std::optional<chain::AccountId> target;
    if (!*clear) {
      auto dest = address_arg(*to, "--to");
      if (!dest) std::exit(report(kExitConfig, "give --to ADDRESS or --clear"));
      target = *dest;
    }
    std::exit(send(*o, [&](const chain::SymbioteId& id, const crypto::KeyPair& k, uint64_t n) {
      return chain::make_delegate(id, k, n, o->fee, target);
    }));
  });
}

void add_query_commands(CLI::App& app) {
  auto* q = app.add_subcommand("query", "read from a node's public API (prints JSON)");
  q->require_subcommand(1);
  auto node = std::make_shared<std::string>("http://127.0.0.1:7777");
  auto sym = std::make_shared<std::string>();
  auto arg = std::make_shared<std::string>();
  auto run = [=](const std::string& target) {
    auto c = NodeClient::connect(*node);
    if (!c) std::exit(report(kExitConfig, c.error().reason));
    auto r = c->get(target);
    if (!r) std::exit(report(kExitFailure, r.error().to_string()));
    std::cout << r->dump(2) << "\n";
    std::exit(kExitOk);
  };
  auto* info = q->add_subcommand("info", "node info, or one symbiote's with --symbiote");
  info->add_option("--node", *node, "node API URL")->capture_default_str();
  info->add_option("--symbiote,-s", *sym, "symbiote alias or id");
  info->callback([=] { run(sym->empty() ? "/info" : "/s/" + *sym + "/info"); });
  struct Sub {
    const char* name;
    const char* help;
    const char* arg;
    const char* path;
  };
  for (Sub s : {Sub{"account", "an account's balance, nonce and stake", "address", "/account/"},
                Sub{"block", "a controller block by index", "index", "/block/controller/"},
                Sub{"instant", "an instant block by hash", "hash", "/block/instant/"},
                Sub{"event", "an event's status by hash", "hash", "/event/"}}) {
    auto* c = q->add_subcommand(s.name, s.help);
    c->add_option("--node", *node, "node API URL")->capture_default_str();
    c->add_option("--symbiote,-s", *sym, "symbiote alias or id")->required();
    c->add_option(s.arg, *arg, s.arg)->required();
    std::string path = s.path;
    c->callback([=] { run("/s/" + *sym + path + *arg); });
  }
  auto* root = q->add_subcommand("state_root", "the state root at the applied height");
  root->add_option("--node", *node, "node API URL")->capture_default_str();
  root->add_option("--symbiote,-s", *sym, "symbiote alias or id")->required();
  root->callback([=] { run("/s/" + *sym + "/state_root"); });
  auto* alarms = q->add_subcommand(
      "alarms", "fork alarms (equivocation proofs) the node holds; empty = it is applying blocks");
  alarms->add_option("--node", *node, "node API URL")->capture_default_str();
  alarms->add_option("--symbiote,-s", *sym, "symbiote alias or id")->required();
  alarms->callback([=] { run("/s/" + *sym + "/alarms"); });
  auto* fin = q->add_subcommand(
      "finality", "per hostchain: committed and audited checkpoints, connector status");
  fin->add_option("--node", *node, "node API URL")->capture_default_str();
  fin->add_option("--symbiote,-s", *sym, "symbiote alias or id")->required();
  fin->callback([=] { run("/s/" + *sym + "/finality"); });
}

}  // namespace klyn::cli
