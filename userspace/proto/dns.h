// DNS messages (RFC 1035) as pure functions over byte spans: header,
// questions, answers (A, AAAA, CNAME kept; others skipped), name
// compression with loop and bound checks. Fixed-size storage, so parsing a
// message allocates nothing. DNS over TCP: DnsTcpStream splits a byte
// stream into its length-prefixed messages.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "proto/address.h"

namespace spoor::proto {

enum class DnsStatus {
    Ok,
    Truncated,  // the message ends inside a header, name or record
    Malformed,  // compression loop or forward pointer, label/name too long, bad counts...
};

// A decoded name in presentation form ("www.example.com", no trailing dot, "" for the root),
// ASCII letters lower-cased (names are case-insensitive, and matching wants them so: decoding
// does it in the same pass), other bytes as sent; `valid` is false when a label holds bytes
// outside [a-z0-9_-] (non-ASCII, spaces, dots inside labels...): such names are never matched.
struct DnsName {
    char text[256];
    std::uint16_t length = 0;
    std::uint8_t labels = 0;
    bool valid = true;
    std::uint8_t starts[128];  // where each label begins in `text`
    std::string_view view() const { return {text, length}; }
};

struct DnsQuestion {
    DnsName name;
    std::uint16_t qtype = 0;
    std::uint16_t qclass = 0;
};

struct DnsAnswer {
    DnsName name;
    std::uint16_t type = 0;  // 1 A, 28 AAAA, 5 CNAME
    std::uint16_t rclass = 0;
    std::uint32_t ttl = 0;
    IpAddress address;  // A / AAAA
    DnsName target;     // CNAME
};

struct DnsMessage {
    static constexpr std::size_t kMaxQuestions = 4;
    static constexpr std::size_t kMaxAnswers = 16;

    std::uint16_t id = 0;
    bool response = false;
    std::uint8_t opcode = 0;
    std::uint8_t rcode = 0;
    std::uint16_t qdcount = 0;  // as the header says
    std::uint16_t ancount = 0;
    DnsQuestion questions[kMaxQuestions];
    std::uint8_t question_count = 0;  // decoded (at most kMaxQuestions)
    DnsAnswer answers[kMaxAnswers];   // A, AAAA and CNAME records of the answer section
    std::uint8_t answer_count = 0;
};

// Decodes one message. On Truncated/Malformed, `out` holds what was decoded before the fault.
// Questions past kMaxQuestions and answers past kMaxAnswers are decoded and checked like the
// others, then dropped, so the records after them are still reached.
DnsStatus parse_dns(std::span<const std::uint8_t> message, DnsMessage& out);

// "A", "AAAA", "CNAME", "MX", ... or the number as text for others (into a static table).
std::string_view dns_type_name(std::uint16_t type);
// "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", ... or the number.
std::string_view dns_rcode_name(std::uint8_t rcode);

// One direction of a DNS-over-TCP connection (RFC 1035 4.2.2, RFC 7766): two-byte length,
// message, repeated; messages may share a segment or span several.
class DnsTcpStream {
  public:
    static constexpr std::size_t kMaxPending = 65535 + 2;  // one whole message at most

    // Appends a segment's payload and calls on_message(std::span<const std::uint8_t>) for each
    // complete message, in order. Messages inside one segment are passed without copying;
    // only a message split across segments is buffered (bounded by kMaxPending).
    template <typename OnMessage>
    void feed(std::span<const std::uint8_t> segment, OnMessage&& on_message);

    std::size_t pending() const { return pending_.size(); }

  private:
    // The start of a message whose end has not arrived yet (length prefix included); its capacity
    // is reserved exactly once the prefix is known, so it never exceeds kMaxPending.
    std::vector<std::uint8_t> pending_;
};

template <typename OnMessage>
void DnsTcpStream::feed(std::span<const std::uint8_t> segment, OnMessage&& on_message) {
    if (!pending_.empty()) {
        while (pending_.size() < 2 && !segment.empty()) {  // the length prefix itself was split
            pending_.push_back(segment.front());
            segment = segment.subspan(1);
        }
        if (pending_.size() < 2) {
            return;
        }
        const std::size_t total = 2 + (std::size_t{pending_[0]} << 8 | pending_[1]);
        pending_.reserve(total);  // exact, where insert would grow geometrically past the bound
        const std::size_t take = std::min(total - pending_.size(), segment.size());
        pending_.insert(pending_.end(), segment.begin(), segment.begin() + take);
        segment = segment.subspan(take);
        if (pending_.size() < total) {
            return;
        }
        if (total > 2) {
            on_message(std::span<const std::uint8_t>(pending_).subspan(2));
        }
        pending_.clear();
    }
    while (segment.size() >= 2) {
        const std::size_t length = std::size_t{segment[0]} << 8 | segment[1];
        if (segment.size() < 2 + length) {
            break;
        }
        if (length > 0) {  // an empty message carries nothing to parse
            on_message(segment.subspan(2, length));
        }
        segment = segment.subspan(2 + length);
    }
    pending_.assign(segment.begin(), segment.end());  // shorter than its message: under the bound
}

}  // namespace spoor::proto
