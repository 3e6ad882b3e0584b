#include "net/url.h"

#include <gtest/gtest.h>

namespace klyn::net {
namespace {

TEST(PercentDecode, DecodesEscapesAndPlus) {
  EXPECT_EQ(percent_decode("a%20b%2Fc").value(), "a b/c");
  EXPECT_EQ(percent_decode("a+b").value(), "a+b");
  EXPECT_EQ(percent_decode("a+b", true).value(), "a b");
  EXPECT_EQ(percent_decode("%e2%82%AC").value(), "\xe2\x82\xac");
  EXPECT_FALSE(percent_decode("%"));
  EXPECT_FALSE(percent_decode("%4"));
  EXPECT_FALSE(percent_decode("%zz"));
  EXPECT_EQ(percent_decode(percent_encode("x y/z?&=\xff")).value(), "x y/z?&=\xff");
}

TEST(ParseQuery, SplitsDecodesAndKeepsFirst) {
  ParamMap q;
  ASSERT_TRUE(parse_query("from=10&to=2%30&name=a+b&flag&&x=1&x=2&e=", q).ok());
  EXPECT_EQ(q.at("from"), "10");
  EXPECT_EQ(q.at("to"), "20");
  EXPECT_EQ(q.at("name"), "a b");
  EXPECT_EQ(q.at("flag"), "");
  EXPECT_EQ(q.at("x"), "1");
  EXPECT_EQ(q.at("e"), "");
  EXPECT_EQ(q.size(), 6u);

  ParamMap bad;
  Status st = parse_query("a=%zz", bad);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "bad_request");
}

TEST(SplitTarget, PathAndQuery) {
  auto [p1, q1] = split_target("/a/b?x=1&y");
  EXPECT_EQ(p1, "/a/b");
  EXPECT_EQ(q1, "x=1&y");
  auto [p2, q2] = split_target("/a");
  EXPECT_EQ(p2, "/a");
  EXPECT_EQ(q2, "");
}

TEST(ParseHttpUrl, AcceptsValidAddresses) {
  struct Case {
    const char* url;
    const char* host;
    uint16_t port;
  };
  const Case cases[] = {
      {"http://127.0.0.1:7331", "127.0.0.1", 7331},
      {"http://127.0.0.1:7331/", "127.0.0.1", 7331},
      {"http://10.0.0.255:1/s/abc?x=1", "10.0.0.255", 1},
      {"http://[::1]:8080", "::1", 8080},
      {"http://[2001:db8::7]:65535/x", "2001:db8::7", 65535},
      {"http://localhost:80", "localhost", 80},
      {"http://node-1.example.org:9000/api", "node-1.example.org", 9000},
      {"HTTP://Example.COM:10", "Example.COM", 10},
      {"http://0.0.0.0:5", "0.0.0.0", 5},
  };
  for (const auto& c : cases) {
    auto r = parse_http_url(c.url);
    ASSERT_TRUE(r.ok()) << c.url << ": " << r.error().to_string();
    EXPECT_EQ(r->first, c.host) << c.url;
    EXPECT_EQ(r->second, c.port) << c.url;
  }
}

TEST(ParseHttpUrl, RejectsEverythingElse) {
  const char* cases[] = {
      "",
      "127.0.0.1:80",
      "https://127.0.0.1:443",
      "ftp://host:21",
      "http://",
      "http://:80",
      "http://host",
      "http://host:",
      "http://host:0",
      "http://host:65536",
      "http://host:123456",
      "http://host:8a",
      "http://host:-1",
      "http://user@host:80",
      "http://user:pw@host:80",
      "http://256.1.1.1:80",
      "http://1.2.3:80",
      "http://1.2.3.4.5:80",
      "http://01.2.3.4:80",
      "http://::1:80",
      "http://[::1:80",
      "http://[::1]",
      "http://[::1]80",
      "http://[not-v6]:80",
      "http://[fe80::1%eth0]:80",
      "http://-host:80",
      "http://host-:80",
      "http://ho_st:80",
      "http://ho st:80",
      "http://host:80 /x",
      "http://host:80?x=1",
      "http://host:80#frag",
      "http://a..b:80",
      "http://host.:80",
      " http://host:80",
      "http://host:80\n",
  };
  for (const char* url : cases) {
    auto r = parse_http_url(url);
    EXPECT_FALSE(r.ok()) << "accepted: '" << url << "'";
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, "bad_url");
      EXPECT_FALSE(r.error().reason.empty());
    }
  }
}

}  // namespace
}  // namespace klyn::net
