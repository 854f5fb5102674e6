#include "trails/trail_set.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <utility>

#include "trails/keys.h"

namespace spoor::trails {

namespace {

std::size_t combine(std::size_t seed, std::size_t value) {
    return seed ^ (value + 0x9e3779b97f4a7c15ull + (seed << 6) + (seed >> 2));
}

// 1..65535 written in decimal, nothing else.
bool parse_port(std::string_view text, std::uint16_t& port) {
    unsigned value = 0;
    if (text.empty() || text.size() > 5) {
        return false;
    }
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
        return false;
    }
    port = static_cast<std::uint16_t>(value);
    return true;
}

// "(custom)" is written "(+custom)" when it is not the winner, as Maltrail does.
std::string_view bare_reference(std::string_view reference) {
    if (reference.size() >= 2 && reference.front() == '(' && reference.back() == ')') {
        return reference.substr(1, reference.size() - 2);
    }
    return reference;
}

[[noreturn]] void bad_key(IndicatorKind kind, const std::string& key) {
    throw std::invalid_argument(std::string("not a valid ") + kind_name(kind) + " key: '" + key +
                                "'");
}

}  // namespace

namespace keys {

Parse parse_prefix(std::string_view text, Prefix& out) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return Parse::NotAddress;
    }
    const std::string_view length = text.substr(slash + 1);
    unsigned len = 0;
    if (length.empty() || length.size() > 3 ||
        std::from_chars(length.data(), length.data() + length.size(), len).ptr !=
            length.data() + length.size()) {
        return Parse::NotAddress;
    }
    const auto addr = IpAddress::parse(text.substr(0, slash));
    if (!addr) {
        return Parse::NotAddress;
    }
    if (len > static_cast<unsigned>(addr->bits())) {
        return Parse::BadLength;
    }
    out.len = static_cast<std::uint8_t>(len);
    out.addr = addr->masked(static_cast<int>(len));
    return Parse::Ok;
}

Parse parse_ip_port(std::string_view text, IpPort& out) {
    std::string_view host;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find("]:");
        if (close == std::string_view::npos) {
            return Parse::NotAddress;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return Parse::NotAddress;
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    const auto addr = IpAddress::parse(host);
    // Without brackets only IPv4 can carry a port: a colon in IPv6 text is not a separator.
    if (!addr || (!text.starts_with('[') && !addr->is_v4())) {
        return Parse::NotAddress;
    }
    if (!parse_port(port, out.port)) {
        return Parse::BadPort;
    }
    out.addr = *addr;
    return Parse::Ok;
}

std::string prefix_text(const Prefix& prefix) {
    return prefix.addr.to_string() + '/' + std::to_string(prefix.len);
}

std::string ip_port_text(const IpPort& ip_port) {
    const std::string port = std::to_string(ip_port.port);
    if (ip_port.addr.is_v4()) {
        return ip_port.addr.to_string() + ':' + port;
    }
    return '[' + ip_port.addr.to_string() + "]:" + port;
}

}  // namespace keys

const char* kind_name(IndicatorKind kind) {
    switch (kind) {
        case IndicatorKind::Ip:
            return "ip";
        case IndicatorKind::IpPort:
            return "ipport";
        case IndicatorKind::Cidr:
            return "cidr";
        case IndicatorKind::Domain:
            return "domain";
        case IndicatorKind::RegexDomain:
            return "regex_domain";
        case IndicatorKind::Url:
            return "url";
        case IndicatorKind::UserAgent:
            return "ua";
        case IndicatorKind::CertSha1:
            return "sha1";
        case IndicatorKind::Ja3:
            return "ja3";
        case IndicatorKind::Ja4:
            return "ja4";
    }
    return "unknown";
}

std::size_t PrefixHash::operator()(const Prefix& p) const noexcept {
    return combine(IpAddressHash{}(p.addr), p.len);
}

std::size_t IpPortHash::operator()(const IpPort& p) const noexcept {
    return combine(IpAddressHash{}(p.addr), p.port);
}

std::size_t TrailSet::count(IndicatorKind kind) const {
    switch (kind) {
        case IndicatorKind::Ip:
            return ips.size();
        case IndicatorKind::IpPort:
            return ipports.size();
        case IndicatorKind::Cidr:
            return cidrs.size();
        case IndicatorKind::Domain:
            return domains.size();
        case IndicatorKind::RegexDomain:
            return regex_domains.size();
        case IndicatorKind::Url:
            return urls.size();
        case IndicatorKind::UserAgent:
            return user_agents.size();
        case IndicatorKind::CertSha1:
            return cert_sha1.size();
        case IndicatorKind::Ja3:
            return ja3.size();
        case IndicatorKind::Ja4:
            return ja4.size();
    }
    return 0;
}

std::size_t TrailSet::total() const {
    std::size_t sum = 0;
    for (std::size_t k = 0; k < kIndicatorKinds; ++k) {
        sum += count(static_cast<IndicatorKind>(k));
    }
    return sum;
}

void TrailSet::add(IndicatorKind kind, const std::string& key, const TrailRecord& record,
                   SourceRank rank) {
    switch (kind) {
        case IndicatorKind::Ip: {
            const auto addr = IpAddress::parse(key);
            if (!addr) {
                bad_key(kind, key);
            }
            upsert(ips, *addr, record, rank);
            return;
        }
        case IndicatorKind::Cidr: {
            Prefix prefix;
            if (keys::parse_prefix(key, prefix) != keys::Parse::Ok) {
                bad_key(kind, key);
            }
            // An exact address goes in the hash map that the kernel looks up cheaply.
            if (prefix.len == prefix.addr.bits()) {
                upsert(ips, prefix.addr, record, rank);
            } else {
                upsert(cidrs, prefix, record, rank);
            }
            return;
        }
        case IndicatorKind::IpPort: {
            IpPort ip_port;
            if (keys::parse_ip_port(key, ip_port) != keys::Parse::Ok) {
                bad_key(kind, key);
            }
            upsert(ipports, ip_port, record, rank);
            return;
        }
        case IndicatorKind::Domain:
            upsert(domains, key, record, rank);
            return;
        case IndicatorKind::RegexDomain:
            upsert(regex_domains, key, record, rank);
            return;
        case IndicatorKind::Url:
            upsert(urls, key, record, rank);
            return;
        case IndicatorKind::UserAgent:
            upsert(user_agents, key, record, rank);
            return;
        case IndicatorKind::CertSha1:
            upsert(cert_sha1, key, record, rank);
            return;
        case IndicatorKind::Ja3:
            upsert(ja3, key, record, rank);
            return;
        case IndicatorKind::Ja4:
            upsert(ja4, key, record, rank);
            return;
    }
    bad_key(kind, key);
}

std::vector<std::string_view> TrailSet::references(std::uint32_t id) const {
    const RecordSource& source = sources_.at(id);
    std::vector<std::string_view> all;
    all.reserve(source.others.size() + 1);
    all.emplace_back(source.own_reference);
    all.insert(all.end(), source.others.begin(), source.others.end());
    return all;
}

template <typename Map, typename Key>
void TrailSet::upsert(Map& map, Key&& key, const TrailRecord& record, SourceRank rank) {
    auto [it, inserted] = map.try_emplace(std::forward<Key>(key), 0);
    it->second = inserted ? intern(record.info, record.reference, {}, rank, record.severity)
                          : merge(it->second, record, rank);
}

std::uint32_t TrailSet::intern(const std::string& info, const std::string& own_reference,
                               std::vector<std::string> others, SourceRank rank,
                               std::uint8_t severity) {
    if (has_last_ && others.empty()) {
        const RecordSource& last = sources_[last_id_];
        if (last.rank == rank && last.others.empty() && last.own_reference == own_reference &&
            records_[last_id_].info == info && records_[last_id_].severity == severity) {
            return last_id_;
        }
    }
    std::string reference = own_reference;
    for (const auto& other : others) {
        reference += " (+";
        reference += bare_reference(other);
        reference += ')';
    }
    std::string key;
    key.reserve(info.size() + reference.size() + 3);
    key.append(info).append(1, '\0').append(reference).append(1, '\0');
    key.push_back(static_cast<char>('0' + static_cast<int>(rank)));
    key.push_back(static_cast<char>('0' + severity));

    const auto [it, inserted] =
        interned_.try_emplace(std::move(key), static_cast<std::uint32_t>(records_.size()));
    if (inserted) {
        if (records_.size() == UINT32_MAX) {
            throw std::length_error("too many distinct trail records");
        }
        const bool plain = others.empty();
        records_.push_back(TrailRecord{info, std::move(reference), severity});
        sources_.push_back(RecordSource{rank, own_reference, std::move(others)});
        if (plain) {
            last_id_ = it->second;
            has_last_ = true;
        }
    }
    return it->second;
}

std::uint32_t TrailSet::merge(std::uint32_t current, const TrailRecord& record, SourceRank rank) {
    {
        const RecordSource& source = sources_[current];
        const bool named = record.reference == source.own_reference ||
                           std::find(source.others.begin(), source.others.end(),
                                     record.reference) != source.others.end();
        if (rank >= source.rank && named) {
            return current;  // the usual case: a duplicate line, nothing changes
        }
    }
    // Copies, not references: intern() may grow the vectors they live in.
    const RecordSource source = sources_[current];
    if (rank < source.rank) {
        // The new source wins; every reference named so far follows its own.
        std::vector<std::string> others;
        others.reserve(source.others.size() + 1);
        if (source.own_reference != record.reference) {
            others.push_back(source.own_reference);
        }
        for (const auto& reference : source.others) {
            if (reference != record.reference) {
                others.push_back(reference);
            }
        }
        return intern(record.info, record.reference, std::move(others), rank, record.severity);
    }
    std::vector<std::string> others = source.others;
    others.push_back(record.reference);
    const TrailRecord kept = records_[current];
    return intern(kept.info, source.own_reference, std::move(others), source.rank, kept.severity);
}

}  // namespace spoor::trails
