// IP addresses as the sensor stores them: 16 bytes in network order, IPv4 in
// the first 4 (the layout of bpf/include/spoor/abi.h), plus the family.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace spoor {

struct IpAddress {
    std::uint8_t family = 0;  // 4 or 6 (SPOOR_FAMILY_V4 / _V6); 0: none
    std::array<std::uint8_t, 16> bytes{};

    // Dotted quad or RFC 4291 text; nullopt for anything else.
    static std::optional<IpAddress> parse(std::string_view text);
    // From the raw 16-byte ABI layout.
    static IpAddress from_bytes(std::uint8_t family, const std::uint8_t* bytes);

    bool is_v4() const { return family == 4; }
    int bits() const { return is_v4() ? 32 : 128; }
    // This address with all bits past the first `len` cleared.
    IpAddress masked(int len) const;
    std::string to_string() const;

    auto operator<=>(const IpAddress&) const = default;
};

struct IpAddressHash {
    std::size_t operator()(const IpAddress& a) const noexcept;
};

}  // namespace spoor
