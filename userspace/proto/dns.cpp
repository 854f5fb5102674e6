#include "proto/dns.h"

#include <array>
#include <charconv>
#include <cstring>

namespace spoor::proto {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kFixedQuestion = 4;  // qtype, qclass
constexpr std::size_t kFixedRecord = 10;   // type, class, ttl, rdlength
constexpr std::uint16_t kTypeA = 1;
constexpr std::uint16_t kTypeCname = 5;
constexpr std::uint16_t kTypeAaaa = 28;

// RFC 1035 2.3.4: 255 bytes on the wire. Labels are never empty, so the wire form is always the
// text form plus 2 (one length byte per label, the root byte, one dot fewer than labels): 253.
// That also caps a name at 127 labels (one byte and one dot each), so 128 are Malformed.
constexpr std::size_t kMaxNameText = 253;
// Each pointer must point strictly before itself, so chains end, but a hostile message can chain
// thousands of bare pointers. A compressor ends each name it writes with at most one pointer, so a
// real name needs at most one per label, plus one when it is nothing but a pointer.
constexpr int kMaxJumps = 127 + 1;

// What each byte of a label becomes in a DnsName: ASCII letters lower-cased, the rest as sent;
// and which bytes a host name may hold.
constexpr std::array<char, 256> kLowerByte = [] {
    std::array<char, 256> lower{};
    for (int c = 0; c < 256; ++c) {
        lower[c] = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    return lower;
}();

constexpr std::array<bool, 256> kHostnameByte = [] {
    std::array<bool, 256> ok{};
    for (int c = 0; c < 256; ++c) {
        ok[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_';
    }
    return ok;
}();

std::uint16_t get16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

std::uint32_t get32(const std::uint8_t* p) {
    return std::uint32_t{get16(p)} << 16 | get16(p + 2);
}

void clear(DnsName& name) {
    name.length = 0;
    name.labels = 0;
    name.valid = true;
}

// Decodes the name starting at `pos` and moves `pos` past the bytes it occupies there (up to its
// first pointer). Reads beyond `message` are Truncated; pointers may only go backwards.
DnsStatus read_name(std::span<const std::uint8_t> message, std::size_t& pos, DnsName& name) {
    clear(name);
    std::size_t at = pos;
    std::size_t after = 0;  // where the in-place bytes end, once the first pointer is seen
    int jumps = 0;
    for (;;) {
        if (at >= message.size()) {
            return DnsStatus::Truncated;
        }
        const std::uint8_t len = message[at];
        if ((len & 0xc0) == 0xc0) {
            if (at + 1 >= message.size()) {
                return DnsStatus::Truncated;
            }
            const std::size_t target = std::size_t{len & 0x3fu} << 8 | message[at + 1];
            if (target >= at || ++jumps > kMaxJumps) {
                return DnsStatus::Malformed;
            }
            if (jumps == 1) {
                after = at + 2;
            }
            at = target;
            continue;
        }
        if (len & 0xc0) {
            return DnsStatus::Malformed;  // 0x40: extended label types, retired by RFC 6891; 0x80:
                                          // reserved
        }
        if (len == 0) {
            pos = jumps == 0 ? at + 1 : after;
            return DnsStatus::Ok;
        }
        if (len > message.size() - at - 1) {
            return DnsStatus::Truncated;
        }
        const std::size_t dot = name.labels > 0 ? 1 : 0;
        if (name.length + dot + len > kMaxNameText) {
            return DnsStatus::Malformed;
        }
        if (dot) {
            name.text[name.length++] = '.';
        }
        name.starts[name.labels++] = static_cast<std::uint8_t>(name.length);
        const std::uint8_t* label = &message[at + 1];
        char* out = name.text + name.length;
        bool valid = true;
        for (std::size_t i = 0; i < len; ++i) {
            out[i] = kLowerByte[label[i]];
            valid &= kHostnameByte[label[i]];
        }
        name.valid = name.valid && valid;
        name.length = static_cast<std::uint16_t>(name.length + len);
        at += 1 + std::size_t{len};
    }
}

// Text of every 16-bit number, a row each, so a returned view lives as long as the program.
// Built on first use (a thread-safe static), so its 320 KiB are only touched once a type without a
// name shows up.
struct NumberTable {
    char rows[65536][5];

    NumberTable() {
        for (std::uint32_t n = 0; n < 65536; ++n) {
            std::to_chars(rows[n], rows[n] + 5, n);
        }
    }
};

std::string_view number_text(std::uint16_t n) {
    static const NumberTable table;
    const std::size_t digits = n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : 5;
    return {table.rows[n], digits};
}

}  // namespace

DnsStatus parse_dns(std::span<const std::uint8_t> message, DnsMessage& out) {
    // Only the scalars: the arrays (~10 KB) are read up to the counts.
    out.id = 0;
    out.response = false;
    out.opcode = 0;
    out.rcode = 0;
    out.qdcount = 0;
    out.ancount = 0;
    out.question_count = 0;
    out.answer_count = 0;
    if (message.size() < kHeaderSize) {
        return DnsStatus::Truncated;
    }
    const std::uint8_t* h = message.data();
    out.id = get16(h);
    const std::uint16_t flags = get16(h + 2);
    out.response = flags & 0x8000;
    out.opcode = static_cast<std::uint8_t>((flags >> 11) & 0x0f);
    out.rcode = static_cast<std::uint8_t>(flags & 0x0f);
    out.qdcount = get16(h + 4);
    out.ancount = get16(h + 6);

    DnsName scratch;  // names past the limits, decoded for their checks and their length
    std::size_t pos = kHeaderSize;
    for (std::size_t i = 0; i < out.qdcount; ++i) {
        DnsQuestion* q = i < DnsMessage::kMaxQuestions ? &out.questions[i] : nullptr;
        if (const auto status = read_name(message, pos, q ? q->name : scratch);
            status != DnsStatus::Ok) {
            return status;
        }
        if (message.size() - pos < kFixedQuestion) {
            return DnsStatus::Truncated;
        }
        if (q) {
            q->qtype = get16(&message[pos]);
            q->qclass = get16(&message[pos + 2]);
            ++out.question_count;
        }
        pos += kFixedQuestion;
    }

    for (std::size_t i = 0; i < out.ancount; ++i) {
        // The next free slot takes every record; only kept types are counted into it.
        DnsAnswer* a =
            out.answer_count < DnsMessage::kMaxAnswers ? &out.answers[out.answer_count] : nullptr;
        if (const auto status = read_name(message, pos, a ? a->name : scratch);
            status != DnsStatus::Ok) {
            return status;
        }
        if (message.size() - pos < kFixedRecord) {
            return DnsStatus::Truncated;
        }
        const std::uint8_t* fixed = &message[pos];
        const std::uint16_t type = get16(fixed);
        const std::uint16_t rdlength = get16(fixed + 8);
        pos += kFixedRecord;
        if (message.size() - pos < rdlength) {
            return DnsStatus::Truncated;
        }
        const std::size_t rdata = pos;
        pos += rdlength;
        switch (type) {
            case kTypeA:
            case kTypeAaaa: {
                const std::uint8_t family = type == kTypeA ? 4 : 6;
                if (rdlength != (family == 4 ? 4 : 16)) {
                    return DnsStatus::Malformed;
                }
                if (a) {
                    a->address = IpAddress::from_bytes(family, &message[rdata]);
                    clear(a->target);
                }
                break;
            }
            case kTypeCname: {
                // The target must fill its rdata exactly; pointers may still reach back anywhere.
                std::size_t end = rdata;
                const auto status = read_name(message.first(pos), end, a ? a->target : scratch);
                if (status != DnsStatus::Ok || end != pos) {
                    return DnsStatus::Malformed;
                }
                if (a) {
                    a->address = IpAddress{};
                }
                break;
            }
            default:
                continue;  // skipped by rdlength
        }
        if (a) {
            a->type = type;
            a->rclass = get16(fixed + 2);
            a->ttl = get32(fixed + 4);
            ++out.answer_count;
        }
    }
    return DnsStatus::Ok;
}

std::string_view dns_type_name(std::uint16_t type) {
    // IANA "Resource Record (RR) TYPEs": the types still seen on the wire.
    switch (type) {
        case 1:
            return "A";
        case 2:
            return "NS";
        case 5:
            return "CNAME";
        case 6:
            return "SOA";
        case 10:
            return "NULL";
        case 11:
            return "WKS";
        case 12:
            return "PTR";
        case 13:
            return "HINFO";
        case 15:
            return "MX";
        case 16:
            return "TXT";
        case 17:
            return "RP";
        case 18:
            return "AFSDB";
        case 24:
            return "SIG";
        case 25:
            return "KEY";
        case 28:
            return "AAAA";
        case 29:
            return "LOC";
        case 33:
            return "SRV";
        case 35:
            return "NAPTR";
        case 36:
            return "KX";
        case 37:
            return "CERT";
        case 38:
            return "A6";
        case 39:
            return "DNAME";
        case 41:
            return "OPT";
        case 42:
            return "APL";
        case 43:
            return "DS";
        case 44:
            return "SSHFP";
        case 45:
            return "IPSECKEY";
        case 46:
            return "RRSIG";
        case 47:
            return "NSEC";
        case 48:
            return "DNSKEY";
        case 49:
            return "DHCID";
        case 50:
            return "NSEC3";
        case 51:
            return "NSEC3PARAM";
        case 52:
            return "TLSA";
        case 53:
            return "SMIMEA";
        case 55:
            return "HIP";
        case 59:
            return "CDS";
        case 60:
            return "CDNSKEY";
        case 61:
            return "OPENPGPKEY";
        case 62:
            return "CSYNC";
        case 63:
            return "ZONEMD";
        case 64:
            return "SVCB";
        case 65:
            return "HTTPS";
        case 99:
            return "SPF";
        case 108:
            return "EUI48";
        case 109:
            return "EUI64";
        case 249:
            return "TKEY";
        case 250:
            return "TSIG";
        case 251:
            return "IXFR";
        case 252:
            return "AXFR";
        case 255:
            return "ANY";
        case 256:
            return "URI";
        case 257:
            return "CAA";
        case 32768:
            return "TA";
        case 32769:
            return "DLV";
        default:
            return number_text(type);
    }
}

std::string_view dns_rcode_name(std::uint8_t rcode) {
    // IANA "DNS RCODEs"; 16 and up only exist with EDNS or TSIG, where 16 is BADVERS or BADSIG.
    switch (rcode) {
        case 0:
            return "NOERROR";
        case 1:
            return "FORMERR";
        case 2:
            return "SERVFAIL";
        case 3:
            return "NXDOMAIN";
        case 4:
            return "NOTIMP";
        case 5:
            return "REFUSED";
        case 6:
            return "YXDOMAIN";
        case 7:
            return "YXRRSET";
        case 8:
            return "NXRRSET";
        case 9:
            return "NOTAUTH";
        case 10:
            return "NOTZONE";
        case 11:
            return "DSOTYPENI";
        case 16:
            return "BADVERS";
        case 17:
            return "BADKEY";
        case 18:
            return "BADTIME";
        case 19:
            return "BADMODE";
        case 20:
            return "BADNAME";
        case 21:
            return "BADALG";
        case 22:
            return "BADTRUNC";
        case 23:
            return "BADCOOKIE";
        default:
            return number_text(rcode);
    }
}

}  // namespace spoor::proto
