// Text forms of the address-kind indicator keys, shared by the line parser
// (which must tell a bad port from a non-address) and TrailSet::add.
#pragma once

#include <string>
#include <string_view>

#include "trails/trail_set.h"

namespace spoor::trails::keys {

enum class Parse : std::uint8_t {
    Ok,
    NotAddress,  // the text is not of this shape at all: another rule may apply
    BadPort,     // an address with a port outside 1..65535
    BadLength,   // an address with a prefix length past its width
};

// "a.b.c.d/n" or "v6/n"; the address comes back masked to n.
Parse parse_prefix(std::string_view text, Prefix& out);
// "a.b.c.d:port" or "[v6]:port".
Parse parse_ip_port(std::string_view text, IpPort& out);

// Canonical text of each key, as TrailSet::add accepts it.
std::string prefix_text(const Prefix& prefix);
std::string ip_port_text(const IpPort& ip_port);

}  // namespace spoor::trails::keys
