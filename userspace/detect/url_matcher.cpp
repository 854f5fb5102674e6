#include "detect/url_matcher.h"

#include <algorithm>
#include <array>

#include "common/text.h"

namespace spoor::detect {
namespace {

std::string_view strip_slashes(std::string_view s) {
    while (!s.empty() && s.back() == '/') {
        s.remove_suffix(1);
    }
    return s;
}

// The target with every parameter's value removed: "/a?x=1&y=2" -> "/a?x=&y=".
std::string without_values(std::string_view path) {
    std::string out;
    out.reserve(path.size());
    bool in_value = false;
    for (std::size_t i = 0; i < path.size(); ++i) {
        const char c = path[i];
        if (c == '&') {
            in_value = false;
        }
        if (!in_value) {
            out.push_back(c);
        }
        if (c == '=' && i > path.find('?')) {
            in_value = true;
        }
    }
    return out;
}

}  // namespace

UrlMatcher::UrlMatcher(std::shared_ptr<const trails::TrailStore> trails)
    : trails_(std::move(trails)), urls_(trails_->index(trails::IndicatorKind::Url)) {}

std::optional<UrlMatch> UrlMatcher::match(std::string_view host, std::string_view path,
                                          std::string_view post_body) {
    if (urls_.size() == 0) {
        return std::nullopt;
    }
    // "host:80" is the host: Maltrail's trails never carry the default port.
    if (host.ends_with(":80")) {
        host.remove_suffix(3);
    }
    url_.clear();
    std::transform(host.begin(), host.end(), std::back_inserter(url_), to_lower_ascii);
    const std::size_t host_size = url_.size();
    std::transform(path.begin(), path.end(), std::back_inserter(url_), to_lower_ascii);
    const std::size_t path_end = url_.size();
    const bool with_body = !post_body.empty() && path.find('?') == std::string_view::npos;
    if (with_body) {
        url_.push_back('?');
        std::transform(post_body.begin(), post_body.end(), std::back_inserter(url_),
                       to_lower_ascii);
    }
    const std::string_view lower_path =
        std::string_view(url_).substr(host_size, path_end - host_size);

    // Candidates in Maltrail's order; each a view into url_ or into `owned`.
    std::array<std::string_view, 9> candidates;
    std::size_t count = 0;
    std::string values_removed;
    if (with_body) {
        candidates[count++] = std::string_view(url_).substr(host_size);
    }
    candidates[count++] = strip_slashes(lower_path);
    if (const auto query = lower_path.find('?'); query != std::string_view::npos) {
        candidates[count++] = strip_slashes(lower_path.substr(0, query));
        if (const auto eq = lower_path.find('=', query); eq != std::string_view::npos) {
            candidates[count++] = lower_path.substr(0, eq + 1);
            values_removed = without_values(lower_path);
            candidates[count++] = values_removed;
        }
    }
    // Without its extension, then the parent directory and the last segment.
    const std::string_view last = candidates[count - 1];
    const auto slash = last.rfind('/');
    if (const auto dot = last.rfind('.');
        dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash + 1)) {
        candidates[count++] = last.substr(0, dot);
    }
    if (std::count(last.begin(), last.end(), '/') > 1) {
        candidates[count++] = last.substr(0, slash);
        const std::string_view plain = strip_slashes(lower_path.substr(0, lower_path.find('?')));
        if (const auto segment = plain.rfind('/'); segment != std::string_view::npos) {
            candidates[count++] = plain.substr(segment);
        }
    }

    for (std::size_t i = 0; i < count; ++i) {
        const std::string_view candidate = candidates[i];
        for (const bool with_host : {false, true}) {
            if (!with_host && candidate.empty()) {
                continue;
            }
            key_.assign(with_host ? std::string_view(url_).substr(0, host_size) : "");
            key_.append(candidate);
            const std::uint32_t record = urls_.find(key_);
            if (record == trails::kNoRecord) {
                continue;
            }
            // The URL with what the trail does not name in parentheses.
            const std::string_view url(url_);
            const std::size_t at = with_host ? 0 : url.find(key_, host_size);
            UrlMatch match{"", record};
            if (at == std::string_view::npos) {
                // A candidate that is not a substring (parameter values removed): the
                // trail as listed, after the host it was met on.
                match.trail =
                    with_host ? key_ : "(" + std::string(url.substr(0, host_size)) + ")" + key_;
                return match;
            }
            if (at > 0) {
                match.trail += '(';
                match.trail += url.substr(0, at);
                match.trail += ')';
            }
            match.trail += key_;
            if (at + key_.size() < url.size()) {
                match.trail += '(';
                match.trail += url.substr(at + key_.size());
                match.trail += ')';
            }
            return match;
        }
    }
    return std::nullopt;
}

}  // namespace spoor::detect
