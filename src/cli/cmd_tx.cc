// klyn74r tx transfer|stake|unstake|delegate (sign locally, post to a node),
// klyn74r query info|account|block|event|state_root|alarms|finality, and
// klyn74r address add|list (the address book: names for --to and query account).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "chain/event_json.h"
#include "cli/cli_common.h"
#include "codec/hex.h"
#include "core/keystore.h"

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

int wait_for_event(NodeClient& node, const std::string& sym, const std::string& hash,
                   double seconds);

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
  return wait_for_event(*node, o.sym, hash, o.wait_seconds);
}

// The address book: D/ADDRESSBOOK, one "name address" per line ('#' starts a comment).
std::filesystem::path book_path(const std::string& dir) {
  return std::filesystem::path(dir) / "ADDRESSBOOK";
}

// Names follow the keystore's rule, and are never themselves an address (addresses are looked
// up first, so such a name could never be used).
bool valid_name(const std::string& n) {
  return core::is_valid_key_name(n) && !crypto::parse_address(n);
}

Result<std::map<std::string, std::string>> read_book(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return Error("config", dir + ": not a directory (--dir names a data directory)");
  if (!std::filesystem::exists(book_path(dir), ec)) return out;  // none yet
  std::ifstream in(book_path(dir));
  if (!in) return Error("config", book_path(dir).string() + ": cannot be read");
  std::string line;
  for (size_t no = 1; std::getline(in, line); ++no) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string name, address, extra;
    if (!(words >> name)) continue;
    if (!(words >> address) || (words >> extra) || !valid_name(name) ||
        !crypto::parse_address(address))
      return Error(
          "config",
          book_path(dir).string() + ":" + std::to_string(no) +
              ": expected \"name address\" (a key name that is not itself an address, then a "
              "base58 address)");
    out[name] = address;
  }
  return out;
}

// An address, or a name: an entry of the address book in `dir`, else a key in its keystore.
Result<chain::AccountId> address_arg(const std::string& s, const char* what,
                                     const std::string& dir = "") {
  auto parsed = crypto::parse_address(s);
  if (parsed) return *parsed;
  if (!dir.empty() && valid_name(s)) {
    auto book = read_book(dir);
    if (!book) return book.error();
    if (auto it = book->find(s); it != book->end()) return *crypto::parse_address(it->second);
    core::Keystore ks(std::filesystem::path(dir) / "KEYS");
    if (auto k = ks.info(s); k && !k->is_bls())
      if (auto a = crypto::parse_address(k->address)) return *a;
  }
  return Error("usage", std::string(what) + " " + s + ": not an address (" + parsed.error().reason +
                            ")" +
                            (dir.empty() ? std::string("; give --dir to use names")
                                         : "; not a name in " + book_path(dir).string() +
                                               " and not a key in " + dir + "/KEYS"));
}

// Polls GET /s/{sym}/event/{hash} until it is not pending: prints the record; 0 when applied.
int wait_for_event(NodeClient& node, const std::string& sym, const std::string& hash,
                   double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto st = node.get("/s/" + sym + "/event/" + hash);
    // A bad hash or an unknown symbiote will not get better by waiting; an event not seen yet
    // (not_found: not admitted here yet, e.g. still in flight) may.
    if (!st && st.error().code != "not_found") return report(kExitFailure, st.error().to_string());
    if (!st) last = st.error().to_string();
    if (st && st->value("status", "") != "pending") {
      st->erase("event");
      std::cout << st->dump() << "\n";
      return st->value("status", "") == "applied" ? kExitOk : kExitFailure;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return report(kExitFailure, "event " + hash + " still " + (last.empty() ? "pending" : last) +
                                  " after " + std::to_string(seconds) + " s");
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
  t->add_option("--to", *to, "recipient: an address, or a name in D/ADDRESSBOOK or D/KEYS")
      ->required();
  t->add_option("--amount", *amount, "amount")->required()->check(CLI::PositiveNumber);
  t->callback([=] {
    auto dest = address_arg(*to, "--to", o->dir);
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
  d->add_option("--to", *to, "delegate: an address, or a name in D/ADDRESSBOOK or D/KEYS");
  d->add_flag("--clear", *clear, "remove the delegate");
  d->callback([=] {
    std::optional<chain::AccountId> target;
    if (!*clear) {
      if (to->empty()) std::exit(report(kExitConfig, "give --to ADDRESS or --clear"));
      auto dest = address_arg(*to, "--to", o->dir);
      if (!dest) std::exit(report(kExitConfig, dest.error().reason));
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
  for (Sub s : {Sub{"block", "a controller block by index", "index", "/block/controller/"},
                Sub{"instant", "an instant block by hash", "hash", "/block/instant/"}}) {
    auto* c = q->add_subcommand(s.name, s.help);
    c->add_option("--node", *node, "node API URL")->capture_default_str();
    c->add_option("--symbiote,-s", *sym, "symbiote alias or id")->required();
    c->add_option(s.arg, *arg, s.arg)->required();
    std::string path = s.path;
    c->callback([=] { run("/s/" + *sym + path + *arg); });
  }
  auto dir = std::make_shared<std::string>();
  auto* acc = q->add_subcommand("account", "an account's balance, nonce and stake");
  acc->add_option("--node", *node, "node API URL")->capture_default_str();
  acc->add_option("--symbiote,-s", *sym, "symbiote alias or id")->required();
  acc->add_option("address", *arg, "an address, or a name in D/ADDRESSBOOK or D/KEYS (--dir)")
      ->required();
  acc->add_option("--dir", *dir, "data directory whose address book and keys give names");
  acc->callback([=] {
    auto a = address_arg(*arg, "account", *dir);
    if (!a) std::exit(report(kExitConfig, a.error().reason));
    run("/s/" + *sym + "/account/" + crypto::address_of(*a));
  });
  auto wait = std::make_shared<bool>(false);
  auto wait_seconds = std::make_shared<double>(30);
  auto* ev = q->add_subcommand("event", "an event's status by hash");
  ev->add_option("--node", *node, "node API URL")->capture_default_str();
  ev->add_option("--symbiote,-s", *sym, "symbiote alias or id")->required();
  ev->add_option("hash", *arg, "hash")->required();
  ev->add_flag("--wait", *wait, "wait until it is applied or rejected (exit 0 when applied)");
  ev->add_option("--wait-seconds", *wait_seconds, "how long --wait waits")->capture_default_str();
  ev->callback([=] {
    if (!*wait) run("/s/" + *sym + "/event/" + *arg);
    auto c = NodeClient::connect(*node);
    if (!c) std::exit(report(kExitConfig, c.error().reason));
    std::exit(wait_for_event(*c, *sym, *arg, *wait_seconds));
  });
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

void add_address_commands(CLI::App& app) {
  auto* a = app.add_subcommand("address", "the address book: names for --to and query account");
  a->require_subcommand(1);
  auto dir = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto address = std::make_shared<std::string>();
  auto* add = a->add_subcommand("add", "add (or with --force replace) a name");
  add->add_option("--dir", *dir, "data directory (D/ADDRESSBOOK)")->required();
  add->add_option("name", *name, "letters, digits, '-', '_', '.'")->required();
  add->add_option("address", *address, "base58 address")->required();
  auto force = std::make_shared<bool>(false);
  add->add_flag("--force", *force, "replace an existing name");
  add->callback([=] {
    if (!valid_name(*name))
      std::exit(report(kExitConfig, "name " + *name +
                                        ": use a key name (letters, digits, '-', '_', '.') that "
                                        "is not itself an address"));
    auto pk = crypto::parse_address(*address);
    if (!pk) std::exit(report(kExitConfig, "address " + *address + ": " + pk.error().reason));
    auto book = read_book(*dir);
    if (!book) std::exit(report(kExitConfig, book.error().reason));
    if (book->count(*name) && !*force)
      std::exit(report(kExitConfig, "name " + *name + " is already " + (*book)[*name] +
                                        " (--force replaces it)"));
    (*book)[*name] = crypto::address_of(*pk);
    // Written whole to a temporary file, then renamed over the book: a crash leaves the old book
    // or the new one. (Comments are not kept.)
    const std::string tmp = book_path(*dir).string() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << "# klyn74r address book: name address (written by klyn74r address add)\n";
      for (const auto& [n, addr] : *book) out << n << " " << addr << "\n";
      if (!out.flush())
        std::exit(report(kExitFailure, "cannot write " + tmp + ": " + std::strerror(errno)));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, book_path(*dir), ec);
    if (ec)
      std::exit(
          report(kExitFailure, "cannot replace " + book_path(*dir).string() + ": " + ec.message()));
    std::cout << *name << " " << (*book)[*name] << "\n";
    std::exit(kExitOk);
  });
  auto json = std::make_shared<bool>(false);
  auto* list = a->add_subcommand("list", "the address book, then the keystore's account keys");
  list->add_option("--dir", *dir, "data directory")->required();
  list->add_flag("--json", *json, "print JSON");
  list->callback([=] {
    auto book = read_book(*dir);
    if (!book) std::exit(report(kExitConfig, book.error().reason));
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [n, addr] : *book)
      out.push_back({{"name", n}, {"address", addr}, {"from", "book"}});
    core::Keystore ks(std::filesystem::path(*dir) / "KEYS");
    if (auto keys = ks.list())
      for (const auto& k : *keys)
        if (k.problem.empty() && !k.is_bls())
          out.push_back({{"name", k.name}, {"address", k.address}, {"from", "keys"}});
    if (*json) {
      std::cout << out.dump(2) << "\n";
    } else {
      for (const auto& e : out)
        std::cout << e["name"].get<std::string>() << "  " << e["address"].get<std::string>()
                  << "  (" << e["from"].get<std::string>() << ")\n";
    }
    std::exit(kExitOk);
  });
}

}  // namespace klyn::cli
