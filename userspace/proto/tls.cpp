#include "proto/tls.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "lib/bytes.h"
#include "proto/digest.h"

namespace spoor::proto {
namespace {

constexpr std::uint16_t kExtServerName = 0x0000;
constexpr std::uint16_t kExtSupportedGroups = 0x000a;
constexpr std::uint16_t kExtEcPointFormats = 0x000b;
constexpr std::uint16_t kExtSignatureAlgorithms = 0x000d;
constexpr std::uint16_t kExtAlpn = 0x0010;
constexpr std::uint16_t kExtSupportedVersions = 0x002b;

constexpr std::size_t kRandomSize = 32;
constexpr std::size_t kMaxSessionId = 32;  // RFC 5246 7.4.1.2, RFC 8446 4.1.2
constexpr std::uint8_t kHostName = 0;      // NameType host_name (RFC 6066 3)

constexpr std::uint8_t kContentChangeCipherSpec = 20;
constexpr std::uint8_t kContentAlert = 21;
constexpr std::uint8_t kContentHandshake = 22;
constexpr std::uint8_t kContentApplicationData = 23;
constexpr std::uint8_t kContentHeartbeat = 24;  // RFC 6520
constexpr std::size_t kRecordHeader = 5;
// Handshake records are plaintext, so 2^14 is their real limit; the 256 spare bytes are TLS 1.3's
// ciphertext allowance (RFC 8446 5.2), kept so a sloppy but working stack is not refused.
constexpr std::size_t kMaxRecordPayload = 16384 + 256;
constexpr std::size_t kHandshakeHeader = 4;  // type, 24-bit length

bool is_content_type(std::uint8_t type) {
    switch (type) {
        case kContentChangeCipherSpec:
        case kContentAlert:
        case kContentHandshake:
        case kContentApplicationData:
        case kContentHeartbeat:
            return true;
        default:
            return false;
    }
}

constexpr char kHexDigits[] = "0123456789abcdef";

// RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa.
bool is_grease(std::uint16_t v) {
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

std::uint32_t load_be24(const std::uint8_t* p) {
    return std::uint32_t{p[0]} << 16 | std::uint32_t{p[1]} << 8 | p[2];
}

// Big-endian reads over one length-delimited block: every read checks what is left, so a
// length can never take a read past the block it was found in.
class Reader {
  public:
    explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

    bool empty() const { return pos_ == bytes_.size(); }

    bool u8(std::uint8_t& v) {
        if (bytes_.size() - pos_ < 1) {
            return false;
        }
        v = bytes_[pos_++];
        return true;
    }
    bool u16(std::uint16_t& v) {
        if (bytes_.size() - pos_ < 2) {
            return false;
        }
        v = spoor_load_be16(&bytes_[pos_]);
        pos_ += 2;
        return true;
    }
    bool skip(std::size_t n) {
        if (bytes_.size() - pos_ < n) {
            return false;
        }
        pos_ += n;
        return true;
    }
    // The bytes behind a big-endian length of `width` (1 or 2) bytes.
    bool block(std::size_t width, std::span<const std::uint8_t>& out) {
        std::size_t len = 0;
        if (width == 1) {
            std::uint8_t v = 0;
            if (!u8(v)) {
                return false;
            }
            len = v;
        } else {
            std::uint16_t v = 0;
            if (!u16(v)) {
                return false;
            }
            len = v;
        }
        if (bytes_.size() - pos_ < len) {
            return false;
        }
        out = bytes_.subspan(pos_, len);
        pos_ += len;
        return true;
    }
    // An extension's data that is one such block and nothing else: anything before or after it
    // means the two lengths disagree.
    static bool sole_block(std::span<const std::uint8_t> data, std::size_t width,
                           std::span<const std::uint8_t>& out) {
        Reader r(data);
        return r.block(width, out) && r.empty();
    }

  private:
    std::span<const std::uint8_t> bytes_;
    std::size_t pos_ = 0;
};

bool read_u16_list(std::span<const std::uint8_t> bytes, std::vector<std::uint16_t>& out) {
    if (bytes.size() % 2 != 0) {
        return false;
    }
    for (std::size_t i = 0; i < bytes.size(); i += 2) {
        out.push_back(spoor_load_be16(&bytes[i]));
    }
    return true;
}

std::string_view text_of(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

bool parse_server_name(std::span<const std::uint8_t> data, ClientHello& out) {
    std::span<const std::uint8_t> list;
    if (!Reader::sole_block(data, 2, list)) {
        return false;
    }
    Reader names(list);
    bool found = false;
    while (!names.empty()) {
        std::uint8_t type = 0;
        std::span<const std::uint8_t> name;
        if (!names.u8(type) || !names.block(2, name)) {
            return false;
        }
        // RFC 6066 allows one name per type; the first host_name is the one servers act on.
        if (type == kHostName && !found) {
            out.sni = text_of(name);
            found = true;
        }
    }
    return true;
}

bool parse_supported_versions(std::span<const std::uint8_t> data, ClientHello& out) {
    std::span<const std::uint8_t> list;
    if (!Reader::sole_block(data, 1, list) || list.size() % 2 != 0) {
        return false;
    }
    for (std::size_t i = 0; i < list.size(); i += 2) {
        const std::uint16_t v = spoor_load_be16(&list[i]);
        if (!is_grease(v) && v > out.version) {
            out.version = v;
        }
    }
    return true;
}

bool parse_alpn(std::span<const std::uint8_t> data, ClientHello& out) {
    std::span<const std::uint8_t> list;
    if (!Reader::sole_block(data, 2, list)) {
        return false;
    }
    Reader protocols(list);
    while (!protocols.empty()) {
        std::span<const std::uint8_t> name;
        if (!protocols.block(1, name)) {
            return false;
        }
        // RFC 7301 forbids empty names, but JA4 defines their fingerprint, so they are kept.
        out.alpn.push_back(text_of(name));
    }
    return true;
}

// One extension's data into `out`; false when its inner lengths do not fill it exactly.
bool parse_extension(std::uint16_t type, std::span<const std::uint8_t> data, ClientHello& out) {
    std::span<const std::uint8_t> list;
    switch (type) {
        case kExtServerName:
            return parse_server_name(data, out);
        case kExtSupportedVersions:
            return parse_supported_versions(data, out);
        case kExtSupportedGroups:
            return Reader::sole_block(data, 2, list) && read_u16_list(list, out.groups);
        case kExtEcPointFormats:
            if (!Reader::sole_block(data, 1, list)) {
                return false;
            }
            out.ec_point_formats.assign(list.begin(), list.end());
            return true;
        case kExtSignatureAlgorithms:
            return Reader::sole_block(data, 2, list) &&
                   read_u16_list(list, out.signature_algorithms);
        case kExtAlpn:
            return parse_alpn(data, out);
        default:
            return true;  // only the type counts
    }
}

// Bit of an extension whose data is read into ClientHello, for spotting repeats; 0 for others.
unsigned interpreted_bit(std::uint16_t type) {
    switch (type) {
        case kExtServerName:
            return 1u << 0;
        case kExtSupportedVersions:
            return 1u << 1;
        case kExtSupportedGroups:
            return 1u << 2;
        case kExtEcPointFormats:
            return 1u << 3;
        case kExtSignatureAlgorithms:
            return 1u << 4;
        case kExtAlpn:
            return 1u << 5;
        default:
            return 0;
    }
}

template <typename T>
void append_decimal(std::string& out, T v) {
    char buf[8];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
}

// "a-b-c" in decimal; GREASE is left out of 16-bit lists (point formats are 8-bit, never GREASE).
template <typename T>
void append_ja3_list(std::string& out, const std::vector<T>& values) {
    bool first = true;
    for (const T v : values) {
        if constexpr (sizeof(T) == 2) {
            if (is_grease(v)) {
                continue;
            }
        }
        if (!first) {
            out += '-';
        }
        append_decimal(out, v);
        first = false;
    }
}

void append_hex4(std::string& out, std::uint16_t v) {
    out += kHexDigits[v >> 12];
    out += kHexDigits[(v >> 8) & 0xf];
    out += kHexDigits[(v >> 4) & 0xf];
    out += kHexDigits[v & 0xf];
}

// "xxxx,yyyy,..." of already filtered and ordered values.
void append_hex_list(std::string& out, const std::vector<std::uint16_t>& values) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) {
            out += ',';
        }
        append_hex4(out, values[i]);
    }
}

// JA4's truncated SHA-256; a list with nothing in it is spelled as zeros rather than hashed, so
// that "no values" reads as such.
std::string ja4_hash(std::string_view list_text) {
    if (list_text.empty()) {
        return "000000000000";
    }
    std::string hash = hex_digest(DigestKind::Sha256, list_text);
    hash.resize(12, '0');  // zeros only if libcrypto failed
    return hash;
}

const char* ja4_version(std::uint16_t version) {
    switch (version) {
        case 0x0304:
            return "13";
        case 0x0303:
            return "12";
        case 0x0302:
            return "11";
        case 0x0301:
            return "10";
        case 0x0300:
            return "s3";
        case 0x0002:
            return "s2";
        case 0xfeff:
            return "d1";
        case 0xfefd:
            return "d2";
        case 0xfefc:
            return "d3";
        default:
            return "00";
    }
}

void append_count(std::string& out, std::size_t n) {
    n = std::min<std::size_t>(n, 99);
    out += static_cast<char>('0' + n / 10);
    out += static_cast<char>('0' + n % 10);
}

// JA4 takes ASCII letters and digits only: no locale, no bytes above 0x7f.
bool is_ascii_alnum(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// The first ALPN value's first and last characters; when either end is not alphanumeric, the
// first and last characters of the value's hex form instead ("JA4.md", ALPN Extension Value).
void append_alpn(std::string& out, const std::vector<std::string_view>& alpn) {
    if (alpn.empty() || alpn.front().empty()) {
        out += "00";
        return;
    }
    const auto first = static_cast<unsigned char>(alpn.front().front());
    const auto last = static_cast<unsigned char>(alpn.front().back());
    if (is_ascii_alnum(first) && is_ascii_alnum(last)) {
        out += static_cast<char>(first);
        out += static_cast<char>(last);
    } else {
        out += kHexDigits[first >> 4];
        out += kHexDigits[last & 0xf];
    }
}

}  // namespace

TlsStatus parse_client_hello(std::span<const std::uint8_t> body, ClientHello& out) {
    out.legacy_version = 0;
    out.version = 0;
    out.sni = {};
    out.ciphers.clear();
    out.extensions.clear();
    out.groups.clear();
    out.ec_point_formats.clear();
    out.signature_algorithms.clear();
    out.alpn.clear();

    Reader r(body);
    std::span<const std::uint8_t> session_id;
    std::span<const std::uint8_t> ciphers;
    std::span<const std::uint8_t> compression;
    if (!r.u16(out.legacy_version) || !r.skip(kRandomSize) || !r.block(1, session_id) ||
        session_id.size() > kMaxSessionId || !r.block(2, ciphers) ||
        !read_u16_list(ciphers, out.ciphers) || !r.block(1, compression)) {
        return TlsStatus::Malformed;
    }
    if (!r.empty()) {
        // Extensions may be absent altogether (RFC 5246 7.4.1.2); when present, their block must
        // end the message.
        std::span<const std::uint8_t> extensions;
        if (!r.block(2, extensions) || !r.empty()) {
            return TlsStatus::Malformed;
        }
        Reader e(extensions);
        unsigned seen = 0;
        while (!e.empty()) {
            std::uint16_t type = 0;
            std::span<const std::uint8_t> data;
            if (!e.u16(type) || !e.block(2, data)) {
                return TlsStatus::Malformed;
            }
            // A repeated extension is refused by servers (RFC 8446 4.2), and which copy a
            // sensor believed would be a way to show it a different name than the server saw.
            const unsigned bit = interpreted_bit(type);
            if (seen & bit) {
                return TlsStatus::Malformed;
            }
            seen |= bit;
            out.extensions.push_back(type);
            if (!parse_extension(type, data, out)) {
                return TlsStatus::Malformed;
            }
        }
    }
    if (out.version == 0) {
        // No supported_versions, or only GREASE in it (0 is no TLS version, so it marks "none").
        out.version = out.legacy_version;
    }
    return TlsStatus::Ok;
}

std::string ja3_text(const ClientHello& hello) {
    std::string out;
    out.reserve(16 + 6 * (hello.ciphers.size() + hello.extensions.size() + hello.groups.size()) +
                4 * hello.ec_point_formats.size());
    append_decimal(out, hello.legacy_version);
    out += ',';
    append_ja3_list(out, hello.ciphers);
    out += ',';
    append_ja3_list(out, hello.extensions);
    out += ',';
    append_ja3_list(out, hello.groups);
    out += ',';
    append_ja3_list(out, hello.ec_point_formats);
    return out;
}

std::string ja3(std::string_view text) {
    return hex_digest(DigestKind::Md5, text);
}

std::string ja4(const ClientHello& hello, bool quic) {
    std::vector<std::uint16_t> ciphers;
    ciphers.reserve(hello.ciphers.size());
    std::copy_if(hello.ciphers.begin(), hello.ciphers.end(), std::back_inserter(ciphers),
                 [](std::uint16_t v) { return !is_grease(v); });
    std::vector<std::uint16_t> extensions;
    extensions.reserve(hello.extensions.size());
    std::copy_if(hello.extensions.begin(), hello.extensions.end(), std::back_inserter(extensions),
                 [](std::uint16_t v) { return !is_grease(v); });
    const bool has_sni =
        std::find(extensions.begin(), extensions.end(), kExtServerName) != extensions.end();

    std::string out;
    out.reserve(36);
    out += quic ? 'q' : 't';
    out += ja4_version(hello.version);
    out += has_sni ? 'd' : 'i';
    append_count(out, ciphers.size());
    append_count(out, extensions.size());  // SNI and ALPN included
    append_alpn(out, hello.alpn);

    // Sorted, so that clients that shuffle their lists (Chrome since 110) keep one fingerprint.
    std::string text;
    std::sort(ciphers.begin(), ciphers.end());
    append_hex_list(text, ciphers);
    out += '_';
    out += ja4_hash(text);

    // SNI and ALPN are already in part a; leaving them out keeps part c the same for one client
    // whether it connects to a name or an address, whatever protocol it asks for.
    std::erase_if(extensions, [](std::uint16_t v) { return v == kExtServerName || v == kExtAlpn; });
    std::sort(extensions.begin(), extensions.end());
    text.clear();
    if (!extensions.empty()) {
        append_hex_list(text, extensions);
        bool first = true;
        for (const std::uint16_t v : hello.signature_algorithms) {
            if (is_grease(v)) {
                continue;
            }
            text += first ? '_' : ',';  // no signature algorithms: no underscore either
            append_hex4(text, v);
            first = false;
        }
    }
    out += '_';
    out += ja4_hash(text);
    return out;
}

TlsStatus leaf_certificate_sha1(std::span<const std::uint8_t> body, std::string& sha1_hex) {
    sha1_hex.clear();
    if (body.size() < 3 || load_be24(body.data()) != body.size() - 3) {
        return TlsStatus::Malformed;
    }
    // Every entry is checked, not only the leaf: a list whose entries do not add up is not a
    // Certificate message, and hashing its first bytes would name a certificate nobody sent.
    std::span<const std::uint8_t> leaf;
    std::size_t pos = 3;
    while (pos < body.size()) {
        if (body.size() - pos < 3) {
            return TlsStatus::Malformed;
        }
        const std::size_t len = load_be24(&body[pos]);
        pos += 3;
        if (len == 0 || body.size() - pos < len) {  // ASN1Cert<1..2^24-1>
            return TlsStatus::Malformed;
        }
        if (leaf.empty()) {
            leaf = body.subspan(pos, len);
        }
        pos += len;
    }
    if (leaf.empty()) {
        return TlsStatus::Malformed;  // an empty list: no leaf to name
    }
    sha1_hex = hex_digest(DigestKind::Sha1, leaf);
    return sha1_hex.empty() ? TlsStatus::Malformed : TlsStatus::Ok;
}

HandshakeReader::HandshakeReader(Framing framing, std::size_t max_bytes)
    : framing_(framing), max_bytes_(max_bytes) {}

TlsStatus HandshakeReader::fail() {
    state_ = State::Failed;
    return TlsStatus::Malformed;
}

TlsStatus HandshakeReader::feed(std::span<const std::uint8_t> bytes) {
    if (state_ == State::Failed) {
        return TlsStatus::Malformed;
    }
    if (state_ == State::Ended) {
        return TlsStatus::Ok;  // what follows the handshake is none of the reader's business
    }
    // Returned messages are given up now (their views last until this call). What remains are
    // at most the message being assembled (<= max_bytes) and whole messages next() has not taken
    // yet: a caller that stops taking them would otherwise grow the buffer without bound.
    if (consumed_ > 0) {
        handshake_.erase(handshake_.begin(),
                         handshake_.begin() + static_cast<std::ptrdiff_t>(consumed_));
        assembled_ -= consumed_;
        consumed_ = 0;
    }
    if (handshake_.size() > max_bytes_) {
        return fail();
    }
    if (framing_ == Framing::Plain) {
        return append(bytes);
    }

    while (!bytes.empty()) {
        if (record_left_ > 0) {
            const std::size_t n = std::min(record_left_, bytes.size());
            if (append(bytes.first(n)) != TlsStatus::Ok) {
                return TlsStatus::Malformed;
            }
            record_left_ -= n;
            bytes = bytes.subspan(n);
            continue;
        }
        // A record header, possibly cut across feeds; its first two bytes are checked as soon
        // as they arrive, so bytes that are not TLS are refused without waiting for more.
        const std::size_t n = std::min(kRecordHeader - header_size_, bytes.size());
        std::copy_n(bytes.begin(), n, record_header_.begin() + header_size_);
        header_size_ += n;
        bytes = bytes.subspan(n);
        const std::uint8_t type = record_header_[0];
        if (!is_content_type(type)) {
            return fail();
        }
        if (header_size_ >= 2 && record_header_[1] != 3) {  // SSL 3.0 to TLS 1.3: 0x03xx
            return fail();
        }
        if (header_size_ < kRecordHeader) {
            break;
        }
        header_size_ = 0;
        if (type != kContentHandshake) {
            // Change cipher spec, alerts, application data: what follows is encrypted or not a
            // handshake. A message cut by it never completes.
            state_ = State::Ended;
            return TlsStatus::Ok;
        }
        record_left_ = spoor_load_be16(&record_header_[3]);
        if (record_left_ > kMaxRecordPayload) {
            return fail();
        }
        // An empty handshake record (RFC 8446 5.1 forbids sending one) carries nothing to add.
    }
    return TlsStatus::Ok;
}

TlsStatus HandshakeReader::append(std::span<const std::uint8_t> bytes) {
    // Message by message, so that a message too long for the limit is refused at its header,
    // before any of its body is buffered.
    while (!bytes.empty()) {
        // Bytes of the message being assembled so far, and how many more it needs: first the
        // rest of its header, then the rest of its body.
        std::size_t have = handshake_.size() - assembled_;
        const std::size_t want =
            have < kHandshakeHeader
                ? kHandshakeHeader - have
                : kHandshakeHeader + load_be24(&handshake_[assembled_ + 1]) - have;
        const std::size_t n = std::min(want, bytes.size());
        handshake_.insert(handshake_.end(), bytes.begin(), bytes.begin() + n);
        bytes = bytes.subspan(n);
        have += n;
        if (have >= kHandshakeHeader) {
            const std::size_t total = kHandshakeHeader + load_be24(&handshake_[assembled_ + 1]);
            if (total > max_bytes_) {
                return fail();
            }
            if (have == total) {
                assembled_ += total;
            }
        }
    }
    return TlsStatus::Ok;
}

TlsStatus HandshakeReader::next(Message& out) {
    // Only messages before assembled_ are whole; after the handshake ended or the reader failed,
    // those still come out, and the one cut short stays behind.
    if (consumed_ == assembled_) {
        return TlsStatus::Incomplete;
    }
    const std::uint8_t* header = &handshake_[consumed_];
    const std::size_t len = load_be24(header + 1);
    out.type = header[0];
    out.body = std::span<const std::uint8_t>(header + kHandshakeHeader, len);
    consumed_ += kHandshakeHeader + len;
    return TlsStatus::Ok;
}

}  // namespace spoor::proto
