// HTTP analysis of decoded packets: each request head's Host (and the host of
// an absolute or CONNECT target) against domain trails, its target against URL
// trails, its User-Agent against user-agent trails; then the HTTP
// heuristics (http_heuristics.h) look at it, and at responses. A head spread over several
// segments is collected in order from the follow-up segments the kernel sends
// (a bounded number of flows), then analysed once it is whole.
// A request's alerts wait for its response, so that they carry its status and
// content type as Suricata's do: they are written when the response head comes,
// or once kResponseWaitNs of packet time has passed without it (expire()), or
// when the sensor stops (flush()). Nothing is lost: a full table of waiting
// flows writes its oldest flow's alerts to make room.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "detect/alert.h"
#include "detect/flow_table.h"
#include "detect/http_heuristics.h"
#include "proto/http.h"
#include "proto/packet.h"
#include "detect/trail_context.h"

namespace spoor::detect {

struct HttpStats {
    std::uint64_t requests = 0;
    std::uint64_t malformed = 0;         // heads that are not HTTP/1.x or pass the bounds
    std::uint64_t heads_lost = 0;        // heads cut by a missing segment
    std::uint64_t flows_evicted = 0;     // unfinished heads forgotten to stay bounded
    std::uint64_t heuristic_alerts = 0;  // made by the HTTP heuristics
};

class HttpDetector {
  public:
    static constexpr std::size_t kMaxFlows = 4096;
    static constexpr std::uint64_t kResponseWaitNs = 2'000'000'000;

    // `trails` is read at each call: its owner may repoint it between calls.
    explicit HttpDetector(const TrailContext& trails, const HttpHeuristicsConfig& heuristics = {},
                          std::shared_ptr<const trails::Whitelist> whitelist = nullptr);

    // A TCP segment the kernel sent for HTTP: `starts_head` when its payload
    // starts a request or response, else a follow-up of a head begun earlier.
    // With `paths`, each request's first path segment is appended there, hashed
    // (hash_string), for the web-scan heuristic.
    void inspect(const proto::Packet& packet, bool starts_head, std::uint64_t timestamp_ns,
                 std::string_view in_iface, std::vector<Alert>& out,
                 std::vector<std::uint64_t>* paths = nullptr);

    // Appends the alerts whose wait ended before `now_ns` (packet time, as the alerts' own).
    void expire(std::uint64_t now_ns, std::vector<Alert>& out);
    // Appends every waiting alert.
    void flush(std::vector<Alert>& out);

    HttpStats stats() const {
        HttpStats stats = stats_;
        stats.flows_evicted = pending_.evicted();
        return stats;
    }

  private:
    struct PendingHead {
        TcpCursor cursor;
        std::vector<std::uint8_t> bytes;
    };
    // Alerts of a flow's latest alerting request, waiting for its response.
    struct Waiting {
        std::vector<Alert> alerts;
        std::uint64_t since_ns = 0;
    };
    // Ok or Malformed: the head is done with; Incomplete: wait for more.
    // The packet at hand, and where what it shows goes.
    struct Sink {
        const proto::Packet& packet;
        std::uint64_t timestamp_ns;
        std::string_view in_iface;
        std::vector<Alert>& out;
        std::vector<std::uint64_t>* paths;
    };
    proto::HttpStatus analyse(std::span<const std::uint8_t> head, const Sink& sink);
    proto::HttpStatus analyse_request(std::span<const std::uint8_t> head, const Sink& sink);
    proto::HttpStatus analyse_response(std::span<const std::uint8_t> head, const Sink& sink);
    void release_oldest(std::vector<Alert>& out);  // of the waiting flows

    const TrailContext& trails_;
    HttpHeuristics heuristics_;
    std::vector<HttpFinding> findings_;  // reused
    FlowTable<PendingHead> pending_{kMaxFlows};
    FlowTable<Waiting> waiting_{kMaxFlows};  // keyed by the request's direction
    proto::HttpRequest request_;
    proto::HttpResponse response_;
    HttpStats stats_;
};

}  // namespace spoor::detect
