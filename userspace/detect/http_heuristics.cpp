#include "detect/http_heuristics.h"

#include <algorithm>
#include <array>

#include "common/text.h"

namespace spoor::detect {
namespace {

// File types that run or install when opened: fetched straight from an outside host they are
// how droppers arrive. (Archives and documents are left out: far too common to tell anything.)
constexpr std::array<std::string_view, 18> kRiskyExtensions = {
    "apk", "bat", "chm", "cmd", "cpl", "dll", "exe", "hta", "hwp",
    "lnk", "msi", "ps1", "scr", "sct", "vbe", "vbs", "wsf", "xpi"};

// CPU architectures as IoT botnets (Mirai and its kin) name their per-platform binaries:
// "mips", "bins/x.arm7", "sora.x86_64".
constexpr std::array<std::string_view, 28> kCpuArchitectures = {
    "aarch64", "arc",  "arm",  "arm4", "arm5",  "arm6", "arm7", "armv4l", "armv5l", "armv6l",
    "armv7l",  "i386", "i486", "i586", "i686",  "m68k", "mips", "mips64", "mipsel", "mpsl",
    "powerpc", "ppc",  "sh4",  "spc",  "sparc", "x32",  "x86",  "x86_64"};

// Where a risky file type is expected: Maltrail's exceptions for firmware, driver and
// software-update paths.
constexpr std::array<std::string_view, 4> kDownloadPlaces = {"cgi", "/bin/", "/pub/softpaq/",
                                                             "/bios/"};

// Content types of scripts and help files that run when a browser hands them over (not
// executables: Debian's Apache gives every .exe one of those).
constexpr std::array<std::string_view, 9> kRiskyContentTypes = {
    "application/hta",   "application/vnd.ms-htmlhelp", "application/x-bsh", "application/x-chm",
    "application/x-sh",  "application/x-shellscript",   "text/x-scriptlet",  "text/x-sh",
    "text/x-shellscript"};

// How seizure banners word their page titles; "seized" alone also names news stories.
constexpr std::array<std::string_view, 3> kSeizedTitles = {"been seized", "domain seized",
                                                           "site seized"};

// `value` is in `list` (lower case), ASCII case ignored in `value`.
template <std::size_t N>
bool listed(const std::array<std::string_view, N>& list, std::string_view value) {
    return std::any_of(list.begin(), list.end(), [value](std::string_view entry) {
        return equals_ignoring_case(value, entry);
    });
}

template <std::size_t N>
bool mentions_any(std::string_view text, const std::array<std::string_view, N>& words) {
    return std::any_of(words.begin(), words.end(), [text](std::string_view word) {
        return contains_ignoring_case(text, word);
    });
}

// The path without query or fragment.
std::string_view without_query(std::string_view path) {
    return path.substr(0, path.find_first_of("?#"));
}

std::string_view last_segment(std::string_view path) {
    path = without_query(path);
    return path.substr(path.rfind('/') + 1);
}

// Where `attack`'s family stands in WebAttackPatterns::families(); none ranks last.
std::size_t family_rank(const std::optional<WebAttack>& attack) {
    const auto families = WebAttackPatterns::families();
    return attack
               ? static_cast<std::size_t>(
                     std::find(families.begin(), families.end(), attack->family) - families.begin())
               : families.size();
}

}  // namespace

std::string_view first_path_segment(std::string_view path) {
    path = without_query(path);
    if (path.starts_with('/')) {
        path.remove_prefix(1);
    }
    return path.substr(0, path.find('/'));
}

HttpHeuristics::HttpHeuristics(const HttpHeuristicsConfig& config,
                               std::shared_ptr<const trails::Whitelist> whitelist)
    : config_(config),
      whitelist_(whitelist ? std::move(whitelist) : std::make_shared<const trails::Whitelist>()) {
    if (!config_.local) {
        config_.local = std::make_shared<const LocalNetworks>();
    }
    if (config_.web_attack && config_.attacks) {
        attacks_ = std::make_unique<WebAttackMatcher>(config_.attacks);
    }
    if (config_.suspicious_ua && config_.user_agents) {
        user_agents_ = std::make_unique<UserAgentMatcher>(config_.user_agents);
    }
    if (attacks_ || user_agents_) {
        user_agent_verdicts_.resize(kUserAgentSlots);
    }
}

const HttpHeuristics::UserAgentVerdict& HttpHeuristics::user_agent_verdict(
    std::string_view user_agent) {
    const std::uint64_t hash = user_agent_hash_(user_agent);
    const std::uint64_t tag = hash | 1;  // never 0, the empty slot
    UserAgentVerdict& slot = user_agent_verdicts_[(hash >> 1) % kUserAgentSlots];
    if (slot.tag != tag) {
        slot = {tag, kNoAttack, false};
        if (attacks_) {
            if (const auto attack = attacks_->find({}, {}, user_agent)) {
                slot.attack = static_cast<std::uint8_t>(family_rank(attack));
            }
        }
        slot.listed = user_agents_ && user_agents_->match(user_agent).has_value();
    }
    return slot;
}

void HttpHeuristics::check_request(const HttpRequestView& view, const proto::Packet& packet,
                                   bool ua_listed, std::vector<HttpFinding>& out) {
    const proto::HttpRequest& request = view.request;
    const auto url = [&view] {
        std::string url(view.host);
        url += view.path;
        return url;
    };
    const UserAgentVerdict* agent = nullptr;
    if (!request.user_agent.empty() && !user_agent_verdicts_.empty()) {
        agent = &user_agent_verdict(request.user_agent);
    }
    if (attacks_) {
        // A body is read as a form only when it is one: JSON, XML and uploads hold code,
        // paths and quotes in their own right.
        const bool form =
            starts_with_ignoring_case(request.content_type, "application/x-www-form-urlencoded");
        auto attack = attacks_->find(view.path, form ? request.body : "", {});
        // The most dangerous family wins (families() is in that order); on a tie, the target
        // or body, as WebAttackMatcher itself would.
        if (agent != nullptr && agent->attack < family_rank(attack)) {
            attack =
                WebAttack{WebAttackPatterns::families()[agent->attack], WebAttackField::user_agent};
        }
        // Other bodies are not forms, but XML can carry an external entity (or code), and any
        // body a JNDI lookup that a server logs.
        if (!form && !request.body.empty()) {
            if (contains_ignoring_case(request.content_type, "xml")) {
                const auto xml = attacks_->find({}, request.body, {});
                if (xml &&
                    (xml->family == "xxe injection" || xml->family == "remote code execution") &&
                    family_rank(xml) < family_rank(attack)) {
                    attack = xml;
                }
            }
            if (family_rank(attack) > 0 && attacks_->jndi_lookup(request.body)) {
                attack = WebAttack{WebAttackPatterns::families()[0], WebAttackField::body};
            }
        }
        // Remote code execution ranks first: nothing else can outrank a JNDI lookup.
        if (family_rank(attack) > 0 && attacks_->jndi_lookup(view.headers)) {
            attack = WebAttack{WebAttackPatterns::families()[0], WebAttackField::headers};
        }
        if (attack) {
            static constexpr const char* kFields[] = {
                "http.url", "http.request_body", "http.http_user_agent", "http.request_headers"};
            out.push_back({"web-attack", "URL", url(),
                           "potential " + std::string(attack->family) + " (suspicious)",
                           kFields[static_cast<int>(attack->field)]});
        }
    }
    if (agent != nullptr && agent->listed && !ua_listed) {
        out.push_back({"suspicious-ua", "UA", std::string(request.user_agent),
                       "user agent (suspicious)", "http.http_user_agent"});
    }
    const bool absolute = request.method == "CONNECT" || !request.target.starts_with('/');
    if (config_.proxy_probe && absolute && request.target != "*" &&
        !config_.local->contains(packet.src) && config_.local->contains(packet.dst) &&
        IpAddress::parse(proto::host_without_port(view.host)) != packet.dst) {
        // An outside host asking a local one to fetch from elsewhere: testing for an open
        // proxy. (An absolute target naming the server itself is plain HTTP.)
        out.push_back({"proxy-probe", "URL", std::string(request.target),
                       "potential proxy probe (suspicious)", "http.url"});
    }
    if (config_.missing_host && request.host.empty() && !absolute) {
        out.push_back({"missing-host", "HTTP", std::string(request.target),
                       "missing host header (suspicious)", "http.hostname"});
    }
    // Downloads come from outside: a local server handing out tools is its operators' business.
    if (!config_.download || request.method == "CONNECT" || config_.local->contains(packet.dst)) {
        return;
    }
    const std::string_view file = last_segment(view.path);
    const auto dot = file.rfind('.');
    const std::string_view type = dot == std::string_view::npos ? file : file.substr(dot + 1);
    const auto where = [&view] {
        return std::string(view.host) + std::string(without_query(view.path));
    };
    const bool query = without_query(view.path).size() != view.path.size();
    if (dot != std::string_view::npos && !query && listed(kRiskyExtensions, type) &&
        !mentions_any(view.path, kDownloadPlaces) && !whitelist_->has_address(packet.dst)) {
        assign_lower_ascii(proto::host_without_port(view.host), lowered_);
        if (!whitelist_->has_name(lowered_)) {
            std::string info = "direct .";
            assign_lower_ascii(type, lowered_);
            info += lowered_;
            info += " download (suspicious)";
            out.push_back({"download", "URL", where(), std::move(info), "http.url"});
        }
    }
    // "mips", "x.mips": the architecture is the name or its last dotted part; from a bare IP.
    if (listed(kCpuArchitectures, type) &&
        IpAddress::parse(proto::host_without_port(view.host)).has_value()) {
        out.push_back({"download", "URL", where(), "potential iot-malware download (suspicious)",
                       "http.url"});
    }
}

void HttpHeuristics::check_response(const proto::HttpResponse& response, std::string_view head,
                                    const proto::Packet& packet,
                                    std::vector<HttpFinding>& out) const {
    if (!config_.http_response) {
        return;
    }
    // Sinkhole operators say so in a header (Server, X-Sinkhole...): the client asked a
    // name that was taken over from malware.
    const std::string_view headers = head.substr(0, response.head_size);
    const auto status_end = headers.find('\n');
    if (const auto at = find_ignoring_case(headers, "sinkhole", status_end);
        status_end != std::string_view::npos && at != std::string_view::npos) {
        const auto begin = headers.rfind('\n', at) + 1;
        const std::string_view line = trim(headers.substr(begin, headers.find('\n', at) - begin));
        out.push_back({"http-response", "HTTP", std::string(line), "sinkhole response (malware)",
                       "http.response_headers"});
    }
    if (mentions_any(response.title, kSeizedTitles)) {
        out.push_back({"http-response", "HTTP", std::string(response.title),
                       "seized domain (suspicious)", "http.title"});
    }
    // Scripts served from outside; local servers provisioning machines serve them too.
    const std::string_view type =
        trim(response.content_type.substr(0, response.content_type.find(';')));
    if (listed(kRiskyContentTypes, type) && !config_.local->contains(packet.src)) {
        std::string lowered;
        assign_lower_ascii(type, lowered);
        out.push_back({"http-response", "HTTP", std::move(lowered),
                       "suspicious content type (suspicious)", "http.http_content_type"});
    }
}

}  // namespace spoor::detect
