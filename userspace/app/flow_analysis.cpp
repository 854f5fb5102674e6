#include "app/flow_analysis.h"

#include <netinet/in.h>

#include <algorithm>

#include "common/lookahead.h"
#include "detect/trail_hits.h"

namespace spoor::app {

std::string_view iface_name(const IfaceNames& names, std::uint32_t ifindex) {
    const auto it = names.find(ifindex);
    return it == names.end() ? std::string_view() : std::string_view(it->second);
}

FlowAnalysis::FlowAnalysis(const TrailGenerations& generations,
                           std::shared_ptr<const trails::Whitelist> whitelist,
                           const IfaceNames& iface_names,
                           const detect::HttpHeuristicsConfig& http_heuristics)
    : generations_(generations),
      whitelist_(std::move(whitelist)),
      iface_names_(iface_names),
      dns_(context_),
      http_(context_, http_heuristics, whitelist_),
      tls_(context_) {
    refresh_generations();
}

void FlowAnalysis::refresh_generations() {
    const std::uint64_t version = generations_.version();
    if (version == generations_version_ && !matchers_.empty()) {
        return;
    }
    generations_version_ = version;
    std::vector<Matchers> kept;
    for (const auto& generation : generations_.snapshot()) {
        // Same number and same tables: a generation added again (a failed install, retried)
        // has new tables.
        const auto mine = std::find_if(matchers_.begin(), matchers_.end(), [&](const Matchers& m) {
            return m.generation == generation.number && m.tables == generation.tables.get() &&
                   m.matchers;
        });
        if (mine != matchers_.end()) {
            kept.push_back(std::move(*mine));
        } else {
            kept.push_back({generation.number, generation.tables.get(),
                            std::make_unique<detect::TrailMatchers>(
                                *generation.tables, generations_.negative_cache_entries())});
        }
    }
    for (const Matchers& gone : matchers_) {
        if (gone.matchers) {
            retired_names_ += gone.matchers->domains().stats();
        }
    }
    matchers_ = std::move(kept);
    context_ = newest_context();
}

const detect::TrailContext* FlowAnalysis::context_of(std::uint32_t generation) const {
    for (const Matchers& m : matchers_) {
        if (m.generation == generation) {
            return &m.matchers->context();
        }
    }
    return nullptr;
}

bool FlowAnalysis::select(std::uint32_t generation) {
    if (const detect::TrailContext* context = context_of(generation)) {
        context_ = *context;
        return true;
    }
    ++stale_records_;
    context_ = newest_context();
    return false;
}

namespace {

// A record's trail hits found again in `trails` by what they matched (the address, the
// address and port, the prefix): the trail ids of its own generation went with it.
void find_hits_again(spoor_record& header, const proto::Packet& packet,
                     const trails::TrailStore& trails) {
    for (int side = 0; side < SPOOR_SIDES; ++side) {
        spoor_hit& hit = header.hits[side];
        const bool src = side == SPOOR_SIDE_SRC;
        const IpAddress& addr = src ? packet.src : packet.dst;
        std::uint32_t id = trails::kNoRecord;
        if (hit.kind == SPOOR_HIT_IP) {
            id = trails.find_ip(addr);
        } else if (hit.kind == SPOOR_HIT_IPPORT) {
            id = trails.find_ip_port({addr, src ? packet.src_port : packet.dst_port});
        } else if (hit.kind == SPOOR_HIT_CIDR) {
            id = trails.find_prefix({addr.masked(hit.prefix_len), hit.prefix_len});
        }
        hit.trail_id = id;
        if (id == trails::kNoRecord) {
            hit.kind = SPOOR_HIT_NONE;
        }
    }
}

}  // namespace

void FlowAnalysis::analyse(std::span<const DecodedRecord> records, std::uint64_t batch_end_ns,
                           WorkerOutput& out) {
    refresh_generations();
    // DNS messages are parsed kDnsAhead records before their turn, so that the cache
    // lines their names' lookups read are fetched while the records between are analysed.
    // What an earlier batch left prepared (one cut short by an exception) is forgotten
    // first: its payloads and matchers may be gone.
    dns_.forget_prepared();
    const auto prepare = [&](std::size_t i) {
        if (!(records[i].header.reasons & SPOOR_REASON_DNS)) {
            return;
        }
        const detect::TrailContext* context = context_of(records[i].header.generation);
        dns_.prepare(records[i].packet, *(context ? *context : newest_context()).domains);
    };
    visit_ahead(records.size(), kDnsAhead, prepare, [&](std::size_t i) {
        const DecodedRecord& record = records[i];
        if (select(record.header.generation)) {
            analyse(record, out);
        } else {
            DecodedRecord again = record;
            find_hits_again(again.header, again.packet, *context_.store);
            analyse(again, out);
        }
    });
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
        detect::add_trail_hit_alerts(record.header, packet, *context_.store, *whitelist_, timestamp,
                                     iface, alerts_);
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
    WorkerStats stats{dns_.stats(), http_.stats(), tls_.stats(), retired_names_, stale_records_};
    for (const Matchers& m : matchers_) {
        stats.names += m.matchers->domains().stats();
    }
    return stats;
}

}  // namespace spoor::app
