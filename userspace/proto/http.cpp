#include "proto/http.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <system_error>

#include "common/text.h"

// How the edge cases the header defers to this file are handled:
//
// - Line ends: CRLF, or a bare LF (RFC 9112 2.2 lets a recipient accept one; old scripts and
//   hand-written malware send them). A CR anywhere else is a control byte, so Malformed: a lone
//   CR is a line end to some parsers and not to others, the raw material of request smuggling.
// - Obsolete line folding (a field line starting with SP or HT): Malformed, which RFC 9112 5.2
//   allows. Unfolding would need a copy, and a sensor that folds differently from the server
//   behind it would be reading headers the server never saw. The same goes for whitespace
//   between the start line and the first field (RFC 9112 2.2).
// - The limit: the head, empty line included, must end within the first kMaxHttpHead bytes.
//   Input that reaches the limit without that empty line is Malformed rather than Incomplete, as
//   no amount of further bytes could make it acceptable.
// - Bytes: control bytes other than HT (0x00-0x1f, 0x7f) anywhere in the head are Malformed.
//   Bytes 0x80-0xff are accepted in field values and reason phrases (RFC 9110 obs-text), and in
//   the target, whose grammar leaves them out but which attack tools fill with raw bytes: a
//   sensor that refused such a request would not see its Host either. Not in the method or
//   field names.
// - Field names must be tokens (RFC 9110 5.1): "Host : x" (whitespace before the colon) is
//   Malformed, as RFC 9112 5.1 makes servers reject it.
// - Leading empty lines before the request line (RFC 9112 2.2 "SHOULD ignore") are not skipped:
//   the caller hands over the start of a message, and head_size counts from the first byte.
namespace spoor::proto {
namespace {

constexpr auto npos = std::string_view::npos;

// RFC 9110 5.6.2 tchar: the bytes of methods and field names.
constexpr std::array<bool, 256> kTokenByte = [] {
    std::array<bool, 256> ok{};
    for (int c = 0; c < 256; ++c) {
        ok[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
    for (const char c : std::string_view("!#$%&'*+-.^_`|~")) {
        ok[static_cast<unsigned char>(c)] = true;
    }
    return ok;
}();

unsigned char byte_of(char c) {
    return static_cast<unsigned char>(c);
}

bool is_token(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return kTokenByte[byte_of(c)]; });
}

bool is_control(char c) {
    const auto b = byte_of(c);
    return (b < 0x20 && b != '\t') || b == 0x7f;
}

// What a request target may hold: RFC 5234 VCHAR, and raw bytes from 0x80 up.
bool is_target_byte(char c) {
    const auto b = byte_of(c);
    return b > 0x20 && b != 0x7f;
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

// HTML's ASCII whitespace (tab, LF, FF, CR, space): around a title and inside tags.
bool is_html_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

template <typename Pred>
std::string_view trim(std::string_view s, Pred strip) {
    while (!s.empty() && strip(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && strip(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

// Content-Length: digits only. A sign, a list ("5, 5"), hex or a value past size_t all count
// as "not a number", which the header maps to 0.
std::size_t decimal(std::string_view s) {
    if (s.empty()) {
        return 0;  // absent: no pointer arithmetic on a null view
    }
    std::size_t n = 0;
    const char* end = s.data() + s.size();
    const auto [stop, error] = std::from_chars(s.data(), end, n);
    if (error != std::errc{} || stop != end) {
        return 0;
    }
    return n;
}

// Keeps the first value of a field sent more than once: a field present but empty still wins
// over a later one.
struct First {
    std::string_view value;
    bool seen = false;

    void offer(std::string_view v) {
        if (!seen) {
            value = v;
            seen = true;
        }
    }
};

struct Line {
    std::string_view text;  // without its CRLF or LF
    bool complete = false;  // false: the input (or the size limit) ended inside this line
};

// Splits the head window into lines. A cut line keeps what arrived, less a final CR that may be
// the first half of its CRLF.
class Lines {
  public:
    explicit Lines(std::string_view window) : window_(window) {}

    Line next() {
        const auto rest = window_.substr(pos_);
        const auto lf = rest.find('\n');
        Line line;
        if (lf == npos) {
            pos_ = window_.size();
            line.text = rest;
        } else {
            pos_ += lf + 1;
            line.text = rest.substr(0, lf);
            line.complete = true;
        }
        if (!line.text.empty() && line.text.back() == '\r') {
            line.text.remove_suffix(1);
        }
        return line;
    }

    std::size_t consumed() const { return pos_; }

  private:
    std::string_view window_;
    std::size_t pos_ = 0;
};

// Whether `v` is a version this parser reads, or for a cut line, could still become one.
bool version_ok(std::string_view v, bool complete) {
    constexpr std::string_view kHttp10 = "HTTP/1.0";
    constexpr std::string_view kHttp11 = "HTTP/1.1";
    if (complete) {
        return v == kHttp10 || v == kHttp11;
    }
    return kHttp10.starts_with(v) || kHttp11.starts_with(v);
}

// What a cut head amounts to: more bytes could complete it only while the limit is not reached.
HttpStatus cut(std::string_view input) {
    return input.size() >= kMaxHttpHead ? HttpStatus::Malformed : HttpStatus::Incomplete;
}

// Walks a head: `start` judges the first line (Ok, or for a cut line Incomplete, or Malformed),
// `field` is handed the name and trimmed value of each complete field line. Stops at the empty
// line (Ok, `head_size` set), at the first fault, or at the end of the input or the limit.
// Lines are judged as far as they arrived, so a cut head is Malformed as soon as what is there
// cannot begin a valid one.
template <typename Start, typename Field>
HttpStatus walk_head(std::string_view input, std::size_t& head_size, Start start, Field field) {
    Lines lines(input.substr(0, kMaxHttpHead));
    const Line first = lines.next();
    if (std::any_of(first.text.begin(), first.text.end(), is_control)) {
        return HttpStatus::Malformed;
    }
    if (const auto status = start(first); status != HttpStatus::Ok) {
        return status == HttpStatus::Incomplete ? cut(input) : status;
    }
    for (;;) {
        const Line line = lines.next();
        const auto text = line.text;
        if (std::any_of(text.begin(), text.end(), is_control)) {
            return HttpStatus::Malformed;
        }
        if (line.complete && text.empty()) {
            head_size = lines.consumed();
            return HttpStatus::Ok;
        }
        if (!text.empty() && is_blank(text.front())) {
            return HttpStatus::Malformed;  // obsolete line folding
        }
        const auto colon = text.find(':');
        const auto name = text.substr(0, colon);  // all of a line without a colon (so far)
        if (!is_token(name)) {
            return HttpStatus::Malformed;
        }
        if (colon == npos) {
            return line.complete ? HttpStatus::Malformed : cut(input);
        }
        if (name.empty()) {
            return HttpStatus::Malformed;
        }
        if (!line.complete) {
            return cut(input);  // the value may be cut short: not handed out
        }
        field(name, trim(text.substr(colon + 1), is_blank));
    }
}

// method SP request-target SP HTTP-version (RFC 9112 3).
HttpStatus request_line(const Line& line, HttpRequest& out) {
    const auto text = line.text;
    const auto more = line.complete ? HttpStatus::Malformed : HttpStatus::Incomplete;
    std::size_t i = 0;
    while (i < text.size() && kTokenByte[byte_of(text[i])]) {
        ++i;
    }
    if (i == text.size()) {
        return more;
    }
    if (i == 0 || text[i] != ' ') {
        return HttpStatus::Malformed;
    }
    const auto method = text.substr(0, i);
    const std::size_t target_at = ++i;
    while (i < text.size() && is_target_byte(text[i])) {
        ++i;
    }
    if (i == text.size()) {
        return more;
    }
    if (i == target_at || text[i] != ' ') {
        return HttpStatus::Malformed;
    }
    const auto target = text.substr(target_at, i - target_at);
    const auto version = text.substr(i + 1);
    if (!version_ok(version, line.complete)) {
        return HttpStatus::Malformed;  // HTTP/2's preface "PRI * HTTP/2.0" among others
    }
    if (!line.complete) {
        return HttpStatus::Incomplete;
    }
    out.method = method;
    out.target = target;
    out.version = version;
    return HttpStatus::Ok;
}

// HTTP-version SP 3DIGIT [SP reason-phrase] (RFC 9112 4; the SP before an empty reason is
// optional here, as some servers leave it out).
HttpStatus status_line(const Line& line, HttpResponse& out) {
    const auto text = line.text;
    const auto more = line.complete ? HttpStatus::Malformed : HttpStatus::Incomplete;
    const auto space = text.find(' ');
    const auto version = text.substr(0, space);
    if (!version_ok(version, space == npos ? line.complete : true)) {
        return HttpStatus::Malformed;
    }
    if (space == npos) {
        return more;
    }
    const auto code = text.substr(space + 1, 3);
    for (std::size_t i = 0; i < code.size(); ++i) {
        const char c = code[i];
        const char low = i == 0 ? '1' : '0';
        const char high = i == 0 ? '5' : '9';
        if (c < low || c > high) {
            return HttpStatus::Malformed;  // 100..599 only
        }
    }
    if (code.size() < 3) {
        return more;
    }
    const auto reason = text.substr(space + 4);
    if (!reason.empty() && reason.front() != ' ') {
        return HttpStatus::Malformed;  // a fourth digit, or "200OK"
    }
    if (!line.complete) {
        return HttpStatus::Incomplete;
    }
    out.version = version;
    out.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
    return HttpStatus::Ok;
}

// The text of the first <title> element of an HTML prefix. The opening tag may carry attributes
// (the first '>' ends it, so a '>' inside a quoted attribute value cuts it short); the closing
// tag may hold whitespace before its '>'. Nothing when either tag is missing or cut.
std::string_view html_title(std::string_view html) {
    constexpr std::string_view kOpen = "<title";
    constexpr std::string_view kClose = "</title";
    std::size_t open = find_ignoring_case(html, kOpen, 0);
    for (;;) {
        if (open == npos || open + kOpen.size() >= html.size()) {
            return {};
        }
        const char after = html[open + kOpen.size()];
        if (after == '>' || is_html_space(after)) {
            break;
        }
        open = find_ignoring_case(html, kOpen,
                                  open + 1);  // "<titles>" and the like name other elements
    }
    const auto gt = html.find('>', open + kOpen.size());
    if (gt == npos) {
        return {};
    }
    const std::size_t text_at = gt + 1;
    for (std::size_t close = find_ignoring_case(html, kClose, text_at); close != npos;
         close = find_ignoring_case(html, kClose, close + 1)) {
        std::size_t i = close + kClose.size();
        while (i < html.size() && is_html_space(html[i])) {
            ++i;
        }
        if (i < html.size() && html[i] == '>') {
            return trim(html.substr(text_at, close - text_at), is_html_space);
        }
    }
    return {};
}

std::string_view as_text(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

// On Incomplete or Malformed, `out` keeps what the complete lines before the stop gave (a Host
// that arrived in the first segment is still worth having); head_size and body stay empty.
HttpStatus parse_http_request(std::span<const std::uint8_t> bytes, HttpRequest& out) {
    out = HttpRequest{};
    const auto input = as_text(bytes);
    First host, user_agent, content_type, content_length, forwarded, true_client, cf_connecting;
    const auto status = walk_head(
        input, out.head_size, [&](const Line& line) { return request_line(line, out); },
        [&](std::string_view name, std::string_view value) {
            if (equals_ignoring_case(name, "host")) {
                host.offer(value);
            } else if (equals_ignoring_case(name, "user-agent")) {
                user_agent.offer(value);
            } else if (equals_ignoring_case(name, "content-type")) {
                content_type.offer(value);
            } else if (equals_ignoring_case(name, "content-length")) {
                content_length.offer(value);
            } else if (equals_ignoring_case(name, "x-forwarded-for")) {
                forwarded.offer(value);
            } else if (equals_ignoring_case(name, "true-client-ip")) {
                true_client.offer(value);
            } else if (equals_ignoring_case(name, "cf-connecting-ip")) {
                cf_connecting.offer(value);
            }
        });
    out.host = host.value;
    out.user_agent = user_agent.value;
    out.content_type = content_type.value;
    out.content_length = decimal(content_length.value);
    out.forwarded_for = forwarded.seen     ? forwarded.value
                        : true_client.seen ? true_client.value
                                           : cf_connecting.value;
    if (status == HttpStatus::Ok) {
        out.body = input.substr(out.head_size, out.content_length);
    }
    return status;
}

HttpStatus parse_http_response(std::span<const std::uint8_t> bytes, HttpResponse& out) {
    out = HttpResponse{};
    const auto input = as_text(bytes);
    First content_type, server, content_length;
    const auto status = walk_head(
        input, out.head_size, [&](const Line& line) { return status_line(line, out); },
        [&](std::string_view name, std::string_view value) {
            if (equals_ignoring_case(name, "content-type")) {
                content_type.offer(value);
            } else if (equals_ignoring_case(name, "server")) {
                server.offer(value);
            } else if (equals_ignoring_case(name, "content-length")) {
                content_length.offer(value);
            }
        });
    out.content_type = content_type.value;
    out.server = server.value;
    out.content_length = decimal(content_length.value);
    if (status == HttpStatus::Ok) {
        out.body = input.substr(out.head_size, out.content_length);
        out.title = html_title(out.body);
    }
    return status;
}

std::string_view host_without_port(std::string_view host) {
    if (host.starts_with('[')) {
        return host.substr(1, host.find(']') - 1);
    }
    return host.substr(0, host.find(':'));
}

}  // namespace spoor::proto
