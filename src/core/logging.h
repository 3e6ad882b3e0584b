#pragma once
// Logging (spdlog): one stream for the core (LOGS/core.log) and one per symbiote
// (LOGS/<alias>.log), plus an optional colored console sink (stderr) where every line carries
// the stream name ("[core]", "[alpha]") so interleaved output stays readable.
//
// Levels: a symbiote logger follows the core level unless given its own. Flush policy: every
// record at warn or above is flushed at once, everything else at least once a second.
//
// SIGHUP: reopen() closes and reopens every log file at its original path, so after an
// operator (or logrotate) moves a file away, new lines go to a fresh file at the old path.
//
// Thread safety: every method may be called from any thread; loggers are thread-safe.
// The LogHub must outlive the loggers it hands out only in the sense that reopen()/set_level()
// stop reaching loggers after the hub is gone; the loggers themselves stay usable.

#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include "common/result.h"
#include "core/config.h"

namespace klyn::core {

// "trace".."off" (also spdlog's "warning"/"err") -> spdlog level. Error code "config".
Result<spdlog::level::level_enum> parse_log_level(std::string_view name);

// A file sink that can reopen its file (spdlog's basic_file_sink cannot). Appends; creates the
// parent directory if needed.
class ReopenableFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // Opens the file; on failure the sink is created closed and open_error() says why (records
  // are dropped until a reopen() succeeds).
  explicit ReopenableFileSink(std::filesystem::path path);
  ~ReopenableFileSink() override;

  const std::filesystem::path& path() const { return path_; }
  // Opens the file at path() again (creating it if it was moved away) and switches to it. On
  // failure the old file stays in use and the error is returned.
  Status reopen();
  std::string open_error();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  Status open_locked();
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  std::string open_error_;
};

class LogHub {
 public:
  struct Options {
    std::filesystem::path logs_dir;  // DataDir::logs_dir()
    std::string level = "info";
    bool console = true;
    std::chrono::milliseconds flush_interval{1000};
  };

  // Creates LOGS/ if needed and opens LOGS/core.log. Error codes "config" (bad level), "io".
  static Result<std::unique_ptr<LogHub>> open(Options options);
  static Result<std::unique_ptr<LogHub>> open(const DataDir& dir, const LogConfig& config);
  ~LogHub();
  LogHub(const LogHub&) = delete;
  LogHub& operator=(const LogHub&) = delete;

  std::shared_ptr<spdlog::logger> core() const { return core_; }

  // The logger of a symbiote (LOGS/<alias>.log), created on first use. level "" = follow core.
  Result<std::shared_ptr<spdlog::logger>> symbiote(std::string_view alias,
                                                   std::string_view level = "");
  // nullptr when the symbiote has no logger yet.
  std::shared_ptr<spdlog::logger> find(std::string_view alias) const;

  // Core level; symbiote loggers without their own level follow it.
  Status set_level(std::string_view level);
  // A symbiote's own level; "" = follow core again.
  Status set_symbiote_level(std::string_view alias, std::string_view level);
  // Applies a whole set of levels (SIGHUP after reload_log_levels). Unknown aliases are ignored.
  Status apply(const LogLevels& levels);

  // Reopens every log file (SIGHUP). Returns the first failure; the rest are still tried.
  Status reopen();
  void flush();

 private:
  struct Stream {
    std::shared_ptr<spdlog::logger> logger;
    std::shared_ptr<ReopenableFileSink> file;
    std::string own_level;  // "" = follow core
  };
  explicit LogHub(Options options);
  Result<Stream> make_stream(const std::string& name, const std::filesystem::path& file);
  void flusher_loop();

  Options options_;
  mutable std::mutex mu_;
  spdlog::level::level_enum core_level_ = spdlog::level::info;
  std::shared_ptr<spdlog::logger> core_;
  std::shared_ptr<ReopenableFileSink> core_file_;
  std::map<std::string, Stream, std::less<>> symbiotes_;

  std::mutex flush_mu_;
  std::condition_variable flush_cv_;
  bool stopping_ = false;
  std::thread flusher_;
};

}  // namespace klyn::core
