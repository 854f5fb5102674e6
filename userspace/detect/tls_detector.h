// TLS and QUIC analysis of decoded packets. TCP: handshake messages are read
// from the records of each direction, across segments (the kernel sends the
// follow-ups of a record longer than its segment); a ClientHello's SNI goes to
// the domain rules and its JA3/JA4 fingerprints to fingerprint trails, a TLS
// 1.2 server's leaf certificate to certificate trails. QUIC: client Initials
// are decrypted and their CRYPTO frames reassembled until the ClientHello is
// whole. Per-flow state is bounded and dropped once its handshake is read.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "detect/alert.h"
#include "detect/flow_table.h"
#include "proto/packet.h"
#include "proto/quic.h"
#include "proto/tls.h"
#include "detect/trail_context.h"

namespace spoor::detect {

struct TlsStats {
    std::uint64_t client_hellos = 0;     // TLS and QUIC
    std::uint64_t certificates = 0;      // leaf certificates hashed
    std::uint64_t malformed = 0;         // records, hellos or certificates that do not parse
    std::uint64_t quic_initials = 0;     // client Initials decrypted, or of a hello already read
    std::uint64_t quic_undecrypted = 0;  // QUIC Initials that are not a client's, or corrupt
    std::uint64_t flows_evicted = 0;     // unfinished handshakes forgotten to stay bounded
};

class TlsDetector {
  public:
    static constexpr std::size_t kMaxFlows = 4096;

    // `trails` is read at each call: its owner may repoint it between calls.
    explicit TlsDetector(const TrailContext& trails);

    // A TCP segment the kernel sent for TLS: `starts_record` when its payload
    // starts a handshake record, else a follow-up of one begun earlier.
    void inspect_tcp(const proto::Packet& packet, bool starts_record, std::uint64_t timestamp_ns,
                     std::string_view in_iface, std::vector<Alert>& out);
    // A UDP datagram starting with a QUIC long-header Initial.
    void inspect_quic(const proto::Packet& packet, std::uint64_t timestamp_ns,
                      std::string_view in_iface, std::vector<Alert>& out);

    TlsStats stats() const {
        TlsStats stats = stats_;
        stats.flows_evicted = handshakes_.evicted() + quic_.evicted();
        return stats;
    }

  private:
    struct Handshake {
        TcpCursor cursor;
        proto::HandshakeReader reader{proto::HandshakeReader::Framing::TlsRecords};
    };
    struct QuicHandshake {
        proto::QuicCryptoStream crypto;
        bool done = false;  // the hello was read: later Initials of the connection are ignored
    };
    struct Seen {
        const proto::Packet& packet;
        std::uint64_t timestamp_ns;
        std::string_view in_iface;
        bool quic;
    };

    // Returns true when the direction's handshake needs nothing more.
    bool read_messages(proto::HandshakeReader& reader, const Seen& seen, std::vector<Alert>& out);
    void check_client_hello(std::span<const std::uint8_t> body, const Seen& seen,
                            std::vector<Alert>& out);
    void check_certificate(std::span<const std::uint8_t> body, const Seen& seen,
                           std::vector<Alert>& out);
    void add_alert(const Seen& seen, TlsInfo info, const char* type, std::string trail,
                   std::uint32_t record_id, const char* field, std::vector<Alert>& out) const;

    const TrailContext& trails_;
    FlowTable<Handshake> handshakes_{kMaxFlows};
    FlowTable<QuicHandshake> quic_{kMaxFlows};
    proto::QuicInitialDecoder quic_decoder_;
    proto::ClientHello hello_;  // reused: parsing keeps its vectors' capacity
    TlsStats stats_;
};

}  // namespace spoor::detect
