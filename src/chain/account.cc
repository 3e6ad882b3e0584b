#include "chain/account.h"

#include "codec/binary.h"

namespace klyn::chain {

Bytes encode_account(const Account& a) {
  codec::Writer w(73);
  w.u64(a.balance);
  w.u64(a.nonce);
  w.u64(a.stake);
  w.u64(a.unstaking);
  w.u64(a.unlock_at);
  write_optional_account(w, a.delegate);
  return std::move(w).take();
}

Result<Account> decode_account(ByteSpan bytes) {
  codec::Reader r(bytes);
  Account a;
  r.u64(a.balance);
  r.u64(a.nonce);
  r.u64(a.stake);
  r.u64(a.unstaking);
  r.u64(a.unlock_at);
  read_optional_account(r, a.delegate);
  KLYN_TRY(r.finish("account"));
  return a;
}

}  // namespace klyn::chain
