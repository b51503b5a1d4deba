#include "api/client_address.h"

#include <gtest/gtest.h>

namespace docket::api {
namespace {

TEST(ClientAddressTest, CanonicalForms) {
  EXPECT_EQ(CanonicalAddress("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(CanonicalAddress("::ffff:203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(CanonicalAddress("::FFFF:cb00:7107"), "203.0.113.7");
  EXPECT_EQ(CanonicalAddress("2001:0DB8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
  EXPECT_EQ(CanonicalAddress("unknown"), "unknown");
  EXPECT_EQ(CanonicalAddress(""), "");
}

// Before: every IPv6 address had its own buckets, so one host with a /64
// had 2^64 of them.
TEST(ClientAddressTest, IPv6IsCountedByItsSlash64) {
  EXPECT_EQ(LimitKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(LimitKey("2001:db8:1:2::1"), LimitKey("2001:db8:1:2:ffff::9"));
  EXPECT_NE(LimitKey("2001:db8:1:2::1"), LimitKey("2001:db8:1:3::1"));
  EXPECT_EQ(LimitKey("::ffff:198.51.100.9"), "198.51.100.9");
  EXPECT_EQ(LimitKey("198.51.100.9"), "198.51.100.9");
  EXPECT_EQ(LimitKey("not an address"), "not an address");
}

}  // namespace
}  // namespace docket::api
