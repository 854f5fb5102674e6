// DNS analysis of decoded packets: queries' names against domain trails
// (DomainMatcher), answers' addresses against sinkhole and parking trails.
// DNS over UDP is one message per datagram; DNS over TCP is reassembled per
// direction of each flow (bounded number of flows).
#pragma once

#include <array>
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
    // How many DNS-over-UDP packets may be prepared ahead of their inspect().
    static constexpr std::size_t kMaxAhead = 4;

    // `trails` is read at each call: its owner may repoint it between calls.
    explicit DnsDetector(const TrailContext& trails);

    // Parses the message of a DNS-over-UDP `packet` ahead of its inspect(), and moves the
    // packets prepared before it one step on in the lookup of their questions' names
    // (DomainMatcher's three steps, by the matcher that prepared each: `names` for this one):
    // the packet just before has its names' cache lines fetched, the one before that its
    // cache probed and, for names it does not hold, their Bloom words fetched. Called a few
    // packets ahead, as FlowAnalysis does, the memory latency of each step overlaps the work
    // on the packets in between. A packet's first step waits for the next packet because
    // the parser writes a name a byte at a time: the hash's wide loads of those bytes, just
    // after, wait until every store has reached the cache (a failed store forward), which
    // cost more than the hash itself. inspect() takes prepared packets in the order they
    // were prepared, whatever step they reached; one it is not given again is dropped.
    // Beyond kMaxAhead waiting packets, or for another protocol, this does nothing.
    void prepare(const proto::Packet& packet, const DomainMatcher& names);
    // Drops the packets prepared and not inspected, whose payloads may be gone: FlowAnalysis
    // calls it as each batch begins.
    void forget_prepared();

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
    // A message parsed, and its questions' lookups as far as the matcher that prepared it took
    // them.
    struct Parsed {
        const std::uint8_t* payload = nullptr;   // where the message lies in its packet
        const DomainMatcher* matcher = nullptr;  // null: parsed by inspect()
        proto::DnsStatus status = proto::DnsStatus::Ok;
        std::array<DomainMatcher::Lookup, proto::DnsMessage::kMaxQuestions> lookups;
        proto::DnsMessage message{};  // zeroed once: DomainMatcher reads whole words of names
    };
    // The next lookup step (DomainMatcher::advance) for the checked questions of a prepared
    // query.
    static void advance(Parsed& parsed);

    // The prepared message of `payload`, or null (the waiting ones before it are dropped).
    Parsed* take_prepared(const std::uint8_t* payload);
    // Inspects the message `bytes`, as `prepared` has it parsed, or parsed now when null.
    void inspect_message(std::span<const std::uint8_t> bytes, const Parsed* prepared,
                         const proto::Packet& packet, std::uint64_t timestamp_ns,
                         std::string_view in_iface, std::vector<Alert>& out,
                         std::vector<DnsNameSeen>* names);
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
    // Reused, as messages are large and parsing allocates nothing: `ahead_` holds the
    // prepared packets (a ring of `waiting_` from `next_`), `direct_` the others.
    std::array<Parsed, kMaxAhead> ahead_;
    std::size_t next_ = 0;
    std::size_t waiting_ = 0;
    Parsed direct_;
    const Parsed* current_ = nullptr;  // what the checks below read
    FlowTable<proto::DnsTcpStream> tcp_streams_{kMaxTcpFlows};
    DnsStats stats_;
};

}  // namespace spoor::detect
