#include "chain/store.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <fstream>

#include "chain/store_faults.h"
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

// ---- WriteBatch ----

WriteBatch::WriteBatch() : b_(std::make_unique<rocksdb::WriteBatch>()) {}
WriteBatch::~WriteBatch() = default;
WriteBatch::WriteBatch(WriteBatch&&) noexcept = default;
WriteBatch& WriteBatch::operator=(WriteBatch&&) noexcept = default;
void WriteBatch::put(std::string_view key, std::string_view value) {
  b_->Put(rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value.data(), value.size()));
}
void WriteBatch::put(std::string_view key, ByteSpan value) {
  put(key, std::string_view(reinterpret_cast<const char*>(value.data()), value.size()));
}
void WriteBatch::del(std::string_view key) {
  b_->Delete(rocksdb::Slice(key.data(), key.size()));
}
size_t WriteBatch::count() const {
  return static_cast<size_t>(b_->Count());
}
void WriteBatch::clear() {
  b_->Clear();
}

// ---- the durability mark (S3) ----
// A small file beside RocksDB's own: "klyn-durable-v1 <applied height>\n", replaced atomically
// (write, fsync, rename, fsync the directory) only after the WAL holding that height was synced.

namespace {

constexpr const char* kMarkFile = "KLYN-DURABLE";
constexpr const char* kMarkTag = "klyn-durable-v1";

Result<std::optional<Height>> read_mark(const std::string& dir) {
  const auto path = std::filesystem::path(dir) / kMarkFile;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<Height>{};
  std::ifstream in(path);
  std::string tag;
  unsigned long long h = 0;
  if (!(in >> tag >> h) || tag != kMarkTag)
    return Error("storage_corrupt", path.string() + ": unreadable durability mark");
  return std::optional<Height>{static_cast<Height>(h)};
}

Status fsync_path(const std::string& p, int flags) {
  int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Error("storage_io", p + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0)
    return Error(err == ENOSPC ? "storage_full" : "storage_io",
                 p + ": fsync: " + std::strerror(err));
  return Status();
}

}  // namespace

Status ChainStore::write_mark(Height h) {
  const auto dir = std::filesystem::path(path_);
  const std::string tmp = (dir / (std::string(kMarkFile) + ".tmp")).string();
  const std::string final_path = (dir / kMarkFile).string();
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << kMarkTag << ' ' << h << '\n';
    out.flush();
    if (!out) return Error("storage_full", tmp + ": cannot write the durability mark");
  }
  KLYN_TRY(fsync_path(tmp, O_RDONLY));
  std::error_code ec;
  std::filesystem::rename(tmp, final_path, ec);
  if (ec) return Error("storage_io", final_path + ": " + ec.message());
  return fsync_path(dir.string(), O_RDONLY | O_DIRECTORY);
}

// ---- errors ----

Error ChainStore::remember(const Error& e) const {
  if (e.code == "storage_full") return e;
  std::lock_guard lock(state_mu_);
  if (!fault_) {
    fault_ = e;
    has_fault_ = true;
  }
  return e;
}

static Error classify_status(const std::string& what, const rocksdb::Status& s) {
  if (s.IsNoSpace()) return Error("storage_full", what + ": " + s.ToString());
  if (s.IsCorruption()) return Error("storage_corrupt", what + ": " + s.ToString());
  return Error("storage_io", what + ": " + s.ToString());
}

// ---- open ----

Result<std::unique_ptr<ChainStore>> ChainStore::open(const std::string& path,
                                                     const Genesis& genesis,
                                                     const StoreOptions& options) {
  rocksdb::Options o;
  o.create_if_missing = !options.read_only;
  o.IncreaseParallelism(2);
  o.max_open_files = 512;
  o.write_buffer_size = options.write_buffer_bytes;
  // S2: refuse a WAL damaged anywhere but in a torn last record (which a kill -9 can leave);
  // check every file RocksDB opens.
  o.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  o.paranoid_checks = true;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));

  std::unique_ptr<ChainStore> store(new ChainStore());
  if (options.faults) {
    store->env_ = options.faults->make_env();
    o.env = store->env_.get();
  }
  store->faults_ = options.faults;
  store->id_ = genesis.id();
  store->path_ = path;
  store->sync_ = options.sync_writes;
  store->read_only_ = options.read_only;
  store->min_free_ = options.min_free_bytes;
  store->mark_interval_ = options.mark_interval;

  auto mark = read_mark(path);
  if (!mark) return mark.error();

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = options.read_only ? rocksdb::DB::OpenForReadOnly(o, path, &raw)
                                        : rocksdb::DB::Open(o, path, &raw);
  if (!s.ok()) {
    Error e = classify_status(path + ": cannot open database", s);
    if (e.code == "storage_io" && *mark) e.code = "storage_corrupt";  // a file went missing
    return e;
  }
  store->db_.reset(raw);

  auto stored_id = store->get(keys::kGenesis);
  if (!stored_id) return stored_id.error();
  if (*stored_id) {
    if (**stored_id != std::string_view(reinterpret_cast<const char*>(store->id_.data()), 32))
      return Error("storage", path + ": database belongs to symbiote " +
                                  codec::hex_encode(as_bytes(**stored_id)) + ", not " +
                                  codec::hex_encode(store->id_));
    KLYN_TRY(store->check_consistency(genesis));
    auto applied = store->applied_height();
    if (!applied) return applied.error();
    if (*mark && *applied < **mark)
      return Error("storage_corrupt",
                   path + ": the database holds applied height " + std::to_string(*applied) +
                       " but height " + std::to_string(**mark) + " was made durable before (" +
                       kMarkFile + "): its write-ahead log or a table file lost data");
    store->marked_ = std::max<Height>(*applied, mark->value_or(0));
    store->open_ok_ = true;
    return store;
  }
  if (options.read_only) return Error("storage", path + ": database is not initialised");
  if (*mark)
    return Error("storage_corrupt", path + ": the database is empty but " + kMarkFile +
                                        " records applied height " + std::to_string(**mark) +
                                        ": its files were lost");
  // New database: the genesis state, root and pointer in one batch.
  WriteBatch batch;
  LtHash acc;
  for (const auto& ga : genesis.accounts) {
    Account a;
    a.balance = ga.balance;
    a.stake = ga.stake;
    if (a.empty()) continue;
    std::string k = keys::account(ga.id);
    Bytes v = encode_account(a);
    acc.add(as_bytes(k), v);
    batch.put(k, v);
  }
  batch.put(keys::kLtHash, acc.serialize());
  Hash32 root = acc.root();
  batch.put(keys::root(0), root);
  batch.put(keys::kApplied, keys::be64(0));
  batch.put(keys::kGenesis, store->id_);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  s = store->db_->Write(wo, batch.b_.get());
  if (!s.ok()) return classify_status(path + ": cannot write genesis state", s);
  KLYN_TRY(store->write_mark(0));
  store->open_ok_ = true;
  return store;
}

// S4: the applied pointer, the accumulator and the root stored for that height agree.
Status ChainStore::check_consistency(const Genesis&) const {
  auto applied = get(keys::kApplied);
  if (!applied) return applied.error();
  if (!*applied || (*applied)->size() != 8)
    return remember(
        Error("storage_corrupt", path_ + ": the applied height (m:applied) is missing"));
  const Height h = keys::read_be64(**applied);
  auto acc = lthash();
  if (!acc) return remember(acc.error());
  auto root = state_root(h);
  if (!root) return root.error();
  if (!*root)
    return remember(Error("storage_corrupt", path_ + ": no state root stored for applied height " +
                                                 std::to_string(h)));
  if (acc->root() != **root)
    return remember(
        Error("storage_corrupt", path_ +
                                     ": the stored state accumulator does not give the root stored "
                                     "for applied height " +
                                     std::to_string(h)));
  return Status();
}

ChainStore::~ChainStore() {
  if (!db_) return;
  // A store refused by the start-up checks leaves everything as it found it (the mark above all).
  // After a failed RocksDB write nothing more is written or synced: RocksDB 7.8 aborts on a
  // second use of a log writer that failed (its WAL is replayed at the next open instead).
  if (open_ok_ && !read_only_ && !has_fault_ && !wal_failed_) {
    // Close cleanly even when the disk is full: a failing sync is reported by RocksDB's status,
    // never by an abort (S5); the mark only moves when the WAL sync succeeded.
    if (db_->FlushWAL(true).ok()) {
      auto h = applied_height();
      if (h && *h >= marked_) (void)write_mark(*h);
      // Memtables to table files: the next start replays no WAL.
      (void)db_->Flush(rocksdb::FlushOptions());
    }
  }
  rocksdb::Status s = db_->Close();
  (void)s;
}

Result<std::optional<std::string>> ChainStore::get(std::string_view key) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &v);
  if (s.IsNotFound()) return std::optional<std::string>{};
  if (!s.ok()) return remember(classify_status(path_ + ": read", s));
  return std::optional<std::string>{std::move(v)};
}

Status ChainStore::put(std::string_view key, std::string_view value) {
  WriteBatch b;
  b.put(key, value);
  return write(b);
}

void ChainStore::refresh_space(bool force) const {
  // Called with state_mu_ held.
  const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  if (!force && now - space_checked_ < kSpaceCheckEvery) return;
  space_checked_ = now;
  if (min_free_ == 0 && !full_) return;
  struct statvfs vfs {};
  if (::statvfs(path_.c_str(), &vfs) != 0) return;
  const uint64_t free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  last_free_ = free_bytes;
  if (free_bytes < min_free_) {
    if (!full_)
      full_reason_ = "free disk space " + std::to_string(free_bytes >> 20) +
                     " MiB is below the floor of " + std::to_string(min_free_ >> 20) +
                     " MiB (min_free_disk_mb)";
    full_ = true;
  } else if (full_ && !wal_failed_) {
    full_ = false;  // the floor was the only reason
    full_reason_.clear();
  }
  is_full_ = full_;
}

Status ChainStore::writable() const {
  if (has_fault_) return *fault();
  // Lock-free while healthy and the last free-space check is recent (admission calls this).
  if (!is_full_ && std::chrono::steady_clock::now().time_since_epoch().count() - space_checked_ <
                       kSpaceCheckEvery)
    return Status();
  std::lock_guard lock(state_mu_);
  refresh_space(false);
  if (full_) return Error("storage_full", full_reason_);
  return Status();
}

Status ChainStore::write(WriteBatch& batch) {
  if (has_fault_) return *fault();
  {
    // Near the floor every write checks it (one statvfs), so RocksDB never meets ENOSPC while
    // the floor holds: RocksDB 7.8 may abort on a log writer that failed (facebook/rocksdb#12448).
    // Far from it (more than twice the floor free at the last check) once a second is enough.
    std::lock_guard lock(state_mu_);
    refresh_space(min_free_ > 0 && last_free_ < 2 * min_free_);
    if (full_) return Error("storage_full", full_reason_);
  }
  if (wal_failed_) return Error("storage_io", "an earlier write failed");
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  rocksdb::Status s = db_->Write(wo, batch.b_.get());
  if (s.ok()) return Status();
  wal_failed_ = true;  // S5: no further RocksDB write or sync in this process
  Error e = classify_status(path_ + ": write", s);
  if (e.code == "storage_full") {
    std::lock_guard lock(state_mu_);
    full_ = true;
    is_full_ = true;
    full_reason_ = "out of disk space (" + s.ToString() +
                   "); RocksDB's log failed, so this symbiote stores again after a restart "
                   "once space is back (min_free_disk_mb keeps the node from getting here)";
    space_checked_ = std::chrono::steady_clock::now().time_since_epoch().count();
    return e;
  }
  return remember(e);
}

Status ChainStore::scan(std::string_view prefix, std::string_view start,
                        const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  std::string_view from = start.empty() ? prefix : start;
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
    auto k = it->key();
    if (!k.starts_with(rocksdb::Slice(prefix.data(), prefix.size()))) break;
    if (!fn(std::string_view(k.data(), k.size()),
            std::string_view(it->value().data(), it->value().size())))
      return Status();
  }
  if (!it->status().ok()) return remember(classify_status(path_ + ": scan", it->status()));
  return Status();
}

Result<Account> ChainStore::account(const AccountId& id) const {
  auto v = get(keys::account(id));
  if (!v) return v.error();
  if (!*v) return Account{};
  auto a = decode_account(as_bytes(**v));
  if (!a)
    return remember(Error("storage_corrupt",
                          path_ + ": account " + codec::hex_encode(id) + ": " + a.error().reason));
  return *a;
}

Result<Height> ChainStore::applied_height() const {
  auto v = get(keys::kApplied);
  if (!v) return v.error();
  if (!*v) return Height{0};
  if ((*v)->size() != 8)
    return remember(Error("storage_corrupt", path_ + ": malformed applied height"));
  return keys::read_be64(**v);
}

Result<LtHash> ChainStore::lthash() const {
  auto v = get(keys::kLtHash);
  if (!v) return v.error();
  if (!*v) return remember(Error("storage_corrupt", path_ + ": state accumulator missing"));
  auto acc = LtHash::deserialize(as_bytes(**v));
  if (!acc) return remember(Error("storage_corrupt", path_ + ": " + acc.error().reason));
  return acc;
}

Result<std::optional<Hash32>> ChainStore::state_root(Height h) const {
  auto v = get(keys::root(h));
  if (!v) return v.error();
  if (!*v) return std::optional<Hash32>{};
  if ((*v)->size() != 32)
    return remember(
        Error("storage_corrupt", path_ + ": malformed state root at height " + std::to_string(h)));
  Hash32 out;
  std::copy((*v)->begin(), (*v)->end(), out.begin());
  return std::optional<Hash32>{out};
}

Status ChainStore::sync_wal() {
  if (has_fault_) return *fault();
  if (wal_failed_) return Error("storage_full", "not synced: an earlier write failed");
  rocksdb::Status s = db_->FlushWAL(true);
  if (!s.ok()) {
    Error e = classify_status(path_ + ": sync", s);
    return e.code == "storage_full" ? e : remember(e);
  }
  return Status();
}

Status ChainStore::flush() {
  KLYN_TRY(sync_wal());
  auto h = applied_height();
  if (!h) return h.error();
  std::lock_guard lock(mark_mu_);
  if (*h < marked_) return Status();  // the mark never moves back
  KLYN_TRY(write_mark(*h));
  marked_ = *h;
  marked_at_ = std::chrono::steady_clock::now();
  return Status();
}

void ChainStore::note_applied(Height height) {
  if (read_only_) return;
  std::unique_lock lock(mark_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  auto now = std::chrono::steady_clock::now();
  if (height <= marked_ || now - marked_at_ < mark_interval_ || wal_failed_) return;
  marked_at_ = now;
  if (!db_->FlushWAL(true).ok()) return;  // the mark moves only over a synced WAL
  if (write_mark(height)) marked_ = height;
}

std::optional<Error> ChainStore::fault() const {
  if (!has_fault_) return std::nullopt;
  std::lock_guard lock(state_mu_);
  return fault_;
}

Status ChainStore::verify_checksums() const {
  rocksdb::Status s = db_->VerifyChecksum();
  if (!s.ok()) return remember(classify_status(path_ + ": checksum scrub", s));
  return Status();
}

}  // namespace klyn::chain
