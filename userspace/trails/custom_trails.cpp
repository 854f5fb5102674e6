#include "trails/custom_trails.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "common/atomic_file.h"
#include "common/text.h"
#include "trails/line_rules.h"

namespace spoor::trails {

namespace {

constexpr std::string_view kHeader =
    "# spoor's custom trails: written by `spoor trails add|rm`, read at every start and reload.\n"
    "# <value>[<TAB><info>[<TAB><severity 1..3>]] adds a trail; !<value> removes a listed one.\n";

// The key as a line that the line rules read back as the same kind.
std::string line_value(IndicatorKind kind, const std::string& key) {
    switch (kind) {
        case IndicatorKind::UserAgent:
            return "ua:" + key;
        case IndicatorKind::CertSha1:
            return "sha1:" + key;
        case IndicatorKind::Ja3:
            return "ja3:" + key;
        case IndicatorKind::Ja4:
            return "ja4:" + key;
        default:
            return key;
    }
}

}  // namespace

ParsedLine CustomTrails::parse(std::string_view value) {
    if (value.find_first_of("\t\r\n") != std::string_view::npos) {
        throw std::invalid_argument("a trail holds no tab or line break");
    }
    ParsedLine parsed{IndicatorKind::Ip, {}};
    std::string reason;
    if (!parse_trail_line(value, parsed, reason)) {
        throw std::invalid_argument("'" + std::string(value) +
                                    "' is not a trail: " + (reason.empty() ? "empty" : reason));
    }
    return parsed;
}

void CustomTrails::add(std::string_view value, std::string info, std::uint8_t severity) {
    if (info.find_first_of("\t\r\n") != std::string::npos) {
        throw std::invalid_argument("an info holds no tab or line break");
    }
    if (severity > 3) {
        throw std::invalid_argument("severity " + std::to_string(severity) + ": 1, 2 or 3");
    }
    ParsedLine parsed = parse(value);
    std::erase_if(removed_,
                  [&](const auto& r) { return r.first == parsed.kind && r.second == parsed.key; });
    std::erase_if(added_,
                  [&](const Trail& t) { return t.kind == parsed.kind && t.key == parsed.key; });
    added_.push_back(
        {parsed.kind, std::move(parsed.key), info.empty() ? "custom" : info, severity});
}

void CustomTrails::remove(std::string_view value) {
    ParsedLine parsed = parse(value);
    std::erase_if(added_,
                  [&](const Trail& t) { return t.kind == parsed.kind && t.key == parsed.key; });
    const auto removal = std::make_pair(parsed.kind, std::move(parsed.key));
    if (std::find(removed_.begin(), removed_.end(), removal) == removed_.end()) {
        removed_.push_back(removal);
    }
}

CustomTrails CustomTrails::load(const std::filesystem::path& file, LoadReport& report) {
    CustomTrails list;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) {
            return list;
        }
        throw TrailLoadError("custom trails " + file.string() + ": " + std::strerror(errno));
    }
    const std::string content((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    std::size_t line_no = 0;
    for_each_line(content, [&](std::string_view line) {
        ++line_no;
        line = trim(line);
        if (line.empty() || line.starts_with('#')) {
            return;
        }
        const auto bad = [&](const std::string& why) {
            report.malformed.push_back({file.string(), line_no, std::string(line), why});
        };
        try {
            if (line.starts_with('!')) {
                list.remove(trim(line.substr(1)));
                return;
            }
            const auto tab = line.find('\t');
            const std::string_view value = line.substr(0, tab);
            std::string_view rest = tab == std::string_view::npos ? "" : line.substr(tab + 1);
            const auto second = rest.find('\t');
            const std::string info(trim(rest.substr(0, second)));
            unsigned severity = 0;
            if (second != std::string_view::npos) {
                const std::string_view text = trim(rest.substr(second + 1));
                const auto [end, ec] =
                    std::from_chars(text.data(), text.data() + text.size(), severity);
                if (ec != std::errc() || end != text.data() + text.size() || severity < 1 ||
                    severity > 3) {
                    bad("severity must be 1, 2 or 3");
                    return;
                }
            }
            list.add(value, info, static_cast<std::uint8_t>(severity));
        } catch (const std::invalid_argument& e) {
            bad(e.what());
        }
    });
    return list;
}

void CustomTrails::save(const std::filesystem::path& file) const {
    std::string text(kHeader);
    for (const Trail& t : added_) {
        text += line_value(t.kind, t.key);
        text += '\t';
        text += t.info;
        if (t.severity != 0) {
            text += '\t';
            text += std::to_string(t.severity);
        }
        text += '\n';
    }
    for (const auto& [kind, key] : removed_) {
        text += '!';
        text += line_value(kind, key);
        text += '\n';
    }
    try {
        write_file_atomically(file, text);
    } catch (const std::runtime_error& e) {
        throw TrailLoadError(std::string("custom trails ") + e.what());
    }
}

std::shared_ptr<const TrailStore> CustomTrails::over(std::shared_ptr<const TrailStore> base) const {
    if (empty()) {
        return base;
    }
    TrailSet set;
    for (const Trail& t : added_) {
        set.add(t.kind, t.key, TrailRecord{t.info, "(custom)", t.severity}, SourceRank::Custom);
    }
    return TrailStore::layered(std::move(base), set, removed_);
}

}  // namespace spoor::trails
