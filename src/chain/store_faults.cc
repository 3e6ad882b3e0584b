#include "chain/store_faults.h"

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <cstring>
#include <string>

namespace klyn::chain {

namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

IOStatus write_fault(const StoreFaults& f) {
  switch (f.writes()) {
    case StoreFaults::Writes::no_space:
      return IOStatus::NoSpace("injected: no space left on device");
    case StoreFaults::Writes::io_error:
      return IOStatus::IOError("injected: input/output error");
    case StoreFaults::Writes::ok:
      break;
  }
  return IOStatus::OK();
}

class FaultyWritableFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyWritableFile(std::unique_ptr<rocksdb::FSWritableFile>&& f, const StoreFaults& faults)
      : FSWritableFileOwnerWrapper(std::move(f)), faults_(faults) {}
  IOStatus Append(const Slice& data, const IOOptions& o, IODebugContext* d) override {
    if (auto s = write_fault(faults_); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::Append(data, o, d);
  }
  IOStatus Append(const Slice& data, const IOOptions& o, const rocksdb::DataVerificationInfo& v,
                  IODebugContext* d) override {
    if (auto s = write_fault(faults_); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::Append(data, o, v, d);
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t off, const IOOptions& o,
                            IODebugContext* d) override {
    if (auto s = write_fault(faults_); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::PositionedAppend(data, off, o, d);
  }
  IOStatus Sync(const IOOptions& o, IODebugContext* d) override {
    if (auto s = write_fault(faults_); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::Sync(o, d);
  }
  IOStatus Fsync(const IOOptions& o, IODebugContext* d) override {
    if (auto s = write_fault(faults_); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::Fsync(o, d);
  }

 private:
  const StoreFaults& faults_;
};

class FaultyRandomAccessFile final : public rocksdb::FSRandomAccessFileOwnerWrapper {
 public:
  FaultyRandomAccessFile(std::unique_ptr<rocksdb::FSRandomAccessFile>&& f,
                         const StoreFaults& faults)
      : FSRandomAccessFileOwnerWrapper(std::move(f)), faults_(faults) {}
  IOStatus Read(uint64_t offset, size_t n, const IOOptions& o, Slice* result, char* scratch,
                IODebugContext* d) const override {
    if (faults_.fail_reads()) return IOStatus::IOError("injected: read error");
    IOStatus s = FSRandomAccessFileOwnerWrapper::Read(offset, n, o, result, scratch, d);
    if (s.ok() && faults_.corrupt_reads() && result->size() > 0 && scratch) {
      // Damage the bytes the caller sees (copied to scratch so the file itself stays intact).
      if (result->data() != scratch) std::memmove(scratch, result->data(), result->size());
      scratch[result->size() / 2] ^= 0x5a;
      *result = Slice(scratch, result->size());
    }
    return s;
  }
  IOStatus MultiRead(rocksdb::FSReadRequest* reqs, size_t num, const IOOptions& o,
                     IODebugContext* d) override {
    for (size_t i = 0; i < num; ++i)
      reqs[i].status = Read(reqs[i].offset, reqs[i].len, o, &reqs[i].result, reqs[i].scratch, d);
    return IOStatus::OK();
  }

 private:
  const StoreFaults& faults_;
};

bool is_table(const std::string& name) {
  return name.size() > 4 && name.compare(name.size() - 4, 4, ".sst") == 0;
}

class FaultyFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  FaultyFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base, const StoreFaults& faults)
      : FileSystemWrapper(base), faults_(faults) {}
  const char* Name() const override { return "KlynFaultyFileSystem"; }

  IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& fo,
                           std::unique_ptr<rocksdb::FSWritableFile>* r,
                           IODebugContext* d) override {
    if (auto s = write_fault(faults_); !s.ok()) return s;
    std::unique_ptr<rocksdb::FSWritableFile> inner;
    IOStatus s = FileSystemWrapper::NewWritableFile(f, fo, &inner, d);
    if (s.ok()) r->reset(new FaultyWritableFile(std::move(inner), faults_));
    return s;
  }
  IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& fo,
                              std::unique_ptr<rocksdb::FSWritableFile>* r,
                              IODebugContext* d) override {
    std::unique_ptr<rocksdb::FSWritableFile> inner;
    IOStatus s = FileSystemWrapper::ReopenWritableFile(f, fo, &inner, d);
    if (s.ok()) r->reset(new FaultyWritableFile(std::move(inner), faults_));
    return s;
  }
  IOStatus NewRandomAccessFile(const std::string& f, const rocksdb::FileOptions& fo,
                               std::unique_ptr<rocksdb::FSRandomAccessFile>* r,
                               IODebugContext* d) override {
    std::unique_ptr<rocksdb::FSRandomAccessFile> inner;
    IOStatus s = FileSystemWrapper::NewRandomAccessFile(f, fo, &inner, d);
    if (s.ok() && is_table(f))
      r->reset(new FaultyRandomAccessFile(std::move(inner), faults_));
    else if (s.ok())
      *r = std::move(inner);
    return s;
  }

 private:
  const StoreFaults& faults_;
};

}  // namespace

std::unique_ptr<rocksdb::Env> StoreFaults::make_env() {
  auto fs = std::make_shared<FaultyFileSystem>(rocksdb::FileSystem::Default(), *this);
  return rocksdb::NewCompositeEnv(fs);
}

}  // namespace klyn::chain
