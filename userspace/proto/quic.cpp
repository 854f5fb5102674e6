#include "proto/quic.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string_view>

namespace spoor::proto {
namespace {

constexpr std::uint32_t kVersion1 = 0x00000001;
constexpr std::size_t kMaxCidSize = 20;  // RFC 9000 17.2: larger ids are an error in v1
constexpr std::size_t kMaxPnSize = 4;
constexpr std::size_t kSampleSize = 16;
constexpr std::size_t kTagSize = 16;
constexpr std::uint64_t kMaxStreamOffset = (std::uint64_t{1} << 62) - 1;  // RFC 9000 19.6

constexpr std::uint8_t kFramePadding = 0x00;
constexpr std::uint8_t kFramePing = 0x01;
constexpr std::uint8_t kFrameAck = 0x02;
constexpr std::uint8_t kFrameAckEcn = 0x03;
constexpr std::uint8_t kFrameCrypto = 0x06;
constexpr std::uint8_t kFrameConnectionClose = 0x1c;

// RFC 9001 5.2.
constexpr std::array<std::uint8_t, 20> kInitialSalt = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34,
                                                       0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8,
                                                       0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};

template <auto Free>
struct Freer {
    template <typename T>
    void operator()(T* p) const {
        Free(p);
    }
};
using MacPtr = std::unique_ptr<EVP_MAC, Freer<EVP_MAC_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, Freer<EVP_MAC_CTX_free>>;
using CipherPtr = std::unique_ptr<EVP_CIPHER, Freer<EVP_CIPHER_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Freer<EVP_CIPHER_CTX_free>>;

// Fetched once for the process: without an explicit fetch, every EVP_*Init would search the
// providers again. Fetched algorithms are immutable, so threads may share them. They are fetched
// after OpenSSL registered its exit handler, so they are freed before it runs.
EVP_MAC* hmac() {
    static const MacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    return mac.get();
}

EVP_CIPHER* aes_128_ecb() {
    static const CipherPtr cipher(EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr));
    return cipher.get();
}

EVP_CIPHER* aes_128_gcm() {
    static const CipherPtr cipher(EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr));
    return cipher.get();
}

// HMAC-SHA256 of the concatenation of `parts` under `key`, into `out` (at most 32 bytes: the
// first bytes of the MAC). HKDF is built on it below rather than taken from OpenSSL's HKDF:
// a new KDF context per step cost most of a QUIC Initial's analysis, while one HMAC context
// per thread, keyed again for each step, costs a few hundred nanoseconds a step.
bool hmac_sha256(std::span<const std::uint8_t> key,
                 std::initializer_list<std::span<const std::uint8_t>> parts,
                 std::span<std::uint8_t> out) {
    thread_local const MacCtxPtr ctx = [] {
        MacCtxPtr made(hmac() != nullptr ? EVP_MAC_CTX_new(hmac()) : nullptr);
        char digest[] = "SHA256";
        const OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
            OSSL_PARAM_construct_end()};
        if (made && EVP_MAC_CTX_set_params(made.get(), params) != 1) {
            made.reset();
        }
        return made;
    }();
    static const std::uint8_t kNothing = 0;  // OpenSSL refuses a null key even when empty
    std::array<std::uint8_t, 32> mac;
    std::size_t size = 0;
    if (!ctx || out.size() > mac.size() ||
        EVP_MAC_init(ctx.get(), key.empty() ? &kNothing : key.data(), key.size(), nullptr) != 1) {
        return false;
    }
    for (const auto part : parts) {
        if (!part.empty() && EVP_MAC_update(ctx.get(), part.data(), part.size()) != 1) {
            return false;
        }
    }
    if (EVP_MAC_final(ctx.get(), mac.data(), &size, mac.size()) != 1 || size != mac.size()) {
        return false;
    }
    std::memcpy(out.data(), mac.data(), out.size());
    return true;
}

// HKDF-Extract (RFC 5869 2.2): the MAC of the input under the salt.
bool hkdf_extract(std::span<const std::uint8_t> salt, std::span<const std::uint8_t> ikm,
                  std::span<std::uint8_t> prk) {
    return hmac_sha256(salt, {ikm}, prk);
}

// HKDF-Expand-Label of TLS 1.3 (RFC 8446 7.1) with the empty context QUIC uses.
bool hkdf_expand_label(std::span<const std::uint8_t> secret, std::string_view label,
                       std::span<std::uint8_t> out) {
    constexpr std::string_view kPrefix = "tls13 ";
    std::array<std::uint8_t, 2 + 1 + kPrefix.size() + 16 + 1> info{};
    if (label.size() > 16 || out.size() > 0xffff) {
        return false;
    }
    std::size_t n = 0;
    info[n++] = static_cast<std::uint8_t>(out.size() >> 8);
    info[n++] = static_cast<std::uint8_t>(out.size() & 0xff);
    info[n++] = static_cast<std::uint8_t>(kPrefix.size() + label.size());
    std::memcpy(&info[n], kPrefix.data(), kPrefix.size());
    n += kPrefix.size();
    std::memcpy(&info[n], label.data(), label.size());
    n += label.size();
    info[n++] = 0;
    // HKDF-Expand (RFC 5869 2.3) of at most one hash length: T(1) = MAC(info | 0x01).
    static const std::uint8_t kFirstBlock = 1;
    return out.size() <= 32 &&
           hmac_sha256(secret, {std::span<const std::uint8_t>(info.data(), n), {&kFirstBlock, 1}},
                       out);
}

bool derive_client_keys(std::span<const std::uint8_t> dcid, QuicKeys& keys) {
    std::array<std::uint8_t, 32> initial_secret;
    std::array<std::uint8_t, 32> client_secret;
    return hkdf_extract(kInitialSalt, dcid, initial_secret) &&
           hkdf_expand_label(initial_secret, "client in", client_secret) &&
           hkdf_expand_label(client_secret, "quic key", keys.key) &&
           hkdf_expand_label(client_secret, "quic iv", keys.iv) &&
           hkdf_expand_label(client_secret, "quic hp", keys.hp);
}

bool fits_int(std::size_t n) {
    return n <= static_cast<std::size_t>(INT_MAX);
}

// Reads never go past the end: each one checks what is left and fails instead.
class Reader {
  public:
    explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

    std::size_t pos() const { return pos_; }
    std::size_t left() const { return bytes_.size() - pos_; }

    bool u8(std::uint8_t& v) {
        if (left() < 1) {
            return false;
        }
        v = bytes_[pos_++];
        return true;
    }
    bool u32(std::uint32_t& v) {
        if (left() < 4) {
            return false;
        }
        v = 0;
        for (int i = 0; i < 4; ++i) {
            v = v << 8 | bytes_[pos_++];
        }
        return true;
    }
    // RFC 9000 16: the two top bits of the first byte give the length, 1, 2, 4 or 8 bytes.
    bool varint(std::uint64_t& v) {
        if (left() < 1) {
            return false;
        }
        const std::size_t size = std::size_t{1} << (bytes_[pos_] >> 6);
        if (left() < size) {
            return false;
        }
        v = bytes_[pos_++] & 0x3fu;
        for (std::size_t i = 1; i < size; ++i) {
            v = v << 8 | bytes_[pos_++];
        }
        return true;
    }
    bool take(std::uint64_t n, std::span<const std::uint8_t>& out) {
        if (n > left()) {
            return false;
        }
        out = bytes_.subspan(pos_, static_cast<std::size_t>(n));
        pos_ += static_cast<std::size_t>(n);
        return true;
    }
    bool skip(std::uint64_t n) {
        std::span<const std::uint8_t> ignored;
        return take(n, ignored);
    }
    bool skip_varints(int count) {
        std::uint64_t ignored = 0;
        for (int i = 0; i < count; ++i) {
            if (!varint(ignored)) {
                return false;
            }
        }
        return true;
    }

  private:
    std::span<const std::uint8_t> bytes_;
    std::size_t pos_ = 0;
};

}  // namespace

QuicKeys quic_client_initial_keys(std::span<const std::uint8_t> dcid) {
    QuicKeys keys{};
    if (!derive_client_keys(dcid, keys)) {
        throw std::runtime_error("QUIC Initial keys: OpenSSL HKDF-SHA256 failed");
    }
    return keys;
}

// Created on first use, so datagrams that are not Initials cost no allocation; kept for the
// decoder's life, since a context costs more to make than to key again.
struct QuicInitialDecoder::Ciphers {
    CipherCtxPtr ecb;
    CipherCtxPtr gcm;

    // RFC 9001 5.4.3: the first five bytes of AES-ECB(hp, sample) mask the header.
    bool header_mask(const std::array<std::uint8_t, 16>& hp, std::span<const std::uint8_t> sample,
                     std::array<std::uint8_t, kSampleSize>& mask) {
        if (!ecb) {
            ecb.reset(EVP_CIPHER_CTX_new());
        }
        int n = 0;
        return ecb && aes_128_ecb() && sample.size() == kSampleSize &&
               EVP_EncryptInit_ex2(ecb.get(), aes_128_ecb(), hp.data(), nullptr, nullptr) == 1 &&
               EVP_CIPHER_CTX_set_padding(ecb.get(), 0) == 1 &&
               EVP_EncryptUpdate(ecb.get(), mask.data(), &n, sample.data(),
                                 static_cast<int>(kSampleSize)) == 1 &&
               n == static_cast<int>(kSampleSize);
    }

    // AES-128-GCM open; the additional data comes in pieces, so the unmasked header needs no copy.
    bool open(const QuicKeys& keys, const std::array<std::uint8_t, 12>& nonce,
              std::initializer_list<std::span<const std::uint8_t>> aad,
              std::span<const std::uint8_t> ciphertext, std::span<const std::uint8_t> tag,
              std::span<std::uint8_t> out) {
        if (!gcm) {
            gcm.reset(EVP_CIPHER_CTX_new());
        }
        if (!gcm || !aes_128_gcm() || tag.size() != kTagSize || out.size() != ciphertext.size() ||
            !fits_int(ciphertext.size()) ||
            EVP_DecryptInit_ex2(gcm.get(), aes_128_gcm(), keys.key.data(), nonce.data(), nullptr) !=
                1) {
            return false;
        }
        int n = 0;
        for (const auto piece : aad) {
            if (!fits_int(piece.size()) || EVP_DecryptUpdate(gcm.get(), nullptr, &n, piece.data(),
                                                             static_cast<int>(piece.size())) != 1) {
                return false;
            }
        }
        if (!ciphertext.empty() && (EVP_DecryptUpdate(gcm.get(), out.data(), &n, ciphertext.data(),
                                                      static_cast<int>(ciphertext.size())) != 1 ||
                                    n != static_cast<int>(ciphertext.size()))) {
            return false;
        }
        // The control takes a non-const pointer, though setting a tag only reads it.
        std::array<std::uint8_t, kTagSize> expected;
        std::copy(tag.begin(), tag.end(), expected.begin());
        std::array<std::uint8_t, 16> tail;  // GCM writes nothing here; a valid buffer all the same
        return EVP_CIPHER_CTX_ctrl(gcm.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagSize),
                                   expected.data()) == 1 &&
               EVP_DecryptFinal_ex(gcm.get(), tail.data(), &n) == 1;
    }
};

QuicInitialDecoder::QuicInitialDecoder() = default;
QuicInitialDecoder::~QuicInitialDecoder() = default;

QuicStatus QuicInitialDecoder::decode(std::span<const std::uint8_t> datagram) {
    dcid_size_ = 0;
    plaintext_.clear();
    frames_.clear();
    // A payload is shorter than its packet, so all of them fit in the datagram's size: with that
    // reserved, appending never reallocates and the spans in frames_ stay put.
    plaintext_.reserve(datagram.size());

    if (!ciphers_) {
        ciphers_ = std::make_unique<Ciphers>();
    }
    Ciphers& ciphers = *ciphers_;
    std::size_t decoded = 0;
    while (!datagram.empty()) {
        const std::size_t plaintext_before = plaintext_.size();
        const std::size_t frames_before = frames_.size();
        std::size_t packet_size = 0;
        const QuicStatus status = decode_packet(datagram, decoded == 0, ciphers, packet_size);
        if (status != QuicStatus::Ok) {
            plaintext_.resize(plaintext_before);
            frames_.resize(frames_before);
            return decoded > 0 ? QuicStatus::Ok : status;
        }
        ++decoded;
        datagram = datagram.subspan(packet_size);
    }
    return decoded > 0 ? QuicStatus::Ok : QuicStatus::NotInitial;
}

QuicStatus QuicInitialDecoder::decode_packet(std::span<const std::uint8_t> rest, bool first,
                                             Ciphers& ciphers, std::size_t& packet_size) {
    Reader r(rest);
    std::uint8_t first_byte = 0;
    std::uint32_t version = 0;
    // Long header form, type bits 00; those bits are not header-protected.
    if (!r.u8(first_byte) || (first_byte & 0x80) == 0 || (first_byte & 0x30) != 0 ||
        !r.u32(version) || version != kVersion1) {
        return QuicStatus::NotInitial;
    }
    std::uint8_t dcid_size = 0;
    std::uint8_t scid_size = 0;
    std::span<const std::uint8_t> dcid;
    std::uint64_t token_size = 0;
    std::uint64_t length = 0;
    if (!r.u8(dcid_size) || dcid_size > kMaxCidSize || !r.take(dcid_size, dcid) ||
        !r.u8(scid_size) || scid_size > kMaxCidSize || !r.skip(scid_size) ||
        !r.varint(token_size) || !r.skip(token_size) || !r.varint(length)) {
        return QuicStatus::Malformed;
    }
    if (first) {
        std::copy(dcid.begin(), dcid.end(), dcid_.begin());
        dcid_size_ = dcid.size();
    }
    const std::size_t pn_offset = r.pos();
    // The sample is taken as if the packet number were 4 bytes long (RFC 9001 5.4.2), so a packet
    // too short to hold one cannot be unprotected.
    if (length > r.left() || length < kMaxPnSize + kSampleSize) {
        return QuicStatus::Malformed;
    }
    packet_size = pn_offset + static_cast<std::size_t>(length);

    const QuicKeys* keys = keys_for(dcid);
    std::array<std::uint8_t, kSampleSize> mask;
    if (keys == nullptr ||
        !ciphers.header_mask(keys->hp, rest.subspan(pn_offset + kMaxPnSize, kSampleSize), mask)) {
        return QuicStatus::DecryptFailed;
    }
    const std::uint8_t header_first = first_byte ^ (mask[0] & 0x0f);
    const std::size_t pn_size = (header_first & 0x03) + 1;
    std::array<std::uint8_t, kMaxPnSize> pn_bytes;
    std::uint64_t pn = 0;
    for (std::size_t i = 0; i < pn_size; ++i) {
        pn_bytes[i] = rest[pn_offset + i] ^ mask[1 + i];
        pn = pn << 8 | pn_bytes[i];
    }
    // Length counts the packet number, the payload and the tag; it is at least 20, so this holds.
    const std::size_t payload_size = static_cast<std::size_t>(length) - pn_size - kTagSize;
    if (payload_size > kMaxPayload) {
        return QuicStatus::Malformed;
    }

    // RFC 9001 5.3: the packet number, as sent, left-padded to the IV's size and XORed into it.
    // A passive observer has no largest acknowledged packet to expand a truncated number from;
    // clients start their Initials at 0, so the truncated value is the full one.
    std::array<std::uint8_t, 12> nonce = keys->iv;
    for (std::size_t i = 0; i < 8; ++i) {
        nonce[nonce.size() - 1 - i] ^= static_cast<std::uint8_t>(pn >> (8 * i));
    }
    const std::size_t at = plaintext_.size();
    plaintext_.resize(at + payload_size);
    const std::span<std::uint8_t> payload = std::span(plaintext_).subspan(at);
    if (!ciphers.open(*keys, nonce,
                      {std::span(&header_first, 1), rest.subspan(1, pn_offset - 1),
                       std::span(pn_bytes.data(), pn_size)},
                      rest.subspan(pn_offset + pn_size, payload_size),
                      rest.subspan(pn_offset + pn_size + payload_size, kTagSize), payload)) {
        return QuicStatus::DecryptFailed;
    }
    return read_frames(payload);
}

QuicStatus QuicInitialDecoder::read_frames(std::span<const std::uint8_t> payload) {
    if (payload.empty()) {
        return QuicStatus::Malformed;  // RFC 9000 12.4: a packet holds at least one frame
    }
    Reader r(payload);
    std::uint8_t type = 0;
    while (r.u8(type)) {
        switch (type) {
            case kFramePadding:
            case kFramePing:
                break;
            case kFrameAck:
            case kFrameAckEcn: {
                // Skipped, not checked: acknowledgements say nothing about the ClientHello.
                // Each range is at least two bytes, so a hostile count ends with the payload.
                std::uint64_t ranges = 0;
                if (!r.skip_varints(2) || !r.varint(ranges) || !r.skip_varints(1)) {
                    return QuicStatus::Malformed;
                }
                for (std::uint64_t i = 0; i < ranges; ++i) {
                    if (!r.skip_varints(2)) {
                        return QuicStatus::Malformed;
                    }
                }
                if (type == kFrameAckEcn && !r.skip_varints(3)) {
                    return QuicStatus::Malformed;
                }
                break;
            }
            case kFrameCrypto: {
                std::uint64_t offset = 0;
                std::uint64_t size = 0;
                std::span<const std::uint8_t> data;
                // Both values are below 2^62, so their sum cannot wrap.
                if (!r.varint(offset) || !r.varint(size) || offset + size > kMaxStreamOffset ||
                    !r.take(size, data)) {
                    return QuicStatus::Malformed;
                }
                frames_.push_back({offset, data});
                break;
            }
            case kFrameConnectionClose: {
                std::uint64_t reason_size = 0;
                if (!r.skip_varints(2) || !r.varint(reason_size) || !r.skip(reason_size)) {
                    return QuicStatus::Malformed;
                }
                break;
            }
            default:
                // RFC 9000 12.4, table 3: no other frame may travel in an Initial packet.
                return QuicStatus::Malformed;
        }
    }
    return QuicStatus::Ok;
}

const QuicKeys* QuicInitialDecoder::keys_for(std::span<const std::uint8_t> dcid) {
    if (have_keys_ && std::equal(dcid.begin(), dcid.end(), keys_dcid_.begin(),
                                 keys_dcid_.begin() + keys_dcid_size_)) {
        return &keys_;
    }
    have_keys_ = derive_client_keys(dcid, keys_);
    if (!have_keys_) {
        return nullptr;
    }
    std::copy(dcid.begin(), dcid.end(), keys_dcid_.begin());
    keys_dcid_size_ = dcid.size();
    return &keys_;
}

QuicCryptoStream::QuicCryptoStream(std::size_t max_bytes) : max_bytes_(max_bytes) {}

void QuicCryptoStream::add(const QuicCryptoFrame& frame) {
    if (frame.data.empty()) {
        return;
    }
    if (frame.offset >= max_bytes_) {
        overflowed_ = true;
        return;
    }
    const auto begin = static_cast<std::size_t>(frame.offset);
    const std::size_t size = std::min(frame.data.size(), max_bytes_ - begin);
    overflowed_ = overflowed_ || size < frame.data.size();
    const std::size_t end = begin + size;
    if (end <= contiguous_) {
        return;  // a retransmission of what is already in place
    }
    if (end > bytes_.size()) {
        if (end > bytes_.capacity()) {
            // Geometric growth, but never past the bound, which resize() alone could overshoot.
            const std::size_t capacity = std::min(max_bytes_, std::max(end, 2 * bytes_.capacity()));
            bytes_.reserve(capacity);
            have_.reserve(capacity);
        }
        bytes_.resize(end);
        have_.resize(end, false);
    }
    for (std::size_t i = std::max(begin, contiguous_); i < end; ++i) {
        if (!have_[i]) {
            bytes_[i] = frame.data[i - begin];
            have_[i] = true;
        }
    }
    while (contiguous_ < have_.size() && have_[contiguous_]) {
        ++contiguous_;
    }
}

std::span<const std::uint8_t> QuicCryptoStream::contiguous() const {
    return {bytes_.data(), contiguous_};
}

}  // namespace spoor::proto
