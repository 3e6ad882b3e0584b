// SafetyFile (safety_file.h, F1–F2) on a real file: what was stored is what a reopen loads, a torn
// newer slot falls back to the older one, and a file damaged beyond that stops the validator.
#include "workflows/dev_symbiland/safety_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "workflows/dev_symbiland/tests/fixtures.h"

using namespace klyn;
using namespace klyn::dev_symbiland;
using namespace klyn::dev_symbiland::testing;
using klyn::chain::testing::TempDir;

namespace {

effect::Persist persist_of(const Validators& v, Round voted) {
  effect::Persist p;
  p.state.last_voted_round = voted;
  p.state.one_chain_round = voted - 1;
  Hash32 h{};
  h.fill(static_cast<uint8_t>(voted));
  std::vector<Vote> votes;
  for (uint32_t i = 0; i < 3; ++i) votes.push_back(sign_vote(v, i, voted - 1, h));
  p.high_qc = v.certifier->make_qc(votes).value();
  p.state.last_vote = sign_vote(v, 0, voted, h).encode();
  if (voted % 2 == 0) {
    std::vector<Timeout> ts;
    for (uint32_t i = 0; i < 3; ++i) ts.push_back(sign_timeout(v, i, voted, p.high_qc));
    p.last_tc = v.certifier->make_tc(ts).value();
  }
  return p;
}

void corrupt(const std::string& path, size_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  f.seekp(static_cast<std::streamoff>(offset));
  c = static_cast<char>(c ^ 0x40);
  f.write(&c, 1);
}

bool same(const effect::Persist& a, const effect::Persist& b) {
  return encode_persist(a) == encode_persist(b);
}

}  // namespace

TEST(SafetyFile, WhatWasStoredIsWhatAReopenLoads) {
  auto v = make_validators({1, 1, 1, 1});
  TempDir dir;
  const std::string path = dir.path("SIGNING/sym.safety");
  {
    auto f = SafetyFile::open(path);
    ASSERT_TRUE(f.ok()) << f.error().to_string();
    EXPECT_FALSE(f->loaded().has_value());
    for (Round r = 2; r <= 9; ++r) ASSERT_TRUE(f->store(persist_of(v, r)).ok());
  }
  auto f = SafetyFile::open(path);
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  ASSERT_TRUE(f->loaded().has_value());
  EXPECT_TRUE(same(*f->loaded(), persist_of(v, 9)));
  EXPECT_EQ(f->loaded()->state.last_voted_round, 9u);
  // And it goes on from there.
  ASSERT_TRUE(f->store(persist_of(v, 10)).ok());
  auto again = SafetyFile::open(path);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(same(*again->loaded(), persist_of(v, 10)));
  EXPECT_TRUE(again->loaded()->last_tc.has_value());
}

TEST(SafetyFile, ATornNewerSlotFallsBackToTheOlderAndBothDamagedStops) {
  auto v = make_validators({1, 1, 1, 1});
  TempDir dir;
  const std::string path = dir.path("s.safety");
  {
    auto f = SafetyFile::open(path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(f->store(persist_of(v, 4)).ok());  // sequence 1: slot 1
    ASSERT_TRUE(f->store(persist_of(v, 5)).ok());  // sequence 2: slot 0
  }
  corrupt(path, 100);  // inside slot 0, the newer
  auto f = SafetyFile::open(path);
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  EXPECT_EQ(f->loaded()->state.last_voted_round, 4u);
  corrupt(path, SafetyFile::kSlotBytes + 100);  // and the older
  auto broken = SafetyFile::open(path);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, "storage_corrupt");
  EXPECT_NE(broken.error().reason.find("must not sign"), std::string::npos);
  // A file of another size is not a safety file.
  std::ofstream(dir.path("short.safety")) << "KLYNSAFE";
  EXPECT_EQ(SafetyFile::open(dir.path("short.safety")).error().code, "storage_corrupt");
}
