#include "workflows/dev_controller/params.h"

#include <nlohmann/json.hpp>

namespace klyn::dev_controller {

namespace {

struct Range {
  const char* key;
  uint64_t min, max;
};
constexpr Range kEventsPerBlock{"max_events_per_instant_block", 1, 100000};
constexpr Range kBlocksPerControllerBlock{"max_instant_blocks_per_controller_block", 1, 1024};
constexpr Range kInclusionWindow{"inclusion_window", 0, 1u << 20};

}  // namespace

Result<Params> read_params(const chain::Manifest& m) {
  auto section = chain::section_of(m);
  if (!section) return Error("bad_genesis", section.error().reason);
  const nlohmann::json& s = *section;
  auto fail = [&](std::string_view key, const std::string& reason) {
    return Error("bad_genesis", chain::section_key_path(m, key) + ": " + reason);
  };
  Params p;
  for (const auto& [key, value] : s.items()) {
    if (key == "controller") {
      if (!value.is_string()) return fail(key, "must be an address (a string)");
      auto pk = crypto::parse_address(value.get<std::string>());
      if (!pk) return fail(key, pk.error().reason);
      p.controller = *pk;
      continue;
    }
    if (key == "instant_producer_stake") {
      if (!value.is_number_unsigned()) return fail(key, "must be a non-negative integer");
      p.instant_producer_stake = value.get<uint64_t>();
      continue;
    }
    const Range* range = nullptr;
    uint32_t* field = nullptr;
    if (key == kEventsPerBlock.key) {
      range = &kEventsPerBlock;
      field = &p.max_events_per_instant_block;
    } else if (key == kBlocksPerControllerBlock.key) {
      range = &kBlocksPerControllerBlock;
      field = &p.max_instant_blocks_per_controller_block;
    } else if (key == kInclusionWindow.key) {
      range = &kInclusionWindow;
      field = &p.inclusion_window;
    } else {
      return fail(key,
                  "unknown key (dev_controller's are controller, instant_producer_stake, "
                  "max_events_per_instant_block, max_instant_blocks_per_controller_block, "
                  "inclusion_window)");
    }
    if (!value.is_number_unsigned() || value.get<uint64_t>() < range->min ||
        value.get<uint64_t>() > range->max)
      return fail(key, "must be " + std::to_string(range->min) + ".." + std::to_string(range->max));
    *field = static_cast<uint32_t>(value.get<uint64_t>());
  }
  if (!s.contains("controller"))
    return fail("controller", "missing: dev_controller needs a controller address");
  return p;
}

Status write_params(chain::Manifest& m, const Params& p) {
  nlohmann::json s = {{"controller", crypto::address_of(p.controller)},
                      {"instant_producer_stake", p.instant_producer_stake},
                      {kEventsPerBlock.key, p.max_events_per_instant_block},
                      {kBlocksPerControllerBlock.key, p.max_instant_blocks_per_controller_block},
                      {kInclusionWindow.key, p.inclusion_window}};
  chain::Manifest next = m;
  if (auto st = chain::set_section(next, s); !st) return Error("bad_genesis", st.error().reason);
  auto back = read_params(next);
  if (!back) return back.error();
  m = std::move(next);
  return Status();
}

}  // namespace klyn::dev_controller
