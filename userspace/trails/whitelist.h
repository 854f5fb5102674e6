// Known-good names and addresses (format of Maltrail's whitelist.txt: one
// domain, IP or IPv4/IPv6 CIDR a line, # comments). A whitelisted name, or a
// name under a whitelisted domain, never alerts.
#pragma once

#include <filesystem>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "proto/address.h"
#include "trails/loader.h"

namespace spoor::trails {

class Whitelist {
  public:
    // Adds the entries of a file; malformed lines go to report.malformed (file:line) and are
    // skipped. Throws TrailLoadError when the file cannot be read.
    void load(const std::filesystem::path& file, LoadReport& report);
    void add_domain(std::string_view name);  // lower-cased, trailing dot stripped
    void add_address(const IpAddress& addr, int prefix_len);

    // `name` (lower-case, no trailing dot) or one of its parents is listed.
    bool has_name(std::string_view name) const;
    bool has_address(const IpAddress& addr) const;
    std::size_t size() const;

  private:
    std::unordered_set<std::string> domains_;
    std::vector<std::pair<IpAddress, int>> prefixes_;  // exact addresses are /32, /128
};

}  // namespace spoor::trails
