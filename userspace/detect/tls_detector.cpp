#include "detect/tls_detector.h"

#include <cstdio>
#include <string>

namespace spoor::detect {
namespace {

std::string version_name(std::uint16_t version) {
    switch (version) {
        case 0x0304:
            return "TLS 1.3";
        case 0x0303:
            return "TLS 1.2";
        case 0x0302:
            return "TLS 1.1";
        case 0x0301:
            return "TLS 1.0";
        case 0x0300:
            return "SSLv3";
        default: {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "0x%04x", version);
            return buf;
        }
    }
}

// "a1b2..." -> "a1:b2:...", the form Suricata writes a certificate fingerprint in.
std::string colon_separated(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        if (i > 0) {
            out += ':';
        }
        out += hex.substr(i, 2);
    }
    return out;
}

}  // namespace

TlsDetector::TlsDetector(const TrailContext& trails) : trails_(trails) {}

void TlsDetector::inspect_tcp(const proto::Packet& packet, bool starts_record,
                              std::uint64_t timestamp_ns, std::string_view in_iface,
                              std::vector<Alert>& out) {
    if (packet.payload.empty()) {
        return;
    }
    const auto key = FlowDirection::of(packet);
    Handshake* handshake = handshakes_.find(key);
    if (handshake == nullptr) {
        if (!starts_record) {
            return;  // a follow-up of an HTTP head, or of a handshake already read
        }
        handshake = &handshakes_.get(key);
    }
    auto bytes = handshake->cursor.take(packet.tcp_seq, packet.payload);
    if (handshake->cursor.broken()) {
        // A segment went missing: what was collected cannot be completed. A record
        // that starts here starts a stream of its own.
        handshakes_.erase(key);
        if (!starts_record) {
            return;
        }
        handshake = &handshakes_.get(key);
        bytes = handshake->cursor.take(packet.tcp_seq, packet.payload);
    }
    if (handshake->reader.feed(bytes) == proto::TlsStatus::Malformed) {
        ++stats_.malformed;
        handshakes_.erase(key);
        return;
    }
    if (read_messages(handshake->reader, Seen{packet, timestamp_ns, in_iface, false}, out)) {
        handshakes_.erase(key);
    }
}

void TlsDetector::inspect_quic(const proto::Packet& packet, std::uint64_t timestamp_ns,
                               std::string_view in_iface, std::vector<Alert>& out) {
    // A connection whose hello was read needs no more decrypting.
    const auto key = FlowDirection::of(packet);
    if (const QuicHandshake* read = quic_.find(key); read != nullptr && read->done) {
        ++stats_.quic_initials;
        return;
    }
    if (quic_decoder_.decode(packet.payload) != proto::QuicStatus::Ok) {
        // Server Initials (their keys differ), other versions, or damage.
        ++stats_.quic_undecrypted;
        return;
    }
    ++stats_.quic_initials;
    QuicHandshake& handshake = quic_.get(key);
    for (const auto& frame : quic_decoder_.crypto_frames()) {
        handshake.crypto.add(frame);
    }
    proto::HandshakeReader reader(proto::HandshakeReader::Framing::Plain);
    if (reader.feed(handshake.crypto.contiguous()) == proto::TlsStatus::Malformed) {
        ++stats_.malformed;
        handshake.done = true;
        return;
    }
    handshake.done = read_messages(reader, Seen{packet, timestamp_ns, in_iface, true}, out) ||
                     handshake.crypto.overflowed();
}

bool TlsDetector::read_messages(proto::HandshakeReader& reader, const Seen& seen,
                                std::vector<Alert>& out) {
    proto::HandshakeReader::Message message;
    for (;;) {
        const auto status = reader.next(message);
        if (status == proto::TlsStatus::Incomplete) {
            return false;
        }
        if (status == proto::TlsStatus::Malformed) {
            ++stats_.malformed;
            return true;
        }
        switch (message.type) {
            case proto::kHandshakeClientHello:
                check_client_hello(message.body, seen, out);
                return true;
            case proto::kHandshakeCertificate:
                check_certificate(message.body, seen, out);
                return true;
            default:
                break;  // a ServerHello: its Certificate may follow
        }
    }
}

void TlsDetector::check_client_hello(std::span<const std::uint8_t> body, const Seen& seen,
                                     std::vector<Alert>& out) {
    if (proto::parse_client_hello(body, hello_) != proto::TlsStatus::Ok) {
        ++stats_.malformed;
        return;
    }
    ++stats_.client_hellos;
    TlsInfo info;
    info.sni.assign(hello_.sni);
    info.version = version_name(hello_.version);
    info.ja3_string = proto::ja3_text(hello_);
    info.ja3 = proto::ja3(info.ja3_string);
    info.ja4 = proto::ja4(hello_, seen.quic);

    if (!hello_.sni.empty()) {
        if (auto match = trails_.domains->match(hello_.sni)) {
            add_alert(seen, info, "SNI", std::move(match->trail), match->record_id,
                      seen.quic ? "quic.sni" : "tls.sni", out);
        }
    }
    if (const auto record = trails_.store->index(trails::IndicatorKind::Ja4).find(info.ja4);
        record != trails::kNoRecord) {
        add_alert(seen, info, "JA4", info.ja4, record, seen.quic ? "quic.ja4" : "tls.ja4", out);
    }
    if (const auto record = trails_.store->index(trails::IndicatorKind::Ja3).find(info.ja3);
        record != trails::kNoRecord) {
        add_alert(seen, info, "JA4", info.ja3, record, seen.quic ? "quic.ja3.hash" : "tls.ja3.hash",
                  out);
    }
}

void TlsDetector::check_certificate(std::span<const std::uint8_t> body, const Seen& seen,
                                    std::vector<Alert>& out) {
    std::string sha1;
    if (proto::leaf_certificate_sha1(body, sha1) != proto::TlsStatus::Ok) {
        ++stats_.malformed;
        return;
    }
    ++stats_.certificates;
    if (const auto record = trails_.store->index(trails::IndicatorKind::CertSha1).find(sha1);
        record != trails::kNoRecord) {
        TlsInfo info;
        info.fingerprint = colon_separated(sha1);
        add_alert(seen, std::move(info), "CERT", sha1, record, "tls.fingerprint", out);
        out.back().from_server = true;
    }
}

void TlsDetector::add_alert(const Seen& seen, TlsInfo info, const char* type, std::string trail,
                            std::uint32_t record_id, const char* field,
                            std::vector<Alert>& out) const {
    const auto record = trails_.store->record(record_id);
    Alert alert = flow_alert(seen.packet, seen.timestamp_ns, seen.in_iface);
    alert.app_proto = seen.quic ? "quic" : "tls";
    alert.tls = std::move(info);
    alert.trail_type = type;
    alert.trail = std::move(trail);
    set_trail_record(alert, record);
    alert.matched_field = field;
    alert.detector = alert.app_proto;
    classify(alert);
    out.push_back(std::move(alert));
}

}  // namespace spoor::detect
