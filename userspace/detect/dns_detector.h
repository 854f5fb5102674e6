// DNS analysis of decoded packets: queries' names against domain trails
// (DomainMatcher), answers' addresses against sinkhole and parking trails.
// DNS over UDP is one message per datagram; DNS over TCP is reassembled per
// direction of each flow (bounded number of flows).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "detect/alert.h"
#include "detect/flow_table.h"
#include "proto/dns.h"
#include "proto/packet.h"
#include "detect/trail_context.h"

namespace spoor::detect {

struct DnsStats {
    std::uint64_t messages = 0;
    std::uint64_t malformed = 0;          // truncated or malformed messages (counted, never fatal)
    std::uint64_t tcp_flows_evicted = 0;  // least recently used streams forgotten to stay bounded
};

// A name the heuristics count: asked in a query (class IN, not PTR, a valid host
// name), or the question of an NXDOMAIN answer.
struct DnsNameSeen {
    proto::DnsName name;
    bool nxdomain = false;
};

class DnsDetector {
  public:
    static constexpr std::size_t kMaxTcpFlows = 4096;

    // `trails` is read at each call: its owner may repoint it between calls.
    explicit DnsDetector(const TrailContext& trails);

    // Appends the alerts of the DNS payload of `packet` (UDP or TCP, port 53) to `out`,
    // and, given `names`, the names its messages show the heuristics.
    void inspect(const proto::Packet& packet, std::uint64_t timestamp_ns, std::string_view in_iface,
                 std::vector<Alert>& out, std::vector<DnsNameSeen>* names = nullptr);

    DnsStats stats() const {
        DnsStats stats = stats_;
        stats.tcp_flows_evicted = tcp_streams_.evicted();
        return stats;
    }

  private:
    void inspect_message(std::span<const std::uint8_t> message, const proto::Packet& packet,
                         std::uint64_t timestamp_ns, std::string_view in_iface,
                         std::vector<Alert>& out, std::vector<DnsNameSeen>* names);
    void report_names(std::vector<DnsNameSeen>& names) const;
    // Where the current message was seen.
    struct Seen {
        const proto::Packet& packet;
        std::uint64_t timestamp_ns;
        std::string_view in_iface;
    };
    static Alert dns_alert(const Seen& seen);
    void check_questions(const Seen& seen, std::vector<Alert>& out);
    void check_answers(const Seen& seen, std::vector<Alert>& out);
    DnsInfo answer_info() const;  // the `dns` object of the current (response) message

    const TrailContext& trails_;
    proto::DnsMessage message_;  // reused: large, and parsing allocates nothing
    FlowTable<proto::DnsTcpStream> tcp_streams_{kMaxTcpFlows};
    DnsStats stats_;
};

}  // namespace spoor::detect
