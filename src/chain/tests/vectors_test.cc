// The test vectors of docs/vectors/ (docs/api.md, "Test vectors"): each event type from a key seed
// to its payload, signing bytes, signature, canonical encoding, hash and JSON form; a batch of
// them; a genesis to its encoding and symbiote id. The test reads the files as a client in another
// language would and checks every field against this code, so an encoding change cannot pass
// unnoticed. KLYN_WRITE_VECTORS=1 writes the files from the code instead (review the diff: a
// changed vector breaks every client that checks it).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "chain/event.h"
#include "chain/event_json.h"
#include "chain/genesis.h"
#include "chain/tests/test_util.h"
#include "codec/hex.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"

using namespace klyn;
using namespace klyn::chain;
using klyn::chain::testing::key;
using nlohmann::json;

namespace {

const std::string kDir = KLYN_DOCS_DIR "/vectors/";

std::string hex(ByteSpan b) {
  return codec::hex_encode(b);
}
template <size_t N>
std::string hex(const std::array<uint8_t, N>& a) {
  return codec::hex_encode(ByteSpan(a.data(), a.size()));
}

// The vectors' keys: testing::key(n), whose seed is n, 30 zero bytes, 0x5a.
crypto::Seed seed_of(uint8_t n) {
  crypto::Seed s{};
  s[0] = n;
  s[31] = 0x5a;
  return s;
}

struct Named {
  std::string name;
  std::string note;
  uint8_t signer;
  Event event;
};

std::vector<Named> build_events(const SymbioteId& sym) {
  Hash32 source{}, hash{};
  source.fill(0x11);
  hash.fill(0x22);
  return {
      {"transfer", "1,000 from key 1 to key 2, fee 10", 1,
       make_transfer(sym, key(1), 1, 10, key(2).public_key(), 1000)},
      {"stake", "key 1 freezes 500", 1, make_stake(sym, key(1), 2, 10, 500)},
      {"unstake", "key 1 unfreezes 200", 1, make_unstake(sym, key(1), 3, 10, 200)},
      {"delegate", "key 3 delegates to key 0", 3,
       make_delegate(sym, key(3), 1, 10, key(0).public_key())},
      {"delegate_none", "key 3 withdraws its delegation", 3,
       make_delegate(sym, key(3), 2, 10, std::nullopt)},
      {"checkpoint", "block 42 of symbiote 1111...11 has hash 2222...22", 2,
       make_checkpoint(sym, key(2), 1, 10, source, 42, hash)},
  };
}

json fields_of(const Event& e) {
  json j = event_to_json(e);
  j.erase("signature");
  return j;
}

json events_file(const Genesis& g) {
  const SymbioteId sym = g.id();
  json list = json::array();
  std::vector<Event> all;
  for (const Named& n : build_events(sym)) {
    const crypto::KeyPair k = crypto::KeyPair::from_seed(seed_of(n.signer));
    list.push_back({{"name", n.name},
                    {"note", n.note},
                    {"seed", hex(seed_of(n.signer))},
                    {"public_key", hex(k.public_key())},
                    {"address", k.address()},
                    {"fields", fields_of(n.event)},
                    {"payload", hex(n.event.payload)},
                    {"signing_bytes", hex(n.event.signing_bytes())},
                    {"signature", hex(n.event.signature)},
                    {"encoding", hex(n.event.encode())},
                    {"hash", hex(n.event.hash())},
                    {"json", event_to_json(n.event)}});
    all.push_back(n.event);
  }
  std::vector<const Event*> ptrs;
  for (const Event& e : all) ptrs.push_back(&e);
  return {{"description",
           "Events of every type: seed -> key -> address; fields -> payload -> signing bytes -> "
           "Ed25519 signature -> canonical encoding -> event hash -> JSON form (docs/api.md)."},
          {"symbiote", hex(sym)},
          {"events", list},
          {"batch",
           {{"note",
             "all the events above, in order (POST /s/{sym}/events as "
             "application/octet-stream)"},
            {"encoding", hex(encode_event_batch(ptrs))}}}};
}

json genesis_file(const Genesis& g) {
  return {{"description", "A genesis -> its canonical encoding -> the symbiote id (docs/api.md)."},
          {"genesis_json", json::parse(genesis_to_json(g))},
          {"encoding", hex(g.encode())},
          {"symbiote_id", hex(g.id())}};
}

json read(const std::string& name) {
  std::ifstream in(kDir + name);
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str(), nullptr, false);
}

}  // namespace

TEST(Vectors, TheFilesInDocsMatchTheCode) {
  const Genesis g = klyn::chain::testing::small_genesis();
  if (std::getenv("KLYN_WRITE_VECTORS")) {  // then checked like any other files below
    std::ofstream(kDir + "events.json") << events_file(g).dump(2) << "\n";
    std::ofstream(kDir + "genesis.json") << genesis_file(g).dump(2) << "\n";
  }

  // Genesis -> encoding -> symbiote id.
  const json gen = read("genesis.json");
  ASSERT_TRUE(gen.is_object()) << kDir << "genesis.json does not parse";
  auto parsed = genesis_from_json(gen.at("genesis_json").dump());
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  EXPECT_EQ(hex(parsed->encode()), gen.at("encoding"));
  EXPECT_EQ(hex(parsed->id()), gen.at("symbiote_id"));
  EXPECT_EQ(hex(crypto::blake2b256("KLY-SYMBIOTE-ID-v1", parsed->encode())), gen.at("symbiote_id"))
      << "the symbiote id is not the hash docs/api.md names";

  // Every event, from the file's inputs.
  const json ev = read("events.json");
  ASSERT_TRUE(ev.is_object()) << kDir << "events.json does not parse";
  EXPECT_EQ(ev.at("symbiote"), gen.at("symbiote_id"));
  const json& list = ev.at("events");
  EXPECT_EQ(list.size(), 6u);
  std::set<std::string> types;
  std::vector<std::string> hashes;
  for (const json& v : list) {
    SCOPED_TRACE(v.value("name", "?"));
    auto seed = codec::hex_decode_fixed<32>(v.at("seed").get<std::string>());
    ASSERT_TRUE(seed.ok());
    const crypto::KeyPair k = crypto::KeyPair::from_seed(*seed);
    EXPECT_EQ(hex(k.public_key()), v.at("public_key"));
    EXPECT_EQ(k.address(), v.at("address"));
    json with_sig = v.at("fields");
    with_sig["signature"] = v.at("signature");
    auto e = event_from_json(with_sig);
    ASSERT_TRUE(e.ok()) << e.error().to_string();
    types.insert(std::string(event_type_name(e->type)));
    EXPECT_EQ(e->creator, k.public_key());
    EXPECT_EQ(hex(e->payload), v.at("payload"));
    EXPECT_EQ(hex(e->signing_bytes()), v.at("signing_bytes"));
    Event resigned = *e;
    resigned.sign(k);  // Ed25519 is deterministic
    EXPECT_EQ(hex(resigned.signature), v.at("signature"));
    EXPECT_TRUE(e->verify_signature());
    EXPECT_EQ(hex(e->encode()), v.at("encoding"));
    EXPECT_EQ(hex(e->hash()), v.at("hash"));
    EXPECT_EQ(hex(crypto::blake2b256("KLY-EVENT-HASH-v1", e->encode())), v.at("hash"))
        << "the event hash is not the hash docs/api.md names";
    EXPECT_EQ(event_to_json(*e), v.at("json"));
    auto raw = codec::hex_decode(v.at("encoding").get<std::string>());
    ASSERT_TRUE(raw.ok());
    auto decoded = decode_event(*raw);
    ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
    EXPECT_EQ(decoded->hash(), e->hash());
    auto from_raw = event_from_json(json{{"raw", v.at("encoding")}});
    ASSERT_TRUE(from_raw.ok()) << from_raw.error().to_string();
    EXPECT_EQ(from_raw->hash(), e->hash());
    hashes.push_back(v.at("hash"));
  }
  EXPECT_EQ(types.size(), 5u) << "every standard type but the reserved OFFSPRING";

  // The batch: the events above, in order.
  auto batch = codec::hex_decode(ev.at("batch").at("encoding").get<std::string>());
  ASSERT_TRUE(batch.ok());
  auto events = decode_event_batch(*batch);
  ASSERT_TRUE(events.ok()) << events.error().to_string();
  ASSERT_EQ(events->size(), hashes.size());
  for (size_t i = 0; i < hashes.size(); ++i) EXPECT_EQ(hex((*events)[i].hash()), hashes[i]);

  // And nothing in the files that the code would not write now.
  EXPECT_EQ(ev, events_file(g));
  EXPECT_EQ(gen, genesis_file(g));
}
