#pragma once
// Per-account state (§4.3). An account whose every field is zero/empty does not exist in storage.

#include <optional>

#include "chain/types.h"
#include "common/result.h"

namespace klyn::chain {

struct Account {
  Amount balance = 0;
  uint64_t nonce = 0;    // number of events of this account applied so far
  Amount stake = 0;      // frozen
  Amount unstaking = 0;  // leaving the stake, released to balance at unlock_at
  Height unlock_at = 0;  // 0 when nothing is unstaking
  std::optional<AccountId> delegate;

  bool empty() const {
    return balance == 0 && nonce == 0 && stake == 0 && unstaking == 0 && !delegate;
  }
  bool operator==(const Account&) const = default;
};

Bytes encode_account(const Account& a);
Result<Account> decode_account(ByteSpan bytes);

}  // namespace klyn::chain
