#include "app/flow_analysis.h"

#include <netinet/in.h>

#include "detect/trail_hits.h"

namespace spoor::app {

std::string_view iface_name(const IfaceNames& names, std::uint32_t ifindex) {
    const auto it = names.find(ifindex);
    return it == names.end() ? std::string_view() : std::string_view(it->second);
}

FlowAnalysis::FlowAnalysis(std::shared_ptr<const trails::TrailStore> trails,
                           std::unique_ptr<detect::DomainMatcher> matcher,
                           std::shared_ptr<const trails::Whitelist> whitelist,
                           const IfaceNames& iface_names,
                           const detect::HttpHeuristicsConfig& http_heuristics)
    : trails_(std::move(trails)),
      whitelist_(std::move(whitelist)),
      matcher_(std::move(matcher)),
      iface_names_(iface_names),
      dns_(trails_, *matcher_),
      http_(trails_, *matcher_, http_heuristics, whitelist_),
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
    const auto iface = iface_name(iface_names_, record.header.ifindex);
    const auto observe = [&](WorkerOutput::Observation::Kind kind, std::size_t item) {
        out.observations.push_back({record.index, kind, packet, timestamp, record.header.ifindex,
                                    static_cast<std::uint32_t>(item)});
    };
    alerts_.clear();
    if (reasons & SPOOR_REASON_FLOW_START) {
        observe(WorkerOutput::Observation::Kind::FlowStart, 0);
    }
    if (reasons & SPOOR_REASON_HIT) {
        detect::add_trail_hit_alerts(record.header, packet, *trails_, *whitelist_, timestamp, iface,
                                     alerts_);
    }
    if (reasons & SPOOR_REASON_DNS) {
        const auto first = out.names.size();
        dns_.inspect(packet, timestamp, iface, alerts_, &out.names);
        for (auto i = first; i < out.names.size(); ++i) {
            observe(out.names[i].nxdomain ? WorkerOutput::Observation::Kind::DnsNxdomain
                                          : WorkerOutput::Observation::Kind::DnsQuery,
                    i);
        }
    }
    // A follow-up segment continues whichever head or handshake its flow began:
    // each detector takes those it holds state for.
    const bool tcp = packet.ip_proto == IPPROTO_TCP;
    if (tcp && (reasons & (SPOOR_REASON_HTTP | SPOOR_REASON_FOLLOWUP))) {
        const auto first = out.paths.size();
        http_.inspect(packet, (reasons & SPOOR_REASON_HTTP) != 0, timestamp, iface, alerts_,
                      &out.paths);
        for (auto i = first; i < out.paths.size(); ++i) {
            observe(WorkerOutput::Observation::Kind::HttpPath, i);
        }
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
