// The append log (chain/README.md S7): records come back in order across reopens until
// released; released segments are deleted; an incomplete tail is dropped, a damaged record
// refused; a failed append leaves nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "chain/append_log.h"
#include "chain/store_faults.h"
#include "chain/tests/test_util.h"

using namespace klyn;
using namespace klyn::chain;
using klyn::chain::testing::TempDir;
namespace fs = std::filesystem;

namespace {

Bytes rec(uint32_t i, size_t size = 100) {
  Bytes b(size, static_cast<uint8_t>(i));
  std::memcpy(b.data(), &i, sizeof i);
  return b;
}

struct Opened {
  std::unique_ptr<AppendLog> log;
  std::vector<std::pair<uint64_t, Bytes>> replayed;  // (segment, payload)
  Status status;
};

Opened open_log(const fs::path& dir, AppendLog::Options o = {}) {
  Opened out;
  auto log = AppendLog::open(dir, o, [&](uint64_t segment, ByteSpan payload) {
    out.replayed.emplace_back(segment, Bytes(payload.begin(), payload.end()));
    return Status();
  });
  if (log)
    out.log = std::move(*log);
  else
    out.status = log.error();
  return out;
}

std::vector<fs::path> segment_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// A log in `dir` holding records 0, 1, 2; returns its segment file (empty on failure).
fs::path log_of_three(const fs::path& dir) {
  auto o = open_log(dir);
  if (!o.log) return {};
  for (uint32_t i = 0; i < 3; ++i)
    if (!o.log->append(rec(i)).ok()) return {};
  return segment_files(dir).back();
}

}  // namespace

TEST(AppendLog, Crc32cMatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32c(as_bytes("123456789")), 0xE3069283u);  // RFC 3720 B.4 check value
  EXPECT_EQ(crc32c(as_bytes("")), 0u);
  // Lengths around the 8-byte steps of the SSE 4.2 path agree with a bytewise reference.
  auto reference = [](ByteSpan d) {
    uint32_t c = 0xFFFFFFFFu;
    for (uint8_t b : d) {
      c ^= b;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
  };
  Bytes data(300);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + 3);
  for (size_t n : {1u, 7u, 8u, 9u, 15u, 16u, 17u, 63u, 64u, 65u, 300u})
    EXPECT_EQ(crc32c(ByteSpan(data.data(), n)), reference(ByteSpan(data.data(), n))) << n;
}

TEST(AppendLog, RecordsComeBackInOrderAcrossReopensUntilReleased) {
  TempDir tmp;
  const fs::path dir = tmp.path("log");
  std::vector<uint64_t> seg;
  {
    auto o = open_log(dir, {.segment_bytes = 1000});
    ASSERT_TRUE(o.log) << o.status.error().to_string();
    EXPECT_TRUE(o.replayed.empty());
    for (uint32_t i = 0; i < 30; ++i) {
      auto s = o.log->append(rec(i));
      ASSERT_TRUE(s.ok());
      seg.push_back(*s);
    }
    EXPECT_EQ(o.log->live(), 30u);
    EXPECT_GE(o.log->segments(), 3u);  // 108 bytes a record, 1000 a segment
  }
  {
    auto o = open_log(dir, {.segment_bytes = 1000});
    ASSERT_TRUE(o.log);
    ASSERT_EQ(o.replayed.size(), 30u);
    for (uint32_t i = 0; i < 30; ++i) {
      EXPECT_EQ(o.replayed[i].second, rec(i));
      EXPECT_EQ(o.replayed[i].first, seg[i]);
    }
    // Releasing every record of the first segments deletes their files.
    const size_t before = segment_files(dir).size();
    for (uint32_t i = 0; i < 20; ++i) o.log->release(seg[i]);
    EXPECT_EQ(o.log->live(), 10u);
    EXPECT_LT(segment_files(dir).size(), before);
    // A record appended now goes to the segment started at this open.
    auto s = o.log->append(rec(99));
    ASSERT_TRUE(s.ok());
    EXPECT_GT(*s, seg.back());
  }
  auto o = open_log(dir, {.segment_bytes = 1000});
  ASSERT_TRUE(o.log);
  // The released records of a segment still holding live ones come back too (the caller counts
  // by content); every record of a deleted segment is gone.
  ASSERT_GE(o.replayed.size(), 11u);
  EXPECT_EQ(o.replayed.back().second, rec(99));
  for (const auto& [s, payload] : o.replayed) EXPECT_GE(s, seg[19]);
}

TEST(AppendLog, AnIncompleteTailIsDroppedAndTheLogGoesOn) {
  TempDir tmp;
  const fs::path dir = tmp.path("log");
  const fs::path file = log_of_three(dir);
  ASSERT_FALSE(file.empty());
  // A write cut short by a crash: the first 54 bytes of a fourth record (its header, valid, and
  // part of its payload) at the end.
  const auto full = fs::file_size(file);
  {
    const Bytes payload = rec(3);
    Bytes whole(8);
    const uint32_t len = static_cast<uint32_t>(payload.size()), crc = crc32c(payload);
    for (int i = 0; i < 4; ++i) {
      whole[i] = static_cast<uint8_t>(len >> (8 * i));
      whole[4 + i] = static_cast<uint8_t>(crc >> (8 * i));
    }
    whole.insert(whole.end(), payload.begin(), payload.end());
    std::ofstream f(file, std::ios::app | std::ios::binary);
    f.write(reinterpret_cast<const char*>(whole.data()), 54);
  }
  auto o = open_log(dir);
  ASSERT_TRUE(o.log) << o.status.error().to_string();
  ASSERT_EQ(o.replayed.size(), 3u);
  EXPECT_EQ(fs::file_size(file), full);  // truncated back to the last complete record
  ASSERT_TRUE(o.log->append(rec(3)).ok());
}

TEST(AppendLog, ADamagedRecordIsRefusedNamingTheFileAndOffset) {
  TempDir tmp;
  const fs::path dir = tmp.path("log");
  const fs::path file = log_of_three(dir);
  ASSERT_FALSE(file.empty());
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(108 + 8 + 50);  // inside the second record's payload
    f.put('\x7f');
  }
  auto o = open_log(dir);
  ASSERT_FALSE(o.log);
  EXPECT_EQ(o.status.error().code, "storage_corrupt");
  EXPECT_NE(o.status.error().reason.find(file.string()), std::string::npos);
  EXPECT_NE(o.status.error().reason.find("offset 108"), std::string::npos);
  EXPECT_EQ(o.replayed.size(), 1u);
  // A length out of range is damage too, not a short tail.
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    const char len[4] = {'\xff', '\xff', '\xff', '\x7f'};
    f.write(len, 4);
  }
  o = open_log(dir);
  ASSERT_FALSE(o.log);
  EXPECT_NE(o.status.error().reason.find("length"), std::string::npos);
}

TEST(AppendLog, AFailedAppendLeavesNothingAndLaterAppendsWork) {
  TempDir tmp;
  const fs::path dir = tmp.path("log");
  StoreFaults faults;
  {
    auto o = open_log(dir, {.faults = &faults});
    ASSERT_TRUE(o.log);
    ASSERT_TRUE(o.log->append(rec(1)).ok());
    faults.set_writes(StoreFaults::Writes::no_space);
    auto r = o.log->append(rec(2));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "storage_full");
    faults.set_writes(StoreFaults::Writes::io_error);
    r = o.log->append(rec(3));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "storage_io");
    EXPECT_EQ(o.log->live(), 1u);
    faults.set_writes(StoreFaults::Writes::ok);
    ASSERT_TRUE(o.log->append(rec(4)).ok());
  }
  auto o = open_log(dir);
  ASSERT_TRUE(o.log) << o.status.error().to_string();
  ASSERT_EQ(o.replayed.size(), 2u);
  EXPECT_EQ(o.replayed[0].second, rec(1));
  EXPECT_EQ(o.replayed[1].second, rec(4));
}

TEST(AppendLog, AReplayErrorStopsTheOpen) {
  TempDir tmp;
  const fs::path dir = tmp.path("log");
  {
    auto o = open_log(dir);
    ASSERT_TRUE(o.log->append(rec(1)).ok());
  }
  auto log = AppendLog::open(dir, {}, [](uint64_t, ByteSpan) {
    return Status(Error("storage_corrupt", "does not decode"));
  });
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().reason, "does not decode");
}

TEST(AppendLog, EmptySegmentsOfEarlierRunsAreDeleted) {
  TempDir tmp;
  const fs::path dir = tmp.path("log");
  for (int run = 0; run < 5; ++run) {
    auto o = open_log(dir);
    ASSERT_TRUE(o.log);
  }
  EXPECT_EQ(segment_files(dir).size(), 1u);  // only the one the last run started
}
