#include "app/analyzer.h"

#include <unistd.h>

#include <cstring>

#include "detect/trail_hits.h"
#include "output/eve.h"
#include "proto/packet.h"
#include "spoor/abi.h"

namespace spoor::app {
namespace {

std::string host_name() {
    char buf[256] = {};
    gethostname(buf, sizeof(buf) - 1);
    return buf;
}

}  // namespace

Analyzer::Analyzer(std::shared_ptr<const trails::TrailSet> trails, output::Fanout& fanout,
                   std::string host, IfaceName iface_name, std::int64_t clock_offset_ns)
    : trails_(std::move(trails)),
      fanout_(fanout),
      host_(host.empty() ? host_name() : std::move(host)),
      iface_name_(std::move(iface_name)),
      clock_offset_ns_(clock_offset_ns) {}

void Analyzer::process(const capture::RecordBatch& batch) {
    batch.for_each([this](std::span<const std::uint8_t> bytes) { process_record(bytes); });
}

void Analyzer::process_record(std::span<const std::uint8_t> bytes) {
    stats_.records.fetch_add(1, std::memory_order_relaxed);
    spoor_record header;
    if (bytes.size() < sizeof(header)) {
        stats_.bad_records.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    std::memcpy(&header, bytes.data(), sizeof(header));
    const auto frame = bytes.subspan(sizeof(header));
    if (header.snap_len > frame.size()) {
        stats_.bad_records.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    if (!(header.reasons & SPOOR_REASON_HIT)) {
        return;  // DNS, flow starts, HTTP, TLS and QUIC are analysed by later stages
    }
    proto::Packet packet;
    if (proto::decode_frame(frame.first(header.snap_len), packet) != proto::DecodeStatus::Ok) {
        stats_.undecodable.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    const auto timestamp = static_cast<std::uint64_t>(
        static_cast<std::int64_t>(header.timestamp_ns) + clock_offset_ns_);
    alerts_.clear();
    detect::add_trail_hit_alerts(header, packet, *trails_, timestamp, iface_name_(header.ifindex),
                                 alerts_);
    for (const auto& alert : alerts_) {
        fanout_.publish(alert.timestamp_ns, output::format_eve(alert, host_));
        stats_.alerts.fetch_add(1, std::memory_order_relaxed);
    }
}

}  // namespace spoor::app
