// HTTP/1.x message heads (RFC 9112), parsed from the bytes of one direction of
// a TCP stream as far as they have arrived. Pure functions: the results are
// views into the input, nothing is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace spoor::proto {

enum class HttpStatus {
    Ok,          // the head is complete (it ends with an empty line)
    Incomplete,  // a head so far, cut before its empty line: feed more bytes
    Malformed,   // not an HTTP/1.x head, or one past the limits below
};

// Heads longer than this are refused (Malformed): the sensor only ever sees the
// first few segments of a flow.
inline constexpr std::size_t kMaxHttpHead = 16384;

struct HttpRequest {
    std::string_view method;   // "GET", "POST", "CONNECT", ...
    std::string_view target;   // as sent: "/a/b?c=d", "http://host/x", "host:443" (CONNECT), "*"
    std::string_view version;  // "HTTP/1.1"
    // Header values with surrounding blanks trimmed; empty when the header is absent. A header
    // sent more than once keeps its first value.
    std::string_view host;
    std::string_view user_agent;
    std::string_view content_type;
    // The original client a proxy or CDN names: X-Forwarded-For, then True-Client-IP, then
    // CF-Connecting-IP, the first of these present (the raw value, possibly a list).
    std::string_view forwarded_for;
    std::size_t content_length = 0;  // 0 when absent or not a number
    std::size_t head_size = 0;       // bytes of the head, request line to the empty line
    // The body bytes that follow the head in the input, at most content_length of them (POST
    // bodies are inspected only as far as they arrived with the head).
    std::string_view body;
};

struct HttpResponse {
    int status = 0;            // 100..599
    std::string_view version;  // "HTTP/1.1"
    std::string_view content_type;
    std::string_view server;
    std::size_t content_length = 0;
    std::size_t head_size = 0;
    std::string_view body;   // body bytes present in the input, at most content_length
    std::string_view title;  // text inside <title>...</title> of that body prefix, trimmed
};

// A Host value (or the host part of a target) without its port: "host:8080" -> "host",
// "[fd00::1]:80" -> "fd00::1".
std::string_view host_without_port(std::string_view host);

// The request head at the start of `bytes`. Header names are case-insensitive;
// obsolete line folding, a bare LF as line end, and a head past kMaxHttpHead are
// handled as the comments in http.cpp say.
// `out` is reset first. On Incomplete or Malformed it keeps the fields of the complete
// lines before the stop (the start line's only once that line is complete); head_size,
// body and title are set only on Ok.
HttpStatus parse_http_request(std::span<const std::uint8_t> bytes, HttpRequest& out);
HttpStatus parse_http_response(std::span<const std::uint8_t> bytes, HttpResponse& out);

}  // namespace spoor::proto
