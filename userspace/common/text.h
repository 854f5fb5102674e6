// ASCII text helpers shared by the stages that read operators' files and
// indicators: no locale, so that results do not depend on the environment.
#pragma once

#include <string>
#include <string_view>

namespace spoor {

inline bool is_ascii_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

inline char to_lower_ascii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// `a` equals `b`, ASCII case ignored.
inline bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (to_lower_ascii(a[i]) != to_lower_ascii(b[i])) {
            return false;
        }
    }
    return true;
}

// `s` starts with `lowercase` (written in lower case), ASCII case ignored in `s`.
inline bool starts_with_ignoring_case(std::string_view s, std::string_view lowercase) {
    if (s.size() < lowercase.size()) {
        return false;
    }
    for (std::size_t i = 0; i < lowercase.size(); ++i) {
        if (to_lower_ascii(s[i]) != lowercase[i]) {
            return false;
        }
    }
    return true;
}

// Where `lowercase` (written in lower case) first occurs in `s` at or after `from`, ASCII
// case ignored in `s`; npos when it does not.
inline std::size_t find_ignoring_case(std::string_view s, std::string_view lowercase,
                                      std::size_t from = 0) {
    if (from > s.size()) {
        return std::string_view::npos;
    }
    for (std::size_t i = from; i + lowercase.size() <= s.size(); ++i) {
        if (starts_with_ignoring_case(s.substr(i), lowercase)) {
            return i;
        }
    }
    return std::string_view::npos;
}

inline bool contains_ignoring_case(std::string_view s, std::string_view lowercase) {
    return find_ignoring_case(s, lowercase) != std::string_view::npos;
}

// `text` lower-cased into `out` (whose storage is reused).
inline void assign_lower_ascii(std::string_view text, std::string& out) {
    out.resize(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        out[i] = to_lower_ascii(text[i]);
    }
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && is_ascii_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_ascii_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace spoor
