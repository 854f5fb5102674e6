#include "frame_builder.h"

#include "proto/quic.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <cstdio>
#include <cstdlib>

namespace spoor::test {
namespace {

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    put16(out, static_cast<std::uint16_t>(v >> 16));
    put16(out, static_cast<std::uint16_t>(v));
}

void put_random(std::vector<std::uint8_t>& out, std::size_t n, Rng& rng) {
    const auto at = out.size();
    out.resize(at + n);
    rng.fill(out.data() + at, n);
}

// Builders abort on input no caller should pass: it is a bug in a test or in the generator.
[[noreturn]] void bad_input(const char* what, std::string_view detail) {
    std::fprintf(stderr, "%s %.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
}

// Starts a block whose big-endian length field of `width` bytes close_block fills in later: TLS
// nests such lengths several deep.
std::size_t open_block(std::vector<std::uint8_t>& out, std::size_t width) {
    out.resize(out.size() + width);
    return out.size();
}

void close_block(std::vector<std::uint8_t>& out, std::size_t start, std::size_t width) {
    const auto len = out.size() - start;
    for (std::size_t i = 0; i < width; ++i) {
        out[start - 1 - i] = static_cast<std::uint8_t>(len >> (8 * i));
    }
}

void put_dns_name(std::vector<std::uint8_t>& out, std::string_view name) {
    const auto full = name;
    if (name.ends_with('.')) {
        name.remove_suffix(1);  // the root label is written last either way
    }
    std::size_t encoded = 1;
    while (!name.empty()) {
        const auto dot = name.find('.');
        const auto label = name.substr(0, dot);
        if (label.empty() || label.size() > 63) {
            bad_input("bad DNS name", full);
        }
        out.push_back(static_cast<std::uint8_t>(label.size()));
        out.insert(out.end(), label.begin(), label.end());
        encoded += 1 + label.size();
        if (dot == std::string_view::npos) {
            break;
        }
        name.remove_prefix(dot + 1);
        if (name.empty()) {
            bad_input("bad DNS name", full);  // "a.b..": an empty label before the root
        }
    }
    if (encoded > 255) {
        bad_input("bad DNS name", full);
    }
    out.push_back(0);
}

void put_dns_question(std::vector<std::uint8_t>& out, std::string_view name, std::uint16_t qtype) {
    put_dns_name(out, name);
    put16(out, qtype);
    put16(out, 1);  // class IN
}

const char* http_reason(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 204:
            return "No Content";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 304:
            return "Not Modified";
        case 400:
            return "Bad Request";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return "Status";
    }
}

void put_addr(std::vector<std::uint8_t>& out, const IpAddress& a) {
    out.insert(out.end(), a.bytes.begin(), a.bytes.begin() + (a.is_v4() ? 4 : 16));
}

std::vector<std::uint8_t> l4_segment(const FrameSpec& s) {
    std::vector<std::uint8_t> l4;
    switch (s.proto) {
        case 6:
            put16(l4, s.sport);
            put16(l4, s.dport);
            put32(l4, s.seq);
            put32(l4, s.ack);
            l4.push_back(5 << 4);  // data offset: 20 bytes
            l4.push_back(s.tcp_flags);
            put16(l4, 65535);
            l4.insert(l4.end(), {0, 0, 0, 0});  // checksum, urgent pointer
            break;
        case 17:
            put16(l4, s.sport);
            put16(l4, s.dport);
            put16(l4, static_cast<std::uint16_t>(8 + s.payload.size()));
            put16(l4, 0);
            break;
        case 1:
        case 58:
            l4.insert(l4.end(), {s.icmp_type, s.icmp_code, 0, 0, 0, 1, 0, 1});
            break;
        default:
            break;
    }
    l4.insert(l4.end(), s.payload.begin(), s.payload.end());
    return l4;
}

}  // namespace

IpAddress ip(std::string_view text) {
    auto a = IpAddress::parse(text);
    if (!a) {
        bad_input("bad test address", text);
    }
    return *a;
}

std::vector<std::uint8_t> bytes(std::string_view text) {
    return {text.begin(), text.end()};
}

std::vector<std::uint8_t> build_frame(const FrameSpec& s) {
    std::vector<std::uint8_t> f = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
    const bool v4 = s.src.is_v4();
    for (std::size_t i = 0; i < s.vlans.size(); ++i) {
        put16(f, i == 0 && s.vlans.size() > 1 ? 0x88a8 : 0x8100);
        put16(f, s.vlans[i]);
    }
    put16(f, v4 ? 0x0800 : 0x86dd);

    // Non-first fragments carry only payload bytes, no L4 header.
    const bool later_fragment = s.fragment_offset != 0;
    auto l4 = later_fragment ? s.payload : l4_segment(s);
    if (v4) {
        const auto ihl = static_cast<std::uint8_t>(5 + s.ip_options.size() / 4);
        f.push_back(static_cast<std::uint8_t>(0x40 | ihl));
        f.push_back(0);
        put16(f, static_cast<std::uint16_t>(ihl * 4 + l4.size()));
        put16(f, 0x1234);
        put16(f, static_cast<std::uint16_t>((s.more_fragments ? 0x2000 : 0) | s.fragment_offset));
        f.push_back(64);
        f.push_back(s.proto);
        put16(f, 0);
        put_addr(f, s.src);
        put_addr(f, s.dst);
        f.insert(f.end(), s.ip_options.begin(), s.ip_options.end());
    } else {
        std::vector<std::uint8_t> ext;
        // Chain: the listed extension headers, then an optional fragment header, then L4.
        std::vector<std::pair<std::uint8_t, std::uint16_t>> chain = s.ipv6_ext;
        if (s.ipv6_fragment_header) {
            chain.push_back({44, 8});
        }
        for (std::size_t i = 0; i < chain.size(); ++i) {
            const std::uint8_t next = i + 1 < chain.size() ? chain[i + 1].first : s.proto;
            const auto [code, len] = chain[i];
            std::vector<std::uint8_t> h(len, 0);
            h[0] = next;
            if (code == 44) {
                const auto off = static_cast<std::uint16_t>((s.fragment_offset << 3) |
                                                            (s.more_fragments ? 1 : 0));
                h[2] = static_cast<std::uint8_t>(off >> 8);
                h[3] = static_cast<std::uint8_t>(off);
            } else if (code == 51) {
                h[1] = static_cast<std::uint8_t>(len / 4 - 2);
            } else {
                h[1] = static_cast<std::uint8_t>(len / 8 - 1);
            }
            ext.insert(ext.end(), h.begin(), h.end());
        }
        f.insert(f.end(), {0x60, 0, 0, 0});
        put16(f, static_cast<std::uint16_t>(ext.size() + l4.size()));
        f.push_back(chain.empty() ? s.proto : chain.front().first);
        f.push_back(64);
        put_addr(f, s.src);
        put_addr(f, s.dst);
        f.insert(f.end(), ext.begin(), ext.end());
    }
    f.insert(f.end(), l4.begin(), l4.end());
    return f;
}

FrameSpec tcp(std::string_view src, std::uint16_t sport, std::string_view dst, std::uint16_t dport,
              std::uint8_t flags, std::string_view payload) {
    FrameSpec s;
    s.src = ip(src);
    s.dst = ip(dst);
    s.proto = 6;
    s.sport = sport;
    s.dport = dport;
    s.tcp_flags = flags;
    s.payload = bytes(payload);
    return s;
}

FrameSpec udp(std::string_view src, std::uint16_t sport, std::string_view dst, std::uint16_t dport,
              std::vector<std::uint8_t> payload) {
    FrameSpec s;
    s.src = ip(src);
    s.dst = ip(dst);
    s.proto = 17;
    s.sport = sport;
    s.dport = dport;
    s.payload = std::move(payload);
    return s;
}

FrameSpec icmp_echo(std::string_view src, std::string_view dst) {
    FrameSpec s;
    s.src = ip(src);
    s.dst = ip(dst);
    s.proto = s.src.is_v4() ? 1 : 58;
    s.icmp_type = s.src.is_v4() ? 8 : 128;
    s.sport = s.dport = 0;
    return s;
}

std::pair<FrameSpec, FrameSpec> split_segment(const FrameSpec& spec, std::size_t first_len) {
    first_len = std::min(first_len, spec.payload.size());
    const auto cut = spec.payload.begin() + static_cast<std::ptrdiff_t>(first_len);
    std::pair<FrameSpec, FrameSpec> parts{spec, spec};
    parts.first.payload.assign(spec.payload.begin(), cut);
    parts.second.payload.assign(cut, spec.payload.end());
    parts.second.seq = spec.seq + static_cast<std::uint32_t>(first_len);
    return parts;
}

std::uint64_t Rng::next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// The modulo bias is below n / 2^64: nothing generated traffic could show.
std::uint64_t Rng::below(std::uint64_t n) {
    return next() % n;
}

void Rng::fill(std::uint8_t* out, std::size_t n) {
    for (std::size_t i = 0; i < n; i += 8) {
        const auto v = next();
        // Shifts, not memcpy: the bytes must not depend on the host's byte order.
        for (std::size_t j = 0; j < 8 && i + j < n; ++j) {
            out[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
        }
    }
}

std::vector<std::uint8_t> dns_query(std::string_view name, std::uint16_t qtype, std::uint16_t id) {
    std::vector<std::uint8_t> out;
    put16(out, id);
    put16(out, 0x0100);  // a standard query, recursion desired
    put16(out, 1);       // one question, no answer, authority or additional records
    out.insert(out.end(), {0, 0, 0, 0, 0, 0});
    put_dns_question(out, name, qtype);
    return out;
}

std::vector<std::uint8_t> dns_response(std::string_view name, std::uint16_t qtype, std::uint16_t id,
                                       std::uint8_t rcode, const std::vector<IpAddress>& answers) {
    std::vector<std::uint8_t> out;
    put16(out, id);
    put16(out, static_cast<std::uint16_t>(0x8180 | (rcode & 0x0f)));  // response, RD and RA set
    put16(out, 1);
    put16(out, static_cast<std::uint16_t>(answers.size()));
    out.insert(out.end(), {0, 0, 0, 0});
    put_dns_question(out, name, qtype);
    for (const auto& a : answers) {
        put16(out, 0xc00c);  // the name: a pointer to the question's, right after the header
        put16(out, a.is_v4() ? kDnsA : kDnsAaaa);
        put16(out, 1);
        put32(out, 300);
        put16(out, a.is_v4() ? 4 : 16);
        put_addr(out, a);
    }
    return out;
}

std::vector<std::uint8_t> dns_over_tcp(const std::vector<std::uint8_t>& message) {
    std::vector<std::uint8_t> out;
    put16(out, static_cast<std::uint16_t>(message.size()));
    out.insert(out.end(), message.begin(), message.end());
    return out;
}

std::vector<std::uint8_t> tls_client_hello(std::string_view sni, std::size_t total_size,
                                           std::uint64_t seed) {
    Rng rng(seed);
    std::vector<std::uint8_t> ext;  // all extensions but padding
    auto extension = [&ext](std::uint16_t type) {
        put16(ext, type);
        return open_block(ext, 2);
    };
    if (!sni.empty()) {
        const auto e = extension(0);  // server_name: a list holding one host_name (RFC 6066 3)
        const auto list = open_block(ext, 2);
        ext.push_back(0);
        const auto name = open_block(ext, 2);
        ext.insert(ext.end(), sni.begin(), sni.end());
        close_block(ext, name, 2);
        close_block(ext, list, 2);
        close_block(ext, e, 2);
    }
    auto e = extension(43);  // supported_versions: TLS 1.3, then 1.2
    auto list = open_block(ext, 1);
    put16(ext, 0x0304);
    put16(ext, 0x0303);
    close_block(ext, list, 1);
    close_block(ext, e, 2);

    e = extension(10);  // supported_groups: x25519, secp256r1, secp384r1
    list = open_block(ext, 2);
    for (std::uint16_t group : {0x001d, 0x0017, 0x0018}) {
        put16(ext, group);
    }
    close_block(ext, list, 2);
    close_block(ext, e, 2);

    e = extension(13);  // signature_algorithms: ECDSA, RSA-PSS and PKCS#1 with SHA-2
    list = open_block(ext, 2);
    for (std::uint16_t scheme : {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601}) {
        put16(ext, scheme);
    }
    close_block(ext, list, 2);
    close_block(ext, e, 2);

    e = extension(51);  // key_share: one x25519 public key
    list = open_block(ext, 2);
    put16(ext, 0x001d);
    put16(ext, 32);
    put_random(ext, 32, rng);
    close_block(ext, list, 2);
    close_block(ext, e, 2);

    e = extension(16);  // application_layer_protocol_negotiation
    list = open_block(ext, 2);
    for (std::string_view proto : {"h2", "http/1.1"}) {
        ext.push_back(static_cast<std::uint8_t>(proto.size()));
        ext.insert(ext.end(), proto.begin(), proto.end());
    }
    close_block(ext, list, 2);
    close_block(ext, e, 2);

    constexpr std::uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f};
    std::size_t session_id_len = 32;
    // Record and handshake headers, legacy_version, random, session id length, the suites,
    // compression methods and the extensions length.
    constexpr std::size_t fixed = 5 + 4 + 2 + 32 + 1 + 2 + 2 * std::size(suites) + 2 + 2;
    const auto natural = fixed + session_id_len + ext.size();
    if (total_size > natural) {
        auto pad = total_size - natural;
        if (pad < 4) {
            // The padding extension's own header is 4 bytes: a shorter session id makes up the
            // difference, so every size from the natural one up is reachable.
            session_id_len -= 4 - pad;
            pad = 4;
        }
        put16(ext, 21);  // padding (RFC 7685): zeros
        put16(ext, static_cast<std::uint16_t>(pad - 4));
        ext.resize(ext.size() + pad - 4);
    }

    std::vector<std::uint8_t> out = {22, 0x03, 0x01};  // handshake record, legacy version TLS 1.0
    const auto record = open_block(out, 2);
    out.push_back(1);  // ClientHello
    const auto hello = open_block(out, 3);
    put16(out, 0x0303);  // legacy_version TLS 1.2; the real one is in supported_versions
    put_random(out, 32, rng);
    out.push_back(static_cast<std::uint8_t>(session_id_len));
    put_random(out, session_id_len, rng);
    put16(out, static_cast<std::uint16_t>(2 * std::size(suites)));
    for (auto suite : suites) {
        put16(out, suite);
    }
    out.insert(out.end(), {1, 0});  // one compression method: null
    const auto extensions = open_block(out, 2);
    out.insert(out.end(), ext.begin(), ext.end());
    close_block(out, extensions, 2);
    close_block(out, hello, 3);
    close_block(out, record, 2);
    if (out.size() > 5 + 16384) {
        bad_input("TLS ClientHello over the 16 KiB record limit for", sni);
    }
    return out;
}

std::vector<std::uint8_t> tls_application_data(std::size_t total_size, std::uint64_t seed) {
    Rng rng(seed);
    total_size = std::max<std::size_t>(total_size, 5);
    std::vector<std::uint8_t> out = {23, 0x03, 0x03};
    put16(out, static_cast<std::uint16_t>(total_size - 5));
    put_random(out, total_size - 5, rng);
    return out;
}

std::vector<std::uint8_t> quic_initial(const std::vector<std::uint8_t>& dcid, std::size_t size,
                                       std::uint64_t seed) {
    if (dcid.size() > 255) {
        bad_input("QUIC connection id over 255 bytes", {});
    }
    Rng rng(seed);
    // Long header, fixed bit, type Initial, packet number length 4 (the low bits say 4 - 1).
    std::vector<std::uint8_t> out = {0xc3};
    put32(out, 0x00000001);
    out.push_back(static_cast<std::uint8_t>(dcid.size()));
    out.insert(out.end(), dcid.begin(), dcid.end());
    out.push_back(8);
    put_random(out, 8, rng);
    out.push_back(0);  // token length, a one-byte varint
    // The Length field (a two-byte varint) counts packet number and payload. Header protection
    // samples 16 bytes starting 4 past the packet number, so real packets never carry less.
    constexpr std::size_t min_length = 4 + 16;
    const auto header = out.size() + 2;
    const auto length = std::max(min_length, size > header ? size - header : 0);
    if (length > 0x3fff) {
        bad_input("QUIC Initial too long for a two-byte Length", {});
    }
    put16(out, static_cast<std::uint16_t>(0x4000 | length));
    put_random(out, length, rng);  // packet number and payload, both protected on the wire
    return out;
}

namespace {

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

void require_ok(int openssl_result, const char* what) {
    if (openssl_result != 1) {
        bad_input("OpenSSL failed:", what);
    }
}

// RFC 9000 16: the shortest encoding.
void put_varint(std::vector<std::uint8_t>& out, std::uint64_t v) {
    if (v < 0x40) {
        out.push_back(static_cast<std::uint8_t>(v));
    } else if (v < 0x4000) {
        put16(out, static_cast<std::uint16_t>(0x4000 | v));
    } else if (v < 0x40000000) {
        put32(out, static_cast<std::uint32_t>(0x80000000u | v));
    } else {
        put32(out, static_cast<std::uint32_t>(0xc0000000u | v >> 32));
        put32(out, static_cast<std::uint32_t>(v));
    }
}

}  // namespace

std::vector<std::uint8_t> QuicSealer::header(std::size_t payload_size) const {
    if (pn_size < 1 || pn_size > 4 || dcid.size() > 255 || scid.size() > 255) {
        bad_input("QUIC sealer: bad packet number size or connection id", {});
    }
    std::vector<std::uint8_t> out = {static_cast<std::uint8_t>(0xc0 | (pn_size - 1))};
    put32(out, 0x00000001);
    out.push_back(static_cast<std::uint8_t>(dcid.size()));
    out.insert(out.end(), dcid.begin(), dcid.end());
    out.push_back(static_cast<std::uint8_t>(scid.size()));
    out.insert(out.end(), scid.begin(), scid.end());
    put_varint(out, token.size());
    out.insert(out.end(), token.begin(), token.end());
    const std::size_t length = pn_size + payload_size + 16;  // the AEAD tag is 16 bytes
    if (length > 0x3fff) {
        bad_input("QUIC sealer: payload too long for a two-byte Length", {});
    }
    put16(out, static_cast<std::uint16_t>(0x4000 | length));
    for (std::size_t i = pn_size; i-- > 0;) {
        out.push_back(static_cast<std::uint8_t>(pn >> (8 * i)));
    }
    return out;
}

std::array<std::uint8_t, 16> QuicSealer::mask(const std::array<std::uint8_t, 16>& hp,
                                              const std::vector<std::uint8_t>& sample) {
    if (sample.size() != 16) {
        bad_input("QUIC sealer: the header protection sample is 16 bytes", {});
    }
    const CipherCtx ctx(EVP_CIPHER_CTX_new());
    std::array<std::uint8_t, 16> out{};
    int n = 0;
    require_ok(ctx ? 1 : 0, "EVP_CIPHER_CTX_new");
    require_ok(EVP_EncryptInit_ex2(ctx.get(), EVP_aes_128_ecb(), hp.data(), nullptr, nullptr),
               "AES-128-ECB");
    require_ok(EVP_CIPHER_CTX_set_padding(ctx.get(), 0), "padding");
    require_ok(EVP_EncryptUpdate(ctx.get(), out.data(), &n, sample.data(), 16), "AES-128-ECB");
    return out;
}

std::vector<std::uint8_t> QuicSealer::seal(const std::vector<std::uint8_t>& payload) const {
    const proto::QuicKeys keys = proto::quic_client_initial_keys(dcid);
    std::vector<std::uint8_t> packet = header(payload.size());
    const std::size_t pn_offset = packet.size() - pn_size;
    std::array<std::uint8_t, 12> nonce = keys.iv;
    for (std::size_t i = 0; i < 8; ++i) {
        nonce[11 - i] ^= static_cast<std::uint8_t>(pn >> (8 * i));
    }
    const CipherCtx ctx(EVP_CIPHER_CTX_new());
    require_ok(ctx ? 1 : 0, "EVP_CIPHER_CTX_new");
    require_ok(
        EVP_EncryptInit_ex2(ctx.get(), EVP_aes_128_gcm(), keys.key.data(), nonce.data(), nullptr),
        "AES-128-GCM");
    int n = 0;
    // The header, unprotected, is the associated data.
    require_ok(
        EVP_EncryptUpdate(ctx.get(), nullptr, &n, packet.data(), static_cast<int>(packet.size())),
        "AAD");
    const std::size_t at = packet.size();
    packet.resize(at + payload.size() + 16);
    if (!payload.empty()) {
        require_ok(EVP_EncryptUpdate(ctx.get(), &packet[at], &n, payload.data(),
                                     static_cast<int>(payload.size())),
                   "encrypt");
    }
    require_ok(EVP_EncryptFinal_ex(ctx.get(), &packet[at + payload.size()], &n), "final");
    require_ok(
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, 16, &packet[at + payload.size()]),
        "tag");
    // Header protection: the sample starts 4 bytes past the packet number, whatever its size.
    const std::vector<std::uint8_t> sample(
        packet.begin() + static_cast<std::ptrdiff_t>(pn_offset + 4),
        packet.begin() + static_cast<std::ptrdiff_t>(pn_offset + 20));
    const auto m = mask(keys.hp, sample);
    packet[0] ^= m[0] & 0x0f;
    for (std::size_t i = 0; i < pn_size; ++i) {
        packet[pn_offset + i] ^= m[1 + i];
    }
    return packet;
}

std::vector<std::uint8_t> quic_client_hello(const std::vector<std::uint8_t>& dcid,
                                            const std::vector<std::uint8_t>& client_hello) {
    if (client_hello.size() < 5) {
        bad_input("QUIC client hello: not a TLS record", {});
    }
    QuicSealer sealer;
    sealer.dcid = dcid;
    sealer.scid = {0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58};
    // A CRYPTO frame at offset 0 with the handshake message (the record without its header).
    std::vector<std::uint8_t> frames = {0x06, 0x00};
    put_varint(frames, client_hello.size() - 5);
    frames.insert(frames.end(), client_hello.begin() + 5, client_hello.end());
    // PADDING up to a 1200-byte datagram, as clients must send (RFC 9000 14.1).
    const std::size_t datagram = sealer.header(frames.size()).size() + frames.size() + 16;
    if (datagram < 1200) {
        frames.resize(frames.size() + 1200 - datagram, 0x00);
    }
    return sealer.seal(frames);
}

std::vector<std::uint8_t> http_request(std::string_view method, std::string_view host,
                                       std::string_view path, std::string_view user_agent) {
    std::string head;
    head.append(method).append(" ").append(path).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(host).append("\r\n");
    if (!user_agent.empty()) {
        head.append("User-Agent: ").append(user_agent).append("\r\n");
    }
    head.append("Accept: */*\r\n\r\n");
    return bytes(head);
}

std::vector<std::uint8_t> http_response(int status, std::string_view content_type,
                                        std::string_view body) {
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + http_reason(status) + "\r\n";
    if (!content_type.empty()) {
        head.append("Content-Type: ").append(content_type).append("\r\n");
    }
    head.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
    head.append(body);
    return bytes(head);
}

}  // namespace spoor::test
