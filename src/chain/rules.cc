#include "chain/rules.h"

#include <string>

#include "codec/hex.h"

namespace klyn::chain {

Status check_envelope(const Event& e, const SymbioteId& symbiote, const Manifest& m) {
  if (e.symbiote != symbiote)
    return Error("wrong_symbiote", "the event is signed for symbiote " +
                                       codec::hex_encode(e.symbiote) + ", not this one (" +
                                       codec::hex_encode(symbiote) + ")");
  if (e.fee < m.fee.per_event)
    return Error("fee_too_low", "fee " + std::to_string(e.fee) + " is below the minimum " +
                                    std::to_string(m.fee.per_event));
  return Status();
}

Result<Amount> check_spend(const Event& e, const Account& sender) {
  Amount spend = e.fee;
  switch (e.type) {
    case EventType::kTransfer: {
      auto p = decode_transfer(e.payload);
      if (!p) return p.error();
      if (!add_amount(spend, p->amount, spend)) return Error("overflow", "amount + fee overflows");
      break;
    }
    case EventType::kStake: {
      auto p = decode_amount(e.payload);
      if (!p) return p.error();
      if (!add_amount(spend, p->amount, spend)) return Error("overflow", "amount + fee overflows");
      break;
    }
    case EventType::kUnstake: {
      auto p = decode_amount(e.payload);
      if (!p) return p.error();
      if (sender.balance < spend)
        return Error("insufficient_balance", "balance " + std::to_string(sender.balance) +
                                                 " < fee " + std::to_string(spend));
      if (sender.stake < p->amount)
        return Error("insufficient_stake",
                     "stake " + std::to_string(sender.stake) + " < " + std::to_string(p->amount));
      return spend;
    }
    case EventType::kDelegate: {
      auto p = decode_delegate(e.payload);
      if (!p) return p.error();
      break;
    }
    case EventType::kCheckpoint: {
      auto p = decode_checkpoint(e.payload);
      if (!p) return p.error();
      break;
    }
    default:
      return Error("unsupported_type",
                   std::string(event_type_name(e.type)) + " is not supported by this chain");
  }
  if (sender.balance < spend)
    return Error("insufficient_balance", "balance " + std::to_string(sender.balance) + " < " +
                                             std::to_string(spend) +
                                             (spend == e.fee ? " (the fee)" : " (amount + fee)"));
  return spend;
}

}  // namespace klyn::chain
