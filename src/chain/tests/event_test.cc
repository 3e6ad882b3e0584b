#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "chain/event.h"
#include "chain/event_json.h"
#include "chain/tests/test_util.h"
#include "codec/hex.h"

using namespace klyn;
using namespace klyn::chain;
using klyn::chain::testing::key;

static SymbioteId sym(uint8_t b) {
  SymbioteId s{};
  s.fill(b);
  return s;
}

TEST(EventCodec, RoundTripEveryType) {
  auto k = key(1);
  std::vector<Event> events = {
      make_transfer(sym(1), k, 1, 10, key(2).public_key(), 500),
      make_stake(sym(1), k, 2, 10, 100),
      make_unstake(sym(1), k, 3, 10, 50),
      make_delegate(sym(1), k, 4, 10, key(3).public_key()),
      make_delegate(sym(1), k, 5, 10, std::nullopt),
      make_checkpoint(sym(1), k, 6, 10, sym(9), 1234, sym(0xab)),
  };
  for (const auto& e : events) {
    auto d = decode_event(e.encode());
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    EXPECT_EQ(d->encode(), e.encode());
    EXPECT_EQ(d->hash(), e.hash());
    EXPECT_TRUE(d->verify_signature());
    EXPECT_TRUE(d->check_payload().ok());
    auto j = event_to_json(e);
    auto back = event_from_json(j.contains("hash") ? [&] { auto c = j; c.erase("hash"); return c; }() : j);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(back->hash(), e.hash());
    auto raw = event_from_json({{"raw", codec::hex_encode(e.encode())}});
    ASSERT_TRUE(raw.ok());
    EXPECT_EQ(raw->hash(), e.hash());
  }
}

TEST(EventCodec, RejectsNonCanonicalAndTruncated) {
  auto e = make_transfer(sym(1), key(1), 1, 10, key(2).public_key(), 500);
  Bytes b = e.encode();
  for (size_t n = 0; n < b.size(); ++n) {
    Bytes cut(b.begin(), b.begin() + n);
    EXPECT_FALSE(decode_event(cut).ok()) << "prefix of length " << n << " decoded";
  }
  Bytes trailing = b;
  trailing.push_back(0);
  EXPECT_FALSE(decode_event(trailing).ok());
  // Payload length written non-minimally (0x28 as 0xa8 0x00) is rejected.
  size_t len_pos = 32 + 2 + 32 + 8 + 8;
  ASSERT_EQ(b[len_pos], 40);
  Bytes padded(b.begin(), b.begin() + len_pos);
  padded.push_back(0xa8);
  padded.push_back(0x00);
  padded.insert(padded.end(), b.begin() + len_pos + 1, b.end());
  EXPECT_FALSE(decode_event(padded).ok());
  // Type 0 is not a type.
  Bytes zero_type = b;
  zero_type[32] = 0;
  zero_type[33] = 0;
  EXPECT_FALSE(decode_event(zero_type).ok());
}

TEST(EventCodec, SignatureBindsSymbioteAndType) {
  auto e = make_stake(sym(1), key(1), 1, 10, 100);
  ASSERT_TRUE(e.verify_signature());
  Event other_sym = e;
  other_sym.symbiote = sym(2);  // replay on another symbiote
  EXPECT_FALSE(other_sym.verify_signature());
  Event other_type = e;
  other_type.type = EventType::kUnstake;  // same payload shape, other type
  EXPECT_FALSE(other_type.verify_signature());
  Event other_nonce = e;
  other_nonce.nonce = 2;
  EXPECT_FALSE(other_nonce.verify_signature());
}

TEST(EventCodec, BatchSignatureCheckAnswersAsOneByOne) {
  std::vector<Event> events;
  for (uint64_t n = 1; n <= 12; ++n) {
    Event e = make_transfer(sym(1), key(n % 3), n, 10, key(5).public_key(), n);
    if (n % 4 == 0) e.signature[n] ^= 0x01;  // a broken signature
    if (n % 5 == 0) e.fee += 1;              // signed bytes changed
    events.push_back(std::move(e));
  }
  std::vector<const Event*> ptrs;
  for (const auto& e : events) ptrs.push_back(&e);
  const std::vector<bool> batch = verify_signatures(ptrs);
  ASSERT_EQ(batch.size(), events.size());
  int bad = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(batch[i], events[i].verify_signature()) << i;
    bad += !batch[i];
  }
  EXPECT_EQ(bad, 5);  // n = 4, 5, 8, 10, 12
  EXPECT_TRUE(verify_signatures({}).empty());
}

TEST(EventCodec, PayloadValidation) {
  auto k = key(1);
  Event e = make_transfer(sym(1), k, 1, 10, key(2).public_key(), 1);
  e.payload.pop_back();
  EXPECT_FALSE(e.check_payload().ok());
  Event zero = make_transfer(sym(1), k, 1, 10, key(2).public_key(), 0);
  EXPECT_EQ(zero.check_payload().error().code, "bad_payload");
  Event unknown = make_stake(sym(1), k, 1, 10, 5);
  unknown.type = static_cast<EventType>(77);
  EXPECT_EQ(unknown.check_payload().error().code, "unsupported_type");
}

TEST(EventJson, RejectsBadInputWithReasons) {
  using nlohmann::json;
  EXPECT_FALSE(event_from_json(json::array()).ok());
  EXPECT_FALSE(event_from_json({{"raw", "zz"}}).ok());
  EXPECT_FALSE(event_from_json({{"raw", "00"}}).ok());
  auto e = make_transfer(sym(1), key(1), 1, 10, key(2).public_key(), 5);
  json j = event_to_json(e);
  j.erase("hash");
  json bad = j;
  bad["nonce"] = -1;
  EXPECT_NE(event_from_json(bad).error().reason.find("nonce"), std::string::npos);
  bad = j;
  bad["type"] = "MINT";
  EXPECT_NE(event_from_json(bad).error().reason.find("type"), std::string::npos);
  bad = j;
  bad["payload"]["to"] = "not-an-address";
  EXPECT_NE(event_from_json(bad).error().reason.find("to"), std::string::npos);
  bad = j;
  bad["extra"] = 1;
  EXPECT_NE(event_from_json(bad).error().reason.find("extra"), std::string::npos);
}

RC_GTEST_PROP(EventCodec, ArbitraryBytesNeverCrashAndRoundTripWhenAccepted,
              (const std::vector<uint8_t>& bytes)) {
  auto e = decode_event(bytes);
  if (e) RC_ASSERT(e->encode() == bytes);
}

TEST(EventBatch, RoundTripLimitsAndErrors) {
  auto a = make_transfer(sym(1), key(1), 1, 10, key(2).public_key(), 5);
  auto b = make_stake(sym(1), key(1), 2, 10, 7);
  Bytes enc = encode_event_batch({&a, &b});
  auto d = decode_event_batch(enc);
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ((*d)[1].hash(), b.hash());
  EXPECT_EQ(decode_event_batch(enc, 1).error().code, "too_large");
  enc.pop_back();
  EXPECT_EQ(decode_event_batch(enc).error().code, "malformed");
  EXPECT_FALSE(decode_event_batch(Bytes{}).ok());
  // The count's own fault is named (it used to say "missing event count" for all of them).
  EXPECT_NE(decode_event_batch(Bytes{0x82, 0x00}).error().reason.find("non-minimal varint"),
            std::string::npos);
  EXPECT_NE(decode_event_batch(Bytes{0x82}).error().reason.find("truncated varint"),
            std::string::npos);
}

TEST(EventJson, ServedJsonWithHashIsAcceptedBackOnlyIfTheHashMatches) {
  auto e = make_transfer(sym(1), key(1), 1, 10, key(2).public_key(), 5);
  nlohmann::json j = event_to_json(e);
  ASSERT_TRUE(event_from_json(j).ok());
  j["hash"] = codec::hex_encode(Hash32{});
  EXPECT_NE(event_from_json(j).error().reason.find("hash"), std::string::npos);
}

TEST(EventCodec, CheckpointPayloadIsStrict) {
  CheckpointPayload p{sym(3), 77, sym(4)};
  Bytes enc = encode_payload(p);
  ASSERT_EQ(enc.size(), 72u);
  auto d = decode_checkpoint(enc);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->source, p.source);
  EXPECT_EQ(d->index, 77u);
  EXPECT_EQ(d->hash, p.hash);
  for (size_t n = 0; n < enc.size(); ++n)
    EXPECT_FALSE(decode_checkpoint(ByteSpan(enc.data(), n)).ok()) << n;
  Bytes longer = enc;
  longer.push_back(0);
  EXPECT_FALSE(decode_checkpoint(longer).ok());
  Event e = make_checkpoint(sym(1), key(1), 1, 10, sym(3), 77, sym(4));
  EXPECT_TRUE(e.check_payload().ok());
  e.payload = longer;
  EXPECT_FALSE(e.check_payload().ok());
}

TEST(EventJson, CheckpointMapsBothWays) {
  using nlohmann::json;
  Event e = make_checkpoint(sym(1), key(1), 3, 10, sym(3), 77, sym(4));
  json j = event_to_json(e);
  EXPECT_EQ(j["type"], "CHECKPOINT");
  EXPECT_EQ(j["payload"], (json{{"source", codec::hex_encode(sym(3))},
                                {"index", 77},
                                {"hash", codec::hex_encode(sym(4))}}));
  auto back = event_from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->hash(), e.hash());
  EXPECT_TRUE(back->verify_signature());
  json bad = j;
  bad.erase("hash");
  bad["payload"]["source"] = "abc";
  EXPECT_NE(event_from_json(bad).error().reason.find("source"), std::string::npos);
  bad = j;
  bad.erase("hash");
  bad["payload"]["index"] = -1;
  EXPECT_NE(event_from_json(bad).error().reason.find("index"), std::string::npos);
  bad = j;
  bad.erase("hash");
  bad["payload"].erase("hash");
  EXPECT_NE(event_from_json(bad).error().reason.find("hash"), std::string::npos);
  bad = j;
  bad.erase("hash");
  bad["payload"]["extra"] = 1;
  EXPECT_NE(event_from_json(bad).error().reason.find("extra"), std::string::npos);
}
