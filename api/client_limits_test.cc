#include "api/client_limits.h"

#include <gtest/gtest.h>

namespace docket::api {
namespace {

Request From(std::string peer, std::string forwarded = "") {
  Request r;
  r.client_address = std::move(peer);
  if (!forwarded.empty()) r.headers.set("X-Forwarded-For", forwarded);
  return r;
}

TEST(ClientLimitsTest, ForwardedForCountsOnlyBehindTrustedProxies) {
  ManualClock clock(1'000'000);
  ClientLimits limits({{1, 1}, {1, 1}, {"10.0.0.1", "10.0.0.2"}}, clock);
  EXPECT_EQ(limits.ClientAddress(From("192.0.2.7", "198.51.100.1")), "192.0.2.7");
  EXPECT_EQ(limits.ClientAddress(From("10.0.0.1", "198.51.100.1, 10.0.0.2")), "198.51.100.1");
  EXPECT_EQ(limits.ClientAddress(From("10.0.0.1", "10.0.0.2")), "10.0.0.1");
}

// Before: a proxy connecting over IPv6 sockets ("::ffff:10.0.0.1") was not
// recognised as the trusted 10.0.0.1, and each IPv6 address of one host had
// its own bucket.
TEST(ClientLimitsTest, MappedProxiesAreTrustedAndIPv6CountsBySlash64) {
  ManualClock clock(1'000'000);
  ClientLimits limits({{1, 1}, {1, 1}, {"10.0.0.1"}}, clock);
  EXPECT_EQ(limits.ClientAddress(From("::ffff:10.0.0.1", "198.51.100.1")), "198.51.100.1");
  EXPECT_EQ(limits.ClientAddress(From("10.0.0.1", "::ffff:198.51.100.1")), "198.51.100.1");
  EXPECT_FALSE(limits.TakeAddress(From("2001:db8:1:2::1")).has_value());
  auto same_host = limits.TakeAddress(From("2001:db8:1:2:dead:beef::7"));
  ASSERT_TRUE(same_host.has_value());
  EXPECT_EQ(same_host->status, http::status::too_many_requests);
  EXPECT_FALSE(limits.TakeAddress(From("2001:db8:1:3::1")).has_value());
}

TEST(ClientLimitsTest, AddressAndUserBucketsAreSeparate) {
  ManualClock clock(1'000'000);
  ClientLimits limits({{1, 1}, {1, 1}, {}}, clock);
  EXPECT_FALSE(limits.TakeAddress(From("192.0.2.7")).has_value());
  auto again = limits.TakeAddress(From("192.0.2.7"));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, http::status::too_many_requests);
  EXPECT_FALSE(limits.TakeAddress(From("192.0.2.8")).has_value());
  EXPECT_FALSE(limits.TakeUser("u1").has_value());
  EXPECT_TRUE(limits.TakeUser("u1").has_value());
  clock.Advance(std::chrono::seconds(1));
  EXPECT_FALSE(limits.TakeUser("u1").has_value());
}

}  // namespace
}  // namespace docket::api
