#include "detect/user_agents.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <utility>

#include "common/text.h"

namespace spoor::detect {

namespace {

constexpr std::string_view kWhat = "suspicious user agents";
constexpr unsigned int kFlags = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;

// Python's \Z is the end of the string, which Hyperscan spells \z (its \Z also
// allows a final newline). Every other escape is copied as written.
std::string to_hyperscan(std::string_view python) {
    std::string out;
    out.reserve(python.size());
    for (std::size_t i = 0; i < python.size(); ++i) {
        out += python[i];
        if (python[i] == '\\' && i + 1 < python.size()) {
            ++i;
            out += python[i] == 'Z' ? 'z' : python[i];
        }
    }
    return out;
}

// A keyword as a pattern that matches it literally: every byte but letters and
// digits written as \xHH, so no keyword can be read as syntax.
std::string literal(std::string_view keyword) {
    std::string out;
    for (const char c : keyword) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            out += c;
        } else {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
            out += escaped;
        }
    }
    return out;
}

}  // namespace

std::shared_ptr<const SuspiciousUserAgents> SuspiciousUserAgents::load(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("cannot read the user-agent list " + path);
    }
    std::shared_ptr<SuspiciousUserAgents> list(new SuspiciousUserAgents());
    std::vector<std::string> compiled;  // what Hyperscan is given, by id
    std::vector<std::string> where;     // "file:line" of each pattern
    const auto skip = [&](std::string location, std::string pattern, std::string reason) {
        spdlog::warn("{}: user-agent pattern '{}' skipped: {}", location, pattern, reason);
        list->skipped_.push_back({std::move(location), std::move(pattern), std::move(reason)});
    };
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
        // As Maltrail reads the list: trimmed, so a pattern never ends in a space.
        const std::string_view text = trim(line);
        if (text.empty() || text.front() == '#') {
            continue;
        }
        std::string location = path + ":" + std::to_string(number);
        std::string pattern = to_hyperscan(text);
        // Checked alone, so that a refusal names its line; the set is compiled below.
        if (auto why = hyperscan::check(pattern.c_str(), kFlags)) {
            skip(std::move(location), std::string(text), std::move(*why));
            continue;
        }
        list->patterns_.emplace_back(text);
        compiled.push_back(std::move(pattern));
        where.push_back(std::move(location));
    }
    if (in.bad()) {
        throw std::runtime_error("cannot read the user-agent list " + path);
    }

    std::vector<std::string> allowed;
    for (const std::string_view keyword : kAllowed) {
        allowed.push_back(literal(keyword));
    }

    // A pattern that parses alone may still be refused in the set (a resource
    // limit): Hyperscan names the first one, which is dropped before the next try.
    while (true) {
        std::vector<hyperscan::Expression> expressions;
        for (std::size_t i = 0; i < compiled.size(); ++i) {
            expressions.push_back({compiled[i].c_str(), kFlags, static_cast<unsigned int>(i)});
        }
        for (std::size_t i = 0; i < allowed.size(); ++i) {
            expressions.push_back(
                {allowed[i].c_str(), kFlags, static_cast<unsigned int>(compiled.size() + i)});
        }
        hyperscan::Compiled result = hyperscan::compile(expressions, kWhat);
        if (!result.refused) {
            list->database_ = std::move(result.database);
            break;
        }
        const std::size_t bad = *result.refused;
        if (bad >= compiled.size()) {
            throw std::runtime_error(std::string(kWhat) +
                                     ": allow-list keyword refused: " + result.error);
        }
        const auto at = static_cast<std::ptrdiff_t>(bad);
        skip(std::move(where[bad]), std::move(list->patterns_[bad]), std::move(result.error));
        list->patterns_.erase(list->patterns_.begin() + at);
        compiled.erase(compiled.begin() + at);
        where.erase(where.begin() + at);
    }
    list->prototype_ = hyperscan::scratch_for({list->database_.get()}, kWhat);
    return list;
}

UserAgentMatcher::UserAgentMatcher(std::shared_ptr<const SuspiciousUserAgents> list)
    : list_(std::move(list)) {
    if (!list_) {
        throw std::invalid_argument("UserAgentMatcher needs a user-agent list");
    }
    scratch_ = hyperscan::clone(list_->prototype_, kWhat);
}

std::optional<std::string_view> UserAgentMatcher::match(std::string_view user_agent) {
    if (user_agent.empty()) {
        return std::nullopt;
    }
    struct Outcome {
        unsigned int patterns;
        unsigned int first = std::numeric_limits<unsigned int>::max();
        bool allowed = false;
    } outcome{static_cast<unsigned int>(list_->patterns_.size())};
    // Hyperscan reports matches by where they end, not by line: the scan goes on
    // to the end to find the first line that matches, and stops only at an
    // allow-listed keyword, which settles it.
    const auto on_match = [](unsigned int id, unsigned long long, unsigned long long, unsigned int,
                             void* context) -> int {
        auto& o = *static_cast<Outcome*>(context);
        if (id >= o.patterns) {
            o.allowed = true;
            return 1;
        }
        o.first = std::min(o.first, id);
        return 0;
    };
    const hs_error_t status = hs_scan(list_->database_.get(), user_agent.data(),
                                      static_cast<unsigned int>(user_agent.size()), 0,
                                      scratch_.get(), on_match, &outcome);
    if ((status != HS_SUCCESS && status != HS_SCAN_TERMINATED) || outcome.allowed ||
        outcome.first >= outcome.patterns) {
        return std::nullopt;
    }
    return list_->patterns_[outcome.first];
}

}  // namespace spoor::detect
