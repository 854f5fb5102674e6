#include "trails/whitelist.h"

#include <algorithm>
#include <fstream>
#include <string>

#include "common/text.h"
#include "trails/keys.h"

namespace spoor::trails {

namespace {}  // namespace

void Whitelist::load(const std::filesystem::path& file, LoadReport& report) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw TrailLoadError("whitelist " + file.string() + ": cannot be read");
    }
    ++report.files;
    // The trail line rules classify each line, so a whitelist entry is read
    // exactly as the same text would be read as a trail.
    ParsedLine parsed;
    std::string reason;
    std::string line;
    std::size_t line_no = 0;
    const auto malformed = [&](std::string why) {
        report.malformed.push_back(
            MalformedLine{file.string(), line_no, std::string(trim(line)), std::move(why)});
    };
    while (std::getline(in, line)) {
        ++line_no;
        if (line_no == 1 && line.starts_with("\xEF\xBB\xBF")) {
            line.erase(0, 3);
        }
        if (!parse_trail_line(line, parsed, reason)) {
            if (!reason.empty()) {
                malformed(reason);
            }
            continue;
        }
        switch (parsed.kind) {
            case IndicatorKind::Domain:
                add_domain(parsed.key);
                break;
            case IndicatorKind::Ip:
                if (const auto addr = IpAddress::parse(parsed.key)) {
                    add_address(*addr, addr->bits());
                }
                break;
            case IndicatorKind::Cidr: {
                Prefix prefix;
                if (keys::parse_prefix(parsed.key, prefix) == keys::Parse::Ok) {
                    add_address(prefix.addr, prefix.len);
                }
                break;
            }
            default:
                // Maltrail's list also holds a URL ("www.nirsoft.net/utils") and an
                // address with a port; this one holds names and addresses, so say what
                // was dropped rather than whitelist less (or more) than the line meant.
                malformed(std::string(kind_name(parsed.kind)) +
                          " entries are not supported (names and addresses only)");
                continue;
        }
        ++report.lines;
    }
}

void Whitelist::add_domain(std::string_view name) {
    std::string key(name);
    std::transform(key.begin(), key.end(), key.begin(), to_lower_ascii);
    while (!key.empty() && key.back() == '.') {
        key.pop_back();
    }
    if (!key.empty()) {
        domains_.insert(std::move(key));
    }
}

void Whitelist::add_address(const IpAddress& addr, int prefix_len) {
    prefix_len = std::clamp(prefix_len, 0, addr.bits());
    std::pair<IpAddress, int> entry{addr.masked(prefix_len), prefix_len};
    // Maltrail's own list repeats a few ranges; size() should count each once.
    if (std::find(prefixes_.begin(), prefixes_.end(), entry) == prefixes_.end()) {
        prefixes_.push_back(entry);
    }
}

bool Whitelist::has_name(std::string_view name) const {
    if (domains_.empty()) {
        return false;
    }
    // std::unordered_set<std::string> has no string_view lookup with the default
    // hash; one buffer per thread keeps the parent walk free of allocations.
    thread_local std::string key;
    while (!name.empty()) {
        key.assign(name);
        if (domains_.contains(key)) {
            return true;
        }
        const auto dot = name.find('.');
        if (dot == std::string_view::npos) {
            break;
        }
        name.remove_prefix(dot + 1);
    }
    return false;
}

bool Whitelist::has_address(const IpAddress& addr) const {
    // A linear scan: Maltrail's list holds under 200 addresses and ranges, and it
    // is consulted when something would alert, not for every packet.
    return std::any_of(prefixes_.begin(), prefixes_.end(), [&addr](const auto& entry) {
        return entry.first.family == addr.family && addr.masked(entry.second) == entry.first;
    });
}

std::size_t Whitelist::size() const {
    return domains_.size() + prefixes_.size();
}

}  // namespace spoor::trails
