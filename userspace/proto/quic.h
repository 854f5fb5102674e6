// QUIC v1 client Initial packets (RFC 9000 17.2.2, RFC 9001 5): keys derived
// from the destination connection id, header protection removed, the payload
// decrypted (AES-128-GCM, OpenSSL) and its CRYPTO frames handed out, so that
// the ClientHello inside can be read like a TLS one. Initial keys are public
// by design: anyone on the path can do this, which is what makes SNI visible.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace spoor::proto {

enum class QuicStatus {
    Ok,
    NotInitial,     // not a v1 long-header Initial (other versions and types are left alone)
    Malformed,      // lengths that do not fit the datagram, bad varints, bad frames
    DecryptFailed,  // authentication failed: not a client Initial, or corrupted
};

// The client's Initial secrets for a destination connection id (RFC 9001 5.2):
// AEAD key, IV and header protection key. Exposed for the RFC 9001 Appendix A tests.
struct QuicKeys {
    std::array<std::uint8_t, 16> key;
    std::array<std::uint8_t, 12> iv;
    std::array<std::uint8_t, 16> hp;
};
// Throws std::runtime_error when OpenSSL cannot derive them (no HKDF or SHA-256 provider).
QuicKeys quic_client_initial_keys(std::span<const std::uint8_t> dcid);

// Bytes of the CRYPTO stream at `offset`; `data` points into the decoder.
struct QuicCryptoFrame {
    std::uint64_t offset = 0;
    std::span<const std::uint8_t> data;
};

// Decodes the client Initial packets of datagrams. Reuses its buffers; results
// stay valid until the next decode().
class QuicInitialDecoder {
  public:
    // Largest Initial payload decrypted; a longer one is Malformed.
    static constexpr std::size_t kMaxPayload = 4096;

    QuicInitialDecoder();
    ~QuicInitialDecoder();
    QuicInitialDecoder(const QuicInitialDecoder&) = delete;
    QuicInitialDecoder& operator=(const QuicInitialDecoder&) = delete;

    // Every Initial packet coalesced at the front of `datagram` (RFC 9000 12.2) is
    // decrypted; decoding stops at the first packet of another type. Ok when at
    // least one was decrypted. A later Initial that fails ends decoding too and
    // adds no frames; when none decoded, the first packet's status is returned.
    QuicStatus decode(std::span<const std::uint8_t> datagram);

    // The destination connection id of the first Initial of the last decode().
    std::span<const std::uint8_t> dcid() const { return {dcid_.data(), dcid_size_}; }
    // CRYPTO frames of the last decode(), in packet order.
    std::span<const QuicCryptoFrame> crypto_frames() const { return frames_; }

  private:
    // The OpenSSL cipher contexts, made on the first Initial and keyed again for each packet.
    struct Ciphers;

    QuicStatus decode_packet(std::span<const std::uint8_t> rest, bool first, Ciphers& ciphers,
                             std::size_t& packet_size);
    QuicStatus read_frames(std::span<const std::uint8_t> payload);
    const QuicKeys* keys_for(std::span<const std::uint8_t> dcid);

    std::array<std::uint8_t, 20> dcid_{};
    std::size_t dcid_size_ = 0;
    std::vector<std::uint8_t> plaintext_;  // decrypted payloads, back to back
    std::vector<QuicCryptoFrame> frames_;
    // Keys of the last dcid seen: a client's coalesced and retransmitted Initials share one.
    QuicKeys keys_{};
    std::array<std::uint8_t, 20> keys_dcid_{};
    std::size_t keys_dcid_size_ = 0;
    bool have_keys_ = false;
    std::unique_ptr<Ciphers> ciphers_;
};

// Reassembles a CRYPTO stream from frames arriving in any order, up to
// `max_bytes` from offset 0. contiguous() is the prefix received so far.
class QuicCryptoStream {
  public:
    explicit QuicCryptoStream(std::size_t max_bytes = 16384);
    // Adds a frame; bytes past max_bytes are dropped (and overflowed() turns true).
    // Overlapping bytes keep the value that arrived first.
    void add(const QuicCryptoFrame& frame);
    // Valid until the next add().
    std::span<const std::uint8_t> contiguous() const;
    bool overflowed() const { return overflowed_; }

  private:
    std::size_t max_bytes_;
    std::vector<std::uint8_t> bytes_;
    std::vector<bool> have_;
    std::size_t contiguous_ = 0;
    bool overflowed_ = false;
};

}  // namespace spoor::proto
