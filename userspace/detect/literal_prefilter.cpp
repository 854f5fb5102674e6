// required_literals() reads the regex subset the trail lists use: literal
// characters and escapes, classes, groups with alternatives, quantifiers and
// anchors. Anything else gives nullopt, which is always safe.
//
// Each part of a pattern yields what it requires: a set of literals one of
// which every match of the part contains, and, when the part is nothing but
// literals ("abc", "(com|net)"), the exact set of strings it matches.
//   - Consecutive exact parts join: "\.(com|net)" is exactly {".com", ".net"}.
//   - A group requires the union of what its alternatives require (nothing if
//     one requires nothing), unless a quantifier lets it be skipped.
//   - A sequence requires what its best part requires (any part is necessary):
//     best = the longest shortest literal, ties to the later part, since the front
//     of a domain pattern ("www.") is what benign names share most.
#include "detect/literal_prefilter.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace spoor::detect {
namespace {

using Set = std::vector<std::string>;
using Literals = std::optional<Set>;

// Exact sets are joined by cross product; past this size the join is not worth it.
constexpr std::size_t kMaxExact = 256;

std::size_t shortest(const Set& set) {
    std::size_t n = std::string::npos;
    for (const auto& s : set) {
        n = std::min(n, s.size());
    }
    return n;
}

struct Part {
    Literals required;  // one of these is in every match
    Literals exact;     // every match is one of these
};

class Reader {
  public:
    explicit Reader(std::string_view pattern) : p_(pattern) {}

    // The whole pattern; nullopt on syntax this reader does not know.
    std::optional<Part> pattern() {
        auto result = alternatives();
        if (!result || at_ < p_.size()) {
            return std::nullopt;
        }
        return result;
    }

  private:
    // alternatives := sequence ('|' sequence)*
    std::optional<Part> alternatives() {
        Part all{Set{}, Set{}};
        for (;;) {
            auto seq = sequence();
            if (!seq) {
                return std::nullopt;
            }
            for (const auto& [into, from] :
                 {std::pair{&all.required, &seq->required}, std::pair{&all.exact, &seq->exact}}) {
                if (*into && *from) {
                    (*into)->insert((*into)->end(), (*from)->begin(), (*from)->end());
                } else {
                    into->reset();
                }
            }
            if (at_ < p_.size() && p_[at_] == '|') {
                ++at_;
                continue;
            }
            return all;
        }
    }

    // What one atom is, before its quantifier.
    struct Atom {
        Part part;                // exact and required sets; both empty for a class or '.'
        bool zero_width = false;  // an anchor
    };

    std::optional<Atom> atom() {
        const char c = p_[at_];
        const auto literal = [](char ch) {
            const Set one{
                std::string(1, static_cast<char>(std::tolower(static_cast<unsigned char>(ch))))};
            return Atom{Part{one, one}};
        };
        if (c == '^' || c == '$') {
            ++at_;
            return Atom{{}, true};
        }
        if (c == '\\') {
            if (at_ + 1 >= p_.size()) {
                return std::nullopt;
            }
            const char e = p_[at_ + 1];
            at_ += 2;
            if (e == 'b' || e == 'B') {
                return Atom{{}, true};
            }
            if (std::strchr("dDwWsS", e) != nullptr) {
                return Atom{};  // a class
            }
            if (std::strchr(".-_/:[](){}|*+?^$\\", e) != nullptr) {
                return literal(e);
            }
            return std::nullopt;  // \x41, \p{..}, back references...
        }
        if (c == '[') {
            return skip_class() ? std::optional<Atom>(Atom{}) : std::nullopt;
        }
        if (c == '(') {
            ++at_;
            if (p_.substr(at_, 2) == "?:") {
                at_ += 2;
            } else if (at_ < p_.size() && p_[at_] == '?') {
                return std::nullopt;  // look-around, flags
            }
            auto inner = alternatives();
            if (!inner || at_ >= p_.size() || p_[at_] != ')') {
                return std::nullopt;
            }
            ++at_;
            return Atom{std::move(*inner)};
        }
        if (c == '.') {
            ++at_;
            return Atom{};
        }
        if (c == '*' || c == '+' || c == '?' || c == '{') {
            return std::nullopt;  // a quantifier with nothing before it
        }
        ++at_;
        return literal(c);
    }

    // The quantifier after an atom: the least number of times it occurs, and
    // whether that is also the most (exactly once).
    std::optional<std::pair<std::size_t, bool>> quantifier() {
        std::size_t min = 1;
        bool once = true;
        if (at_ < p_.size()) {
            const char q = p_[at_];
            if (q == '?' || q == '*') {
                min = 0;
                once = false;
                ++at_;
            } else if (q == '+') {
                once = false;
                ++at_;
            } else if (q == '{') {
                const auto close = p_.find('}', at_);
                if (close == std::string_view::npos || close == at_ + 1 ||
                    !std::isdigit(static_cast<unsigned char>(p_[at_ + 1]))) {
                    return std::nullopt;
                }
                const std::string bounds(p_.substr(at_ + 1, close - at_ - 1));
                min = std::stoul(bounds);
                once = bounds == "1";
                at_ = close + 1;
            }
            if (!once && at_ < p_.size() && (p_[at_] == '?' || p_[at_] == '+')) {
                ++at_;  // lazy or possessive: the same requirement
            }
        }
        return std::pair{min, once};
    }

    // sequence := (atom quantifier?)*
    std::optional<Part> sequence() {
        Literals best;
        const auto consider = [&best](const Literals& candidate) {
            if (candidate && !candidate->empty() && shortest(*candidate) > 0 &&
                (!best || shortest(*candidate) >= shortest(*best))) {
                best = candidate;
            }
        };
        Set run{""};  // the exact strings of the exact atoms just before
        bool all_exact = true;
        while (at_ < p_.size() && p_[at_] != '|' && p_[at_] != ')') {
            auto a = atom();
            if (!a) {
                return std::nullopt;
            }
            if (a->zero_width) {
                continue;
            }
            const auto q = quantifier();
            if (!q) {
                return std::nullopt;
            }
            const auto [min, once] = *q;
            const Literals& exact = a->part.exact;
            if (once && exact && run.size() * exact->size() <= kMaxExact) {
                Set joined;
                for (const auto& head : run) {
                    for (const auto& tail : *exact) {
                        joined.push_back(head + tail);
                    }
                }
                run = std::move(joined);
                continue;
            }
            consider(run);
            run = {""};
            all_exact = false;
            if (min > 0) {
                consider(once && exact ? exact : a->part.required);
            }
        }
        consider(run);
        return Part{best, all_exact ? Literals(run) : Literals()};
    }

    // Past a class "[...]": a ']' first (or after '^') is a member, "\]" is escaped.
    bool skip_class() {
        std::size_t i = at_ + 1;
        if (i < p_.size() && p_[i] == '^') {
            ++i;
        }
        if (i < p_.size() && p_[i] == ']') {
            ++i;
        }
        for (; i < p_.size(); ++i) {
            if (p_[i] == '\\') {
                ++i;
            } else if (p_[i] == ']') {
                at_ = i + 1;
                return true;
            }
        }
        return false;
    }

    std::string_view p_;
    std::size_t at_ = 0;
};

// Whether `literal` can be in a name at all: lower-case letters, digits, '.', '-', '_'.
bool in_name_alphabet(std::string_view literal) {
    return std::all_of(literal.begin(), literal.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    });
}

}  // namespace

std::optional<std::vector<std::string>> required_literals(std::string_view pattern,
                                                          std::size_t min_length) {
    const auto result = Reader(pattern).pattern();
    if (!result || !result->required || result->required->empty() ||
        shortest(*result->required) < std::max<std::size_t>(min_length, 3)) {
        return std::nullopt;
    }
    Set literals = *result->required;
    std::sort(literals.begin(), literals.end());
    literals.erase(std::unique(literals.begin(), literals.end()), literals.end());
    return literals;
}

void LiteralPrefilter::Grams::add(std::string literal) {
    literals.push_back(std::move(literal));
    index(static_cast<std::uint32_t>(literals.size() - 1));
}

void LiteralPrefilter::Grams::reindex(std::size_t fewer) {
    offsets = fewer;
    bits = {};
    entries.clear();
    for (std::uint32_t i = 0; i < literals.size(); ++i) {
        index(i);
    }
}

void LiteralPrefilter::Grams::index(std::uint32_t literal) {
    for (std::size_t offset = 0; offset < offsets; ++offset) {
        const std::uint32_t gram = gram_at(literals[literal].data() + offset);
        bits[slot(gram) >> 6] |= std::uint64_t{1} << (slot(gram) & 63);
        entries[gram].push_back({literal, static_cast<std::uint8_t>(offset)});
    }
}

bool LiteralPrefilter::Grams::compare(std::string_view name, std::size_t at,
                                      std::uint32_t gram) const {
    const auto it = entries.find(gram);
    if (it == entries.end()) {
        return false;
    }
    for (const auto& [literal, offset] : it->second) {
        if (at >= offset && name.substr(at - offset).starts_with(literals[literal])) {
            return true;
        }
    }
    return false;
}

void LiteralPrefilter::add(const std::optional<std::vector<std::string>>& literals) {
    if (!literals) {
        always_ = true;
        return;
    }
    for (const auto& literal : *literals) {
        // A literal no name can hold (an address's ':') can never be found: left out.
        if (!in_name_alphabet(literal)) {
            continue;
        }
        if (literal.starts_with('.')) {
            at_dots_.add(literal);
            continue;
        }
        // The shortest inner literal sets the step: a shorter one makes it smaller, and the
        // literals already in are indexed again at fewer offsets (rarely: a few times at most).
        const std::size_t step = literal.size() - 2;
        if (anywhere_.literals.empty() || step < anywhere_.offsets) {
            anywhere_.literals.push_back(literal);
            anywhere_.reindex(step);
        } else {
            anywhere_.add(literal);
        }
    }
}

bool LiteralPrefilter::may_match(std::string_view name,
                                 std::span<const std::uint8_t> label_starts) const {
    if (always_) {
        return true;
    }
    if (name.size() < 3) {
        return false;
    }
    const std::size_t last = name.size() - 3;  // where the last gram starts
    // A literal that begins with a dot begins at the end of a label.
    for (std::size_t k = 1; k < label_starts.size(); ++k) {
        const std::size_t dot = label_starts[k] - 1u;
        if (dot <= last && at_dots_.found(name, dot)) {
            return true;
        }
    }
    if (anywhere_.literals.empty()) {
        return false;
    }
    // Any other literal, at least step + 2 bytes long, holds one of the positions a step
    // apart with one of its first `step` grams, which anywhere_ knows by their offsets.
    const std::size_t step = anywhere_.offsets;
    for (std::size_t at = 0; at <= last; at += step) {
        if (anywhere_.found(name, at)) {
            return true;
        }
    }
    return false;
}

}  // namespace spoor::detect
