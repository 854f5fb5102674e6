// What HTTP requests and responses show beside trails (Maltrail's HTTP
// heuristics, issue #8): a risky file type downloaded straight from an external
// host, IoT malware fetched by CPU-architecture name from a bare-IP host,
// outside hosts probing local ones as open proxies, requests without a Host
// header (off by default), and responses that give a sinkhole, a seized domain or
// a risky content type away. Web attacks and suspicious user agents are found by
// the pattern matchers (web_attacks.h, user_agents.h) and reported here too.
// "External" and "local" come from LocalNetworks (DESIGN.md "Local network").
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "detect/local_networks.h"
#include "common/hashing.h"
#include "detect/user_agents.h"
#include "detect/web_attacks.h"
#include "proto/http.h"
#include "proto/packet.h"
#include "trails/whitelist.h"

namespace spoor::detect {

struct HttpHeuristicsConfig {
    // Each check by its heuristic name (as --disable-heuristic and ignore rules name it).
    bool web_attack = true;     // "web-attack"
    bool suspicious_ua = true;  // "suspicious-ua": needs a list (user_agents)
    bool download = true;       // "download"
    bool proxy_probe = true;    // "proxy-probe"
    bool http_response = true;  // "http-response"
    bool web_scan = true;       // hand each request's first path segment to "web-scan" (the
                                // Analyzer sets it from ScanConfig::web_scan)
    bool missing_host = false;  // "missing-host" (--http-missing-host): browsers always send
                                // Host, some odd clients do not
    // Shared read-only by every analysis thread; null: that check is off.
    std::shared_ptr<const WebAttackPatterns> attacks;
    std::shared_ptr<const SuspiciousUserAgents> user_agents;
    std::shared_ptr<const LocalNetworks> local;  // null: DESIGN.md's default prefixes
};

// One thing a request or response showed, before it becomes an alert.
struct HttpFinding {
    const char* heuristic;
    const char* trail_type;
    std::string trail;
    std::string info;
    const char* matched_field;
};

// A request as the detector resolved it: where it goes and the path it asks for.
struct HttpRequestView {
    const proto::HttpRequest& request;
    std::string_view host;     // Host header, absolute/CONNECT target host, or the address
    std::string_view path;     // origin-form target ("/a/b?c")
    std::string_view headers;  // the head's header lines, as received
};

class HttpHeuristics {
  public:
    HttpHeuristics(const HttpHeuristicsConfig& config,
                   std::shared_ptr<const trails::Whitelist> whitelist);

    // Appends what the request shows to `out`. `ua_listed`: its User-Agent is a `ua:` trail
    // already (then the suspicious-UA list is not asked again).
    void check_request(const HttpRequestView& view, const proto::Packet& packet, bool ua_listed,
                       std::vector<HttpFinding>& out);
    // Appends what the response in `packet` shows. `head` is the response's head as received.
    void check_response(const proto::HttpResponse& response, std::string_view head,
                        const proto::Packet& packet, std::vector<HttpFinding>& out) const;

    bool wants_responses() const { return config_.http_response; }
    bool wants_paths() const { return config_.web_scan; }

  private:
    // What the two User-Agent scans said of one User-Agent.
    struct UserAgentVerdict {
        std::uint64_t tag = 0;            // keyed hash of the User-Agent; 0: an empty slot
        std::uint8_t attack = kNoAttack;  // index into WebAttackPatterns::families()
        bool listed = false;              // matches the suspicious-UA list
    };
    static constexpr std::uint8_t kNoAttack = 0xff;
    static constexpr std::size_t kUserAgentSlots = 4096;  // direct-mapped, 64 KiB
    const UserAgentVerdict& user_agent_verdict(std::string_view user_agent);

    HttpHeuristicsConfig config_;
    std::shared_ptr<const trails::Whitelist> whitelist_;  // never null
    std::unique_ptr<WebAttackMatcher> attacks_;           // null when off
    std::unique_ptr<UserAgentMatcher> user_agents_;       // null when off
    std::string lowered_;                                 // reused
    // A sensor sees the same few User-Agents over and over, and scanning one against the
    // attack patterns and the list costs more than the rest of a request's checks together:
    // each is scanned once while it stays in its slot. The hash is keyed, so nobody can
    // make a hostile User-Agent take a benign one's verdict.
    std::vector<UserAgentVerdict> user_agent_verdicts_;
    SipHash13 user_agent_hash_;
};

// The first segment of an origin-form path, without its query: "/admin/x?y" -> "admin",
// "/" -> "".
std::string_view first_path_segment(std::string_view path);

}  // namespace spoor::detect
