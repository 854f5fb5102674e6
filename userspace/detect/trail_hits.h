// Alerts for the trail hits the classifier found in one record (IP, CIDR,
// IP:port on either side). The record says which trail matched; the trail
// store of the record's generation says what that trail is.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "detect/alert.h"
#include "proto/packet.h"
#include "spoor/abi.h"
#include "trails/trail_store.h"
#include "trails/whitelist.h"

namespace spoor::detect {

// Appends one classified alert per hit in `record` to `out`, but for an address the
// whitelist holds (itself, or inside one of its prefixes): known-good, whatever a list says.
// `timestamp_ns` is the record's packet time as Unix-epoch nanoseconds.
void add_trail_hit_alerts(const spoor_record& record, const proto::Packet& packet,
                          const trails::TrailStore& trails, const trails::Whitelist& whitelist,
                          std::uint64_t timestamp_ns, std::string_view in_iface,
                          std::vector<Alert>& out);

}  // namespace spoor::detect
