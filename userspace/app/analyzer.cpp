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
                   AnalyzerConfig config)
    : trails_(std::move(trails)),
      fanout_(fanout),
      config_(std::move(config)),
      matcher_(trails_, config_.whitelist, config_.domains),
      dns_(trails_, matcher_) {
    if (config_.host.empty()) {
        config_.host = host_name();
    }
}

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
    if (!(header.reasons & (SPOOR_REASON_HIT | SPOOR_REASON_DNS))) {
        return;  // flow starts, HTTP, TLS and QUIC are analysed by later stages
    }
    proto::Packet packet;
    if (proto::decode_frame(frame.first(header.snap_len), packet) != proto::DecodeStatus::Ok) {
        stats_.undecodable.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    const auto timestamp = static_cast<std::uint64_t>(
        static_cast<std::int64_t>(header.timestamp_ns) + config_.clock_offset_ns);
    const auto iface = config_.iface_name(header.ifindex);
    alerts_.clear();
    if (header.reasons & SPOOR_REASON_HIT) {
        detect::add_trail_hit_alerts(header, packet, *trails_, timestamp, iface, alerts_);
    }
    if (header.reasons & SPOOR_REASON_DNS) {
        dns_.inspect(packet, timestamp, iface, alerts_);
        stats_.dns_messages.store(dns_.stats().messages, std::memory_order_relaxed);
        stats_.dns_malformed.store(dns_.stats().malformed, std::memory_order_relaxed);
        stats_.name_lookups.store(matcher_.stats().lookups, std::memory_order_relaxed);
        stats_.name_cache_hits.store(matcher_.stats().cache_hits, std::memory_order_relaxed);
    }
    for (const auto& alert : alerts_) {
        fanout_.publish(alert.timestamp_ns, output::format_eve(alert, config_.host));
        stats_.alerts.fetch_add(1, std::memory_order_relaxed);
    }
}

}  // namespace spoor::app
