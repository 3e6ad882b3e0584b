#include "chain/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "codec/hex.h"

namespace klyn::chain {

namespace keys {
std::string be64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i) {
    s[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return s;
}
uint64_t read_be64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = v << 8 | static_cast<uint8_t>(s[i]);
  return v;
}
std::string account(const AccountId& id) {
  std::string k = "a:";
  k.append(reinterpret_cast<const char*>(id.data()), id.size());
  return k;
}
std::string unlock(Height h, const AccountId& id) {
  std::string k = "u:" + be64(h);
  k.append(reinterpret_cast<const char*>(id.data()), id.size());
  return k;
}
std::string event(const Hash32& hash) {
  std::string k = "e:";
  k.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  return k;
}
std::string root(Height h) {
  return "r:" + be64(h);
}
std::string checkpoint_prefix(const Hash32& source) {
  std::string k = "k:";
  k.append(reinterpret_cast<const char*>(source.data()), source.size());
  return k;
}
std::string checkpoint(const Hash32& source, uint64_t index, const Hash32& event_hash) {
  std::string k = checkpoint_prefix(source) + be64(index);
  k.append(reinterpret_cast<const char*>(event_hash.data()), event_hash.size());
  return k;
}
}  // namespace keys

static std::string_view sv(const Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

Result<std::unique_ptr<ChainStore>> ChainStore::open(const std::string& path,
                                                     const Genesis& genesis,
                                                     const StoreOptions& options) {
  rocksdb::Options o;
  o.create_if_missing = !options.read_only;
  o.IncreaseParallelism(2);
  o.max_open_files = 512;
  o.write_buffer_size = 32 << 20;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = options.read_only ? rocksdb::DB::OpenForReadOnly(o, path, &raw)
                                        : rocksdb::DB::Open(o, path, &raw);
  if (!s.ok()) return Error("storage", path + ": cannot open database: " + s.ToString());
  std::unique_ptr<ChainStore> store(new ChainStore());
  store->db_.reset(raw);
  store->id_ = genesis.id();
  store->sync_ = options.sync_writes;

  auto stored_id = store->get(keys::kGenesis);
  if (stored_id) {
    if (*stored_id != std::string_view(reinterpret_cast<const char*>(store->id_.data()), 32))
      return Error("storage", path + ": database belongs to symbiote " +
                                  codec::hex_encode(as_bytes(*stored_id)) + ", not " +
                                  codec::hex_encode(store->id_));
    return store;
  }
  if (options.read_only) return Error("storage", path + ": database is not initialised");
  // New database: the genesis state, root and pointer in one batch.
  rocksdb::WriteBatch batch;
  LtHash acc;
  for (const auto& ga : genesis.accounts) {
    Account a;
    a.balance = ga.balance;
    a.stake = ga.stake;
    if (a.empty()) continue;
    std::string k = keys::account(ga.id);
    Bytes v = encode_account(a);
    acc.add(as_bytes(k), v);
    batch.Put(k, sv(v));
  }
  batch.Put(std::string(keys::kLtHash), sv(acc.serialize()));
  Hash32 root = acc.root();
  batch.Put(keys::root(0), std::string_view(reinterpret_cast<const char*>(root.data()), 32));
  batch.Put(std::string(keys::kApplied), keys::be64(0));
  batch.Put(std::string(keys::kGenesis),
            std::string_view(reinterpret_cast<const char*>(store->id_.data()), 32));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  s = store->db_->Write(wo, &batch);
  if (!s.ok()) return Error("storage", path + ": cannot write genesis state: " + s.ToString());
  return store;
}

ChainStore::~ChainStore() {
  if (db_) {
    db_->FlushWAL(true);
    db_->Close();
  }
}

std::optional<std::string> ChainStore::get(std::string_view key) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &v);
  if (!s.ok()) return std::nullopt;
  return v;
}

Status ChainStore::put(std::string_view key, std::string_view value) {
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  rocksdb::Status s = db_->Put(wo, rocksdb::Slice(key.data(), key.size()),
                               rocksdb::Slice(value.data(), value.size()));
  if (!s.ok()) return Error("storage", s.ToString());
  return Status();
}

Status ChainStore::write(rocksdb::WriteBatch& batch) {
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  rocksdb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) return Error("storage", s.ToString());
  return Status();
}

void ChainStore::scan(std::string_view prefix, std::string_view start,
                      const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  std::string_view from = start.empty() ? prefix : start;
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
    auto k = it->key();
    if (!k.starts_with(rocksdb::Slice(prefix.data(), prefix.size()))) break;
    if (!fn(std::string_view(k.data(), k.size()),
            std::string_view(it->value().data(), it->value().size())))
      break;
  }
}

Account ChainStore::account(const AccountId& id) const {
  auto v = get(keys::account(id));
  if (!v) return Account{};
  auto a = decode_account(as_bytes(*v));
  return a ? *a : Account{};
}

Height ChainStore::applied_height() const {
  auto v = get(keys::kApplied);
  return v ? keys::read_be64(*v) : 0;
}

Result<LtHash> ChainStore::lthash() const {
  auto v = get(keys::kLtHash);
  if (!v) return Error("corrupt", "state accumulator missing");
  return LtHash::deserialize(as_bytes(*v));
}

std::optional<Hash32> ChainStore::state_root(Height h) const {
  auto v = get(keys::root(h));
  if (!v || v->size() != 32) return std::nullopt;
  Hash32 out;
  std::copy(v->begin(), v->end(), out.begin());
  return out;
}

Status ChainStore::flush() {
  rocksdb::Status s = db_->FlushWAL(true);
  if (!s.ok()) return Error("storage", s.ToString());
  return Status();
}

}  // namespace klyn::chain
