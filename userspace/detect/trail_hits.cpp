#include "detect/trail_hits.h"

#include <string>

namespace spoor::detect {
namespace {

// The indicator as an operator would find it in the list it came from.
std::string trail_text(const spoor_hit& hit, const IpAddress& addr, std::uint16_t port) {
    std::string text;
    switch (hit.kind) {
        case SPOOR_HIT_IPPORT:
            text = addr.is_v4() ? addr.to_string() : '[' + addr.to_string() + ']';
            text.append(":").append(std::to_string(port));
            return text;
        case SPOOR_HIT_CIDR:
            text = addr.masked(hit.prefix_len).to_string();
            text.append("/").append(std::to_string(hit.prefix_len));
            return text;
        default:
            return addr.to_string();
    }
}

const char* trail_type(std::uint8_t kind) {
    switch (kind) {
        case SPOOR_HIT_IPPORT:
            return "IPORT";
        case SPOOR_HIT_CIDR:
            return "CIDR";
        default:
            return "IP";
    }
}

}  // namespace

void add_trail_hit_alerts(const spoor_record& record, const proto::Packet& packet,
                          const trails::TrailStore& trails, const trails::Whitelist& whitelist,
                          std::uint64_t timestamp_ns, std::string_view in_iface,
                          std::vector<Alert>& out) {
    for (int side = 0; side < SPOOR_SIDES; ++side) {
        const spoor_hit& hit = record.hits[side];
        if (hit.kind == SPOOR_HIT_NONE || hit.trail_id >= trails.record_count()) {
            continue;
        }
        const bool src = side == SPOOR_SIDE_SRC;
        const IpAddress& addr = src ? packet.src : packet.dst;
        const std::uint16_t port = src ? packet.src_port : packet.dst_port;
        if (whitelist.has_address(addr)) {
            continue;
        }
        const auto rec = trails.record(hit.trail_id);

        Alert alert = flow_alert(packet, timestamp_ns, in_iface);
        alert.trail_type = trail_type(hit.kind);
        alert.trail = trail_text(hit, addr, port);
        set_trail_record(alert, rec);
        alert.matched_field = src ? "src_ip" : "dest_ip";
        if (hit.kind == SPOOR_HIT_IPPORT) {
            alert.matched_field += src ? ":src_port" : ":dest_port";
        }
        alert.detector = "xdp";
        classify(alert);
        out.push_back(std::move(alert));
    }
}

}  // namespace spoor::detect
