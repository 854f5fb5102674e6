#include "proto/address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace spoor {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) {
        return std::nullopt;
    }
    char buf[INET6_ADDRSTRLEN] = {};
    std::memcpy(buf, text.data(), text.size());
    IpAddress a;
    if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) {
        a.family = 4;
        return a;
    }
    if (inet_pton(AF_INET6, buf, a.bytes.data()) == 1) {
        a.family = 6;
        return a;
    }
    return std::nullopt;
}

IpAddress IpAddress::from_bytes(std::uint8_t family, const std::uint8_t* bytes) {
    IpAddress a;
    a.family = family;
    std::memcpy(a.bytes.data(), bytes, family == 4 ? 4 : 16);
    return a;
}

IpAddress IpAddress::masked(int len) const {
    IpAddress a = *this;
    for (int i = 0; i < 16; ++i) {
        const int keep = std::clamp(len - i * 8, 0, 8);
        a.bytes[i] &= static_cast<std::uint8_t>(0xff00 >> keep);
    }
    return a;
}

std::string IpAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes.data(), buf, sizeof(buf));
    return buf;
}

std::size_t IpAddressHash::operator()(const IpAddress& a) const noexcept {
    std::uint64_t h[2];
    std::memcpy(h, a.bytes.data(), sizeof(h));
    return std::hash<std::uint64_t>{}(h[0] ^ (h[1] * 0x9e3779b97f4a7c15ull) ^ a.family);
}

}  // namespace spoor
