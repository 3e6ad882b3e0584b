#include "core/logging.h"

#include <cerrno>
#include <cstring>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace klyn::core {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFilePattern = "%Y-%m-%dT%H:%M:%S.%e%z %-8l [%t] %v";
constexpr const char* kConsolePattern = "%H:%M:%S.%e %^%-8l%$ [%n] %v";

}  // namespace

Result<spdlog::level::level_enum> parse_log_level(std::string_view name) {
  using L = spdlog::level::level_enum;
  if (name == "trace") return L::trace;
  if (name == "debug") return L::debug;
  if (name == "info") return L::info;
  if (name == "warn" || name == "warning") return L::warn;
  if (name == "error" || name == "err") return L::err;
  if (name == "critical") return L::critical;
  if (name == "off") return L::off;
  return Error("config", "unknown log level \"" + std::string(name) +
                             "\" (trace|debug|info|warn|error|critical|off)");
}

// ---------------------------------------------------------------- ReopenableFileSink

ReopenableFileSink::ReopenableFileSink(fs::path path) : path_(std::move(path)) {
  std::lock_guard<std::mutex> lock(mutex_);
  Status st = open_locked();
  if (!st) open_error_ = st.error().reason;
}

ReopenableFileSink::~ReopenableFileSink() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

Status ReopenableFileSink::open_locked() {
  std::error_code ec;
  if (path_.has_parent_path()) fs::create_directories(path_.parent_path(), ec);
  std::FILE* f = std::fopen(path_.c_str(), "ae");
  if (!f)
    return Error("io", "cannot open log file " + path_.string() + ": " + std::strerror(errno));
  if (file_) std::fclose(file_);
  file_ = f;
  open_error_.clear();
  return Status::success();
}

Status ReopenableFileSink::reopen() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (file_) std::fflush(file_);
  return open_locked();
}

std::string ReopenableFileSink::open_error() {
  std::lock_guard<std::mutex> lock(mutex_);
  return open_error_;
}

void ReopenableFileSink::sink_it_(const spdlog::details::log_msg& msg) {
  if (!file_) return;
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  std::fwrite(formatted.data(), 1, formatted.size(), file_);
}

void ReopenableFileSink::flush_() {
  if (file_) std::fflush(file_);
}

// ---------------------------------------------------------------- LogHub

LogHub::LogHub(Options options) : options_(std::move(options)) {}

Result<std::unique_ptr<LogHub>> LogHub::open(const DataDir& dir, const LogConfig& config) {
  Options o;
  o.logs_dir = dir.logs_dir();
  o.level = config.level;
  o.console = config.console;
  return open(std::move(o));
}

Result<std::unique_ptr<LogHub>> LogHub::open(Options options) {
  auto level = parse_log_level(options.level);
  if (!level) return level.error();
  std::error_code ec;
  fs::create_directories(options.logs_dir, ec);
  if (ec) return Error("io", "cannot create " + options.logs_dir.string() + ": " + ec.message());

  std::unique_ptr<LogHub> hub(new LogHub(options));
  hub->core_level_ = *level;
  auto core = hub->make_stream("core", options.logs_dir / "core.log");
  if (!core) return core.error();
  hub->core_ = core->logger;
  hub->core_file_ = core->file;
  hub->core_->set_level(*level);
  hub->flusher_ = std::thread([h = hub.get()] { h->flusher_loop(); });
  return hub;
}

LogHub::~LogHub() {
  {
    std::lock_guard<std::mutex> lock(flush_mu_);
    stopping_ = true;
  }
  flush_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  flush();
}

Result<LogHub::Stream> LogHub::make_stream(const std::string& name, const fs::path& file) {
  Stream s;
  s.file = std::make_shared<ReopenableFileSink>(file);
  std::string err = s.file->open_error();
  if (!err.empty()) return Error("io", err);
  s.file->set_formatter(std::make_unique<spdlog::pattern_formatter>(kFilePattern));
  std::vector<spdlog::sink_ptr> sinks{s.file};
  if (options_.console) {
    // One console sink per logger, so each can carry its own name; spdlog serializes all
    // console sinks on one global mutex, so lines never interleave.
    auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    console->set_formatter(std::make_unique<spdlog::pattern_formatter>(kConsolePattern));
    sinks.push_back(console);
  }
  // Not registered in spdlog's global registry: several hubs (tests) may coexist.
  s.logger = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
  s.logger->set_level(spdlog::level::trace);
  s.logger->flush_on(spdlog::level::warn);
  return s;
}

Result<std::shared_ptr<spdlog::logger>> LogHub::symbiote(std::string_view alias,
                                                         std::string_view level) {
  if (!is_valid_alias(alias))
    return Error("config", "not a valid symbiote alias: \"" + std::string(alias) + "\"");
  std::optional<spdlog::level::level_enum> own;
  if (!level.empty()) {
    auto l = parse_log_level(level);
    if (!l) return l.error();
    own = *l;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = symbiotes_.find(alias);
  if (it == symbiotes_.end()) {
    auto s = make_stream(std::string(alias), options_.logs_dir / (std::string(alias) + ".log"));
    if (!s) return s.error();
    it = symbiotes_.emplace(std::string(alias), std::move(*s)).first;
    it->second.logger->set_level(core_level_);
  }
  if (own) {
    it->second.own_level = std::string(level);
    it->second.logger->set_level(*own);
  }
  return it->second.logger;
}

std::shared_ptr<spdlog::logger> LogHub::find(std::string_view alias) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = symbiotes_.find(alias);
  return it == symbiotes_.end() ? nullptr : it->second.logger;
}

Status LogHub::set_level(std::string_view level) {
  auto l = parse_log_level(level);
  if (!l) return l.error();
  std::lock_guard<std::mutex> lock(mu_);
  core_level_ = *l;
  core_->set_level(*l);
  for (auto& [alias, s] : symbiotes_)
    if (s.own_level.empty()) s.logger->set_level(*l);
  return Status::success();
}

Status LogHub::set_symbiote_level(std::string_view alias, std::string_view level) {
  std::optional<spdlog::level::level_enum> own;
  if (!level.empty()) {
    auto l = parse_log_level(level);
    if (!l) return l.error();
    own = *l;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = symbiotes_.find(alias);
  if (it == symbiotes_.end())
    return Error("not_found", "no logger for symbiote \"" + std::string(alias) + "\"");
  it->second.own_level = std::string(level);
  it->second.logger->set_level(own ? *own : core_level_);
  return Status::success();
}

Status LogHub::apply(const LogLevels& levels) {
  // Validate everything first so a bad value changes nothing.
  KLYN_TRY(parse_log_level(levels.core));
  for (const auto& [alias, level] : levels.symbiotes)
    if (!level.empty()) KLYN_TRY(parse_log_level(level));
  KLYN_TRY(set_level(levels.core));
  for (const auto& [alias, level] : levels.symbiotes) {
    Status st = set_symbiote_level(alias, level);
    if (!st && st.error().code != "not_found") return st;
  }
  return Status::success();
}

Status LogHub::reopen() {
  std::vector<std::shared_ptr<ReopenableFileSink>> files;
  {
    std::lock_guard<std::mutex> lock(mu_);
    files.push_back(core_file_);
    for (auto& [alias, s] : symbiotes_) files.push_back(s.file);
  }
  Status first;
  for (auto& f : files) {
    Status st = f->reopen();
    if (!st && first.ok()) first = st;
  }
  return first;
}

void LogHub::flush() {
  std::vector<std::shared_ptr<spdlog::logger>> loggers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (core_) loggers.push_back(core_);
    for (auto& [alias, s] : symbiotes_) loggers.push_back(s.logger);
  }
  for (auto& l : loggers) l->flush();
}

void LogHub::flusher_loop() {
  std::unique_lock<std::mutex> lock(flush_mu_);
  while (!stopping_) {
    flush_cv_.wait_for(lock, options_.flush_interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    flush();
    lock.lock();
  }
}

}  // namespace klyn::core
