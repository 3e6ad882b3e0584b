#include "chain/state.h"

#include "chain/rules.h"

#include "codec/binary.h"

namespace klyn::chain {

Bytes encode_event_record(const EventRecord& r) {
  codec::Writer w(64 + r.reason.size());
  w.u8(static_cast<uint8_t>(r.status));
  w.u64(r.height);
  w.fixed(r.block);
  w.u32(r.position);
  w.string(r.reason);
  return std::move(w).take();
}

Result<EventRecord> decode_event_record(ByteSpan bytes) {
  codec::Reader rd(bytes);
  EventRecord r;
  uint8_t st = 0;
  if (rd.u8(st) && st != 1 && st != 2) rd.fail("bad status");
  r.status = static_cast<EventStatus>(st);
  rd.u64(r.height);
  rd.fixed(r.block);
  rd.u32(r.position);
  rd.string(r.reason, 4096);
  KLYN_TRY(rd.finish("event record"));
  return r;
}

Result<std::optional<EventRecord>> load_event_record(const ChainStore& store,
                                                     const Hash32& event_hash) {
  auto v = store.get(keys::event(event_hash));
  if (!v) return v.error();
  if (!*v) return std::optional<EventRecord>{};
  auto r = decode_event_record(as_bytes(**v));
  if (!r) return Error("storage_corrupt", "event record: " + r.error().reason);
  return std::optional<EventRecord>{*r};
}

Result<std::vector<CheckpointRecord>> scan_checkpoints(const ChainStore& store,
                                                       const SymbioteId& source,
                                                       uint64_t from_index, size_t limit) {
  std::vector<CheckpointRecord> out;
  if (limit == 0) return out;
  const std::string prefix = keys::checkpoint_prefix(source);
  const std::string start = prefix + keys::be64(from_index);
  KLYN_TRY(store.scan(prefix, start, [&](std::string_view k, std::string_view v) {
    // key: prefix (34) | be64 index | event hash [32]; value: creator [32] | be64 height |
    // hash [32].
    if (k.size() != prefix.size() + 8 + 32 || v.size() != 32 + 8 + 32) return true;
    CheckpointRecord r;
    r.source = source;
    r.index = keys::read_be64(k.substr(prefix.size(), 8));
    std::copy(k.end() - 32, k.end(), r.event.begin());
    std::copy(v.begin(), v.begin() + 32, r.creator.begin());
    r.height = keys::read_be64(v.substr(32, 8));
    std::copy(v.begin() + 40, v.end(), r.hash.begin());
    out.push_back(r);
    return out.size() < limit;
  }));
  return out;
}

BlockApplier::BlockApplier(ChainStore& store, const Manifest& manifest, LtHash& accumulator,
                           Height height)
    : store_(store),
      manifest_(manifest),
      acc_(accumulator),
      height_(height),
      batch_(std::make_unique<WriteBatch>()) {
  release_unlocks();
}

BlockApplier::~BlockApplier() = default;

BlockApplier::Slot& BlockApplier::slot(const AccountId& id) {
  std::string k = keys::account(id);
  auto it = accounts_.find(k);
  if (it != accounts_.end()) return it->second;
  auto read = store_.account(id);
  if (!read && !read_error_) read_error_ = read.error();
  Account a = read ? *read : Account{};
  return accounts_.emplace(std::move(k), Slot{a, a}).first->second;
}

const Account& BlockApplier::account(const AccountId& id) {
  return slot(id).current;
}

// Unstaked amounts whose unlock height has come are returned to the balance before any event of
// this block, so every node releases them at the same point.
void BlockApplier::release_unlocks() {
  std::vector<std::pair<std::string, AccountId>> due;
  std::string end = keys::unlock(height_ + 1, AccountId{});
  auto scanned = store_.scan("u:", "", [&](std::string_view k, std::string_view) {
    if (k >= end) return false;
    AccountId id;
    std::copy(k.end() - 32, k.end(), id.begin());
    due.emplace_back(std::string(k), id);
    return true;
  });
  if (!scanned && !read_error_) read_error_ = scanned.error();
  for (auto& [k, id] : due) {
    Slot& s = slot(id);
    Amount bal;
    if (s.current.unstaking > 0 && add_amount(s.current.balance, s.current.unstaking, bal)) {
      s.current.balance = bal;
      s.current.unstaking = 0;
      s.current.unlock_at = 0;
    }
    unlocks_[k] = std::nullopt;
  }
}

Status BlockApplier::transition(const Event& e, const AccountId& producer,
                                std::optional<CheckpointPayload>& checkpoint) {
  KLYN_TRY(check_envelope(e, store_.symbiote_id(), manifest_));
  Slot& from = slot(e.creator);
  Account a = from.current;
  // C4: a nonce ahead of the account's (within the window) is not yet applicable, not invalid.
  if (e.nonce > a.nonce + 1 && e.nonce - a.nonce <= manifest_.limits.nonce_window)
    return Error("nonce_gap", "nonce " + std::to_string(e.nonce) + ", the account is at " +
                                  std::to_string(a.nonce));
  if (e.nonce != a.nonce + 1)
    return Error("bad_nonce",
                 "nonce " + std::to_string(e.nonce) + ", expected " + std::to_string(a.nonce + 1));

  // The rules admission checks too (rules.h); what follows computes the effects.
  auto checked = check_spend(e, a);
  if (!checked) return checked.error();
  const Amount spend = *checked;
  switch (e.type) {
    case EventType::kTransfer: {
      auto p = decode_transfer(e.payload);
      if (!p) return p.error();
      a.balance -= spend;
      a.nonce += 1;
      if (p->to == e.creator) {
        if (!add_amount(a.balance, p->amount, a.balance))
          return Error("overflow", "balance overflows");
        from.current = a;
      } else {
        Slot& to = slot(p->to);
        Amount nb;
        if (!add_amount(to.current.balance, p->amount, nb))
          return Error("overflow", "recipient balance overflows");
        from.current = a;
        to.current.balance = nb;
      }
      break;
    }
    case EventType::kStake: {
      auto p = decode_amount(e.payload);
      if (!p) return p.error();
      Amount ns;
      if (!add_amount(a.stake, p->amount, ns)) return Error("overflow", "stake overflows");
      a.balance -= spend;
      a.stake = ns;
      a.nonce += 1;
      from.current = a;
      break;
    }
    case EventType::kUnstake: {
      auto p = decode_amount(e.payload);
      if (!p) return p.error();
      Amount nu;
      if (!add_amount(a.unstaking, p->amount, nu)) return Error("overflow", "unstaking overflows");
      if (a.unlock_at != 0) unlocks_[keys::unlock(a.unlock_at, e.creator)] = std::nullopt;
      a.balance -= spend;
      a.stake -= p->amount;
      a.unstaking = nu;
      a.unlock_at = height_ + std::max<Height>(manifest_.unstake_delay, 1);
      a.nonce += 1;
      unlocks_[keys::unlock(a.unlock_at, e.creator)] = a.unstaking;
      from.current = a;
      break;
    }
    case EventType::kDelegate: {
      auto p = decode_delegate(e.payload);
      if (!p) return p.error();
      a.balance -= spend;
      a.delegate = p->delegate;
      a.nonce += 1;
      from.current = a;
      break;
    }
    case EventType::kCheckpoint: {
      // This chain only records the claim (C9); the auditors of `source` judge it.
      auto p = decode_checkpoint(e.payload);
      if (!p) return p.error();
      a.balance -= spend;
      a.nonce += 1;
      from.current = a;
      checkpoint = *p;
      break;
    }
    default:
      return Error("unsupported_type",
                   std::string(event_type_name(e.type)) + " is not supported by this chain");
  }

  // Fee split: the producer's share, the rest to the manifest's sink (or burned). Credits cannot
  // overflow in practice (total supply fits in 64 bits), but are checked all the same; a failed
  // credit burns that part rather than undoing the event.
  Amount share = static_cast<Amount>(
      (static_cast<unsigned __int128>(e.fee) * manifest_.fee.generator_share_permille) / 1000);
  Amount rest = e.fee - share;
  if (share > 0) {
    Slot& p = slot(producer);
    Amount nb;
    if (add_amount(p.current.balance, share, nb)) p.current.balance = nb;
  }
  if (rest > 0 && manifest_.fee.rest_to) {
    Slot& s = slot(*manifest_.fee.rest_to);
    Amount nb;
    if (add_amount(s.current.balance, rest, nb)) s.current.balance = nb;
  }
  return Status();
}

Status BlockApplier::apply(const Event& e, const Hash32& event_hash, const AccountId& producer,
                           const Hash32& block, uint32_t position) {
  // Transition works on copies until every check passed, so a failure changes nothing. Slots
  // created by the attempt hold unchanged values and are harmless.
  std::optional<CheckpointPayload> checkpoint;
  Status st = transition(e, producer, checkpoint);
  // Not yet applicable (C4): nothing changes and nothing is recorded; the event is not decided.
  if (!st && st.error().code == "nonce_gap") return st;
  EventRecord rec;
  rec.height = height_;
  rec.block = block;
  rec.position = position;
  if (st) {
    rec.status = EventStatus::kApplied;
    ++applied_;
    applied_hashes_.insert(std::string(reinterpret_cast<const char*>(event_hash.data()), 32));
    if (checkpoint) {
      std::string v(reinterpret_cast<const char*>(e.creator.data()), 32);
      v += keys::be64(height_);
      v.append(reinterpret_cast<const char*>(checkpoint->hash.data()), 32);
      batch_->put(keys::checkpoint(checkpoint->source, checkpoint->index, event_hash), v);
    }
  } else {
    rec.status = EventStatus::kRejected;
    rec.reason = st.error().to_string();
    ++rejected_;
    // A copy of an already applied event (e.g. carried twice) must not overwrite its record.
    if (already_applied(event_hash)) return st;
  }
  batch_->put(keys::event(event_hash), encode_event_record(rec));
  return st;
}

void BlockApplier::reject(const Hash32& event_hash, const Hash32& block, uint32_t position,
                          std::string reason) {
  EventRecord rec;
  rec.status = EventStatus::kRejected;
  rec.height = height_;
  rec.block = block;
  rec.position = position;
  rec.reason = std::move(reason);
  ++rejected_;
  if (already_applied(event_hash)) return;
  batch_->put(keys::event(event_hash), encode_event_record(rec));
}

bool BlockApplier::already_applied(const Hash32& event_hash) {
  if (applied_hashes_.count(std::string(reinterpret_cast<const char*>(event_hash.data()), 32)))
    return true;
  auto rec = load_event_record(store_, event_hash);
  if (!rec) {
    if (!read_error_) read_error_ = rec.error();
    return false;
  }
  return *rec && (*rec)->status == EventStatus::kApplied;
}

Result<Hash32> BlockApplier::commit() {
  // A read that failed while building the block means the block was computed from incomplete
  // state: nothing is written (S1).
  if (read_error_) return *read_error_;
  LtHash next = acc_;
  for (auto& [k, s] : accounts_) {
    if (s.original == s.current) continue;
    if (!s.original.empty()) next.remove(as_bytes(k), encode_account(s.original));
    if (s.current.empty()) {
      batch_->del(k);
    } else {
      Bytes v = encode_account(s.current);
      next.add(as_bytes(k), v);
      batch_->put(k, v);
    }
  }
  for (auto& [k, amount] : unlocks_) {
    if (amount)
      batch_->put(k, keys::be64(*amount));
    else
      batch_->del(k);
  }
  Hash32 root = next.root();
  batch_->put(keys::kLtHash, next.serialize());
  batch_->put(keys::root(height_), root);
  batch_->put(keys::kApplied, keys::be64(height_));
  KLYN_TRY(store_.write(*batch_));
  acc_ = next;
  store_.note_applied(height_);
  return root;
}

}  // namespace klyn::chain
