// Builds Ethernet frames for tests and the capture generator: VLAN tags, IPv4 options, IPv6
// extension headers, fragments, TCP/UDP/ICMP with any payload, and the application payloads the
// sensor selects (DNS, HTTP, TLS ClientHello, QUIC Initial). Checksums are left zero: neither the
// classifier nor the kernel's XDP/test-run path checks them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/address.h"

namespace spoor::test {

struct FrameSpec {
    IpAddress src;
    IpAddress dst;
    std::uint8_t proto = 6;  // IPPROTO_TCP
    std::uint16_t sport = 40000;
    std::uint16_t dport = 80;
    std::uint8_t tcp_flags = 0x02;  // SYN
    std::uint32_t seq = 1;          // TCP sequence number
    std::uint32_t ack = 0;          // TCP acknowledgement number
    std::uint8_t icmp_type = 8;
    std::uint8_t icmp_code = 0;
    std::vector<std::uint8_t> payload;
    std::vector<std::uint16_t> vlans;      // outermost first; first is 802.1ad when two
    std::vector<std::uint8_t> ip_options;  // IPv4, multiple of 4 bytes
    // IPv6 extension headers: each {next-header code, total length in bytes (multiple of 8)}.
    std::vector<std::pair<std::uint8_t, std::uint16_t>> ipv6_ext;
    std::uint16_t fragment_offset = 0;  // in 8-byte units; non-zero: a non-first fragment
    bool more_fragments = false;
    bool ipv6_fragment_header = false;  // add a fragment header carrying fragment_offset
};

IpAddress ip(std::string_view text);  // aborts on a bad literal (test input)
std::vector<std::uint8_t> bytes(std::string_view text);
std::vector<std::uint8_t> build_frame(const FrameSpec& spec);

// Shorthands for the common cases.
FrameSpec tcp(std::string_view src, std::uint16_t sport, std::string_view dst, std::uint16_t dport,
              std::uint8_t flags = 0x02, std::string_view payload = {});
FrameSpec udp(std::string_view src, std::uint16_t sport, std::string_view dst, std::uint16_t dport,
              std::vector<std::uint8_t> payload = {});
FrameSpec icmp_echo(std::string_view src, std::string_view dst);

// A TCP spec's payload cut after `first_len` bytes into two segments of the same direction, the
// second's sequence number following on from the first: a head or record that did not fit one
// segment.
std::pair<FrameSpec, FrameSpec> split_segment(const FrameSpec& spec, std::size_t first_len);

// SplitMix64: the same seed gives the same numbers with every compiler and standard library, which
// the std:: distributions do not promise, so generated captures are byte-identical everywhere.
class Rng {
  public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next();
    std::uint64_t below(std::uint64_t n);  // in [0, n), n > 0
    void fill(std::uint8_t* out, std::size_t n);

  private:
    std::uint64_t state_;
};

// Application payloads. Bytes that real stacks pick at random (TLS random, key shares, QUIC
// connection ids, encrypted data) come from `seed`: equal arguments give equal bytes.

constexpr std::uint16_t kDnsA = 1;
constexpr std::uint16_t kDnsTxt = 16;
constexpr std::uint16_t kDnsAaaa = 28;

// A DNS message (RFC 1035) asking one question of class IN, recursion desired. Aborts on a name
// that cannot be encoded (empty inner label, label over 63 or name over 255 bytes).
std::vector<std::uint8_t> dns_query(std::string_view name, std::uint16_t qtype, std::uint16_t id);
// Its answer: the question repeated, then one A or AAAA record (by address family, TTL 300) per
// address, each naming the question through a compression pointer.
std::vector<std::uint8_t> dns_response(std::string_view name, std::uint16_t qtype, std::uint16_t id,
                                       std::uint8_t rcode, const std::vector<IpAddress>& answers);
// A DNS message as it travels over TCP: behind a two-byte length (RFC 1035 4.2.2).
std::vector<std::uint8_t> dns_over_tcp(const std::vector<std::uint8_t>& message);

// A TLS record (type 22, version 0x0301) holding a TLS 1.3 ClientHello: 32-byte session id, five
// cipher suites, null compression, extensions server_name (`sni`; left out when empty),
// supported_versions, supported_groups, signature_algorithms, key_share (x25519), ALPN
// ("h2", "http/1.1"), and a padding extension that brings the record, header included, to
// exactly `total_size` bytes when that is more than the hello needs (about 200 bytes plus the
// name). Aborts past the 16 KiB record limit.
std::vector<std::uint8_t> tls_client_hello(std::string_view sni, std::size_t total_size = 0,
                                           std::uint64_t seed = 0);
// A TLS 1.3 application data record (type 23) of `total_size` bytes, header included, at least 5.
std::vector<std::uint8_t> tls_application_data(std::size_t total_size, std::uint64_t seed = 0);

// A QUIC v1 long-header Initial packet (RFC 9000 17.2.2) of `size` bytes as a client sends it:
// the given destination connection id (v1 allows up to 20 bytes), an 8-byte source id, no token,
// a 4-byte packet number and random bytes standing in for the protected payload, so it is not
// decryptable. Client Initials are at least 1200 bytes; a size below what the header and a
// minimal payload need gives that minimum. Aborts past 16383 bytes.
std::vector<std::uint8_t> quic_initial(const std::vector<std::uint8_t>& dcid,
                                       std::size_t size = 1200, std::uint64_t seed = 0);

// A QUIC v1 client Initial as a client sends it: header fields as set here, `payload` (frames)
// sealed with the Initial keys of `dcid` (RFC 9001 5) and the header protected, so that anyone
// can decrypt it, as on the wire. The Length field is always two bytes, as most senders write it.
struct QuicSealer {
    std::vector<std::uint8_t> dcid;
    std::vector<std::uint8_t> scid;
    std::vector<std::uint8_t> token;
    std::uint64_t pn = 2;
    std::size_t pn_size = 4;  // 1..4

    std::vector<std::uint8_t> seal(const std::vector<std::uint8_t>& payload) const;
    // The unprotected header for a payload of `payload_size` bytes.
    std::vector<std::uint8_t> header(std::size_t payload_size) const;
    // The header protection mask: AES-128-ECB of the 16-byte `sample` under `hp`.
    static std::array<std::uint8_t, 16> mask(const std::array<std::uint8_t, 16>& hp,
                                             const std::vector<std::uint8_t>& sample);
};

// A client Initial carrying `client_hello` (a TLS record from tls_client_hello(); its handshake
// message goes into one CRYPTO frame at offset 0), padded to a 1200-byte datagram.
std::vector<std::uint8_t> quic_client_hello(const std::vector<std::uint8_t>& dcid,
                                            const std::vector<std::uint8_t>& client_hello);

// An HTTP/1.1 request head with Host, User-Agent (left out when empty) and Accept.
std::vector<std::uint8_t> http_request(std::string_view method, std::string_view host,
                                       std::string_view path, std::string_view user_agent);
// An HTTP/1.1 response: status line, Content-Type (left out when empty), Content-Length, body.
std::vector<std::uint8_t> http_response(int status, std::string_view content_type,
                                        std::string_view body);

}  // namespace spoor::test
