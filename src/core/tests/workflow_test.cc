// The workflow contract's plumbing: registry (name + version pinning), per-symbiote routes with
// the unknown-symbiote fallback, and the event bus.
#include <gtest/gtest.h>

#include "core/event_bus.h"
#include "core/workflow.h"

using namespace klyn;
using namespace klyn::core;

namespace {
class NullWorkflow : public Workflow {
 public:
  Status prepare(WorkflowContext) override { return Status(); }
  Status routes(SymbioteRoutes&) override { return Status(); }
  Status start() override { return Status(); }
  void stop() override {}
  nlohmann::json summary() const override { return {}; }
};
}  // namespace

TEST(WorkflowRegistry, PinsNameAndVersionAndSaysWhatItHas) {
  WorkflowRegistry r;
  ASSERT_TRUE(
      r.add("dev_controller", "0.1.0", [] { return std::make_unique<NullWorkflow>(); }).ok());
  EXPECT_EQ(r.add("dev_controller", "0.1.0", [] { return std::make_unique<NullWorkflow>(); })
                .error()
                .code,
            "duplicate_workflow");
  EXPECT_TRUE(r.create("dev_controller", "0.1.0").ok());
  auto wrong_version = r.create("dev_controller", "9.9.9");
  ASSERT_FALSE(wrong_version.ok());
  EXPECT_EQ(wrong_version.error().code, "workflow_version");
  EXPECT_NE(wrong_version.error().reason.find("has dev_controller 0.1.0"), std::string::npos);
  auto unknown = r.create("symbiland", "1.0.0");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "unknown_workflow");
  EXPECT_NE(unknown.error().reason.find("dev_controller 0.1.0"), std::string::npos);
}

TEST(SymbioteRoutes, AliasAndIdServeTheSameHandlerUnknownGets404) {
  net::Router router;
  SymbioteRoutes a(router, "alpha", "aa11");
  SymbioteRoutes b(router, "beta", "bb22");
  auto reply = [](std::string who) {
    return [who](const net::Request&) { return net::Response::json({{"who", who}}); };
  };
  ASSERT_TRUE(a.add(net::Method::kGet, "/info", reply("alpha")).ok());
  ASSERT_TRUE(b.add(net::Method::kGet, "/info", reply("beta")).ok());
  auto call = [&](const std::string& path) {
    net::Request req;
    req.method = net::Method::kGet;
    req.path = path;
    req.target = path;
    return router.dispatch(req);
  };
  EXPECT_NE(call("/s/alpha/info").body.find("alpha"), std::string::npos);
  EXPECT_NE(call("/s/aa11/info").body.find("alpha"), std::string::npos);
  EXPECT_NE(call("/s/bb22/info").body.find("beta"), std::string::npos);
  auto unknown = call("/s/gamma/info");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_NE(unknown.body.find("unknown_symbiote"), std::string::npos);
  EXPECT_FALSE(a.add(net::Method::kGet, "no-slash", reply("x")).ok());
}

TEST(EventBus, TopicsWildcardAndUnsubscribe) {
  EventBus bus;
  std::vector<std::string> seen;
  auto h1 = bus.subscribe("block_applied", [&](const std::string& t, const nlohmann::json& m) {
    seen.push_back(t + ":" + m.value("symbiote", ""));
  });
  bus.subscribe("", [&](const std::string& t, const nlohmann::json&) { seen.push_back("*" + t); });
  EXPECT_TRUE(bus.has_subscribers("fork_alarm"));  // the wildcard listens to everything
  bus.publish("block_applied", {{"symbiote", "alpha"}});
  bus.publish("fork_alarm", {{"symbiote", "beta"}});
  bus.unsubscribe(h1);
  bus.publish("block_applied", {{"symbiote", "alpha"}});
  EXPECT_EQ(seen, (std::vector<std::string>{"block_applied:alpha", "*block_applied", "*fork_alarm",
                                            "*block_applied"}));
}
