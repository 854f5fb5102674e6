// Which addresses are "local" (DESIGN.md "Local network"): a short list of IPv4
// and IPv6 prefixes. Heuristics that care whether a host is inside the monitored
// network (an infected machine spreading outwards) ask here; everything outside
// counts as external. Tests in 10.x namespaces replace the list so that some
// 10.x hosts count as external.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "proto/address.h"

namespace spoor::detect {

class LocalNetworks {
  public:
    // RFC 1918, 100.64.0.0/10 (carrier-grade NAT), 127.0.0.0/8, 169.254.0.0/16, ::1/128,
    // fc00::/7 (unique local) and fe80::/10 (link-local).
    static const std::vector<std::string>& default_prefixes();

    // The default prefixes.
    LocalNetworks();
    // "a.b.c.d/n", "v6/n", or a bare address (a single host). Host bits past the length are
    // ignored ("192.168.1.7/24" is 192.168.1.0/24), as operators often write a host's own
    // address with its prefix. Surrounding blanks are trimmed. An empty list is allowed: then
    // nothing is local. Throws std::invalid_argument naming the first bad entry.
    explicit LocalNetworks(const std::vector<std::string>& prefixes);

    bool contains(const IpAddress& address) const;
    std::size_t size() const { return prefixes_.size(); }

  private:
    // An address is two 64-bit words (its 16 bytes as stored, whatever the byte order):
    // a prefix matches when the masked words equal its network's.
    struct Entry {
        std::uint64_t mask[2];
        std::uint64_t network[2];
        std::uint8_t family;
    };
    std::vector<Entry> prefixes_;
};

}  // namespace spoor::detect
