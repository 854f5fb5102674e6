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

// Content types of scripts and help files that run when a browser hands them over.
constexpr std::array<std::string_view, 10> kRiskyContentTypes = {"application/hta",
                                                                 "application/vnd.ms-htmlhelp",
                                                                 "application/x-bsh",
                                                                 "application/x-chm",
                                                                 "application/x-msdos-program",
                                                                 "application/x-sh",
                                                                 "application/x-shellscript",
                                                                 "text/x-scriptlet",
                                                                 "text/x-sh",
                                                                 "text/x-shellscript"};

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

// The path without query or fragment.
std::string_view without_query(std::string_view path) {
    return path.substr(0, path.find_first_of("?#"));
}

std::string_view last_segment(std::string_view path) {
    path = without_query(path);
    return path.substr(path.rfind('/') + 1);
}

// "host:8080" -> "host", "[v6]:80" -> "v6".
std::string_view host_only(std::string_view host) {
    if (host.starts_with('[')) {
        return host.substr(1, host.find(']') - 1);
    }
    return host.substr(0, host.find(':'));
}

bool contains_lowered(std::string_view text, std::string_view needle, std::string& scratch) {
    assign_lower_ascii(text, scratch);
    return scratch.find(needle) != std::string::npos;
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
    const std::uint64_t tag = user_agent_hash_(user_agent) | 1;  // never 0, the empty slot
    UserAgentVerdict& slot = user_agent_verdicts_[tag % kUserAgentSlots];
    if (slot.tag != tag) {
        slot = {tag, kNoAttack, false};
        if (attacks_) {
            if (const auto attack = attacks_->find({}, {}, user_agent)) {
                const auto families = WebAttackPatterns::families();
                slot.attack = static_cast<std::uint8_t>(
                    std::find(families.begin(), families.end(), attack->family) - families.begin());
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
        // The most dangerous family wins (families() is in that order); on a tie, the target
        // or body, as WebAttackMatcher itself would.
        auto attack = attacks_->find(view.path, request.body, {});
        if (agent != nullptr && agent->attack < family_rank(attack)) {
            attack =
                WebAttack{WebAttackPatterns::families()[agent->attack], WebAttackField::user_agent};
        }
        if (attack) {
            static constexpr const char* kFields[] = {"http.url", "http.request_body",
                                                      "http.http_user_agent"};
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
        !config_.local->contains(packet.src) && config_.local->contains(packet.dst)) {
        // An outside host asking a local one to fetch for it: testing for an open proxy.
        out.push_back({"proxy-probe", "URL", std::string(request.target),
                       "potential proxy probe (suspicious)", "http.url"});
    }
    if (config_.missing_host && request.host.empty() && !absolute) {
        out.push_back({"missing-host", "HTTP", std::string(request.target),
                       "missing host header (suspicious)", "http.hostname"});
    }
    if (!config_.download || request.method == "CONNECT") {
        return;
    }
    assign_lower_ascii(last_segment(view.path), lowered_);
    const std::string_view file = lowered_;
    const auto dot = file.rfind('.');
    const std::string_view host = host_only(view.host);
    const auto address = IpAddress::parse(host);
    if (dot != std::string_view::npos && listed(kRiskyExtensions, file.substr(dot + 1)) &&
        !config_.local->contains(packet.dst) && !whitelist_->has_address(packet.dst)) {
        std::string name;
        assign_lower_ascii(host, name);
        if (address || !whitelist_->has_name(name)) {
            out.push_back(
                {"download", "URL", std::string(view.host) + std::string(without_query(view.path)),
                 "direct ." + std::string(file.substr(dot + 1)) + " download (suspicious)",
                 "http.url"});
        }
    }
    // "mips", "x.mips": the architecture is the name or its last dotted part.
    if (address &&
        listed(kCpuArchitectures, dot == std::string_view::npos ? file : file.substr(dot + 1))) {
        out.push_back({"download", "URL",
                       std::string(view.host) + std::string(without_query(view.path)),
                       "potential iot-malware download (suspicious)", "http.url"});
    }
}

void HttpHeuristics::check_response(const proto::HttpResponse& response, std::string_view head,
                                    std::vector<HttpFinding>& out) const {
    if (!config_.http_response) {
        return;
    }
    std::string scratch;
    // Sinkhole operators say so in a header (Server, X-Sinkhole...): the client asked a
    // name that was taken over from malware.
    const std::string_view headers = head.substr(0, response.head_size);
    if (const auto eol = headers.find('\n'); eol != std::string_view::npos) {
        for (std::string_view rest = headers.substr(eol + 1); !rest.empty();) {
            const auto end = rest.find('\n');
            const std::string_view line = trim(rest.substr(0, end));
            rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
            if (contains_lowered(line, "sinkhole", scratch)) {
                out.push_back({"http-response", "HTTP", std::string(line),
                               "sinkhole response (malware)", "http.response_headers"});
                break;
            }
        }
    }
    if (!response.title.empty() && contains_lowered(response.title, "seized", scratch)) {
        out.push_back({"http-response", "HTTP", std::string(response.title),
                       "seized domain (suspicious)", "http.title"});
    }
    assign_lower_ascii(trim(response.content_type.substr(0, response.content_type.find(';'))),
                       scratch);
    if (listed(kRiskyContentTypes, scratch)) {
        out.push_back({"http-response", "HTTP", scratch, "suspicious content type (suspicious)",
                       "http.http_content_type"});
    }
}

}  // namespace spoor::detect
