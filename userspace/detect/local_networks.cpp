#include "detect/local_networks.h"

#include <cstring>
#include <stdexcept>
#include <string_view>

#include "common/text.h"
#include "trails/keys.h"

namespace spoor::detect {
namespace {

void load_words(const IpAddress& address, std::uint64_t (&words)[2]) {
    std::memcpy(words, address.bytes.data(), sizeof(words));
}

}  // namespace

const std::vector<std::string>& LocalNetworks::default_prefixes() {
    static const std::vector<std::string> prefixes = {
        "10.0.0.0/8",     "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
        "169.254.0.0/16", "::1/128",       "fc00::/7",       "fe80::/10"};
    return prefixes;
}

LocalNetworks::LocalNetworks() : LocalNetworks(default_prefixes()) {}

LocalNetworks::LocalNetworks(const std::vector<std::string>& prefixes) {
    prefixes_.reserve(prefixes.size());
    for (const auto& entry : prefixes) {
        const std::string_view text = trim(entry);
        trails::Prefix prefix;
        if (text.find('/') == std::string_view::npos) {
            const auto host = IpAddress::parse(text);
            if (!host) {
                throw std::invalid_argument("local network '" + entry +
                                            "': not an address or prefix");
            }
            prefix.addr = *host;
            prefix.len = static_cast<std::uint8_t>(host->bits());
        } else if (const auto parsed = trails::keys::parse_prefix(text, prefix);
                   parsed == trails::keys::Parse::BadLength) {
            throw std::invalid_argument("local network '" + entry +
                                        "': prefix length past the address width");
        } else if (parsed != trails::keys::Parse::Ok) {
            throw std::invalid_argument("local network '" + entry + "': not an address or prefix");
        }
        IpAddress all_ones;
        all_ones.family = prefix.addr.family;
        all_ones.bytes.fill(0xff);
        Entry e{};
        e.family = prefix.addr.family;
        load_words(all_ones.masked(prefix.len), e.mask);
        load_words(prefix.addr.masked(prefix.len), e.network);
        prefixes_.push_back(e);
    }
}

bool LocalNetworks::contains(const IpAddress& address) const {
    std::uint64_t words[2];
    load_words(address, words);
    for (const auto& p : prefixes_) {
        if (p.family == address.family && (words[0] & p.mask[0]) == p.network[0] &&
            (words[1] & p.mask[1]) == p.network[1]) {
            return true;
        }
    }
    return false;
}

}  // namespace spoor::detect
