// Writes the binary seed inputs of the chain fuzz targets (valid canonical encodings made with
// fixed keys, so the output is deterministic). Usage: klyn_fuzz_seeds <fuzz/chain/seeds>.
// The text seeds (JSON, TOML, paths) are written by hand.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "chain/account.h"
#include "chain/event.h"
#include "chain/event_json.h"
#include "chain/genesis.h"
#include "chain/state.h"
#include "codec/binary.h"
#include "codec/hex.h"
#include "workflows/dev_controller/blocks.h"

using namespace klyn;
namespace fs = std::filesystem;

namespace {

fs::path root;

void write(const std::string& target, const std::string& name, const std::string& text) {
  fs::create_directories(root / target);
  std::ofstream(root / target / name, std::ios::binary) << text;
}

void write(const std::string& target, const std::string& name, const Bytes& bytes) {
  fs::create_directories(root / target);
  std::ofstream out(root / target / name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

crypto::KeyPair key(uint8_t n) {
  crypto::Seed s{};
  s.fill(n);
  return crypto::KeyPair::from_seed(s);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s SEED_DIR\n", argv[0]);
    return 2;
  }
  root = argv[1];
  auto alice = key(1), bob = key(2), ctl = key(3);

  chain::Genesis g;
  g.manifest.name = "fuzz";
  g.manifest.workflow = "dev_controller";
  g.manifest.workflow_version = "0.1.0";
  g.manifest.controller = ctl.public_key();
  g.manifest.fee = {1, 200, bob.public_key()};
  g.manifest.instant_producer_stake = 10;
  g.manifest.unstake_delay = 5;
  g.manifest.hostchains.push_back({"symbiote", "abc", ""});
  g.accounts.push_back({alice.public_key(), 1000, 0});
  g.accounts.push_back({bob.public_key(), 5, 7});
  std::sort(g.accounts.begin(), g.accounts.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  const chain::SymbioteId sym = g.id();
  write("fuzz_genesis", "genesis.bin", g.encode());
  chain::Genesis minimal = g;
  minimal.manifest.controller.reset();
  minimal.manifest.fee.rest_to.reset();
  minimal.manifest.hostchains.clear();
  minimal.accounts.clear();
  write("fuzz_genesis", "genesis_minimal.bin", minimal.encode());

  std::vector<chain::Event> events = {
      chain::make_transfer(sym, alice, 1, 1, bob.public_key(), 5),
      chain::make_stake(sym, alice, 2, 1, 10),
      chain::make_unstake(sym, alice, 3, 1, 3),
      chain::make_delegate(sym, alice, 4, 1, bob.public_key()),
      chain::make_delegate(sym, bob, 1, 1, std::nullopt),
  };
  const char* names[] = {"transfer", "stake", "unstake", "delegate", "undelegate"};
  for (size_t i = 0; i < events.size(); ++i) {
    write("fuzz_event_decode", std::string(names[i]) + ".bin", events[i].encode());
    write("fuzz_event_decode", std::string(names[i]) + "_payload.bin", events[i].payload);
  }
  // JSON bodies of POST /event (field and raw forms) and POST /events (array).
  nlohmann::json array = nlohmann::json::array();
  for (size_t i = 0; i < events.size(); ++i) {
    nlohmann::json j = chain::event_to_json(events[i]);
    j.erase("hash");
    write("fuzz_event_json", std::string(names[i]) + ".json", j.dump());
    array.push_back(j);
  }
  array.push_back({{"raw", codec::hex_encode(events[0].encode())}});
  write("fuzz_event_json", "raw.json", array.back().dump());
  write("fuzz_event_json", "batch.json", array.dump());
  write("fuzz_genesis", "genesis.json", chain::genesis_to_json(g));
  write("fuzz_genesis", "genesis_minimal.json", chain::genesis_to_json(minimal));

  chain::Account acc{100, 2, 30, 4, 9, bob.public_key()};
  write("fuzz_event_decode", "account.bin", chain::encode_account(acc));
  chain::EventRecord rec{chain::EventStatus::kRejected, 3, sym, 1, "bad_nonce: nonce 5"};
  write("fuzz_event_decode", "event_record.bin", chain::encode_event_record(rec));

  codec::Writer batch;
  batch.varint(events.size());
  for (const auto& e : events) e.encode_to(batch);
  write("fuzz_events_batch", "five.bin", batch.data());
  codec::Writer empty;
  empty.varint(0);
  write("fuzz_events_batch", "empty.bin", empty.data());

  dev_controller::InstantBlock ib;
  ib.symbiote = sym;
  ib.created_ms = 1700000000000;
  ib.events = {events[0], events[1]};
  ib.sign(alice);
  write("fuzz_block_decode", "instant.bin", ib.encode());
  dev_controller::InstantBlock ib_empty = ib;
  ib_empty.events.clear();
  ib_empty.sign(bob);
  write("fuzz_block_decode", "instant_empty.bin", ib_empty.encode());
  dev_controller::ControllerBlock cb;
  cb.symbiote = sym;
  cb.index = 1;
  cb.created_ms = 1700000000001;
  cb.instant_blocks = {dev_controller::InstantBlock::hash_of(ib.encode()),
                       dev_controller::InstantBlock::hash_of(ib_empty.encode())};
  cb.sign(ctl);
  write("fuzz_block_decode", "controller.bin", cb.encode());
  return 0;
}
