// Hashes and random identifiers (libsodium). Thread-safe.
#ifndef DOCKET_COMMON_HASH_H_
#define DOCKET_COMMON_HASH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace docket {

// FNV-1a (64 bit): specified, so every build routes an id to the same
// partition (std::hash is not). Not for secrets.
uint64_t Fnv1a(std::string_view s);

// Lower-case hex of `bytes`.
std::string ToHex(std::string_view bytes);
// Lower-case hex of SHA-256(data): 64 hex digits.
std::string Sha256Hex(std::string_view data);
// Lower-case hex of HMAC-SHA-256(key, data) (RFC 2104): 64 hex digits.
std::string HmacSha256Hex(std::string_view key, std::string_view data);
// `bytes` random bytes from the operating system's CSPRNG, as lower-case
// hex (2 x bytes digits). Suitable for tokens.
std::string RandomHex(size_t bytes);
// Standard base64 (RFC 4648, with padding) of `bytes`.
std::string Base64(std::string_view bytes);

}  // namespace docket

#endif  // DOCKET_COMMON_HASH_H_
