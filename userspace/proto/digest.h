// Message digests through OpenSSL, each algorithm fetched once for the process:
// EVP_sha1() and friends make every EVP_DigestInit_ex search the providers again
// under a lock, which cost more than hashing a ClientHello's lists or an alert's
// flow tuple. Fetched algorithms are immutable and shared by threads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace spoor::proto {

enum class DigestKind { Md5, Sha1, Sha256 };

struct Digest {
    std::array<std::uint8_t, 64> bytes{};
    std::size_t size = 0;  // 0 when libcrypto refused (MD5 under a FIPS-only provider)
};

Digest digest(DigestKind kind, std::span<const std::uint8_t> input);
// Lower-case hex; empty when libcrypto refused: a missing fingerprint beats a wrong one.
std::string hex_digest(DigestKind kind, std::string_view input);
std::string hex_digest(DigestKind kind, std::span<const std::uint8_t> input);

}  // namespace spoor::proto
