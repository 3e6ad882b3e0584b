// ConfigReader, config errors and TOML parsing (see config_reader.h).
#include "core/config_reader.h"

#include <algorithm>

namespace klyn::core {

using ms = std::chrono::milliseconds;

// ---------------------------------------------------------------- errors

std::string ConfigError::to_string() const {
  if (key.empty()) return file + ": " + reason;
  return file + ": " + key + ": " + reason;
}

void ConfigErrors::add(std::string file, std::string key, std::string reason) {
  items_.push_back({std::move(file), std::move(key), std::move(reason)});
}

void ConfigErrors::append(const ConfigErrors& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

std::string ConfigErrors::to_string() const {
  std::string out;
  for (const auto& e : items_) {
    if (!out.empty()) out += '\n';
    out += e.to_string();
  }
  return out;
}

// ---------------------------------------------------------------- ConfigReader

std::string quoted_value(std::string_view s) {
  std::string out = "\"";
  size_t n = 0;
  for (char c : s) {
    if (++n > 60) {
      out += "...";
      break;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

namespace {

std::string join_path(const std::string& prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  return prefix + "." + std::string(key);
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string range_text(int64_t min, int64_t max) {
  if (min == ConfigReader::kNoMin && max == ConfigReader::kNoMax) return "";
  if (max == ConfigReader::kNoMax) return " >= " + std::to_string(min);
  if (min == ConfigReader::kNoMin) return " <= " + std::to_string(max);
  return " in " + std::to_string(min) + ".." + std::to_string(max);
}

// "250ms", "5s", "2m", "1h" -> milliseconds; nullopt when malformed or too large.
std::optional<int64_t> parse_duration_text(std::string_view s) {
  size_t i = 0;
  int64_t value = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (value > 1'000'000'000'000) return std::nullopt;
    value = value * 10 + (s[i] - '0');
    ++i;
  }
  if (i == 0) return std::nullopt;
  std::string_view unit = s.substr(i);
  if (unit == "ms") return value;
  if (unit == "s") return value * 1000;
  if (unit == "m") return value * 60'000;
  if (unit == "h") return value * 3'600'000;
  return std::nullopt;
}

}  // namespace

ConfigReader::ConfigReader(const toml::table& table, std::string file, std::string prefix)
    : ConfigReader(table, std::move(file), std::move(prefix), std::make_shared<State>()) {}

ConfigReader::ConfigReader(const toml::table& table, std::string file, std::string prefix,
                           std::shared_ptr<State> state)
    : table_(&table),
      file_(std::move(file)),
      prefix_(std::move(prefix)),
      state_(std::move(state)) {}

std::string ConfigReader::path(std::string_view key) const {
  return join_path(prefix_, key);
}

bool ConfigReader::has(std::string_view key) const {
  return table_->get(key) != nullptr;
}

const toml::node* ConfigReader::take(std::string_view key) {
  state_->used.insert(path(key));
  return table_->get(key);
}

std::string ConfigReader::describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return quoted_value(node.as_string()->get());
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default: {
      std::ostringstream os;
      node.visit([&](auto&& v) { os << v; });
      return os.str();
    }
  }
}

void ConfigReader::error(std::string_view key, std::string reason) {
  state_->errors.add(file_, key.empty() ? prefix_ : path(key), std::move(reason));
}

void ConfigReader::type_error(std::string_view key, const std::string& expected,
                              const toml::node& got) {
  error(key, "must be " + expected + ", got " + describe(got));
}

int64_t ConfigReader::integer(std::string_view key, int64_t def, int64_t min, int64_t max) {
  const toml::node* n = take(key);
  if (!n) return def;
  std::string expected = "an integer" + range_text(min, max);
  if (!n->is_integer()) {
    type_error(key, expected, *n);
    return def;
  }
  int64_t v = n->as_integer()->get();
  if (v < min || v > max) {
    type_error(key, expected, *n);
    return def;
  }
  return v;
}

double ConfigReader::number(std::string_view key, double def, double min, double max) {
  const toml::node* n = take(key);
  if (!n) return def;
  std::ostringstream expected;
  expected << "a number in " << min << ".." << max;
  double v;
  if (n->is_integer()) {
    v = static_cast<double>(n->as_integer()->get());
  } else if (n->is_floating_point()) {
    v = n->as_floating_point()->get();
  } else {
    type_error(key, expected.str(), *n);
    return def;
  }
  if (!(v >= min && v <= max)) {  // also rejects nan
    type_error(key, expected.str(), *n);
    return def;
  }
  return v;
}

bool ConfigReader::boolean(std::string_view key, bool def) {
  const toml::node* n = take(key);
  if (!n) return def;
  if (!n->is_boolean()) {
    type_error(key, "true or false", *n);
    return def;
  }
  return n->as_boolean()->get();
}

std::string ConfigReader::string(std::string_view key, std::string def) {
  const toml::node* n = take(key);
  if (!n) return def;
  if (!n->is_string()) {
    type_error(key, "a string", *n);
    return def;
  }
  return n->as_string()->get();
}

std::string ConfigReader::required_string(std::string_view key) {
  const toml::node* n = take(key);
  if (!n) {
    error(key, "is required");
    return "";
  }
  if (!n->is_string() || n->as_string()->get().empty()) {
    type_error(key, "a non-empty string", *n);
    return "";
  }
  return n->as_string()->get();
}

std::vector<std::string> ConfigReader::string_list(std::string_view key,
                                                   std::vector<std::string> def) {
  const toml::node* n = take(key);
  if (!n) return def;
  if (!n->is_array()) {
    type_error(key, "an array of strings", *n);
    return def;
  }
  std::vector<std::string> out;
  bool ok = true;
  size_t i = 0;
  for (const toml::node& el : *n->as_array()) {
    std::string el_key = std::string(key) + "[" + std::to_string(i++) + "]";
    if (!el.is_string()) {
      type_error(el_key, "a string", el);
      ok = false;
      continue;
    }
    out.push_back(el.as_string()->get());
  }
  return ok ? out : def;
}

std::map<std::string, std::string> ConfigReader::string_map(std::string_view key) {
  const toml::node* n = take(key);
  if (!n) return {};
  if (!n->is_table()) {
    type_error(key, "a table of strings", *n);
    return {};
  }
  std::map<std::string, std::string> out;
  for (auto&& [k, v] : *n->as_table()) {
    std::string el_key = std::string(key) + "." + std::string(k.str());
    if (!v.is_string()) {
      type_error(el_key, "a string", v);
      continue;
    }
    out.emplace(std::string(k.str()), v.as_string()->get());
  }
  return out;
}

ms ConfigReader::duration_ms(std::string_view key, ms def, ms min, ms max) {
  const toml::node* n = take(key);
  if (!n) return def;
  std::string expected = "a duration";
  if (max == ms::max())
    expected += " >= " + std::to_string(min.count()) + " ms";
  else
    expected += " in " + std::to_string(min.count()) + ".." + std::to_string(max.count()) + " ms";
  expected += " (an integer of milliseconds or a string like \"500ms\", \"5s\", \"2m\")";
  std::optional<int64_t> v;
  if (n->is_integer()) v = n->as_integer()->get();
  if (n->is_string()) v = parse_duration_text(n->as_string()->get());
  if (!v || *v < min.count() || *v > max.count()) {
    type_error(key, expected, *n);
    return def;
  }
  return ms(*v);
}

std::string ConfigReader::enum_string(std::string_view key, std::string def,
                                      std::initializer_list<std::string_view> allowed) {
  const toml::node* n = take(key);
  if (!n) return def;
  std::string expected = "one of ";
  bool first = true;
  for (auto a : allowed) {
    if (!first) expected += ", ";
    first = false;
    expected += quoted_value(a);
  }
  if (!n->is_string()) {
    type_error(key, expected, *n);
    return def;
  }
  const std::string& v = n->as_string()->get();
  if (std::find(allowed.begin(), allowed.end(), std::string_view(v)) == allowed.end()) {
    type_error(key, expected, *n);
    return def;
  }
  return v;
}

ConfigReader ConfigReader::sub(std::string_view key) {
  const toml::node* n = take(key);
  state_->used.insert(path(key) + "{}");  // opened as a sub-table: finish() looks inside
  if (n && !n->is_table()) type_error(key, "a table", *n);
  const toml::table* t = (n && n->is_table()) ? n->as_table() : &state_->empty;
  return ConfigReader(*t, file_, path(key), state_);
}

std::vector<ConfigReader> ConfigReader::tables(std::string_view key) {
  const toml::node* n = take(key);
  std::vector<ConfigReader> out;
  if (!n) return out;
  if (!n->is_array_of_tables()) {
    // An empty array ("plugins = []") is fine: it has no elements to check.
    if (n->is_array() && n->as_array()->empty()) return out;
    type_error(key, "an array of tables ([[" + path(key) + "]])", *n);
    return out;
  }
  size_t i = 0;
  for (const toml::node& el : *n->as_array()) {
    std::string el_path = path(key) + "[" + std::to_string(i++) + "]";
    state_->used.insert(el_path + "{}");
    out.push_back(ConfigReader(*el.as_table(), file_, el_path, state_));
  }
  return out;
}

toml::table ConfigReader::raw_table(std::string_view key) {
  const toml::node* n = take(key);
  if (!n) return {};
  if (!n->is_table()) {
    type_error(key, "a table", *n);
    return {};
  }
  return *n->as_table();
}

void ConfigReader::check_unknown(const toml::table& table, const std::string& prefix) {
  // Keys asked for in this table, to suggest the likely intended one for a typo.
  std::vector<std::string> known;
  std::string key_prefix = prefix.empty() ? "" : prefix + ".";
  for (auto it = state_->used.lower_bound(key_prefix); it != state_->used.end(); ++it) {
    if (it->compare(0, key_prefix.size(), key_prefix) != 0) break;
    std::string rest = it->substr(key_prefix.size());
    if (rest.find_first_of(".[{") == std::string::npos) known.push_back(rest);
  }
  for (auto&& [k, v] : table) {
    std::string key(k.str());
    std::string p = join_path(prefix, key);
    if (!state_->used.count(p)) {
      if (!state_->reported.insert(p).second) continue;
      std::string reason = "unknown key";
      std::string best;
      size_t best_d = 3;
      for (const auto& cand : known) {
        size_t d = edit_distance(key, cand);
        if (d < best_d) best_d = d, best = cand;
      }
      if (!best.empty()) reason += " (did you mean \"" + best + "\"?)";
      state_->errors.add(file_, p, reason);
      continue;
    }
    if (v.is_table() && state_->used.count(p + "{}")) {
      check_unknown(*v.as_table(), p);
    } else if (v.is_array_of_tables()) {
      size_t i = 0;
      for (const toml::node& el : *v.as_array()) {
        std::string el_path = p + "[" + std::to_string(i++) + "]";
        if (state_->used.count(el_path + "{}")) check_unknown(*el.as_table(), el_path);
      }
    }
  }
}

const ConfigErrors& ConfigReader::finish() {
  check_unknown(*table_, prefix_);
  return state_->errors;
}

Status ConfigReader::finish_status() {
  const ConfigErrors& e = finish();
  if (e.empty()) return Status::success();
  return e.to_error();
}

Result<toml::table> parse_toml(std::string_view text, const std::string& file,
                               ConfigErrors& errors) {
  auto report = [&](const toml::parse_error& err) -> Error {
    std::string reason = "syntax error at line " + std::to_string(err.source().begin.line) +
                         ", column " + std::to_string(err.source().begin.column) + ": " +
                         std::string(err.description());
    errors.add(file, "", reason);
    return Error("config", file + ": " + reason);
  };
#if TOML_EXCEPTIONS
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& err) {
    return report(err);
  }
#else
  toml::parse_result r = toml::parse(text, file);
  if (!r) return report(r.error());
  return std::move(r).table();
#endif
}

}  // namespace klyn::core
