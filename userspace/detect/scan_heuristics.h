// Maltrail's scan heuristics over flow starts (the SYNs, NULL/FIN/XMAS probes and
// first UDP datagrams the kernel reports): one source trying many ports of one
// host (TCP port scan, UDP scan), one local host trying one worm port on many
// hosts (potential infection), and one source asking one web server for many
// different top-level paths (web scanning, from the HTTP requests). Each counts distinct items per
// key inside a sliding window of packet time; "more than N" fires on the (N+1)-th (DESIGN.md
// "Thresholds"). State is bounded in keys and in items, and every eviction of state that still
// mattered is counted.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "detect/alert.h"
#include "detect/local_networks.h"
#include "proto/packet.h"

namespace spoor::detect {

struct ScanConfig {
    std::uint64_t window_ns = 30'000'000'000;  // sliding window, packet time
    std::size_t port_scan_ports = 10;  // TCP: more than N distinct destination ports, src to dst
    std::size_t udp_scan_ports = 10;   // UDP (not port 53 either way): the same
    std::size_t infection_hosts = 32;  // SYNs from one LOCAL source to more than N distinct hosts
                                       // on one port of the list
    std::vector<std::uint16_t> infection_ports = {135,  139,  445,  1433, 3389,
                                                  6379, 6892, 6893, 6901};
    std::size_t web_scan_paths = 10;  // HTTP: more than N distinct first path segments, src to dst
    std::size_t max_items_per_key = 1024;  // distinct ports/hosts remembered per key; when full the
                                           // oldest item is evicted (counted)
    std::size_t max_keys = 50'000;         // per table; when full the least recently seen key is
                                           // evicted (counted unless its window had passed)
    // Distinct items remembered per table over all its keys: without it the bound would be
    // max_keys * max_items_per_key (51 million). When full the least recently seen key other
    // than the one at hand is evicted (counted unless its window had passed).
    std::size_t max_items = 262'144;
    // Each heuristic can be disabled.
    bool port_scan = true, udp_scan = true, infection = true, web_scan = true;
};

// One heuristic's table.
struct ScanTableStats {
    std::uint64_t events = 0;  // flow starts it looked at (past its filters)
    std::uint64_t alerts = 0;
    // Keys dropped to make room while they still held items inside the window: a scan may
    // have been missed. Keys whose window had passed are reclaimed without being counted.
    std::uint64_t keys_evicted = 0;
    // Items inside the window dropped because their key held max_items_per_key; only the
    // oldest go, so a key over its threshold stays over it.
    std::uint64_t items_evicted = 0;
    std::size_t keys = 0;   // held now, at most max_keys
    std::size_t items = 0;  // held now over all keys, at most max_items
};

struct ScanStats {
    ScanTableStats port_scan;  // key (src, dst), items destination TCP ports
    ScanTableStats udp_scan;   // key (src, dst), items destination UDP ports
    ScanTableStats infection;  // key (src, port), items destination hosts
    ScanTableStats web_scan;   // key (src, dst), items first path segments (hashed)
};

class ScanHeuristics {
  public:
    // Throws std::invalid_argument for a config that cannot work: a zero window or key limit,
    // max_items_per_key not above an enabled heuristic's threshold (it could never fire), or
    // max_items below max_items_per_key.
    ScanHeuristics(ScanConfig config, LocalNetworks local);
    ~ScanHeuristics();
    ScanHeuristics(ScanHeuristics&&) noexcept;
    ScanHeuristics& operator=(ScanHeuristics&&) noexcept;

    // A flow start the kernel reported: a TCP SYN or NULL/FIN/XMAS probe (no ACK, no RST) or the
    // first UDP datagram of a new source/destination/port triple. Other packets are ignored, so
    // passing more than flow starts is harmless. Appends alerts to `out`.
    void observe(const proto::Packet& packet, std::uint64_t timestamp_ns, std::string_view in_iface,
                 std::vector<Alert>& out);

    // An HTTP request from `packet`'s source to its destination whose target's first path
    // segment ("/admin/x" -> "admin") hashes to `segment_hash`. Appends an alert to `out`.
    void observe_http_path(const proto::Packet& packet, std::uint64_t segment_hash,
                           std::uint64_t timestamp_ns, std::string_view in_iface,
                           std::vector<Alert>& out);

    ScanStats stats() const;
    const ScanConfig& config() const { return config_; }

  private:
    struct Tables;
    ScanConfig config_;
    LocalNetworks local_;
    std::bitset<65536> infection_ports_;
    std::unique_ptr<Tables> tables_;
};

}  // namespace spoor::detect
