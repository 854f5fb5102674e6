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
//   - A literal that begins the pattern, before anything else is consumed, begins a
//     label of the name (the matcher anchors patterns there): it is given as ".x",
//     as a literal that begins with a dot is, and is looked for only at label starts.
#include "detect/literal_prefilter.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <compare>
#include <cstring>

namespace spoor::detect {
namespace {

// A literal, and whether it begins a label in every match: the pattern's start.
struct Literal {
    std::string text;
    bool at_label_start = false;
    auto operator<=>(const Literal&) const = default;
};
using Set = std::vector<Literal>;
using Literals = std::optional<Set>;

// Exact sets are joined by cross product; past this size the join is not worth it.
constexpr std::size_t kMaxExact = 256;
// A class of at most this many single characters ("[i,y]") is an exact set.
constexpr std::size_t kMaxClassMembers = 4;

std::size_t shortest(const Set& set) {
    std::size_t n = std::string::npos;
    for (const auto& literal : set) {
        n = std::min(n, literal.text.size());
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
        auto result = alternatives(true);
        if (!result || at_ < p_.size()) {
            return std::nullopt;
        }
        return result;
    }

  private:
    // alternatives := sequence ('|' sequence)*, each at a label's start if `at_label_start`.
    std::optional<Part> alternatives(bool at_label_start) {
        Part all{Set{}, Set{}};
        for (;;) {
            auto seq = sequence(at_label_start);
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
        Part part;                // exact and required sets: none for '.' or a class (but a
                                  // small one), the character's for a literal
        bool zero_width = false;  // an anchor
    };

    // The atom at the reader, which begins a label if `at_label_start`.
    std::optional<Atom> atom(bool at_label_start) {
        const char c = p_[at_];
        const auto literal = [](char ch) {
            const Set one{{std::string(1, lower(ch))}};
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
            if (auto members = small_class()) {
                return Atom{Part{members, members}};
            }
            return skip_class() ? std::optional<Atom>(Atom{}) : std::nullopt;
        }
        if (c == '(') {
            ++at_;
            if (p_.substr(at_, 2) == "?:") {
                at_ += 2;
            } else if (at_ < p_.size() && p_[at_] == '?') {
                return std::nullopt;  // look-around, flags
            }
            auto inner = alternatives(at_label_start);
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

    // sequence := (atom quantifier?)*, at a label's start if `at_label_start`.
    std::optional<Part> sequence(bool at_label_start) {
        Literals best;
        const auto consider = [&best](const Literals& candidate) {
            if (candidate && !candidate->empty() && shortest(*candidate) > 0 &&
                (!best || shortest(*candidate) >= shortest(*best))) {
                best = candidate;
            }
        };
        // The exact strings of the exact atoms just before, which all begin where the first of
        // them does.
        Set run{{"", at_label_start}};
        bool all_exact = true;
        bool consumed = false;  // by an atom before: what follows no longer begins a label
        while (at_ < p_.size() && p_[at_] != '|' && p_[at_] != ')') {
            auto a = atom(at_label_start && !consumed);
            if (!a) {
                return std::nullopt;
            }
            if (a->zero_width) {
                continue;
            }
            consumed = true;
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
                        joined.push_back({head.text + tail.text, head.at_label_start});
                    }
                }
                run = std::move(joined);
                continue;
            }
            consider(run);
            run = {{""}};
            all_exact = false;
            if (min > 0) {
                consider(once && exact ? exact : a->part.required);
            }
        }
        consider(run);
        return Part{best, all_exact ? Literals(run) : Literals()};
    }

    // A class of a few letters, digits, '_' or ',' ("[i,y]", whose ',' no name holds: the
    // filter leaves such a literal out), as their exact set, with the reader past it;
    // nullopt, the reader where it was, for any other class.
    Literals small_class() {
        const auto close = p_.find(']', at_ + 1);
        if (close == std::string_view::npos || close == at_ + 1 ||
            close - at_ - 1 > kMaxClassMembers) {
            return std::nullopt;
        }
        Set members;
        for (const char c : p_.substr(at_ + 1, close - at_ - 1)) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != ',' && c != '_') {
                return std::nullopt;  // a range, a negation, an escape
            }
            members.push_back({std::string(1, lower(c))});
        }
        std::sort(members.begin(), members.end());
        members.erase(std::unique(members.begin(), members.end()), members.end());
        at_ = close + 1;
        return members;
    }

    static char lower(char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
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
            } else if (p_[i] == '[' && i + 1 < p_.size() && p_[i + 1] == ':') {
                return false;  // a POSIX class ("[[:digit:]]") ends at its second ']'
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
    std::vector<std::string> literals;
    for (const auto& [text, at_label_start] : *result->required) {
        literals.push_back(at_label_start ? "." + text : text);
    }
    std::sort(literals.begin(), literals.end());
    literals.erase(std::unique(literals.begin(), literals.end()), literals.end());
    return literals;
}

void LiteralPrefilter::Grams::add(std::string literal) {
    literals.push_back(std::move(literal));
    index(static_cast<std::uint32_t>(literals.size() - 1));
}

void LiteralPrefilter::Grams::reindex(std::size_t new_offsets) {
    offsets = new_offsets;
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

bool LiteralPrefilter::Grams::compare(std::string_view name, std::ptrdiff_t at,
                                      std::uint32_t gram) const {
    const auto it = entries.find(gram);
    if (it == entries.end()) {
        return false;
    }
    for (const auto& [literal, offset] : it->second) {
        const std::string_view text = literals[literal];
        const std::ptrdiff_t begin = at - offset;
        // At -1, the literal's dot stands before the name (found_at_start).
        if (begin >= 0 ? name.substr(static_cast<std::size_t>(begin)).starts_with(text)
                       : begin == -1 && text.starts_with('.') && name.starts_with(text.substr(1))) {
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
        if (literal.size() < 3) {
            always_ = true;  // shorter than a gram: whatever the filter says, it is not this
            continue;
        }
        // A literal no name can hold (an address's ':') can never be found: left out.
        if (!in_name_alphabet(literal)) {
            continue;
        }
        if (literal.starts_with('.')) {
            at_labels_.add(literal);
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
        pair(literal);
    }
}

void LiteralPrefilter::pair(const std::string& literal) {
    if (paired_.size() > kPairedLiterals ||
        std::find(paired_.begin(), paired_.end(), literal) != paired_.end()) {
        return;
    }
    paired_.push_back(literal);
    pairs_.clear();
    if (paired_.size() > kPairedLiterals) {
        return;  // too many: probed by grams from now on (literals are only ever added)
    }
    // Paired, anywhere_'s bits are not read: only its entries at offset 0, by compare().
    std::vector<std::string_view> heads;
    for (const std::string& each : paired_) {
        heads.push_back(std::string_view(each).substr(0, 2));
    }
    std::sort(heads.begin(), heads.end());
    heads.erase(std::unique(heads.begin(), heads.end()), heads.end());
    for (const std::string_view head : heads) {
        pairs_.push_back({_mm_set1_epi8(head[0]), _mm_set1_epi8(head[1])});
    }
}

bool LiteralPrefilter::found_by_pairs(std::string_view name) const {
    // A pair starts at each position but the last; 16 of them a block, the last block moved
    // back into the buffer (positions seen twice are only compared twice).
    const std::size_t positions = name.size() - 1;
    for (std::size_t at = 0; at < positions; at += 16) {
        const std::size_t from = std::min(at, kBufferBytes - 17);
        const char* block = name.data() + from;
        const __m128i first = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block));
        const __m128i second = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 1));
        __m128i equal = _mm_setzero_si128();
        for (const Pair& pair : pairs_) {
            equal = _mm_or_si128(equal, _mm_and_si128(_mm_cmpeq_epi8(first, pair.first),
                                                      _mm_cmpeq_epi8(second, pair.second)));
        }
        auto hits = static_cast<std::uint32_t>(_mm_movemask_epi8(equal));
        if (positions - from < 16) {
            hits &= (1u << (positions - from)) - 1;
        }
        for (; hits != 0; hits &= hits - 1) {
            const std::size_t position = from + static_cast<std::size_t>(std::countr_zero(hits));
            if (anywhere_.compare(name, static_cast<std::ptrdiff_t>(position),
                                  gram_at(name.data() + position))) {
                return true;
            }
        }
    }
    return false;
}

bool LiteralPrefilter::may_match(std::string_view name,
                                 std::span<const std::uint8_t> label_starts) const {
    if (always_) {
        return true;
    }
    // A literal that begins with a dot, at the name's start without it (".pw" is "pw" there:
    // two bytes), or where a label ends.
    if (name.size() < 2) {
        return false;
    }
    if (at_labels_.found_at_start(name)) {
        return true;
    }
    if (name.size() < 3) {
        return false;
    }
    const std::size_t last = name.size() - 3;  // where the last gram starts
    for (std::size_t k = 1; k < label_starts.size(); ++k) {
        const std::size_t dot = label_starts[k] - 1u;
        if (dot <= last && at_labels_.found(name, dot)) {
            return true;
        }
    }
    if (anywhere_.literals.empty()) {
        return false;
    }
    if (!pairs_.empty()) {
        return found_by_pairs(name);
    }
    // Any literal found anywhere, at least step + 2 bytes long, holds one of the positions a
    // step apart with one of its first `step` grams, which anywhere_ knows by their offsets.
    const std::size_t step = anywhere_.offsets;
    for (std::size_t at = 0; at <= last; at += step) {
        if (anywhere_.found(name, at)) {
            return true;
        }
    }
    return false;
}

}  // namespace spoor::detect
