// TLS handshakes as the sensor sees them (RFC 8446, RFC 5246): handshake
// messages reassembled from the records of one direction of a TCP stream (or,
// for QUIC, from its CRYPTO stream), the ClientHello's fields, its JA3 and JA4
// fingerprints, and the SHA-1 of the server's leaf certificate (TLS 1.2 and
// older send it in clear; TLS 1.3 encrypts it).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace spoor::proto {

enum class TlsStatus {
    Ok,
    Incomplete,  // more bytes needed
    Malformed,   // not TLS, or a length that does not add up (counted by callers, never fatal)
};

inline constexpr std::uint8_t kHandshakeClientHello = 1;
inline constexpr std::uint8_t kHandshakeServerHello = 2;
inline constexpr std::uint8_t kHandshakeCertificate = 11;

// A ClientHello's fields, in the order the client sent them. Lists keep GREASE
// values (RFC 8701); the fingerprints leave them out. Views point into the
// bytes given to parse_client_hello(). Reused across hellos: parsing clears it
// and keeps the vectors' capacity.
struct ClientHello {
    std::uint16_t legacy_version = 0;  // 0x0303 for TLS 1.2 and 1.3
    // The highest non-GREASE supported_versions entry, or legacy_version without that extension.
    std::uint16_t version = 0;
    std::string_view sni;  // host_name of server_name; empty when absent
    std::vector<std::uint16_t> ciphers;
    std::vector<std::uint16_t> extensions;  // types
    std::vector<std::uint16_t> groups;      // supported_groups
    std::vector<std::uint8_t> ec_point_formats;
    std::vector<std::uint16_t> signature_algorithms;
    std::vector<std::string_view> alpn;  // protocol names
};

// The body of a ClientHello handshake message (after its 4-byte header).
TlsStatus parse_client_hello(std::span<const std::uint8_t> body, ClientHello& out);

// JA3 (Salesforce): "version,ciphers,extensions,groups,ec_point_formats" with
// decimal values joined by "-", GREASE left out; ja3() is the MD5 of that text in lower-case
// hex (the text is built once, as alerts show both).
std::string ja3_text(const ClientHello& hello);
std::string ja3(std::string_view ja3_text);

// JA4 (FoxIO, "JA4: TLS Client Fingerprinting"): e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1".
// `quic` selects the "q" transport prefix instead of "t".
std::string ja4(const ClientHello& hello, bool quic);

// The SHA-1 of the first (leaf) certificate of a Certificate handshake body as
// TLS 1.2 and older send it, lower-case hex; empty on Malformed.
TlsStatus leaf_certificate_sha1(std::span<const std::uint8_t> body, std::string& sha1_hex);

// Handshake messages from a stream of TLS records of one direction (TCP), or
// from a QUIC CRYPTO stream (plain handshake messages, no records). Bytes are
// fed in stream order as they arrive; a message split across records or
// segments comes out whole. At most `max_bytes` are buffered: a message that
// would need more ends the reader (Malformed). Non-handshake records (change
// cipher spec, alerts, application data) end the handshake: nothing more comes out.
class HandshakeReader {
  public:
    enum class Framing { TlsRecords, Plain };
    struct Message {
        std::uint8_t type = 0;
        std::span<const std::uint8_t> body;  // valid until the next feed() or next()
    };

    explicit HandshakeReader(Framing framing, std::size_t max_bytes = 16384);

    // Adds stream bytes. Malformed when they are not TLS records (or the limit is passed).
    TlsStatus feed(std::span<const std::uint8_t> bytes);
    // The next whole handshake message: Ok and `out` set, Incomplete when none is whole yet.
    TlsStatus next(Message& out);

  private:
    enum class State { Open, Ended, Failed };

    TlsStatus append(std::span<const std::uint8_t> handshake_bytes);
    TlsStatus fail();

    Framing framing_;
    std::size_t max_bytes_;
    State state_ = State::Open;
    // TlsRecords framing: record payloads are unwrapped as they arrive (handshake records are
    // plaintext), so only a record header cut across feeds is held back.
    std::array<std::uint8_t, 5> record_header_{};
    std::size_t header_size_ = 0;  // bytes of record_header_ received
    std::size_t record_left_ = 0;  // payload bytes of the current handshake record still to come
    std::vector<std::uint8_t> handshake_;  // unwrapped handshake bytes
    std::size_t consumed_ = 0;             // handshake_ bytes already returned by next()
    std::size_t assembled_ = 0;  // handshake_ bytes in whole messages; the rest is one partial
};

}  // namespace spoor::proto
