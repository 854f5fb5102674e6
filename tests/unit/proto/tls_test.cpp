// TLS ClientHello parsing, JA3/JA4, leaf certificate hashes and handshake reassembly
// (userspace/proto/tls.h): published fingerprints first, then hostile input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/tls.h"
#include "frame_builder.h"

using spoor::proto::ClientHello;
using spoor::proto::HandshakeReader;
using spoor::proto::ja3;
using spoor::proto::ja3_text;
using spoor::proto::ja4;
using spoor::proto::kHandshakeCertificate;
using spoor::proto::kHandshakeClientHello;
using spoor::proto::kHandshakeServerHello;
using spoor::proto::leaf_certificate_sha1;
using spoor::proto::parse_client_hello;
using spoor::proto::TlsStatus;
using namespace spoor::test;

namespace {

using Bytes = std::vector<std::uint8_t>;
using Framing = HandshakeReader::Framing;

constexpr std::uint8_t kServerHelloDone = 14;

void put8(Bytes& b, std::uint8_t v) {
    b.push_back(v);
}
void put16(Bytes& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}
void put24(Bytes& b, std::size_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 16));
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}
// `data` behind a big-endian length of `width` bytes.
void put_block(Bytes& b, std::size_t width, const Bytes& data) {
    if (width == 1) {
        put8(b, static_cast<std::uint8_t>(data.size()));
    } else if (width == 2) {
        put16(b, static_cast<std::uint16_t>(data.size()));
    } else {
        put24(b, data.size());
    }
    b.insert(b.end(), data.begin(), data.end());
}

Bytes u16s(const std::vector<std::uint16_t>& values) {
    Bytes b;
    for (const auto v : values) {
        put16(b, v);
    }
    return b;
}

// Extension data as clients write it.
Bytes sni_data(std::string_view name) {
    Bytes entry;
    put8(entry, 0);  // host_name
    Bytes n(name.begin(), name.end());
    put_block(entry, 2, n);
    Bytes b;
    put_block(b, 2, entry);
    return b;
}
Bytes list16_data(const std::vector<std::uint16_t>& values) {  // groups, signature algorithms
    Bytes b;
    put_block(b, 2, u16s(values));
    return b;
}
Bytes versions_data(const std::vector<std::uint16_t>& values) {
    Bytes b;
    put_block(b, 1, u16s(values));
    return b;
}
Bytes alpn_data(const std::vector<std::string_view>& names) {
    Bytes list;
    for (const auto name : names) {
        put_block(list, 1, Bytes(name.begin(), name.end()));
    }
    Bytes b;
    put_block(b, 2, list);
    return b;
}

struct Extension {
    std::uint16_t type;
    Bytes data;
};

// A ClientHello body (what follows the 4-byte handshake header), field by field.
struct HelloSpec {
    std::uint16_t legacy_version = 0x0303;
    std::size_t session_id = 32;
    std::vector<std::uint16_t> ciphers;
    Bytes compression = {0};
    bool has_extensions = true;  // false: the body ends after the compression methods
    std::vector<Extension> extensions;

    Bytes body() const {
        Bytes b;
        put16(b, legacy_version);
        b.resize(b.size() + 32, 0x5c);  // random
        put_block(b, 1, Bytes(session_id, 0xa5));
        put_block(b, 2, u16s(ciphers));
        put_block(b, 1, compression);
        if (has_extensions) {
            Bytes ext;
            for (const auto& e : extensions) {
                put16(ext, e.type);
                put_block(ext, 2, e.data);
            }
            put_block(b, 2, ext);
        }
        return b;
    }
};

Bytes handshake_message(std::uint8_t type, const Bytes& body) {
    Bytes b = {type};
    put_block(b, 3, body);
    return b;
}

Bytes record(std::uint8_t content_type, const Bytes& payload, std::uint16_t version = 0x0303) {
    Bytes b = {content_type};
    put16(b, version);
    put_block(b, 2, payload);
    return b;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes b;
    for (const auto& p : parts) {
        b.insert(b.end(), p.begin(), p.end());
    }
    return b;
}

// Handshake bytes cut into handshake records of `size` bytes each (the last takes the rest).
Bytes in_records(const Bytes& handshake, std::size_t size) {
    Bytes out;
    for (std::size_t at = 0; at < handshake.size(); at += size) {
        const auto first = handshake.begin() + static_cast<std::ptrdiff_t>(at);
        const auto n = static_cast<std::ptrdiff_t>(std::min(size, handshake.size() - at));
        const Bytes r = record(22, Bytes(first, first + n));
        out.insert(out.end(), r.begin(), r.end());
    }
    return out;
}

// The frame builder's hello without its 5-byte record header and 4-byte handshake header.
Bytes body_of(const Bytes& hello_record) {
    REQUIRE(hello_record.size() > 9);
    REQUIRE(hello_record[5] == kHandshakeClientHello);
    return Bytes(hello_record.begin() + 9, hello_record.end());
}

struct Parsed {
    Bytes body;
    ClientHello hello;
    TlsStatus status;
    explicit Parsed(Bytes b) : body(std::move(b)), status(parse_client_hello(body, hello)) {}
};

TlsStatus status_of(const Bytes& body) {
    ClientHello hello;
    return parse_client_hello(body, hello);
}

// Data for the extensions of a Chrome-like hello; types not read by the parser get plausible
// filler, since only their type reaches the fingerprints.
Bytes chrome_extension_data(std::uint16_t type, const std::vector<std::uint16_t>& sigalgs) {
    switch (type) {
        case 0x0000:
            return sni_data("www.example.com");
        case 0x000a:
            return list16_data({0x6a6a, 0x001d, 0x0017, 0x0018});  // GREASE first, as Chrome
        case 0x000b:
            return {1, 0};
        case 0x000d:
            return list16_data(sigalgs);
        case 0x0010:
            return alpn_data({"h2", "http/1.1"});
        case 0x002b:
            return versions_data({0x7a7a, 0x0304, 0x0303});
        case 0x0005:
            return {1, 0, 0, 0, 0};
        case 0x001b:
            return {2, 0, 2};
        case 0x002d:
            return {1, 1};
        case 0x0033:
            return {0, 5, 0x8a, 0x8a, 0, 1, 0};
        case 0xff01:
            return {0};
        case 0x0015:
            return Bytes(40, 0);
        default:
            return {};
    }
}

// A TLS 1.3 hello with GREASE where Chrome puts it: a cipher first, an extension first and last,
// and in supported_versions, supported_groups and (when `grease_sigalg`) signature_algorithms.
HelloSpec chrome_like(const std::vector<std::uint16_t>& ciphers,
                      const std::vector<std::uint16_t>& extension_order,
                      std::vector<std::uint16_t> sigalgs, bool grease_sigalg = false) {
    HelloSpec spec;
    spec.ciphers = {0x0a0a};
    spec.ciphers.insert(spec.ciphers.end(), ciphers.begin(), ciphers.end());
    if (grease_sigalg) {
        sigalgs.insert(sigalgs.begin() + 1, 0x5a5a);
    }
    spec.extensions.push_back({0x1a1a, {}});
    for (const auto type : extension_order) {
        spec.extensions.push_back({type, chrome_extension_data(type, sigalgs)});
    }
    spec.extensions.push_back({0x2a2a, {0}});
    return spec;
}

const std::vector<std::uint16_t> kChromeCiphers = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
                                                   0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
                                                   0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
const std::vector<std::uint16_t> kChromeSigalgs = {0x0403, 0x0804, 0x0401, 0x0503,
                                                   0x0805, 0x0501, 0x0806, 0x0601};

// Every whole message the reader has, bodies copied (their views end with the next call).
std::vector<std::pair<std::uint8_t, Bytes>> drain(HandshakeReader& reader) {
    std::vector<std::pair<std::uint8_t, Bytes>> out;
    HandshakeReader::Message m;
    while (reader.next(m) == TlsStatus::Ok) {
        out.emplace_back(m.type, Bytes(m.body.begin(), m.body.end()));
    }
    return out;
}

std::span<const std::uint8_t> piece(const Bytes& b, std::size_t from, std::size_t to) {
    return std::span<const std::uint8_t>(b).subspan(from, to - from);
}

}  // namespace

TEST_CASE("JA4 of the published Chrome example") {
    // technical_details/JA4.md (FoxIO-LLC/ja4), "Example" and "Cipher hash"/"Extension hash":
    // these ciphers, extensions (in this order) and signature algorithms give
    // t13d1516h2_8daaf6152771_e5627efa2ab1; rust/ja4/src/snapshots/
    // ja4__insta@tls-handshake.pcapng.snap shows it for the captured Chrome hellos as well.
    const std::vector<std::uint16_t> order = {0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017,
                                              0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b,
                                              0xff01, 0x000b, 0x000a, 0x0015};
    const Parsed p(chrome_like(kChromeCiphers, order, kChromeSigalgs).body());
    REQUIRE(p.status == TlsStatus::Ok);
    CHECK(p.hello.ciphers.size() == 16);     // GREASE kept in the lists
    CHECK(p.hello.extensions.size() == 18);  // 16 and two GREASE
    CHECK(p.hello.version == 0x0304);
    CHECK(p.hello.sni == "www.example.com");
    CHECK(ja4(p.hello, false) == "t13d1516h2_8daaf6152771_e5627efa2ab1");
    CHECK(ja4(p.hello, true) == "q13d1516h2_8daaf6152771_e5627efa2ab1");
    // JA3 of the same hello: GREASE out, wire order kept. The digest is md5sum of this text.
    CHECK(ja3_text(p.hello) ==
          "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
          "27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23-24,0");
    CHECK(ja3(ja3_text(p.hello)) == "c000e2caf3a25423f9de6c8a4b12a975");
}

TEST_CASE("JA4 of published captures") {
    SUBCASE("GREASE among the signature algorithms is left out") {
        // rust/ja4/src/snapshots/ja4__insta@sigalg-grease.pcapng.snap (FoxIO-LLC/ja4):
        // t13d1517h2_8daaf6152771_cb7bf5808d99. Extension order and signature algorithms from
        // JA4_ro.1 of python/test/testdata/sigalg-grease.pcapng.json in the same repository.
        const std::vector<std::uint16_t> order = {0xfe0d, 0x0010, 0x0017, 0x0033, 0x44cd, 0xff01,
                                                  0x000a, 0x000d, 0x0023, 0x002b, 0x000b, 0xca34,
                                                  0x002d, 0x0000, 0x0005, 0x001b, 0x0012};
        std::vector<std::uint16_t> sigalgs = {0x0904, 0x0905, 0x0906};
        sigalgs.insert(sigalgs.end(), kChromeSigalgs.begin(), kChromeSigalgs.end());
        const Parsed p(chrome_like(kChromeCiphers, order, sigalgs, /*grease_sigalg=*/true).body());
        REQUIRE(p.status == TlsStatus::Ok);
        CHECK(p.hello.signature_algorithms.size() == 12);
        CHECK(ja4(p.hello, false) == "t13d1517h2_8daaf6152771_cb7bf5808d99");
    }
    SUBCASE("no ALPN") {
        // rust/ja4/src/snapshots/ja4__insta@tls-handshake.pcapng.snap, stream 6 (mtalk.google.com):
        // t13d151400_8daaf6152771_de4a06bb82e3. Extension order from JA4_ro.1 of stream 6 in
        // python/test/testdata/tls-handshake.pcapng.json; ciphers and signature algorithms are
        // Chrome's (part b equals the JA4.md example's, and part c checks the signature list).
        const std::vector<std::uint16_t> order = {0x0033, 0x002b, 0x001b, 0x0000, 0x0012,
                                                  0x002d, 0x000d, 0x000a, 0x0005, 0x0023,
                                                  0x0017, 0xff01, 0x000b, 0x0015};
        const Parsed p(chrome_like(kChromeCiphers, order, kChromeSigalgs).body());
        REQUIRE(p.status == TlsStatus::Ok);
        CHECK(p.hello.alpn.empty());
        CHECK(ja4(p.hello, false) == "t13d151400_8daaf6152771_de4a06bb82e3");
    }
}

TEST_CASE("JA4 of a hand-built TLS 1.2 hello") {
    HelloSpec spec;
    spec.ciphers = {0x2a2a, 0xc02f, 0xc030, 0x009e, 0x00ff};  // GREASE and the renegotiation SCSV
    spec.extensions = {{0xff01, {0}},
                       {0x000a, list16_data({0x3a3a, 0x001d, 0x0017})},
                       {0x000b, {1, 0}},
                       {0x000d, list16_data({0x0401, 0x0501})},
                       {0x0010, alpn_data({"http/1.1"})},
                       {0x3a3a, {}}};
    const Parsed p(spec.body());
    REQUIRE(p.status == TlsStatus::Ok);
    CHECK(p.hello.version == 0x0303);  // no supported_versions: legacy_version
    CHECK(p.hello.sni.empty());
    // By hand: t, "12" (0x0303), i (no server_name), 04 ciphers (SCSV counts, GREASE not),
    // 05 extensions (ALPN counts, GREASE not), "h1" (first and last of "http/1.1").
    // Parts b and c: sha256sum of "009e,00ff,c02f,c030" and of "000a,000b,000d,ff01_0401,0501".
    CHECK(ja4(p.hello, false) == "t12i0405h1_9c0314f64b5a_c81523bf1a9d");
    CHECK(ja3_text(p.hello) == "771,49199-49200-158-255,65281-10-11-13-16,29-23,0");
    CHECK(ja3(ja3_text(p.hello)) == "e3dcd38f1e1b6f5cbe7d2cd1cacd6b0f");  // md5sum of the text
}

TEST_CASE("the frame builder's hello") {
    // tls_client_hello: suites 1301 1302 1303 c02b c02f; server_name, supported_versions (1.3,
    // 1.2), supported_groups, signature_algorithms, key_share, ALPN h2 http/1.1 (+ padding).
    const Parsed p(body_of(tls_client_hello("example.com", 0, 1)));
    REQUIRE(p.status == TlsStatus::Ok);
    CHECK(p.hello.legacy_version == 0x0303);
    CHECK(p.hello.version == 0x0304);
    CHECK(p.hello.sni == "example.com");
    CHECK(p.hello.ciphers == std::vector<std::uint16_t>{0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f});
    CHECK(p.hello.extensions == std::vector<std::uint16_t>{0, 43, 10, 13, 51, 16});
    CHECK(p.hello.groups == std::vector<std::uint16_t>{0x001d, 0x0017, 0x0018});
    CHECK(p.hello.ec_point_formats.empty());
    CHECK(p.hello.signature_algorithms == kChromeSigalgs);
    CHECK(p.hello.alpn == std::vector<std::string_view>{"h2", "http/1.1"});
    // Part a by hand: 5 ciphers, 6 extensions. b and c: sha256sum of "1301,1302,1303,c02b,c02f"
    // and "000a,000d,002b,0033_0403,0804,0401,0503,0805,0501,0806,0601".
    CHECK(ja4(p.hello, false) == "t13d0506h2_e133e205ac38_b0b305792b57");
    CHECK(ja3_text(p.hello) == "771,4865-4866-4867-49195-49199,0-43-10-13-51-16,29-23-24,");
    CHECK(ja3(ja3_text(p.hello)) == "35de25c547272a0e8fd9de410e7a8942");

    SUBCASE("padded, without a name") {
        const Parsed q(body_of(tls_client_hello("", 600, 1)));
        REQUIRE(q.status == TlsStatus::Ok);
        CHECK(q.hello.sni.empty());
        CHECK(q.hello.extensions == std::vector<std::uint16_t>{43, 10, 13, 51, 16, 21});
        // One more extension (padding, 0x0015) and no server_name: "i", still 6 extensions.
        CHECK(ja4(q.hello, false) == "t13i0506h2_e133e205ac38_023645677fa1");
    }
}

TEST_CASE("JA3 examples of the JA3 README") {
    // salesforce/ja3 README.md: the two example strings and their MD5 values.
    HelloSpec spec;
    spec.legacy_version = 769;
    spec.ciphers = {47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4};
    spec.extensions = {{0, sni_data("example.com")}, {10, list16_data({23, 24, 25})}, {11, {1, 0}}};
    const Parsed p(spec.body());
    REQUIRE(p.status == TlsStatus::Ok);
    CHECK(ja3_text(p.hello) ==
          "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0");
    CHECK(ja3(ja3_text(p.hello)) == "ada70206e40642a3e4461f35503241d5");

    HelloSpec bare;  // a TLS 1.0 hello without extensions: the body ends after compression
    bare.legacy_version = 769;
    bare.session_id = 0;
    bare.ciphers = {4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99};
    bare.has_extensions = false;
    const Parsed q(bare.body());
    REQUIRE(q.status == TlsStatus::Ok);
    CHECK(q.hello.extensions.empty());
    CHECK(q.hello.version == 769);
    CHECK(ja3_text(q.hello) == "769,4-5-10-9-100-98-3-6-19-18-99,,,");
    CHECK(ja3(ja3_text(q.hello)) == "de350869b8c85de67a350c8d186f11e6");
    // JA4 of it, by hand: t, 10, i, 11 ciphers, 00 extensions, 00 ALPN; part c has nothing to hash.
    CHECK(ja4(q.hello, false).substr(0, 10) == "t10i110000");
    CHECK(ja4(q.hello, false).substr(24) == "000000000000");
}

TEST_CASE("JA4 rules on hand-filled hellos") {
    ClientHello h;
    h.version = 0x0304;
    h.ciphers = {0x1301};
    h.extensions = {0x000d};
    SUBCASE("ALPN: the worked examples of JA4.md") {
        // technical_details/JA4.md, "ALPN Extension Value".
        const std::pair<std::string_view, std::string_view> cases[] = {
            {"h2", "h2"},
            {"http/1.1", "h1"},
            {std::string_view("\xab", 1), "ab"},
            {std::string_view("\xab\xcd", 2), "ad"},
            {std::string_view("\x30\xab", 2), "3b"},
            {std::string_view("\x30\x31\xab\xcd", 4), "3d"},
            {std::string_view("\x30\xab\xcd\x31", 4), "01"},
            {"x", "xx"},  // a single character is both first and last
            {"", "00"},   // empty first value: as if there were none
        };
        for (const auto& [value, expected] : cases) {
            CAPTURE(value);
            h.alpn = {value, "h3"};
            CHECK(ja4(h, false).substr(8, 2) == expected);
        }
        h.alpn.clear();
        CHECK(ja4(h, false).substr(8, 2) == "00");
    }
    SUBCASE("versions") {
        const std::pair<std::uint16_t, std::string_view> cases[] = {
            {0x0304, "13"}, {0x0303, "12"}, {0x0302, "11"}, {0x0301, "10"},
            {0x0300, "s3"}, {0x0002, "s2"}, {0xfefd, "d2"}, {0x7f1c, "00"},
        };
        for (const auto& [version, expected] : cases) {
            h.version = version;
            CHECK(ja4(h, false).substr(1, 2) == expected);
        }
    }
    SUBCASE("counts stop at 99; GREASE never counts") {
        h.ciphers.clear();
        h.extensions.clear();
        for (std::uint16_t i = 0; i < 150; ++i) {
            h.ciphers.push_back(static_cast<std::uint16_t>(0x1000 + i));
            h.extensions.push_back(static_cast<std::uint16_t>(0x2000 + i));
        }
        CHECK(ja4(h, false).substr(0, 8) == "t13i9999");
        h.ciphers = {0x0a0a, 0x1a1a, 0xfafa, 0x1301};
        h.extensions = {0xeaea, 0x0000};
        CHECK(ja4(h, false).substr(0, 8) == "t13d0101");
        // 0x0a1a and 0x1b1b are not GREASE: both bytes must be equal and end in 0xa.
        h.ciphers = {0x0a1a, 0x1b1b};
        CHECK(ja4(h, false).substr(4, 2) == "02");
    }
    SUBCASE("empty lists are zeros, not the hash of nothing") {
        // JA4.md: no ciphers, or no extensions after SNI and ALPN are left out: 000000000000.
        h.ciphers = {0x0a0a};
        h.extensions = {0x0000, 0x0010, 0x1a1a};
        h.signature_algorithms = {0x0403};
        CHECK(ja4(h, false) == "t13d000200_000000000000_000000000000");
    }
    SUBCASE("no signature algorithms: no underscore in part c") {
        // JA4.md: "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01 =
        // 6d807ffa2a79".
        h.extensions = {0x0005, 0x000a, 0x000b, 0x000d, 0x0012, 0x0015, 0x0017,
                        0x001b, 0x0023, 0x002b, 0x002d, 0x0033, 0x4469, 0xff01};
        h.signature_algorithms = {0x2a2a};  // GREASE alone is as good as none
        CHECK(ja4(h, false).substr(24) == "6d807ffa2a79");
    }
}

TEST_CASE("supported_versions: the highest that is not GREASE") {
    HelloSpec spec;
    spec.ciphers = {0x1301};
    spec.extensions = {{0x002b, versions_data({0x0303, 0xfafa, 0x0304, 0x0302})}};
    CHECK(Parsed(spec.body()).hello.version == 0x0304);
    spec.extensions = {{0x002b, versions_data({0x4a4a})}};
    CHECK(Parsed(spec.body()).hello.version == 0x0303);  // only GREASE: legacy_version
    spec.legacy_version = 0x0301;
    spec.extensions = {};
    const Parsed p(spec.body());
    REQUIRE(p.status == TlsStatus::Ok);
    CHECK(p.hello.version == 0x0301);
    CHECK(p.hello.extensions.empty());
}

TEST_CASE("a reused ClientHello is emptied first") {
    ClientHello h;
    const Bytes first = body_of(tls_client_hello("first.example", 0, 1));
    REQUIRE(parse_client_hello(first, h) == TlsStatus::Ok);
    HelloSpec spec;
    spec.ciphers = {0x002f};
    spec.extensions = {{0x000b, {1, 0}}};
    const Bytes second = spec.body();
    REQUIRE(parse_client_hello(second, h) == TlsStatus::Ok);
    CHECK(h.sni.empty());
    CHECK(h.ciphers == std::vector<std::uint16_t>{0x002f});
    CHECK(h.extensions == std::vector<std::uint16_t>{0x000b});
    CHECK(h.groups.empty());
    CHECK(h.signature_algorithms.empty());
    CHECK(h.alpn.empty());
    CHECK(h.ec_point_formats == std::vector<std::uint8_t>{0});
    CHECK(h.version == 0x0303);
}

TEST_CASE("lengths that do not add up are Malformed") {
    HelloSpec good;
    good.ciphers = {0x1301, 0x1302};
    good.extensions = {{0x0000, sni_data("a.example")}, {0x0010, alpn_data({"h2"})}};
    REQUIRE(status_of(good.body()) == TlsStatus::Ok);

    SUBCASE("session id over 32 bytes") {
        HelloSpec s = good;
        s.session_id = 33;
        CHECK(status_of(s.body()) == TlsStatus::Malformed);
    }
    SUBCASE("an odd cipher list") {
        Bytes b = good.body();
        b[2 + 32 + 1 + 32 + 1] = 3;  // the cipher list length's low byte: 4 -> 3
        CHECK(status_of(b) == TlsStatus::Malformed);
    }
    SUBCASE("a cipher list past the end") {
        Bytes b = good.body();
        b[2 + 32 + 1 + 32] = 0x7f;
        CHECK(status_of(b) == TlsStatus::Malformed);
    }
    SUBCASE("a byte after the extensions") {
        Bytes b = good.body();
        b.push_back(0);
        CHECK(status_of(b) == TlsStatus::Malformed);
    }
    SUBCASE("a lone byte where the extensions' length would be") {
        HelloSpec s = good;
        s.has_extensions = false;
        Bytes b = s.body();
        b.push_back(0);
        CHECK(status_of(b) == TlsStatus::Malformed);
    }
    SUBCASE("an extension longer than the block") {
        HelloSpec s = good;
        Bytes b = s.body();
        b[b.size() - alpn_data({"h2"}).size() - 1] += 1;  // ALPN extension length
        CHECK(status_of(b) == TlsStatus::Malformed);
    }
    SUBCASE("inner lists that do not fill their extension") {
        const std::vector<Extension> bad = {
            {0x0000, {0, 6, 0, 0, 2, 'a', 'b'}},       // a name list past the data
            {0x0000, {0, 5, 0, 0, 9, 'a', 'b'}},       // a name past its list
            {0x0000, {0, 6, 0, 0, 2, 'a', 'b', 'c'}},  // a stray byte after the name
            {0x0000, {}},                              // no list at all
            {0x0010, {0, 3, 2, 'h', '2', 0}},          // list shorter than the data
            {0x0010, {0, 3, 5, 'h', '2'}},             // protocol name past the list
            {0x000a, {0, 3, 0, 0x1d, 0}},              // odd group list
            {0x000a, {0, 4, 0, 0x1d}},                 // group list past the data
            {0x000b, {2, 0}},                          // formats past the data
            {0x000d, {0, 2, 4, 3, 0}},                 // trailing byte
            {0x002b, {3, 3, 4, 3}},                    // odd versions list
            {0x002b, {}},                              // no list at all
        };
        for (const auto& e : bad) {
            CAPTURE(e.type);
            HelloSpec s = good;
            s.extensions.push_back(e);
            if (e.type == 0x0000 || e.type == 0x0010) {
                s.extensions.erase(s.extensions.begin() + (e.type == 0x0000 ? 0 : 1));
            }
            CHECK(status_of(s.body()) == TlsStatus::Malformed);
        }
    }
    SUBCASE("a repeated extension that the parser reads") {
        HelloSpec s = good;
        s.extensions.push_back({0x0000, sni_data("b.example")});
        CHECK(status_of(s.body()) == TlsStatus::Malformed);
        s = good;  // repeats of others are only counted
        s.extensions.push_back({0x0017, {}});
        s.extensions.push_back({0x0017, {}});
        CHECK(status_of(s.body()) == TlsStatus::Ok);
    }
}

TEST_CASE("every prefix of a hello is Malformed but one") {
    const HelloSpec spec = chrome_like(
        kChromeCiphers, {0x0000, 0x0010, 0x002b, 0x000a, 0x000b, 0x000d, 0x0033, 0x0015},
        kChromeSigalgs, true);
    const Bytes whole = spec.body();
    REQUIRE(status_of(whole) == TlsStatus::Ok);
    // A hello may end after its compression methods (no extensions at all).
    const std::size_t bare = 2 + 32 + 1 + spec.session_id + 2 + 2 * spec.ciphers.size() + 2;
    for (std::size_t n = 0; n < whole.size(); ++n) {
        CAPTURE(n);
        // Exactly n bytes on the heap, so ASan sees any read past the prefix.
        const Bytes prefix(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
        CHECK(status_of(prefix) == (n == bare ? TlsStatus::Ok : TlsStatus::Malformed));
    }
}

TEST_CASE("random corruption of hellos never crashes") {
    const Bytes base =
        chrome_like(kChromeCiphers, {0x0000, 0x0010, 0x002b, 0x000a, 0x000b, 0x000d, 0x0033},
                    kChromeSigalgs, true)
            .body();
    Rng rng(7);
    ClientHello h;
    int ok = 0;
    for (int round = 0; round < 20000; ++round) {
        Bytes b = base;
        const auto flips = 1 + rng.below(4);
        for (std::uint64_t i = 0; i < flips; ++i) {
            b[rng.below(b.size())] = static_cast<std::uint8_t>(rng.next());
        }
        b.resize(rng.below(b.size() + 1));
        if (parse_client_hello(b, h) == TlsStatus::Ok) {
            ++ok;
            // Views stay inside the input.
            const auto* begin = reinterpret_cast<const char*>(b.data());
            const auto* end = begin + b.size();
            CHECK((h.sni.empty() || (h.sni.data() >= begin && h.sni.data() + h.sni.size() <= end)));
            for (const auto a : h.alpn) {
                CHECK((a.empty() || (a.data() >= begin && a.data() + a.size() <= end)));
            }
            CHECK(ja4(h, false).size() == 36);
            CHECK(ja3(ja3_text(h)).size() == 32);
        }
    }
    CHECK(ok > 0);  // some corruptions land in values, not lengths
    for (int round = 0; round < 5000; ++round) {
        Bytes b(rng.below(300));
        rng.fill(b.data(), b.size());
        if (parse_client_hello(b, h) == TlsStatus::Ok) {
            CHECK(ja4(h, true).size() == 36);
        }
    }
}

TEST_CASE("leaf certificate SHA-1") {
    // The leaf's "DER" is the FIPS 180-2 test message "abc": SHA-1 a9993e36...d89d.
    auto certificate_body = [](std::initializer_list<std::string_view> certs) {
        Bytes list;
        for (const auto c : certs) {
            put_block(list, 3, Bytes(c.begin(), c.end()));
        }
        Bytes b;
        put_block(b, 3, list);
        return b;
    };
    std::string sha1 = "stale";
    const Bytes body = certificate_body({"abc", "an intermediate"});
    CHECK(leaf_certificate_sha1(body, sha1) == TlsStatus::Ok);
    CHECK(sha1 == "a9993e364706816aba3e25717850c26c9cd0d89d");

    SUBCASE("every truncation") {
        for (std::size_t n = 0; n < body.size(); ++n) {
            CAPTURE(n);
            const Bytes prefix(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(n));
            CHECK(leaf_certificate_sha1(prefix, sha1) == TlsStatus::Malformed);
            CHECK(sha1.empty());
        }
    }
    SUBCASE("entries that do not fill the list") {
        const Bytes bad[] = {
            certificate_body({}),                        // no certificate at all
            certificate_body({""}),                      // an empty one
            {0, 0, 7, 0, 0, 9, 'a', 'b', 'c', 'd'},      // entry past the list
            {0, 0, 8, 0, 0, 3, 'a', 'b', 'c', 0, 0},     // half an entry header after it
            {0, 0, 6, 0, 0, 3, 'a', 'b', 'c', 0},        // list past the body
            {0xff, 0xff, 0xff, 0, 0, 3, 'a', 'b', 'c'},  // huge list length
        };
        for (const auto& b : bad) {
            CHECK(leaf_certificate_sha1(b, sha1) == TlsStatus::Malformed);
            CHECK(sha1.empty());
        }
    }
}

TEST_CASE("a 1.8 KB hello in three segments") {
    const Bytes hello = tls_client_hello("split.example.com", 1800, 3);
    REQUIRE(hello.size() == 1800);
    HandshakeReader reader(Framing::TlsRecords);
    HandshakeReader::Message m;
    // Cuts inside the record header and inside the hello's body.
    CHECK(reader.feed(piece(hello, 0, 3)) == TlsStatus::Ok);
    CHECK(reader.next(m) == TlsStatus::Incomplete);
    CHECK(reader.feed(piece(hello, 3, 1000)) == TlsStatus::Ok);
    CHECK(reader.next(m) == TlsStatus::Incomplete);
    CHECK(reader.feed(piece(hello, 1000, 1800)) == TlsStatus::Ok);
    REQUIRE(reader.next(m) == TlsStatus::Ok);
    CHECK(m.type == kHandshakeClientHello);
    CHECK(m.body.size() == 1800 - 9);
    ClientHello h;
    REQUIRE(parse_client_hello(m.body, h) == TlsStatus::Ok);
    CHECK(h.sni == "split.example.com");
    CHECK(ja4(h, false).substr(0, 10) == "t13d0507h2");  // padding makes 7 extensions
    CHECK(reader.next(m) == TlsStatus::Incomplete);
}

TEST_CASE("every split of a hello record, and every truncation") {
    const Bytes hello = tls_client_hello("www.example.org", 0, 5);
    const Bytes expected = body_of(hello);
    for (std::size_t cut = 0; cut <= hello.size(); ++cut) {
        CAPTURE(cut);
        HandshakeReader reader(Framing::TlsRecords);
        // A copy of exactly the prefix, so that ASan catches reads past it.
        const Bytes first(hello.begin(), hello.begin() + static_cast<std::ptrdiff_t>(cut));
        CHECK(reader.feed(first) == TlsStatus::Ok);
        if (cut < hello.size()) {
            HandshakeReader::Message m;
            CHECK(reader.next(m) == TlsStatus::Incomplete);
        }
        const Bytes rest(hello.begin() + static_cast<std::ptrdiff_t>(cut), hello.end());
        CHECK(reader.feed(rest) == TlsStatus::Ok);
        const auto messages = drain(reader);
        REQUIRE(messages.size() == 1);
        CHECK(messages[0].first == kHandshakeClientHello);
        CHECK(messages[0].second == expected);
    }
}

TEST_CASE("messages across records, several in one record") {
    const Bytes client_hello =
        handshake_message(kHandshakeClientHello, body_of(tls_client_hello("x.example", 700, 9)));
    const Bytes server_hello = handshake_message(kHandshakeServerHello, Bytes(70, 0x22));
    const Bytes certificate = handshake_message(kHandshakeCertificate, [] {
        Bytes list;
        put_block(list, 3, Bytes{'a', 'b', 'c'});
        Bytes b;
        put_block(b, 3, list);
        return b;
    }());
    const Bytes done = handshake_message(kServerHelloDone, {});
    const Bytes flight = concat({client_hello, server_hello, certificate, done});

    for (const std::size_t record_size : {1, 2, 3, 4, 5, 7, 100, 699, 700, 5000}) {
        CAPTURE(record_size);
        const Bytes stream = in_records(flight, record_size);
        for (const std::size_t chunk :
             {std::size_t{1}, std::size_t{6}, std::size_t{333}, stream.size()}) {
            CAPTURE(chunk);
            HandshakeReader reader(Framing::TlsRecords);
            std::vector<std::pair<std::uint8_t, Bytes>> got;
            for (std::size_t at = 0; at < stream.size(); at += chunk) {
                REQUIRE(reader.feed(piece(stream, at, std::min(stream.size(), at + chunk))) ==
                        TlsStatus::Ok);
                for (auto& msg : drain(reader)) {
                    got.push_back(std::move(msg));
                }
            }
            REQUIRE(got.size() == 4);
            CHECK(got[0].first == kHandshakeClientHello);
            CHECK(got[1] == std::pair{kHandshakeServerHello, Bytes(70, 0x22)});
            CHECK(got[2].first == kHandshakeCertificate);
            std::string sha1;
            CHECK(leaf_certificate_sha1(got[2].second, sha1) == TlsStatus::Ok);
            CHECK(sha1 == "a9993e364706816aba3e25717850c26c9cd0d89d");
            CHECK(got[3] == std::pair{kServerHelloDone, Bytes{}});
        }
    }
}

TEST_CASE("a record of another type ends the handshake") {
    const Bytes hello = tls_client_hello("a.example", 0, 1);
    const Bytes ccs = record(20, {1});
    SUBCASE("application data after the hello") {
        HandshakeReader reader(Framing::TlsRecords);
        CHECK(reader.feed(concat({hello, tls_application_data(100, 2), hello})) == TlsStatus::Ok);
        CHECK(drain(reader).size() == 1);  // the second hello is never read
        CHECK(reader.feed(hello) == TlsStatus::Ok);
        CHECK(reader.feed(Bytes{0xde, 0xad}) == TlsStatus::Ok);  // not even checked
        CHECK(drain(reader).empty());
    }
    SUBCASE("a message cut by change cipher spec never completes") {
        const Bytes handshake(hello.begin() + 5, hello.end());
        const Bytes head(handshake.begin(), handshake.begin() + 50);
        const Bytes tail(handshake.begin() + 50, handshake.end());
        HandshakeReader reader(Framing::TlsRecords);
        CHECK(reader.feed(concat({record(22, head), ccs, record(22, tail)})) == TlsStatus::Ok);
        HandshakeReader::Message m;
        CHECK(reader.next(m) == TlsStatus::Incomplete);
    }
    SUBCASE("alert and heartbeat records too") {
        for (const std::uint8_t type : {21, 24}) {
            HandshakeReader reader(Framing::TlsRecords);
            CHECK(reader.feed(concat({record(type, {2, 40}), hello})) == TlsStatus::Ok);
            CHECK(drain(reader).empty());
        }
    }
}

TEST_CASE("bytes that are not TLS records are Malformed, for good") {
    const Bytes hello = tls_client_hello("a.example", 0, 1);
    const Bytes bad[] = {
        record(25, {0}),                   // unknown content type
        record(22, {1, 0, 0, 0}, 0x0203),  // not 0x03xx
        {22, 3, 3, 0x41, 0x01},            // 16641 bytes: over 16384 + 256
        {0x80, 0x2e, 0x01, 0x03, 0x01},    // an SSL 2.0 style hello
        bytes("GET / HTTP/1.1\r\n"),
        {'G'},  // refused at its first byte
    };
    for (const auto& b : bad) {
        CAPTURE(b.size());
        HandshakeReader reader(Framing::TlsRecords);
        // Messages completed before the bad bytes still come out.
        CHECK(reader.feed(concat({hello, b})) == TlsStatus::Malformed);
        CHECK(reader.feed(hello) == TlsStatus::Malformed);
        const auto messages = drain(reader);
        REQUIRE(messages.size() == 1);
        CHECK(messages[0].first == kHandshakeClientHello);
    }
    // The largest record allowed is still fine.
    HandshakeReader reader(Framing::TlsRecords, 1 << 20);
    Bytes big = handshake_message(kHandshakeCertificate, Bytes(16384 + 256 - 4, 1));
    CHECK(reader.feed(record(22, big)) == TlsStatus::Ok);
    CHECK(drain(reader).size() == 1);
}

TEST_CASE("max_bytes bounds the buffer") {
    const Bytes hello = tls_client_hello("limit.example", 1800, 1);
    SUBCASE("a message longer than the limit") {
        HandshakeReader reader(Framing::TlsRecords, 1024);
        CHECK(reader.feed(piece(hello, 0, 8)) == TlsStatus::Ok);  // length not known yet
        CHECK(reader.feed(piece(hello, 8, hello.size())) == TlsStatus::Malformed);
        CHECK(drain(reader).empty());
        HandshakeReader roomy(Framing::TlsRecords, 1800 - 5);  // the message exactly fits
        CHECK(roomy.feed(hello) == TlsStatus::Ok);
        CHECK(drain(roomy).size() == 1);
    }
    SUBCASE("a huge length is refused at its header") {
        HandshakeReader reader(Framing::Plain);
        CHECK(reader.feed(Bytes{1, 0xff, 0xff}) == TlsStatus::Ok);
        CHECK(reader.feed(Bytes{0xff}) == TlsStatus::Malformed);
    }
    SUBCASE("whole messages nobody takes") {
        // Each feed is fine on its own, but a caller that never calls next() cannot make the
        // reader hold more than the limit across feeds.
        HandshakeReader reader(Framing::Plain, 100);
        const Bytes message = handshake_message(kServerHelloDone, Bytes(30, 0));
        TlsStatus status = TlsStatus::Ok;
        int fed = 0;
        while (status == TlsStatus::Ok && fed < 10) {
            status = reader.feed(message);
            ++fed;
        }
        CHECK(status == TlsStatus::Malformed);
        CHECK(fed == 4);  // 3 x 34 bytes held when the fourth arrives
        CHECK(drain(reader).size() == 3);
    }
    SUBCASE("taking them keeps the reader going") {
        HandshakeReader reader(Framing::Plain, 100);
        const Bytes message = handshake_message(kServerHelloDone, Bytes(30, 0));
        for (int i = 0; i < 50; ++i) {
            REQUIRE(reader.feed(message) == TlsStatus::Ok);
            CHECK(drain(reader).size() == 1);
        }
    }
}

TEST_CASE("plain framing: QUIC CRYPTO bytes") {
    const Bytes hello = tls_client_hello("quic.example", 1300, 4);
    const Bytes handshake(hello.begin() + 5, hello.end());  // no record layer in QUIC
    HandshakeReader reader(Framing::Plain);
    CHECK(reader.feed(piece(handshake, 0, 600)) == TlsStatus::Ok);
    HandshakeReader::Message m;
    CHECK(reader.next(m) == TlsStatus::Incomplete);
    CHECK(reader.feed(piece(handshake, 600, handshake.size())) == TlsStatus::Ok);
    REQUIRE(reader.next(m) == TlsStatus::Ok);
    ClientHello h;
    REQUIRE(parse_client_hello(m.body, h) == TlsStatus::Ok);
    CHECK(h.sni == "quic.example");
    CHECK(ja4(h, true).substr(0, 10) == "q13d0507h2");
    // Record headers mean nothing here: 0x16 is just a message type.
    HandshakeReader records_as_plain(Framing::Plain);
    // 0x16 0x0301xx reads as a message of type 22 and some 197 KB: over the limit at once.
    CHECK(records_as_plain.feed(hello) == TlsStatus::Malformed);
    CHECK(records_as_plain.next(m) == TlsStatus::Incomplete);
}

TEST_CASE("hostile streams never crash the reader") {
    Rng rng(11);
    const Bytes hello = tls_client_hello("fuzz.example", 900, 8);
    const Bytes flight =
        concat({hello, in_records(handshake_message(kHandshakeCertificate, Bytes(300, 7)), 50)});
    for (int round = 0; round < 3000; ++round) {
        const bool plain = rng.below(2) == 0;
        Bytes stream;
        if (rng.below(2) == 0) {
            stream = flight;
            const auto flips = 1 + rng.below(6);
            for (std::uint64_t i = 0; i < flips; ++i) {
                stream[rng.below(stream.size())] = static_cast<std::uint8_t>(rng.next());
            }
        } else {
            stream.resize(rng.below(3000));
            rng.fill(stream.data(), stream.size());
            if (!stream.empty() && rng.below(2) == 0) {
                stream[0] = 22;  // get past the first check more often
            }
        }
        HandshakeReader reader(plain ? Framing::Plain : Framing::TlsRecords, 1 + rng.below(20000));
        std::size_t body_bytes = 0;
        for (std::size_t at = 0; at < stream.size();) {
            const auto n = std::min<std::size_t>(stream.size() - at, 1 + rng.below(400));
            const Bytes chunk(stream.begin() + static_cast<std::ptrdiff_t>(at),
                              stream.begin() + static_cast<std::ptrdiff_t>(at + n));
            at += n;
            const auto status = reader.feed(chunk);
            HandshakeReader::Message m;
            ClientHello h;
            while (reader.next(m) == TlsStatus::Ok) {
                body_bytes += m.body.size() + 4;
                if (m.type == kHandshakeClientHello &&
                    parse_client_hello(m.body, h) == TlsStatus::Ok) {
                    CHECK(ja4(h, plain).size() == 36);
                }
                std::string sha1;
                (void)leaf_certificate_sha1(m.body, sha1);
            }
            if (status == TlsStatus::Malformed) {
                break;
            }
        }
        CHECK(body_bytes <= stream.size());
    }
}
