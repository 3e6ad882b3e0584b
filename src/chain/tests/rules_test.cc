// The event rules are written once (rules.h): whatever check_envelope and check_spend say of an
// event against its sender's account is what block application decides for it when its nonce is
// the next one. Checked at the boundaries of every event type and on random events.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "chain/rules.h"
#include "chain/state.h"
#include "chain/tests/test_util.h"

using namespace klyn;
using namespace klyn::chain;
using klyn::chain::testing::key;
using klyn::chain::testing::small_genesis;
using klyn::chain::testing::TempDir;

namespace {

// key(0): balance 1,000,000, stake 1,000; key(1): balance 1,000,000, no stake.
struct Chain {
  TempDir dir;
  Genesis genesis = small_genesis();
  std::unique_ptr<ChainStore> store = std::move(*ChainStore::open(dir.path("db"), genesis));
  LtHash acc = *store->lthash();

  // What the rules say, and what applying the event (never committed) says.
  std::pair<Status, Status> judge(const Event& e) {
    const Account sender = store->account(e.creator).value();
    Status rules = check_envelope(e, genesis.id(), genesis.manifest);
    if (rules) {
      auto spend = check_spend(e, sender);
      if (!spend) rules = spend.error();
    }
    BlockApplier b(*store, genesis.manifest, acc, 1);
    Status applied = b.apply(e, e.hash(), key(2).public_key(), Hash32{}, 0);
    return {rules, applied};
  }
};

Event make(int type, const SymbioteId& sym, uint8_t who, Amount fee, Amount amount) {
  switch (type) {
    case 0:
      return make_transfer(sym, key(who), 1, fee, key(3).public_key(), amount);
    case 1:
      return make_stake(sym, key(who), 1, fee, amount);
    case 2:
      return make_unstake(sym, key(who), 1, fee, amount);
    case 3:
      return make_delegate(sym, key(who), 1, fee, key(3).public_key());
    default:
      return make_checkpoint(sym, key(who), 1, fee, SymbioteId{}, amount, Hash32{});
  }
}

std::string code(const Status& s) {
  return s ? "ok" : s.error().code;
}

}  // namespace

TEST(Rules, AdmissionAndApplicationAgreeAtEveryBoundary) {
  Chain c;
  const SymbioteId sym = c.genesis.id();
  const Amount fee = c.genesis.manifest.fee.per_event;
  const Amount balance = 1'000'000;
  struct Case {
    int type;
    uint8_t who;
    Amount fee, amount;
    const char* expect;
  };
  const Case cases[] = {
      {0, 1, fee, balance - fee, "ok"},  // exactly the balance
      {0, 1, fee, balance - fee + 1, "insufficient_balance"},
      {0, 1, fee, UINT64_MAX - fee + 1, "overflow"},  // amount + fee does not fit
      {0, 1, fee - 1, 1, "fee_too_low"},
      {1, 1, fee, balance - fee, "ok"},
      {1, 1, fee, balance, "insufficient_balance"},
      {1, 1, fee, UINT64_MAX, "overflow"},
      {2, 0, fee, 1000, "ok"},  // all of key(0)'s stake
      {2, 0, fee, 1001, "insufficient_stake"},
      {2, 1, fee, 1, "insufficient_stake"},
      {2, 0, balance + 1, 1, "insufficient_balance"},  // the fee alone
      {3, 1, balance, 0, "ok"},
      {3, 1, balance + 1, 0, "insufficient_balance"},
      {4, 1, balance, 5, "ok"},
      {4, 1, balance + 1, 5, "insufficient_balance"},
  };
  for (const Case& k : cases) {
    const Event e = make(k.type, sym, k.who, k.fee, k.amount);
    auto [rules, applied] = c.judge(e);
    EXPECT_EQ(code(rules), k.expect) << "type " << k.type << " amount " << k.amount;
    EXPECT_EQ(code(applied), code(rules)) << "type " << k.type << " amount " << k.amount;
  }
  // Another symbiote's event: the same refusal from both.
  SymbioteId other{};
  other.fill(7);
  auto [rules, applied] = c.judge(make(0, other, 1, fee, 1));
  EXPECT_EQ(code(rules), "wrong_symbiote");
  EXPECT_EQ(code(applied), "wrong_symbiote");
}

RC_GTEST_PROP(Rules, AnEventTheRulesAcceptIsAppliedAndOneTheyRefuseIsRejectedForTheSameReason, ()) {
  static Chain c;  // one database for every case: nothing is ever committed
  const int type = *rc::gen::inRange(0, 5);
  const uint8_t who = static_cast<uint8_t>(*rc::gen::inRange(0, 2));
  const Amount fee = *rc::gen::oneOf(rc::gen::inRange<Amount>(0, 30),
                                     rc::gen::inRange<Amount>(999'000, 1'000'100));
  const Amount amount = *rc::gen::oneOf(
      rc::gen::inRange<Amount>(0, 2'000), rc::gen::inRange<Amount>(999'000, 1'000'100),
      rc::gen::inRange<Amount>(UINT64_MAX - 2'000'000, UINT64_MAX));
  const Event e = make(type, c.genesis.id(), who, fee, amount);
  auto [rules, applied] = c.judge(e);
  RC_ASSERT(code(applied) == code(rules));
}
