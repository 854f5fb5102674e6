// The record of one indicator of a loaded set, for the trails tests' checks. Each
// throws std::out_of_range, failing the test, when the set lacks the indicator.
#pragma once

#include <cstdint>
#include <string>

#include "trails/trail_set.h"

namespace spoor::test {

inline const trails::TrailRecord& domain(const trails::TrailSet& set, const std::string& name) {
    return set.record(set.domains.at(name));
}

inline const trails::TrailRecord& address(const trails::TrailSet& set, const char* text) {
    return set.record(set.ips.at(IpAddress::parse(text).value()));
}

inline const trails::TrailRecord& cidr(const trails::TrailSet& set, const char* text,
                                       std::uint8_t len) {
    return set.record(set.cidrs.at(trails::Prefix{IpAddress::parse(text).value(), len}));
}

inline const trails::TrailRecord& ip_port(const trails::TrailSet& set, const char* text,
                                          std::uint16_t port) {
    return set.record(set.ipports.at(trails::IpPort{IpAddress::parse(text).value(), port}));
}

inline const trails::TrailRecord& url(const trails::TrailSet& set, const std::string& key) {
    return set.record(set.urls.at(key));
}

}  // namespace spoor::test
