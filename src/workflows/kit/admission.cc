#include "workflows/kit/admission.h"

#include <string>

#include "chain/rules.h"

namespace klyn::kit {

Status check_event_alone(const chain::Event& e, const chain::SymbioteId& symbiote,
                         const chain::Manifest& m) {
  if (e.symbiote != symbiote) return chain::check_envelope(e, symbiote, m);
  size_t len_bytes = 1;
  for (size_t n = e.payload.size(); n >= 0x80; n >>= 7) ++len_bytes;  // varint length prefix
  const size_t size = 32 + 2 + 32 + 8 + 8 + len_bytes + e.payload.size() + 64;
  if (size > m.limits.max_event_bytes)
    return Error("too_large", "event of " + std::to_string(size) + " bytes exceeds the limit of " +
                                  std::to_string(m.limits.max_event_bytes));
  KLYN_TRY(e.check_payload());
  return chain::check_envelope(e, symbiote, m);
}

Status check_event_against(const chain::Event& e, const chain::Account& sender) {
  if (e.nonce <= sender.nonce)
    return Error("nonce_used", "nonce " + std::to_string(e.nonce) +
                                   " is already used (account nonce " +
                                   std::to_string(sender.nonce) + ")");
  auto spend = chain::check_spend(e, sender);
  if (!spend) return spend.error();
  return Status();
}

Result<Hash32> check_admission(
    const chain::Event& e, const chain::SymbioteId& symbiote, const chain::Manifest& m,
    const Mempool& mempool,
    const std::function<Result<chain::Account>(const chain::AccountId&)>& account) {
  KLYN_TRY(check_event_alone(e, symbiote, m));
  Hash32 hash = e.hash();
  if (mempool.contains(hash)) return Error("duplicate", "this event is already pending");
  auto sender = account(e.creator);
  if (!sender) return sender.error();
  KLYN_TRY(check_event_against(e, *sender));
  return hash;
}

}  // namespace klyn::kit
