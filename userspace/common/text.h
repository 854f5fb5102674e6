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
