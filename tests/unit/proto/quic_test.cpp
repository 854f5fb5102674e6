// QUIC v1 client Initial decoding and CRYPTO stream reassembly (userspace/proto/quic.h): the
// RFC 9001 Appendix A vectors first, then hostile input.
#include <doctest/doctest.h>

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "proto/quic.h"
#include "frame_builder.h"

using spoor::proto::quic_client_initial_keys;
using spoor::proto::QuicCryptoFrame;
using spoor::proto::QuicCryptoStream;
using spoor::proto::QuicInitialDecoder;
using spoor::proto::QuicKeys;
using spoor::proto::QuicStatus;
using spoor::test::Rng;

namespace {

using Bytes = std::vector<std::uint8_t>;

// RFC 9001 A.2: the client Initial as sent, 1200 bytes (A.1's dcid, packet number 2).
constexpr std::string_view kRfcClientInitial =
    "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11d242b123dc9bd8ba"
    "b936b47d92ec356c0bab7df5976d27cd449f63300099f3991c260ec4c60d17b31f8429157bb35a12"
    "82a643a8d2262cad67500cadb8e7378c8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6"
    "005f80fcb7df621230c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
    "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c2084dce25ff9b06cde5"
    "35d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec4e15daf8500a6ef69ec4e3feb6b1d98e"
    "610ac8b7ec3faf6ad760b7bad1db4ba3485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e3"
    "0c5c4287e53805db059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
    "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f89937f5a67258bf63"
    "ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556be52afe3f565636ad1b17d508b73d874"
    "3eeb524be22b3dcbc2c7468d54119c7468449a13d8e3b95811a198f3491de3e7fe942b330407abf8"
    "2a4ed7c1b311663ac69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
    "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632291d6a418211cc29"
    "62e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe5896425c5bac4aee82e57a85aaf4e2513e4f0"
    "5796b07ba2ee47d80506f8d2c25e50fd14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c"
    "1f28ff18f58891ffef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
    "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009ddc324044e847a4f4a"
    "0ab34f719595de37252d6235365e9b84392b061085349d73203a4a13e96f5432ec0fd4a1ee65accd"
    "d5e3904df54c1da510b0ff20dcc0c77fcb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de3"
    "54270123cb11450efc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
    "a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e72404790a2181014f3b94a"
    "4e97d117b438130368cc39dbb2d198065ae3986547926cd2162f40a29f0c3c8745c0f50fba3852e5"
    "66d44575c29d39a03f0cda721984b6f440591f355e12d439ff150aab7613499dbd49adabc8676eef"
    "023b15b65bfc5ca06948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
    "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0be79e2fb8f5d5fbb"
    "e2e30ecadd220723c8c0aea8078cdfcb3868263ff8f0940054da48781893a7e49ad5aff4af300cd8"
    "04a6b6279ab3ff3afb64491c85194aab760d58a606654f9f4400e8b38591356fbf6425aca26dc852"
    "44259ff2b19c41b9f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
    "056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd46840647e78bfe706ca4cf5"
    "e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241e221af44860018ab0856972e194cd934";

// RFC 9001 A.2: the ClientHello its CRYPTO frame carries.
constexpr std::string_view kRfcClientHello =
    "010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c0000"
    "0413011302010000c000000010000e00000b6578616d706c652e636f6dff01000100000a00080006"
    "001d0017001800100007000504616c706e000500050100000000003300260024001d00209370b2c9"
    "caa47fbabaf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b0003020304000d001000"
    "0e0403050306030203080408050806002d00020101001c00024001003900320408ffffffffffffff"
    "ff05048000ffff07048000ffff0801100104800075300901100f088394c8f03e51570806048000ff"
    "ff";

const Bytes kRfcDcid = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

Bytes hex(std::string_view text) {
    auto nibble = [](char c) {
        return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    };
    Bytes out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(nibble(text[i]) << 4 | nibble(text[i + 1])));
    }
    return out;
}

template <std::size_t N>
Bytes bytes_of(const std::array<std::uint8_t, N>& a) {
    return Bytes(a.begin(), a.end());
}

Bytes bytes_of(std::span<const std::uint8_t> s) {
    return Bytes(s.begin(), s.end());
}

Bytes cat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Frames, written the way senders write them (shortest varints).
struct Frames {
    Bytes b;

    Frames& u8(std::uint8_t v) {
        b.push_back(v);
        return *this;
    }
    Frames& varint(std::uint64_t v) {
        const int size = v < 64 ? 1 : v < 16384 ? 2 : v < (1u << 30) ? 4 : 8;
        const std::uint8_t prefix = size == 1 ? 0x00 : size == 2 ? 0x40 : size == 4 ? 0x80 : 0xc0;
        for (int i = size - 1; i >= 0; --i) {
            const auto byte = static_cast<std::uint8_t>(v >> (8 * i));
            b.push_back(i == size - 1 ? static_cast<std::uint8_t>(byte | prefix) : byte);
        }
        return *this;
    }
    Frames& raw(const Bytes& bytes) {
        b.insert(b.end(), bytes.begin(), bytes.end());
        return *this;
    }
    Frames& padding(std::size_t n) {
        b.insert(b.end(), n, 0x00);
        return *this;
    }
    Frames& ping() { return u8(0x01); }
    Frames& crypto(std::uint64_t offset, const Bytes& data) {
        return u8(0x06).varint(offset).varint(data.size()).raw(data);
    }
    // Largest 10, delay 3, a first range of 2, then (gap 1, length 0) ranges.
    Frames& ack(std::uint64_t ranges, bool ecn) {
        u8(ecn ? 0x03 : 0x02).varint(10).varint(3).varint(ranges).varint(2);
        for (std::uint64_t i = 0; i < ranges; ++i) {
            varint(1).varint(0);
        }
        if (ecn) {
            varint(5).varint(0).varint(16384);
        }
        return *this;
    }
    Frames& connection_close(std::string_view reason) {
        u8(0x1c).varint(0x0a).varint(0x06).varint(reason.size());
        b.insert(b.end(), reason.begin(), reason.end());
        return *this;
    }
};

// ---------------------------------------------------------------------------------------------
// Test-only packet protection: the client's side of RFC 9001 5, so that tests can make Initials
// carrying any frames. Built on OpenSSL directly and on quic_client_initial_keys() (checked
// against A.1 below); the first test shows it reproduces A.2 byte for byte.

// The test sealer, with A.1's connection id unless a test picks another.
struct Sealer : spoor::test::QuicSealer {
    Sealer() { dcid = kRfcDcid; }
};

// The A.2 payload: the ClientHello in one CRYPTO frame, padded to a 1200-byte datagram.
Bytes rfc_payload() {
    return Frames().crypto(0, hex(kRfcClientHello)).padding(917).b;
}

Bytes seal(const Bytes& payload) {
    return Sealer().seal(payload);
}

// ---------------------------------------------------------------------------------------------

QuicStatus status_of(const Bytes& datagram) {
    QuicInitialDecoder decoder;
    return decoder.decode(datagram);
}

std::vector<Bytes> crypto_data(const QuicInitialDecoder& decoder) {
    std::vector<Bytes> out;
    for (const auto& frame : decoder.crypto_frames()) {
        out.push_back(bytes_of(frame.data));
    }
    return out;
}

Bytes slice(const Bytes& b, std::size_t from, std::size_t to) {
    return Bytes(b.begin() + from, b.begin() + to);
}

}  // namespace

TEST_CASE("RFC 9001 A.1: client Initial keys") {
    const QuicKeys keys = quic_client_initial_keys(kRfcDcid);
    CHECK(bytes_of(keys.key) == hex("1f369613dd76d5467730efcbe3b1a22d"));
    CHECK(bytes_of(keys.iv) == hex("fa044b2f42a3fd3b46fb255c"));
    CHECK(bytes_of(keys.hp) == hex("9f50449e04a0e810283a1e9933adedd2"));
}

TEST_CASE("RFC 9001 A.2: header protection of the client Initial") {
    const Bytes packet = hex(kRfcClientInitial);
    REQUIRE(packet.size() == 1200);
    // The sample starts 4 bytes past the packet number's offset, 18.
    const Bytes sample = slice(packet, 22, 38);
    CHECK(sample == hex("d1b1c98dd7689fb8ec11d242b123dc9b"));
    const auto mask = spoor::test::QuicSealer::mask(quic_client_initial_keys(kRfcDcid).hp, sample);
    CHECK(Bytes(mask.begin(), mask.begin() + 5) == hex("437b9aec36"));
    CHECK(Sealer().header(1162) == hex("c300000001088394c8f03e5157080000449e00000002"));
    CHECK(slice(packet, 0, 22) == hex("c000000001088394c8f03e5157080000449e7b9aec34"));
    // The test sealer is trustworthy for everything below: it makes A.2 exactly.
    CHECK(seal(rfc_payload()) == packet);
}

TEST_CASE("RFC 9001 A.2: the client Initial decodes to its ClientHello") {
    QuicInitialDecoder decoder;
    REQUIRE(decoder.decode(hex(kRfcClientInitial)) == QuicStatus::Ok);
    CHECK(bytes_of(decoder.dcid()) == kRfcDcid);
    REQUIRE(decoder.crypto_frames().size() == 1);
    const QuicCryptoFrame& frame = decoder.crypto_frames()[0];
    CHECK(frame.offset == 0);
    REQUIRE(frame.data.size() == 0xf1);
    CHECK(bytes_of(frame.data) == hex(kRfcClientHello));
    CHECK(bytes_of(frame.data.first(12)) == hex("010000ed0303ebf8fa56f129"));

    QuicCryptoStream stream;
    stream.add(frame);
    CHECK(bytes_of(stream.contiguous()) == hex(kRfcClientHello));
    CHECK_FALSE(stream.overflowed());
}

TEST_CASE("every truncation of the A.2 packet is refused without reading past it") {
    const Bytes packet = hex(kRfcClientInitial);
    QuicInitialDecoder reused;
    for (std::size_t n = 0; n < packet.size(); ++n) {
        CAPTURE(n);
        // A copy of exactly n bytes, so ASan sees any read past the prefix.
        const Bytes prefix(packet.begin(), packet.begin() + n);
        // Under five bytes the version is unknown, so it cannot be called a v1 Initial.
        const QuicStatus expected = n < 5 ? QuicStatus::NotInitial : QuicStatus::Malformed;
        CHECK(status_of(prefix) == expected);
        CHECK(reused.decode(prefix) == expected);
        CHECK(reused.crypto_frames().empty());
    }
    CHECK(reused.decode(packet) == QuicStatus::Ok);
}

TEST_CASE("authentication failures") {
    const Bytes packet = hex(kRfcClientInitial);
    SUBCASE("any bit of the tag") {
        for (std::size_t i = packet.size() - 16; i < packet.size(); ++i) {
            Bytes bad = packet;
            bad[i] ^= 0x01;
            CHECK(status_of(bad) == QuicStatus::DecryptFailed);
        }
    }
    SUBCASE("the ciphertext") {
        for (const std::size_t i : {22u, 100u, 600u, 1183u}) {
            Bytes bad = packet;
            bad[i] ^= 0x80;
            CHECK(status_of(bad) == QuicStatus::DecryptFailed);
        }
    }
    SUBCASE("the header: protected bits, the dcid (other keys), the packet number") {
        for (const std::size_t i : {0u, 6u, 13u, 18u, 21u}) {
            Bytes bad = packet;
            bad[i] ^= 0x01;
            CAPTURE(i);
            CHECK(status_of(bad) == QuicStatus::DecryptFailed);
        }
    }
    SUBCASE("a Length one short: the tag is read from the wrong place") {
        Bytes bad = packet;
        bad[17] -= 1;
        CHECK(status_of(bad) == QuicStatus::DecryptFailed);
    }
    SUBCASE("random bytes in place of the payload (the pcapgen stand-in)") {
        QuicInitialDecoder decoder;
        CHECK(decoder.decode(spoor::test::quic_initial(kRfcDcid, 1200, 3)) ==
              QuicStatus::DecryptFailed);
        CHECK(bytes_of(decoder.dcid()) == kRfcDcid);
        CHECK(decoder.crypto_frames().empty());
    }
}

TEST_CASE("other packets are not Initials") {
    const Bytes packet = hex(kRfcClientInitial);
    auto with = [&](std::size_t at, std::uint8_t value) {
        Bytes b = packet;
        b[at] = value;
        return b;
    };
    CHECK(status_of({}) == QuicStatus::NotInitial);
    CHECK(status_of(with(0, 0x40)) == QuicStatus::NotInitial);  // short header
    CHECK(status_of(with(0, 0xd0)) == QuicStatus::NotInitial);  // 0-RTT
    CHECK(status_of(with(0, 0xe0)) == QuicStatus::NotInitial);  // Handshake
    CHECK(status_of(with(0, 0xf0)) == QuicStatus::NotInitial);  // Retry
    CHECK(status_of(with(4, 0x00)) == QuicStatus::NotInitial);  // version negotiation
    CHECK(status_of(with(4, 0x02)) == QuicStatus::NotInitial);
    Bytes draft29 = packet;
    draft29[1] = 0xff;
    draft29[4] = 0x1d;
    CHECK(status_of(draft29) == QuicStatus::NotInitial);
    Bytes v2 = packet;  // QUIC v2 (RFC 9369) numbers its Initial type 01
    v2[0] = 0xd0;
    std::copy_n(hex("6b3343cf").begin(), 4, v2.begin() + 1);
    CHECK(status_of(v2) == QuicStatus::NotInitial);
    CHECK(status_of(hex("16030100c4010000c00303")) == QuicStatus::NotInitial);  // TLS on UDP?
}

TEST_CASE("header fields") {
    SUBCASE("a source id, a token, a zero-length and a 20-byte dcid") {
        for (const Bytes& dcid : {Bytes{}, Bytes(20, 0xab), kRfcDcid}) {
            Sealer s;
            s.dcid = dcid;
            s.scid = {1, 2, 3, 4, 5};
            s.token = Bytes(300, 0x77);
            QuicInitialDecoder decoder;
            REQUIRE(decoder.decode(s.seal(rfc_payload())) == QuicStatus::Ok);
            CHECK(bytes_of(decoder.dcid()) == dcid);
            REQUIRE(decoder.crypto_frames().size() == 1);
            CHECK(bytes_of(decoder.crypto_frames()[0].data) == hex(kRfcClientHello));
        }
    }
    SUBCASE("packet numbers of 1, 2 and 3 bytes enter the nonce") {
        for (const auto& [pn, size] : {std::pair{0x00u, 1u}, std::pair{0x7fu, 1u},
                                       std::pair{0x1234u, 2u}, std::pair{0xabcdefu, 3u}}) {
            Sealer s;
            s.pn = pn;
            s.pn_size = size;
            CAPTURE(pn);
            CHECK(status_of(s.seal(rfc_payload())) == QuicStatus::Ok);
            // The same packet claiming another number does not authenticate.
            Sealer other = s;
            other.pn = pn + 1;
            Bytes mixed = other.seal(rfc_payload());
            const Bytes right = s.seal(rfc_payload());
            std::copy(right.begin(), right.end() - 16, mixed.begin());
            CHECK(status_of(mixed) == QuicStatus::DecryptFailed);
        }
    }
    SUBCASE("ids longer than 20 bytes") {
        Bytes b = hex(kRfcClientInitial);
        b[5] = 21;
        CHECK(status_of(b) == QuicStatus::Malformed);
        b = hex(kRfcClientInitial);
        b[14] = 21;  // the scid length
        CHECK(status_of(b) == QuicStatus::Malformed);
    }
    SUBCASE("a token or Length past the datagram") {
        Bytes b = hex(kRfcClientInitial);
        b[15] = 0x7f;
        b[16] = 0xff;  // token length 16383, then the 0x9e byte left over as Length
        CHECK(status_of(b) == QuicStatus::Malformed);
        b = hex(kRfcClientInitial);
        b[17] = 0x9f;  // Length 1183 in a packet that holds 1182
        CHECK(status_of(b) == QuicStatus::Malformed);
    }
    SUBCASE("too short to sample: Length under 20") {
        for (std::uint8_t length = 0; length < 20; ++length) {
            Bytes b = Sealer().header(0);
            b[b.size() - 5] = length;       // the low byte of the two-byte Length
            b.resize(b.size() + 40, 0x55);  // bytes enough beyond, so only Length decides
            CHECK(status_of(b) == QuicStatus::Malformed);
        }
    }
    SUBCASE("bytes after the packet (padding that is not a packet)") {
        QuicInitialDecoder decoder;
        CHECK(decoder.decode(cat(hex(kRfcClientInitial), Bytes(50, 0))) == QuicStatus::Ok);
        CHECK(decoder.crypto_frames().size() == 1);
    }
}

TEST_CASE("payload size bound") {
    // One CRYPTO frame of 3 + 16 + n bytes, padded to exactly the size asked for.
    auto payload_of = [](std::size_t size) {
        Frames f;
        f.crypto(0, Bytes(16, 0x16));
        f.padding(size - f.b.size());
        return f.b;
    };
    CHECK(status_of(seal(payload_of(QuicInitialDecoder::kMaxPayload))) == QuicStatus::Ok);
    CHECK(status_of(seal(payload_of(QuicInitialDecoder::kMaxPayload + 1))) ==
          QuicStatus::Malformed);
    CHECK(status_of(seal({})) == QuicStatus::Malformed);  // authenticated, but holds no frame
}

TEST_CASE("frames an Initial may carry") {
    const Bytes hello = hex(kRfcClientHello);
    SUBCASE("ACK with ranges and ECN counts, PING, CONNECTION_CLOSE around CRYPTO") {
        Frames f;
        f.ack(0, false).ack(3, false).ping().ack(2, true).crypto(7, slice(hello, 7, 20));
        f.padding(5).connection_close("bye").crypto(0, slice(hello, 0, 7)).padding(20);
        QuicInitialDecoder decoder;
        REQUIRE(decoder.decode(seal(f.b)) == QuicStatus::Ok);
        REQUIRE(decoder.crypto_frames().size() == 2);
        CHECK(decoder.crypto_frames()[0].offset == 7);
        CHECK(bytes_of(decoder.crypto_frames()[0].data) == slice(hello, 7, 20));
        CHECK(decoder.crypto_frames()[1].offset == 0);
        CHECK(bytes_of(decoder.crypto_frames()[1].data) == slice(hello, 0, 7));
    }
    SUBCASE("only padding and pings: Ok, no CRYPTO") {
        QuicInitialDecoder decoder;
        CHECK(decoder.decode(seal(Frames().ping().padding(40).b)) == QuicStatus::Ok);
        CHECK(decoder.crypto_frames().empty());
    }
    SUBCASE("an empty CRYPTO frame, and one ending at 2^62 - 1") {
        const std::uint64_t last = (std::uint64_t{1} << 62) - 1;
        QuicInitialDecoder decoder;
        REQUIRE(decoder.decode(seal(Frames().crypto(5, {}).crypto(last - 1, {0xaa}).b)) ==
                QuicStatus::Ok);
        REQUIRE(decoder.crypto_frames().size() == 2);
        CHECK(decoder.crypto_frames()[0].data.empty());
        CHECK(decoder.crypto_frames()[1].offset == last - 1);
    }
}

TEST_CASE("malformed frames") {
    SUBCASE("frame types not allowed in an Initial") {
        // RESET_STREAM, NEW_TOKEN, STREAM, MAX_DATA, CONNECTION_CLOSE of the application,
        // HANDSHAKE_DONE, a two-byte encoding of PING.
        for (const std::uint8_t type : {0x04, 0x07, 0x08, 0x0f, 0x10, 0x1d, 0x1e, 0x40, 0xff}) {
            CAPTURE(type);
            const Bytes payload = Frames().crypto(0, {1, 2, 3}).u8(type).padding(30).b;
            QuicInitialDecoder decoder;
            CHECK(decoder.decode(seal(payload)) == QuicStatus::Malformed);
            CHECK(decoder.crypto_frames().empty());
        }
    }
    SUBCASE("every truncation of every kind of frame") {
        const std::vector<Bytes> frames = {
            Frames().ack(3, false).b,
            Frames().ack(2, true).b,
            Frames().crypto(300, Bytes(70, 0x42)).b,
            Frames().connection_close("a reason").b,
        };
        for (const Bytes& frame : frames) {
            CHECK(status_of(seal(frame)) == QuicStatus::Ok);
            for (std::size_t n = 1; n < frame.size(); ++n) {
                CAPTURE(n);
                CHECK(status_of(seal(slice(frame, 0, n))) == QuicStatus::Malformed);
            }
        }
    }
    SUBCASE("an ACK claiming 2^62 - 1 ranges") {
        const Bytes payload = Frames().u8(0x02).varint(10).varint(0).varint((1ull << 62) - 1).b;
        CHECK(status_of(seal(cat(payload, Bytes(64, 0x01)))) == QuicStatus::Malformed);
    }
    SUBCASE("CRYPTO past 2^62 - 1") {
        const std::uint64_t last = (std::uint64_t{1} << 62) - 1;
        CHECK(status_of(seal(Frames().crypto(last, {0xaa}).b)) == QuicStatus::Malformed);
    }
    SUBCASE("CRYPTO longer than the payload") {
        const Bytes payload = Frames().u8(0x06).varint(0).varint(100).padding(99).b;
        CHECK(status_of(seal(payload)) == QuicStatus::Malformed);
    }
}

TEST_CASE("coalesced packets") {
    const Bytes hello = hex(kRfcClientHello);
    const Bytes first = seal(Frames().crypto(100, slice(hello, 100, hello.size())).padding(9).b);
    Sealer s2;
    s2.pn = 3;
    const Bytes second = s2.seal(Frames().ping().crypto(0, slice(hello, 0, 100)).b);

    SUBCASE("two Initials: frames of both, in packet order") {
        QuicInitialDecoder decoder;
        REQUIRE(decoder.decode(cat(first, second)) == QuicStatus::Ok);
        CHECK(bytes_of(decoder.dcid()) == kRfcDcid);
        REQUIRE(decoder.crypto_frames().size() == 2);
        CHECK(decoder.crypto_frames()[0].offset == 100);
        CHECK(decoder.crypto_frames()[1].offset == 0);
        QuicCryptoStream stream;
        for (const auto& frame : decoder.crypto_frames()) {
            stream.add(frame);
        }
        CHECK(bytes_of(stream.contiguous()) == hello);
    }
    SUBCASE("the A.2 packet twice") {
        QuicInitialDecoder decoder;
        const Bytes a2 = hex(kRfcClientInitial);
        REQUIRE(decoder.decode(cat(a2, a2)) == QuicStatus::Ok);
        CHECK(crypto_data(decoder) == std::vector<Bytes>{hello, hello});
    }
    SUBCASE("decoding stops at a packet of another type, the Initial before it counts") {
        Bytes handshake = second;
        handshake[0] = 0xe0;
        QuicInitialDecoder decoder;
        REQUIRE(decoder.decode(cat(cat(first, handshake), second)) == QuicStatus::Ok);
        CHECK(crypto_data(decoder) == std::vector<Bytes>{slice(hello, 100, hello.size())});
    }
    SUBCASE("a second Initial that fails adds nothing") {
        Bytes bad_tag = second;
        bad_tag.back() ^= 1;
        const Bytes bad_frame = s2.seal(Frames().crypto(0, {1, 2}).u8(0x08).b);
        for (const Bytes& bad : {bad_tag, bad_frame, slice(second, 0, second.size() - 1)}) {
            QuicInitialDecoder decoder;
            REQUIRE(decoder.decode(cat(first, bad)) == QuicStatus::Ok);
            CHECK(crypto_data(decoder) == std::vector<Bytes>{slice(hello, 100, hello.size())});
        }
    }
    SUBCASE("every truncation: the first packet whole is enough") {
        const Bytes both = cat(first, second);
        QuicInitialDecoder decoder;
        for (std::size_t n = 0; n < both.size(); ++n) {
            CAPTURE(n);
            const Bytes prefix(both.begin(), both.begin() + n);
            const QuicStatus status = decoder.decode(prefix);
            CHECK((status == QuicStatus::Ok) == (n >= first.size()));
            CHECK(decoder.crypto_frames().size() == (n >= first.size() ? 1u : 0u));
        }
    }
}

TEST_CASE("a ClientHello split and shuffled across frames and datagrams, as Chrome sends it") {
    Bytes hello = hex(kRfcClientHello);
    // Cut points; frames go out of order, some twice, spread over two datagrams.
    const std::size_t cuts[] = {0, 19, 60, 61, 130, 200, hello.size()};
    auto piece = [&](int i) { return slice(hello, cuts[i], cuts[i + 1]); };
    Frames one;
    one.crypto(cuts[4], piece(4)).ping().crypto(cuts[1], piece(1)).padding(3);
    one.crypto(cuts[5], piece(5)).padding(300);
    Sealer s;
    s.pn = 0;
    const Bytes datagram1 = s.seal(one.b);
    Frames two;
    two.padding(7).crypto(cuts[3], piece(3)).crypto(cuts[0], piece(0)).crypto(cuts[1], piece(1));
    two.crypto(cuts[2], piece(2)).padding(400);
    s.pn = 1;
    const Bytes datagram2 = s.seal(two.b);

    QuicInitialDecoder decoder;
    QuicCryptoStream stream;
    REQUIRE(decoder.decode(datagram1) == QuicStatus::Ok);
    CHECK(decoder.crypto_frames().size() == 3);
    for (const auto& frame : decoder.crypto_frames()) {
        stream.add(frame);
    }
    CHECK(stream.contiguous().empty());
    REQUIRE(decoder.decode(datagram2) == QuicStatus::Ok);
    CHECK(decoder.crypto_frames().size() == 4);
    for (const auto& frame : decoder.crypto_frames()) {
        stream.add(frame);
    }
    CHECK(bytes_of(stream.contiguous()) == hello);
    CHECK_FALSE(stream.overflowed());
}

TEST_CASE("the decoder's results follow the last decode") {
    QuicInitialDecoder decoder;
    REQUIRE(decoder.decode(hex(kRfcClientInitial)) == QuicStatus::Ok);
    CHECK(decoder.decode(hex("40aabbcc")) == QuicStatus::NotInitial);
    CHECK(decoder.dcid().empty());
    CHECK(decoder.crypto_frames().empty());
    Sealer s;
    s.dcid = {9, 9, 9};
    REQUIRE(decoder.decode(s.seal(Frames().crypto(4, {5, 6}).b)) == QuicStatus::Ok);
    CHECK(bytes_of(decoder.dcid()) == s.dcid);
    CHECK(crypto_data(decoder) == std::vector<Bytes>{{5, 6}});
    REQUIRE(decoder.decode(hex(kRfcClientInitial)) == QuicStatus::Ok);  // keys for A.1's dcid again
    CHECK(crypto_data(decoder) == std::vector<Bytes>{hex(kRfcClientHello)});
}

TEST_CASE("random corruption never crashes, and never passes as Ok") {
    const Bytes packet = hex(kRfcClientInitial);
    Rng rng(7);
    QuicInitialDecoder decoder;
    for (int round = 0; round < 3000; ++round) {
        Bytes b = packet;
        const auto flips = 1 + rng.below(3);
        for (std::uint64_t i = 0; i < flips; ++i) {
            b[rng.below(b.size())] ^= static_cast<std::uint8_t>(1 + rng.below(255));
        }
        if (rng.below(4) == 0) {
            b.resize(rng.below(b.size() + 1));
        }
        CHECK(decoder.decode(b) != QuicStatus::Ok);
    }
}

TEST_CASE("random plaintexts, properly sealed: frames are parsed or refused, never overread") {
    Rng rng(11);
    // Mostly the allowed frame types, so that parsing goes deep before it ends.
    const std::uint8_t types[] = {0x00, 0x01, 0x02, 0x03, 0x06, 0x1c, 0x06, 0x02};
    QuicInitialDecoder decoder;
    for (int round = 0; round < 400; ++round) {
        Bytes payload(1 + rng.below(200));
        rng.fill(payload.data(), payload.size());
        for (std::size_t i = 0; i < payload.size(); i += 1 + rng.below(8)) {
            payload[i] = types[rng.below(sizeof types)];
        }
        const QuicStatus status = decoder.decode(seal(payload));
        CHECK((status == QuicStatus::Ok || status == QuicStatus::Malformed));
        for (const auto& frame : decoder.crypto_frames()) {
            CHECK(frame.data.size() <= payload.size());
        }
    }
}

TEST_CASE("QuicCryptoStream") {
    Bytes data(1000);
    for (std::size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<std::uint8_t>(i * 7 + 3);
    }
    auto frame = [&](std::size_t from, std::size_t to) {
        return QuicCryptoFrame{from, std::span<const std::uint8_t>(data).subspan(from, to - from)};
    };
    SUBCASE("out of order, with a gap until the end") {
        QuicCryptoStream s;
        s.add(frame(500, 1000));
        CHECK(s.contiguous().empty());
        s.add(frame(0, 200));
        CHECK(bytes_of(s.contiguous()) == slice(data, 0, 200));
        s.add(frame(300, 500));
        CHECK(s.contiguous().size() == 200);
        s.add(frame(200, 300));
        CHECK(bytes_of(s.contiguous()) == data);
        CHECK_FALSE(s.overflowed());
    }
    SUBCASE("overlaps and duplicates; the first bytes stay") {
        QuicCryptoStream s;
        s.add(frame(100, 400));
        s.add(frame(100, 400));
        s.add(frame(0, 150));
        s.add(frame(350, 600));
        s.add(frame(0, 10));
        const Bytes other(50, 0xee);
        s.add({20, other});
        s.add({580, other});  // overlaps the end, carries 30 new bytes
        CHECK(bytes_of(s.contiguous()) == cat(slice(data, 0, 600), Bytes(30, 0xee)));
    }
    SUBCASE("overlaps ahead of the contiguous prefix keep their first bytes too") {
        QuicCryptoStream s;
        s.add(frame(500, 600));
        const Bytes other(100, 0xee);
        s.add({550, other});  // 50 bytes over the frame before, 50 new
        s.add({450, other});  // 50 new, 50 over the first frame
        s.add(frame(0, 450));
        CHECK(bytes_of(s.contiguous()) == cat(cat(slice(data, 0, 450), Bytes(50, 0xee)),
                                              cat(slice(data, 500, 600), Bytes(50, 0xee))));
    }
    SUBCASE("bounded by max_bytes") {
        QuicCryptoStream s(256);
        s.add(frame(200, 300));  // straddles the bound: 56 bytes kept
        CHECK(s.overflowed());
        s.add(frame(0, 200));
        CHECK(bytes_of(s.contiguous()) == slice(data, 0, 256));
        s.add(frame(256, 257));
        CHECK(s.contiguous().size() == 256);
    }
    SUBCASE("a frame wholly past the bound, at a hostile offset") {
        QuicCryptoStream s(100);
        s.add({(std::uint64_t{1} << 62) - 2, std::span(data).first(1)});
        CHECK(s.overflowed());
        CHECK(s.contiguous().empty());
        s.add({~std::uint64_t{0}, std::span(data).first(10)});
        s.add(frame(0, 100));
        CHECK(bytes_of(s.contiguous()) == slice(data, 0, 100));
    }
    SUBCASE("empty frames anywhere change nothing") {
        QuicCryptoStream s(100);
        s.add({0, {}});
        s.add({5000, {}});
        CHECK(s.contiguous().empty());
        CHECK_FALSE(s.overflowed());
    }
    SUBCASE("max_bytes 0") {
        QuicCryptoStream s(0);
        s.add(frame(0, 1));
        CHECK(s.overflowed());
        CHECK(s.contiguous().empty());
    }
}
