#include "app/flow_analysis.h"

#include <netinet/in.h>

#include "detect/trail_hits.h"

namespace spoor::app {

FlowAnalysis::FlowAnalysis(std::shared_ptr<const trails::TrailSet> trails,
                           std::unique_ptr<detect::DomainMatcher> matcher, IfaceName iface_name)
    : trails_(std::move(trails)),
      matcher_(std::move(matcher)),
      iface_name_(std::move(iface_name)),
      dns_(trails_, *matcher_),
      http_(trails_, *matcher_),
      tls_(trails_, *matcher_) {}

void FlowAnalysis::analyse(std::span<const DecodedRecord> records, std::uint64_t batch_end_ns,
                           WorkerOutput& out) {
    for (const auto& record : records) {
        analyse(record, out);
    }
    // Held alerts are released by the batch's time, not by each record's, so that
    // every worker releases the same ones whichever records it had.
    expire(batch_end_ns, out);
}

void FlowAnalysis::analyse(const DecodedRecord& record, WorkerOutput& out) {
    const auto reasons = record.header.reasons;
    const auto& packet = record.packet;
    const auto timestamp = record.timestamp_ns;
    const auto iface = iface_name_(record.header.ifindex);
    const auto observe = [&](WorkerOutput::Observation::Kind kind, std::uint32_t name) {
        out.observations.push_back(
            {record.index, kind, packet, timestamp, record.header.ifindex, name});
    };
    alerts_.clear();
    if (reasons & SPOOR_REASON_FLOW_START) {
        observe(WorkerOutput::Observation::Kind::FlowStart, 0);
    }
    if (reasons & SPOOR_REASON_HIT) {
        detect::add_trail_hit_alerts(record.header, packet, *trails_, timestamp, iface, alerts_);
    }
    if (reasons & SPOOR_REASON_DNS) {
        names_.clear();
        dns_.inspect(packet, timestamp, iface, alerts_, &names_);
        for (const auto& name : names_) {
            observe(name.nxdomain ? WorkerOutput::Observation::Kind::DnsNxdomain
                                  : WorkerOutput::Observation::Kind::DnsQuery,
                    static_cast<std::uint32_t>(out.names.size()));
            out.names.push_back(name.name);
        }
    }
    // A follow-up segment continues whichever head or handshake its flow began:
    // each detector takes those it holds state for.
    const bool tcp = packet.ip_proto == IPPROTO_TCP;
    if (tcp && (reasons & (SPOOR_REASON_HTTP | SPOOR_REASON_FOLLOWUP))) {
        http_.inspect(packet, (reasons & SPOOR_REASON_HTTP) != 0, timestamp, iface, alerts_);
    }
    if (tcp && (reasons & (SPOOR_REASON_TLS | SPOOR_REASON_FOLLOWUP))) {
        tls_.inspect_tcp(packet, (reasons & SPOOR_REASON_TLS) != 0, timestamp, iface, alerts_);
    }
    if (packet.ip_proto == IPPROTO_UDP && (reasons & SPOOR_REASON_QUIC)) {
        tls_.inspect_quic(packet, timestamp, iface, alerts_);
    }
    for (auto& alert : alerts_) {
        out.alerts.push_back({record.index, std::move(alert)});
    }
}

void FlowAnalysis::expire(std::uint64_t now_ns, WorkerOutput& out) {
    http_.expire(now_ns, out.released);
}

void FlowAnalysis::flush(WorkerOutput& out) {
    http_.flush(out.released);
}

WorkerStats FlowAnalysis::stats() const {
    return {dns_.stats(), http_.stats(), tls_.stats(), matcher_->stats()};
}

}  // namespace spoor::app
