// Client addresses as limits see them. One host of IPv6 usually owns a
// whole /64 (SLAAC, privacy addresses), so counting its addresses one by one
// would hand it 2^64 rate-limit buckets; and one IPv4 client may appear as
// "203.0.113.7" or "::ffff:203.0.113.7" depending on the socket.
// Pure functions, thread-safe.
#ifndef DOCKET_API_CLIENT_ADDRESS_H_
#define DOCKET_API_CLIENT_ADDRESS_H_

#include <string>
#include <string_view>

namespace docket::api {

// The canonical text of an IP address: IPv4 dotted quad (also for an
// IPv4-mapped IPv6 address), IPv6 in RFC 5952 form. Anything that is not
// an address is returned as it is (e.g. "unknown").
std::string CanonicalAddress(std::string_view address);

// The key limits count by: an IPv4 address itself, an IPv6 address its /64
// ("2001:db8:1:2::/64"), IPv4-mapped IPv6 the IPv4 address.
std::string LimitKey(std::string_view address);

}  // namespace docket::api

#endif  // DOCKET_API_CLIENT_ADDRESS_H_
