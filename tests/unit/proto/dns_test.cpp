// DNS message parsing and DNS-over-TCP framing (userspace/proto/dns.h), hostile input first.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proto/dns.h"
#include "frame_builder.h"

using spoor::proto::dns_rcode_name;
using spoor::proto::dns_type_name;
using spoor::proto::DnsMessage;
using spoor::proto::DnsStatus;
using spoor::proto::DnsTcpStream;
using spoor::proto::parse_dns;
using namespace spoor::test;

namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint16_t kCname = 5;
constexpr std::uint16_t kMx = 15;

// Hand-made messages: a header, then raw pieces appended in wire order.
struct Msg {
    Bytes b;

    Msg(std::uint16_t qdcount, std::uint16_t ancount, std::uint16_t flags = 0x8180) {
        u16(0xbeef).u16(flags).u16(qdcount).u16(ancount).u16(0).u16(0);
    }
    Msg& u8(std::uint8_t v) {
        b.push_back(v);
        return *this;
    }
    Msg& u16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v >> 8)).u8(v & 0xff); }
    Msg& u32(std::uint32_t v) { return u16(static_cast<std::uint16_t>(v >> 16)).u16(v & 0xffff); }
    Msg& raw(std::string_view s) {
        b.insert(b.end(), s.begin(), s.end());
        return *this;
    }
    Msg& label(std::string_view s) { return u8(static_cast<std::uint8_t>(s.size())).raw(s); }
    // Labels of a dotted name and the root byte.
    Msg& name(std::string_view dotted) {
        while (!dotted.empty()) {
            const auto dot = dotted.find('.');
            label(dotted.substr(0, dot));
            dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
        }
        return u8(0);
    }
    Msg& pointer(std::uint16_t offset) { return u16(static_cast<std::uint16_t>(0xc000 | offset)); }
    Msg& question_tail(std::uint16_t qtype = kDnsA) { return u16(qtype).u16(1); }
    // Type, class IN, TTL 60, rdlength: what follows an answer's owner name.
    Msg& record(std::uint16_t type, std::uint16_t rdlength) {
        return u16(type).u16(1).u32(60).u16(rdlength);
    }
    std::size_t size() const { return b.size(); }
};

// DnsMessage is ~10 KB: one per test on the heap keeps ASan's stack frames small.
struct Parsed {
    std::unique_ptr<DnsMessage> m = std::make_unique<DnsMessage>();
    DnsStatus status;
    explicit Parsed(const Bytes& bytes) : status(parse_dns(bytes, *m)) {}
    const DnsMessage* operator->() const { return m.get(); }
};

DnsStatus status_of(const Bytes& bytes) {
    return Parsed(bytes).status;
}

std::string repeat(char c, std::size_t n) {
    return std::string(n, c);
}

// `count` labels of one letter: "a.a.a..."
std::string many_labels(std::size_t count) {
    std::string s;
    for (std::size_t i = 0; i < count; ++i) {
        s += i ? ".a" : "a";
    }
    return s;
}

}  // namespace

TEST_CASE("compression loops are malformed, never followed forever") {
    SUBCASE("a pointer to itself") {
        CHECK(status_of(Msg(1, 0).pointer(12).question_tail().b) == DnsStatus::Malformed);
    }
    SUBCASE("two pointers to each other") {
        // The question's label hides a pointer at 13 to the answer's name at 20, which points
        // back to 13: one of any such pair points forward.
        Msg m(1, 1);
        m.label(std::string_view("\xc0\x14", 2)).u8(0).question_tail();
        m.pointer(13).record(kDnsA, 4).u32(0x01020304);
        CHECK(status_of(m.b) == DnsStatus::Malformed);
    }
    SUBCASE("a label and a pointer back to it: a backward loop ends at the length limit") {
        CHECK(status_of(Msg(1, 0).label("a").pointer(12).question_tail().b) ==
              DnsStatus::Malformed);
    }
    // Bare pointers in a skipped record's data, each pointing at the one before it and the first
    // at the question's name; the second answer's name enters at the last.
    auto chain = [](int pointers) {
        Msg m(1, 2);
        m.name("x").question_tail();
        m.pointer(12).record(kDnsTxt, static_cast<std::uint16_t>(2 * pointers));
        auto previous = static_cast<std::uint16_t>(12);
        for (int i = 0; i < pointers; ++i) {
            const auto here = static_cast<std::uint16_t>(m.size());
            m.pointer(previous);
            previous = here;
        }
        m.pointer(previous).record(kDnsA, 4).u32(0x0a000001);
        return m.b;
    };
    SUBCASE("a backward chain of bare pointers: bounded") {
        const Parsed p(chain(50));
        REQUIRE(p.status == DnsStatus::Ok);
        REQUIRE(p->answer_count == 1);
        CHECK(p->answers[0].name.view() == "x");
        CHECK(status_of(chain(200)) == DnsStatus::Malformed);
    }
}

TEST_CASE("pointers forward or past the end") {
    SUBCASE("forward to a well-formed name") {
        Msg m(1, 0);
        m.pointer(18).question_tail().name("example.com");
        CHECK(status_of(m.b) == DnsStatus::Malformed);
    }
    SUBCASE("past the end") {
        CHECK(status_of(Msg(1, 0).pointer(0x3fff).question_tail().b) == DnsStatus::Malformed);
    }
    SUBCASE("the pointer's second byte missing") {
        CHECK(status_of(Msg(1, 0).u8(0xc0).b) == DnsStatus::Truncated);
    }
    SUBCASE("reserved label types 0x40 and 0x80") {
        CHECK(status_of(Msg(1, 0).u8(0x41).raw("a").b) == DnsStatus::Malformed);
        CHECK(status_of(Msg(1, 0).u8(0x81).raw("a").u8(0).question_tail().b) ==
              DnsStatus::Malformed);
    }
}

TEST_CASE("every prefix of a real message is Truncated, the whole is Ok") {
    Msg chain(1, 3);  // CNAME chain, then an A and a TXT: every record kind cut somewhere
    chain.name("www.example.com").question_tail();
    chain.pointer(12).record(kCname, 6).label("cdn").pointer(16);
    const auto cdn = static_cast<std::uint16_t>(chain.size() - 6);
    chain.pointer(cdn).record(kDnsA, 4).u32(0xc0000201);
    chain.pointer(cdn).record(kDnsTxt, 4).label("txt");
    const std::vector<Bytes> messages = {
        dns_query("www.example.com", kDnsA, 7),
        dns_response("www.example.com", kDnsAaaa, 7, 0, {ip("2001:db8::1"), ip("192.0.2.1")}),
        chain.b,
    };
    for (const auto& whole : messages) {
        CHECK(status_of(whole) == DnsStatus::Ok);
        for (std::size_t n = 0; n < whole.size(); ++n) {
            CAPTURE(n);
            // A copy of exactly n bytes, so ASan sees any read past the prefix.
            CHECK(status_of(Bytes(whole.begin(), whole.begin() + n)) == DnsStatus::Truncated);
        }
    }
}

TEST_CASE("random corruption never crashes") {
    const auto base =
        dns_response("a.b.example.org", kDnsA, 9, 0, {ip("192.0.2.1"), ip("192.0.2.2")});
    Rng rng(1);
    auto m = std::make_unique<DnsMessage>();
    for (int round = 0; round < 20000; ++round) {
        Bytes b = base;
        const auto flips = 1 + rng.below(4);
        for (std::uint64_t i = 0; i < flips; ++i) {
            b[rng.below(b.size())] = static_cast<std::uint8_t>(rng.next());
        }
        b.resize(rng.below(b.size() + 1));
        const auto status = parse_dns(b, *m);
        CHECK(m->question_count <= DnsMessage::kMaxQuestions);
        CHECK(m->answer_count <= DnsMessage::kMaxAnswers);
        if (status == DnsStatus::Ok) {
            CHECK(m->question_count ==
                  std::min<std::size_t>(m->qdcount, DnsMessage::kMaxQuestions));
        }
    }
}

TEST_CASE("label count and name length limits") {
    SUBCASE("127 labels are the most a name holds") {
        const Parsed p(Msg(1, 0).name(many_labels(127)).question_tail().b);
        REQUIRE(p.status == DnsStatus::Ok);
        CHECK(p->questions[0].name.labels == 127);
        CHECK(p->questions[0].name.length == 253);
        CHECK(p->questions[0].name.view() == many_labels(127));
    }
    SUBCASE("128 labels") {
        CHECK(status_of(Msg(1, 0).name(many_labels(128)).question_tail().b) ==
              DnsStatus::Malformed);
    }
    SUBCASE("128 labels through compression") {
        Msg m(2, 0);
        m.name(many_labels(64)).question_tail();
        m.name(many_labels(64));
        m.b.pop_back();  // the root: the second name continues into the first
        m.pointer(12).question_tail();
        CHECK(status_of(m.b) == DnsStatus::Malformed);
    }
    SUBCASE("a label of 63 bytes, and of 64") {
        CHECK(status_of(Msg(1, 0).name(repeat('x', 63)).question_tail().b) == DnsStatus::Ok);
        // 64 cannot be encoded: its length byte is the 0x40 label type.
        CHECK(status_of(Msg(1, 0).name(repeat('x', 64)).question_tail().b) == DnsStatus::Malformed);
    }
    SUBCASE("253 characters, and 255") {
        const auto l63 = repeat('x', 63);
        const auto ok = l63 + "." + l63 + "." + l63 + "." + repeat('y', 61);
        const Parsed p(Msg(1, 0).name(ok).question_tail().b);
        REQUIRE(p.status == DnsStatus::Ok);
        CHECK(p->questions[0].name.view() == ok);
        const auto too_long = l63 + "." + l63 + "." + l63 + "." + l63;
        CHECK(status_of(Msg(1, 0).name(too_long).question_tail().b) == DnsStatus::Malformed);
    }
}

TEST_CASE("odd label bytes decode but mark the name invalid") {
    SUBCASE("non-ASCII") {
        const Parsed p(Msg(1, 0).name("caf\xc3\xa9.example").question_tail().b);
        REQUIRE(p.status == DnsStatus::Ok);
        CHECK(p->questions[0].name.view() == "caf\xc3\xa9.example");
        CHECK_FALSE(p->questions[0].name.valid);
    }
    SUBCASE("a dot inside a label") {
        const Parsed p(Msg(1, 0).label("evil.com").label("example").u8(0).question_tail().b);
        REQUIRE(p.status == DnsStatus::Ok);
        CHECK(p->questions[0].name.view() == "evil.com.example");
        CHECK(p->questions[0].name.labels == 2);
        CHECK_FALSE(p->questions[0].name.valid);
    }
    SUBCASE("a NUL byte does not end the text") {
        const Parsed p(Msg(1, 0).label(std::string_view("a\0b", 3)).u8(0).question_tail().b);
        REQUIRE(p.status == DnsStatus::Ok);
        CHECK(p->questions[0].name.view() == std::string_view("a\0b", 3));
        CHECK_FALSE(p->questions[0].name.valid);
    }
    SUBCASE("hostname bytes and underscore kept, letters lower-cased, labels found") {
        const Parsed p(Msg(1, 0).name("_sip._TCP.Ex-1.com").question_tail(33).b);
        REQUIRE(p.status == DnsStatus::Ok);
        const auto& name = p->questions[0].name;
        CHECK(name.view() == "_sip._tcp.ex-1.com");
        CHECK(name.valid);
        REQUIRE(name.labels == 4);
        CHECK(std::vector<int>(name.starts, name.starts + 4) == std::vector<int>{0, 5, 10, 15});
        CHECK(p->questions[0].qtype == 33);
    }
    SUBCASE("the root") {
        const Parsed p(Msg(1, 0).u8(0).question_tail(2).b);
        REQUIRE(p.status == DnsStatus::Ok);
        CHECK(p->questions[0].name.view().empty());
        CHECK(p->questions[0].name.labels == 0);
        CHECK(p->questions[0].name.valid);
    }
}

TEST_CASE("record data lengths") {
    Msg head(1, 1);
    head.name("a.example").question_tail();
    SUBCASE("rdlength past the end") {
        auto m = head;
        m.pointer(12).record(kDnsTxt, 10).label("abc");
        CHECK(status_of(m.b) == DnsStatus::Truncated);
    }
    SUBCASE("an A of 5 bytes, an AAAA of 4") {
        auto m = head;
        m.pointer(12).record(kDnsA, 5).u32(0x01020304).u8(5);
        const Parsed p(m.b);
        CHECK(p.status == DnsStatus::Malformed);
        CHECK(p->answer_count == 0);
        CHECK(p->question_count == 1);  // what came before the fault stays
        auto six = head;
        six.pointer(12).record(kDnsAaaa, 4).u32(0x01020304);
        CHECK(status_of(six.b) == DnsStatus::Malformed);
    }
    SUBCASE("a CNAME target running past its rdata, or shorter than it") {
        auto over = head;
        over.pointer(12).record(kCname, 3).name("abc.example");
        CHECK(status_of(over.b) == DnsStatus::Malformed);
        auto under = head;
        under.pointer(12).record(kCname, 6).pointer(12).u32(0);
        CHECK(status_of(under.b) == DnsStatus::Malformed);
        auto empty = head;
        empty.pointer(12).record(kCname, 0);
        CHECK(status_of(empty.b) == DnsStatus::Malformed);
    }
}

TEST_CASE("a CNAME chain with compression") {
    Msg m(1, 3);
    m.name("www.example.com").question_tail();  // example.com at 16, com at 24
    m.pointer(12).record(kCname, 7).label("edge").pointer(24);
    const auto edge = static_cast<std::uint16_t>(m.size() - 7);
    m.pointer(edge).record(kCname, 6).label("cdn").pointer(16);
    const auto cdn = static_cast<std::uint16_t>(m.size() - 6);
    m.pointer(cdn).record(kDnsA, 4).u32(0xc6336401);
    const Parsed p(m.b);
    REQUIRE(p.status == DnsStatus::Ok);
    REQUIRE(p->answer_count == 3);
    CHECK(p->answers[0].type == kCname);
    CHECK(p->answers[0].name.view() == "www.example.com");
    CHECK(p->answers[0].target.view() == "edge.com");
    CHECK(p->answers[0].address.family == 0);
    CHECK(p->answers[1].name.view() == "edge.com");
    CHECK(p->answers[1].target.view() == "cdn.example.com");
    CHECK(p->answers[2].name.view() == "cdn.example.com");
    CHECK(p->answers[2].address == ip("198.51.100.1"));
    CHECK(p->answers[2].target.length == 0);
    CHECK(p->answers[2].ttl == 60);
    CHECK(p->answers[2].rclass == 1);
}

TEST_CASE("a real query and response") {
    const Parsed q(dns_query("www.Example.com", kDnsTxt, 0x1234));
    REQUIRE(q.status == DnsStatus::Ok);
    CHECK(q->id == 0x1234);
    CHECK_FALSE(q->response);
    CHECK(q->opcode == 0);
    CHECK(q->qdcount == 1);
    REQUIRE(q->question_count == 1);
    CHECK(q->questions[0].name.view() == "www.example.com");
    CHECK(q->questions[0].name.labels == 3);
    CHECK(q->questions[0].qtype == kDnsTxt);
    CHECK(q->questions[0].qclass == 1);
    CHECK(q->answer_count == 0);

    const Parsed r(
        dns_response("v6.example", kDnsAaaa, 0x4321, 0, {ip("2001:db8::53"), ip("2001:db8::54")}));
    REQUIRE(r.status == DnsStatus::Ok);
    CHECK(r->response);
    CHECK(r->rcode == 0);
    CHECK(r->ancount == 2);
    REQUIRE(r->answer_count == 2);
    CHECK(r->answers[0].type == kDnsAaaa);
    CHECK(r->answers[0].name.view() == "v6.example");
    CHECK(r->answers[0].address == ip("2001:db8::53"));
    CHECK(r->answers[1].address == ip("2001:db8::54"));
    CHECK(r->answers[1].ttl == 300);
}

TEST_CASE("NXDOMAIN and other header fields") {
    const Parsed p(dns_response("nope.example", kDnsA, 1, 3, {}));
    REQUIRE(p.status == DnsStatus::Ok);
    CHECK(p->rcode == 3);
    CHECK(dns_rcode_name(p->rcode) == "NXDOMAIN");
    CHECK(p->answer_count == 0);

    const Parsed notify(Msg(0, 0, 0x2000 | 0x0005).b);  // opcode 4 (NOTIFY), REFUSED
    REQUIRE(notify.status == DnsStatus::Ok);
    CHECK(notify->opcode == 4);
    CHECK(notify->rcode == 5);
    CHECK_FALSE(notify->response);
}

TEST_CASE("qdcount 0 and a short header") {
    Msg m(0, 1);
    m.name("x.example").record(kDnsA, 4).u32(0x0a000001);
    const Parsed p(m.b);
    REQUIRE(p.status == DnsStatus::Ok);
    CHECK(p->question_count == 0);
    REQUIRE(p->answer_count == 1);
    CHECK(p->answers[0].name.view() == "x.example");
    CHECK(p->answers[0].address == ip("10.0.0.1"));

    const Parsed shorter(Bytes(11, 0));
    CHECK(shorter.status == DnsStatus::Truncated);
    CHECK(shorter->qdcount == 0);
}

TEST_CASE("more answers than kept: the first kMaxAnswers") {
    std::vector<spoor::IpAddress> addresses;
    for (int i = 0; i < 20; ++i) {
        addresses.push_back(ip("10.0.0." + std::to_string(i)));
    }
    const Parsed p(dns_response("many.example", kDnsA, 1, 0, addresses));
    REQUIRE(p.status == DnsStatus::Ok);
    CHECK(p->ancount == 20);
    REQUIRE(p->answer_count == DnsMessage::kMaxAnswers);
    for (std::size_t i = 0; i < DnsMessage::kMaxAnswers; ++i) {
        CHECK(p->answers[i].address == addresses[i]);
    }
    // Records past the limit are still checked.
    auto bad = dns_response("many.example", kDnsA, 1, 0, addresses);
    bad[bad.size() - 5] = 5;  // the last record's rdlength
    bad.push_back(0);
    CHECK(status_of(bad) == DnsStatus::Malformed);
}

TEST_CASE("more questions than kept: the rest skipped, the answers still found") {
    Msg m(6, 1);
    for (int i = 0; i < 6; ++i) {
        m.label("q" + std::to_string(i)).u8(0).question_tail();
    }
    m.pointer(12).record(kDnsA, 4).u32(0x0a000009);
    const Parsed p(m.b);
    REQUIRE(p.status == DnsStatus::Ok);
    CHECK(p->qdcount == 6);
    REQUIRE(p->question_count == DnsMessage::kMaxQuestions);
    CHECK(p->questions[3].name.view() == "q3");
    REQUIRE(p->answer_count == 1);
    CHECK(p->answers[0].name.view() == "q0");
    CHECK(p->answers[0].address == ip("10.0.0.9"));
}

TEST_CASE("TXT and MX records skipped by length, a later A found") {
    Msg m(1, 3);
    m.name("mail.example").question_tail(kMx);
    m.pointer(12).record(kDnsTxt, 12).label("v=spf1 -all");
    m.pointer(12).record(kMx, 7).u16(10).label("mx").pointer(17);  // preference, mx.example
    m.pointer(12).record(kDnsA, 4).u32(0xcb007105);
    const Parsed p(m.b);
    REQUIRE(p.status == DnsStatus::Ok);
    REQUIRE(p->answer_count == 1);
    CHECK(p->answers[0].type == kDnsA);
    CHECK(p->answers[0].address == ip("203.0.113.5"));
}

TEST_CASE("type and rcode names") {
    CHECK(dns_type_name(1) == "A");
    CHECK(dns_type_name(28) == "AAAA");
    CHECK(dns_type_name(5) == "CNAME");
    CHECK(dns_type_name(65) == "HTTPS");
    CHECK(dns_type_name(255) == "ANY");
    CHECK(dns_type_name(32769) == "DLV");
    CHECK(dns_rcode_name(0) == "NOERROR");
    CHECK(dns_rcode_name(2) == "SERVFAIL");
    CHECK(dns_rcode_name(5) == "REFUSED");
    // Numbers for the rest, each view valid after later calls.
    const auto zero = dns_type_name(0);
    const auto t300 = dns_type_name(300);
    const auto top = dns_type_name(65535);
    const auto r15 = dns_rcode_name(15);
    const auto r255 = dns_rcode_name(255);
    CHECK(dns_type_name(4242) == "4242");
    CHECK(zero == "0");
    CHECK(t300 == "300");
    CHECK(top == "65535");
    CHECK(r15 == "15");
    CHECK(r255 == "255");
}

namespace {

// Feeds segments and collects the messages, noting whether each one was passed in place.
struct Collector {
    DnsTcpStream stream;
    std::vector<Bytes> messages;
    std::vector<bool> in_place;

    void feed(const Bytes& segment) {
        stream.feed(segment, [&](std::span<const std::uint8_t> m) {
            messages.emplace_back(m.begin(), m.end());
            in_place.push_back(m.data() >= segment.data() &&
                               m.data() + m.size() <= segment.data() + segment.size());
        });
    }
};

Bytes concat(const std::vector<Bytes>& parts) {
    Bytes out;
    for (const auto& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

Bytes slice(const Bytes& b, std::size_t from, std::size_t to) {
    return Bytes(b.begin() + static_cast<std::ptrdiff_t>(from),
                 b.begin() + static_cast<std::ptrdiff_t>(to));
}

}  // namespace

TEST_CASE("DNS over TCP: whole messages pass in place") {
    const auto q1 = dns_query("one.example", kDnsA, 1);
    const auto q2 = dns_query("two.example", kDnsAaaa, 2);
    Collector c;
    c.feed(dns_over_tcp(q1));
    CHECK(c.stream.pending() == 0);
    c.feed(concat({dns_over_tcp(q2), dns_over_tcp(q1)}));
    REQUIRE(c.messages.size() == 3);
    CHECK(c.messages[0] == q1);
    CHECK(c.messages[1] == q2);
    CHECK(c.messages[2] == q1);
    CHECK(c.in_place == std::vector<bool>{true, true, true});
    CHECK(c.stream.pending() == 0);
    CHECK(status_of(c.messages[1]) == DnsStatus::Ok);
}

TEST_CASE("DNS over TCP: a message split over three segments") {
    const auto q = dns_query("split.example", kDnsA, 3);
    const auto wire = dns_over_tcp(q);
    Collector c;
    c.feed(slice(wire, 0, 5));
    CHECK(c.stream.pending() == 5);
    c.feed(slice(wire, 5, 12));
    CHECK(c.stream.pending() == 12);
    CHECK(c.messages.empty());
    c.feed(slice(wire, 12, wire.size()));
    REQUIRE(c.messages.size() == 1);
    CHECK(c.messages[0] == q);
    CHECK_FALSE(c.in_place[0]);
    CHECK(c.stream.pending() == 0);
}

TEST_CASE("DNS over TCP: a split inside the length prefix, then more in the same segment") {
    const auto q1 = dns_query("first.example", kDnsA, 4);
    const auto q2 = dns_query("second.example", kDnsA, 5);
    const auto wire = concat({dns_over_tcp(q1), dns_over_tcp(q2), dns_over_tcp(q1)});
    Collector c;
    c.feed(slice(wire, 0, 1));
    CHECK(c.stream.pending() == 1);
    const auto third = (2 + q1.size()) + (2 + q2.size()) + 3;  // inside the third message
    c.feed(slice(wire, 1, third));
    REQUIRE(c.messages.size() == 2);
    CHECK(c.messages[0] == q1);
    CHECK(c.messages[1] == q2);
    CHECK(c.in_place == std::vector<bool>{false, true});
    CHECK(c.stream.pending() == 3);
    c.feed(slice(wire, third, wire.size()));
    REQUIRE(c.messages.size() == 3);
    CHECK(c.messages[2] == q1);
    CHECK(c.stream.pending() == 0);
}

TEST_CASE("DNS over TCP: every split point of two messages") {
    const auto q1 = dns_query("a.example", kDnsA, 6);
    const auto q2 = dns_query("bb.example", kDnsTxt, 7);
    const auto wire = concat({dns_over_tcp(q1), dns_over_tcp(q2)});
    for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
        CAPTURE(cut);
        Collector c;
        c.feed(slice(wire, 0, cut));
        c.feed(slice(wire, cut, wire.size()));
        CHECK(c.messages == std::vector<Bytes>{q1, q2});
        CHECK(c.stream.pending() == 0);
    }
}

TEST_CASE("DNS over TCP: zero-length messages are skipped") {
    const auto q = dns_query("z.example", kDnsA, 8);
    Collector c;
    c.feed(concat({Bytes{0, 0}, dns_over_tcp(q), Bytes{0, 0}}));
    CHECK(c.messages == std::vector<Bytes>{q});
    c.feed(Bytes{0});
    CHECK(c.stream.pending() == 1);
    c.feed(Bytes{0});
    CHECK(c.stream.pending() == 0);
    CHECK(c.messages.size() == 1);
}

TEST_CASE("DNS over TCP: the largest message, and garbage, stay within kMaxPending") {
    Bytes big(2 + 65535, 0x5a);
    big[0] = 0xff;
    big[1] = 0xff;
    Collector c;
    for (std::size_t at = 0; at < big.size(); at += 1000) {
        c.feed(slice(big, at, std::min(big.size(), at + 1000)));
        CHECK(c.stream.pending() <= DnsTcpStream::kMaxPending);
    }
    REQUIRE(c.messages.size() == 1);
    CHECK(c.messages[0].size() == 65535);
    CHECK(c.stream.pending() == 0);

    Rng rng(2);
    DnsTcpStream garbage;
    std::size_t seen = 0;
    for (int i = 0; i < 2000; ++i) {
        Bytes segment(rng.below(3000));
        rng.fill(segment.data(), segment.size());
        garbage.feed(segment, [&](std::span<const std::uint8_t> m) { seen += m.size(); });
        CHECK(garbage.pending() <= DnsTcpStream::kMaxPending);
    }
    CHECK(seen > 0);
}
