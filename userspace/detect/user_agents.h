// Suspicious User-Agent patterns in Maltrail's ua.txt format: one Python regex
// fragment a line, '#' comments and blank lines, searched anywhere in the
// header's value without regard to case. Maltrail joins the lines into one
// alternation; here they are one Hyperscan database, so a line that Hyperscan
// refuses costs that line only. Updaters that look like scripts (anti-virus
// downloaders, Apache's own "internal dummy connection") are on an allow-list:
// a User-Agent naming one of them never alerts.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/hyperscan.h"

namespace spoor::detect {

// A line of the list that was left out, and why.
struct SkippedUserAgentPattern {
    std::string where;    // "file:line"
    std::string pattern;  // the line as written (trimmed)
    std::string reason;   // Hyperscan's message
};

class SuspiciousUserAgents {
  public:
    // Maltrail's whitelisted User-Agent keywords, always on the allow-list.
    static constexpr std::array<std::string_view, 7> kAllowed = {"AntiVir-NGUpd",
                                                                 "TMSPS",
                                                                 "AVGSETUP",
                                                                 "SDDS",
                                                                 "Sophos",
                                                                 "Symantec",
                                                                 "internal dummy connection"};

    // Reads and compiles the list at `path`, with the allow-list. A line Hyperscan
    // refuses is logged with file:line, listed in skipped() and left out.
    // Throws std::runtime_error naming the file when it cannot be read.
    static std::shared_ptr<const SuspiciousUserAgents> load(const std::string& path);

    std::size_t size() const { return patterns_.size(); }  // patterns compiled
    const std::vector<SkippedUserAgentPattern>& skipped() const { return skipped_; }

  private:
    friend class UserAgentMatcher;
    SuspiciousUserAgents() = default;

    std::vector<std::string> patterns_;  // by Hyperscan id; allow-list ids follow
    std::vector<SkippedUserAgentPattern> skipped_;
    hyperscan::Database database_;
    hyperscan::Scratch prototype_;
};

// One analysis thread's matcher: the shared list and a scratch of its own.
class UserAgentMatcher {
  public:
    // Throws std::invalid_argument without a list.
    explicit UserAgentMatcher(std::shared_ptr<const SuspiciousUserAgents> list);

    // The first pattern in file order that `user_agent` matches (its text as in
    // the file), or nullopt when none does, when an allow-listed keyword is in
    // it, or when it is empty. Allocates nothing.
    std::optional<std::string_view> match(std::string_view user_agent);

  private:
    std::shared_ptr<const SuspiciousUserAgents> list_;
    hyperscan::Scratch scratch_;
};

}  // namespace spoor::detect
