#include "app/analyzer.h"

#include <netinet/in.h>
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
      dns_(trails_, matcher_),
      http_(trails_, matcher_),
      tls_(trails_, matcher_) {
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
    constexpr std::uint32_t kAnalysed = SPOOR_REASON_HIT | SPOOR_REASON_DNS | SPOOR_REASON_HTTP |
                                        SPOOR_REASON_TLS | SPOOR_REASON_QUIC |
                                        SPOOR_REASON_FOLLOWUP;
    if (!(header.reasons & kAnalysed)) {
        return;  // a bare flow start: the heuristics of a later stage count those
    }
    proto::Packet packet;
    if (proto::decode_frame(frame.first(header.snap_len), packet) != proto::DecodeStatus::Ok) {
        stats_.undecodable.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    const auto timestamp = static_cast<std::uint64_t>(
        static_cast<std::int64_t>(header.timestamp_ns) + config_.clock_offset_ns);
    const auto iface = config_.iface_name(header.ifindex);
    if (header.reasons & SPOOR_REASON_HIT) {
        detect::add_trail_hit_alerts(header, packet, *trails_, timestamp, iface, alerts_);
    }
    if (header.reasons & SPOOR_REASON_DNS) {
        dns_.inspect(packet, timestamp, iface, alerts_);
    }
    // A follow-up segment continues whichever head or handshake its flow began:
    // each detector takes those it holds state for.
    const bool tcp = packet.ip_proto == IPPROTO_TCP;
    if (tcp && (header.reasons & (SPOOR_REASON_HTTP | SPOOR_REASON_FOLLOWUP))) {
        http_.inspect(packet, (header.reasons & SPOOR_REASON_HTTP) != 0, timestamp, iface, alerts_);
    }
    if (tcp && (header.reasons & (SPOOR_REASON_TLS | SPOOR_REASON_FOLLOWUP))) {
        tls_.inspect_tcp(packet, (header.reasons & SPOOR_REASON_TLS) != 0, timestamp, iface,
                         alerts_);
    }
    if (packet.ip_proto == IPPROTO_UDP && (header.reasons & SPOOR_REASON_QUIC)) {
        tls_.inspect_quic(packet, timestamp, iface, alerts_);
    }
    http_.expire(timestamp, alerts_);
    publish_stats();
    publish_alerts();
}

void Analyzer::tick(std::uint64_t record_clock_ns) {
    http_.expire(static_cast<std::uint64_t>(static_cast<std::int64_t>(record_clock_ns) +
                                            config_.clock_offset_ns),
                 alerts_);
    publish_alerts();
}

void Analyzer::finish() {
    http_.flush(alerts_);
    publish_alerts();
}

void Analyzer::publish_alerts() {
    for (const auto& alert : alerts_) {
        fanout_.publish(alert.timestamp_ns, output::format_eve(alert, config_.host));
        stats_.alerts.fetch_add(1, std::memory_order_relaxed);
    }
    alerts_.clear();
}

void Analyzer::publish_stats() {
    const auto relaxed = std::memory_order_relaxed;
    const auto dns = dns_.stats();
    stats_.dns_messages.store(dns.messages, relaxed);
    stats_.dns_malformed.store(dns.malformed, relaxed);
    stats_.name_lookups.store(matcher_.stats().lookups, relaxed);
    stats_.name_cache_hits.store(matcher_.stats().cache_hits, relaxed);
    const auto http = http_.stats();
    stats_.http_requests.store(http.requests, relaxed);
    stats_.http_malformed.store(http.malformed, relaxed);
    const auto tls = tls_.stats();
    stats_.tls_client_hellos.store(tls.client_hellos, relaxed);
    stats_.tls_certificates.store(tls.certificates, relaxed);
    stats_.tls_malformed.store(tls.malformed, relaxed);
    stats_.quic_initials.store(tls.quic_initials, relaxed);
}

}  // namespace spoor::app
