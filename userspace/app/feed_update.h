// `spoor trails update`: download the enabled feeds (or import them from files carried
// into an air-gapped network), check each one, merge them with the static and custom
// trails under the feed policy, compile the store and tell the running sensor to reload
// (docs/TRAIL_FORMATS.md "Feeds").
#pragma once

#include <cstddef>
#include <iostream>
#include <string>
#include <vector>

#include "app/control.h"

namespace spoor::app {

struct TrailsUpdateOptions {
    // Feed definitions; empty: /etc/spoor/feeds when it exists, else the repository's
    // trails/feeds (a sensor run from its build tree).
    std::string feeds_dir;
    std::string cache_dir = "/var/lib/spoor/feeds";  // the last good copy of each feed
    std::string from;  // a folder of feed files, or one: imported instead of downloaded
    // The operator's sources (static set, own lists); empty: /var/lib/spoor/trails if it
    // exists. The custom trails of `trails add|rm` are laid over the store by the sensor.
    std::vector<std::string> trails;
    std::string output = "/var/lib/spoor/trails.spoor";
    std::size_t min_feeds = 3;            // feeds that must name an address only feeds name
    std::vector<std::string> cdn_ranges;  // prefix files (Maltrail's cdn_ranges.txt)
    std::string control_socket = kDefaultControlSocket;
    bool reload = true;      // tell the running sensor to reload
    double timeout_s = 120;  // per download, whole transfer
};

// Exit status: 0 when the store was written (a feed that could not be refreshed falls
// back to its last good copy and is said in the summary), 1 when the running sensor
// refused the new store. Throws for bad definitions, ranges files or sources, and when
// nothing at all was loaded.
// The summary (a line a feed, the policy's drops, the reload) goes to `out`.
int run_trails_update(const TrailsUpdateOptions& options, std::ostream& out = std::cout);

}  // namespace spoor::app
