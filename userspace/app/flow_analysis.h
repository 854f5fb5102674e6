// One analysis worker's share: the records of the flows it owns (both
// directions of a flow always reach the same worker), with the per-flow state
// of the protocol detectors and a name cache of its own. What needs every
// flow's evidence (the heuristics) is not here: the worker hands it on as
// observations, which the Analyzer feeds to the heuristics in record order.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "app/trail_generations.h"
#include "detect/alert.h"
#include "detect/dns_detector.h"
#include "detect/domain_matcher.h"
#include "detect/http_detector.h"
#include "detect/tls_detector.h"
#include "detect/trail_context.h"
#include "proto/packet.h"
#include "spoor/abi.h"
#include "trails/whitelist.h"

namespace spoor::app {

// Interface names by ifindex, resolved once at start; a record of another interface has none.
using IfaceNames = std::map<std::uint32_t, std::string>;
std::string_view iface_name(const IfaceNames& names, std::uint32_t ifindex);

// A record decoded, with where it stands in its batch.
struct DecodedRecord {
    std::uint32_t index = 0;
    spoor_record header{};
    proto::Packet packet;            // payload points into the batch
    std::uint64_t timestamp_ns = 0;  // Unix time
};

// What a worker found for one batch, each item tagged with its record's index.
struct WorkerOutput {
    struct Tagged {
        std::uint32_t index;
        detect::Alert alert;
    };
    // Evidence for the heuristics: a flow start, a DNS name asked / answered NXDOMAIN, or the
    // first path segment of an HTTP request.
    struct Observation {
        enum class Kind : std::uint8_t { FlowStart, DnsQuery, DnsNxdomain, HttpPath };
        std::uint32_t index;
        Kind kind;
        proto::Packet packet;
        std::uint64_t timestamp_ns;
        std::uint32_t ifindex;
        std::uint32_t item = 0;  // DNS kinds: index into `names`; HttpPath: into `paths`
    };
    std::vector<Tagged> alerts;
    // Alerts released by time (HTTP alerts whose response did not come), at the batch's end.
    std::vector<detect::Alert> released;
    std::vector<Observation> observations;
    std::vector<detect::DnsNameSeen> names;  // as the DNS detector reported them
    std::vector<std::uint64_t> paths;        // hashed first path segments, as HTTP reported them

    void clear() {
        alerts.clear();
        released.clear();
        observations.clear();
        names.clear();
        paths.clear();
    }
};

struct WorkerStats {
    detect::DnsStats dns;
    detect::HttpStats http;
    detect::TlsStats tls;
    detect::DomainMatcherStats names;
    std::uint64_t stale_records = 0;  // of a generation no longer kept: the newest served
};

class FlowAnalysis {
  public:
    // How many records ahead of its analysis a DNS record is parsed (DnsDetector::prepare):
    // enough for a memory access to arrive while the records between are analysed.
    static constexpr std::size_t kDnsAhead = 3;
    static_assert(kDnsAhead < detect::DnsDetector::kMaxAhead);

    // `generations` and `iface_names` outlive the worker (the Analyzer holds them). The
    // stores and name tables of the generations are shared by every worker; the name cache
    // of each is the worker's own.
    FlowAnalysis(const TrailGenerations& generations,
                 std::shared_ptr<const trails::Whitelist> whitelist, const IfaceNames& iface_names,
                 const detect::HttpHeuristicsConfig& http_heuristics);

    // Analyses `records` (in order), each against the trails of its generation, then
    // releases what waited past `batch_end_ns`.
    void analyse(std::span<const DecodedRecord> records, std::uint64_t batch_end_ns,
                 WorkerOutput& out);
    // Releases what waited past `now_ns`, or everything.
    void expire(std::uint64_t now_ns, WorkerOutput& out);
    void flush(WorkerOutput& out);

    WorkerStats stats() const;

  private:
    void analyse(const DecodedRecord& record, WorkerOutput& out);
    // Follows the generations kept: matchers made for a new one, dropped for one gone.
    void refresh_generations();
    // The matchers of `generation`, or null when it is no longer kept.
    const detect::TrailContext* context_of(std::uint32_t generation) const;
    const detect::TrailContext& newest_context() const {
        return matchers_.back().matchers->context();
    }
    // Points the detectors' context at `generation`; false (and the newest) when it is no
    // longer kept.
    bool select(std::uint32_t generation);

    struct Matchers {
        std::uint32_t generation;
        const detect::TrailMatchers* tables;  // what they were made from
        std::unique_ptr<detect::TrailMatchers> matchers;
    };
    const TrailGenerations& generations_;
    std::uint64_t generations_version_ = 0;
    std::vector<Matchers> matchers_;            // oldest first
    detect::DomainMatcherStats retired_names_;  // of matchers dropped with their generation
    std::uint64_t stale_records_ = 0;
    detect::TrailContext context_;                        // what the detectors read
    std::shared_ptr<const trails::Whitelist> whitelist_;  // never null
    const IfaceNames& iface_names_;
    detect::DnsDetector dns_;
    detect::HttpDetector http_;
    detect::TlsDetector tls_;
    std::vector<detect::Alert> alerts_;  // one record's, reused
};

}  // namespace spoor::app
