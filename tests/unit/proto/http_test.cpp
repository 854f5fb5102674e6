// HTTP/1.x request and response heads (userspace/proto/http.h), hostile input first.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "proto/http.h"
#include "frame_builder.h"

using spoor::proto::HttpRequest;
using spoor::proto::HttpResponse;
using spoor::proto::HttpStatus;
using spoor::proto::kMaxHttpHead;
using spoor::proto::parse_http_request;
using spoor::proto::parse_http_response;
using namespace spoor::test;
using namespace std::string_view_literals;

namespace {

using Bytes = std::vector<std::uint8_t>;

// The input is kept alongside the result, whose views point into it. Built from a range, the
// buffer is exactly as long as the text, so ASan sees any read past its end.
struct Request {
    Bytes input;
    HttpRequest r;
    HttpStatus status;

    explicit Request(Bytes b) : input(std::move(b)), status(parse_http_request(input, r)) {}
    explicit Request(std::string_view text) : Request(Bytes(text.begin(), text.end())) {}
    const HttpRequest* operator->() const { return &r; }
};

struct Response {
    Bytes input;
    HttpResponse r;
    HttpStatus status;

    explicit Response(Bytes b) : input(std::move(b)), status(parse_http_response(input, r)) {}
    explicit Response(std::string_view text) : Response(Bytes(text.begin(), text.end())) {}
    const HttpResponse* operator->() const { return &r; }
};

HttpStatus request_status(std::string_view text) {
    return Request(text).status;
}

HttpStatus response_status(std::string_view text) {
    return Response(text).status;
}

std::string_view text_of(const Bytes& b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// A view lies inside the input (or is empty), as the header promises.
bool within(std::string_view view, const Bytes& input) {
    if (view.empty()) {
        return true;
    }
    const auto* begin = reinterpret_cast<const char*>(input.data());
    return view.data() >= begin && view.data() + view.size() <= begin + input.size();
}

bool views_within(const Request& q) {
    for (const auto v : {q->method, q->target, q->version, q->host, q->user_agent, q->content_type,
                         q->forwarded_for, q->body}) {
        if (!within(v, q.input)) {
            return false;
        }
    }
    return true;
}

bool views_within(const Response& p) {
    for (const auto v : {p->version, p->content_type, p->server, p->body, p->title}) {
        if (!within(v, p.input)) {
            return false;
        }
    }
    return true;
}

// A head of exactly `size` bytes: a request line, one X-Pad field filled to measure, CRLF CRLF.
std::string request_of_size(std::size_t size) {
    const std::string start = "GET / HTTP/1.1\r\nX-Pad: ";
    const std::string end = "\r\n\r\n";
    return start + std::string(size - start.size() - end.size(), 'p') + end;
}

}  // namespace

TEST_CASE("a real request from the frame builder") {
    const Request q(http_request("GET", "www.example.com", "/index.html?q=1", "curl/8.0"));
    REQUIRE(q.status == HttpStatus::Ok);
    CHECK(q->method == "GET");
    CHECK(q->target == "/index.html?q=1");
    CHECK(q->version == "HTTP/1.1");
    CHECK(q->host == "www.example.com");
    CHECK(q->user_agent == "curl/8.0");
    CHECK(q->content_type.empty());
    CHECK(q->forwarded_for.empty());
    CHECK(q->content_length == 0);
    CHECK(q->head_size == q.input.size());
    CHECK(q->body.empty());
    CHECK(views_within(q));
    // The views are into the input, not copies.
    CHECK(q->method.data() == reinterpret_cast<const char*>(q.input.data()));

    const Request no_agent(http_request("HEAD", "a.example", "/", ""));
    REQUIRE(no_agent.status == HttpStatus::Ok);
    CHECK(no_agent->method == "HEAD");
    CHECK(no_agent->user_agent.empty());
}

TEST_CASE("request targets of every form") {
    const Request connect("CONNECT host.example:443 HTTP/1.1\r\nHost: host.example:443\r\n\r\n");
    REQUIRE(connect.status == HttpStatus::Ok);
    CHECK(connect->method == "CONNECT");
    CHECK(connect->target == "host.example:443");

    const Request star("OPTIONS * HTTP/1.0\r\n\r\n");
    REQUIRE(star.status == HttpStatus::Ok);
    CHECK(star->target == "*");
    CHECK(star->version == "HTTP/1.0");
    CHECK(star->host.empty());

    const Request absolute("GET http://proxy.example/x?y=%20z HTTP/1.1\r\n\r\n");
    REQUIRE(absolute.status == HttpStatus::Ok);
    CHECK(absolute->target == "http://proxy.example/x?y=%20z");

    // Methods are any token, case kept.
    const Request odd("m-SEARCH! * HTTP/1.1\r\n\r\n");
    REQUIRE(odd.status == HttpStatus::Ok);
    CHECK(odd->method == "m-SEARCH!");
}

TEST_CASE("request lines that are not HTTP/1.x") {
    const char* const malformed[] = {
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",  // the HTTP/2 connection preface
        "PRI * HTTP/2",
        "GET / HTTP/2\r\n\r\n",
        "GET / HTTP/1.2\r\n\r\n",
        "GET / HTTP/1.10\r\n\r\n",
        "GET / http/1.1\r\n\r\n",  // the version is case-sensitive
        "GET / HTTP/1.1 \r\n\r\n",
        "GET /\r\n\r\n",  // HTTP/0.9
        "GET\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET /  HTTP/1.1\r\n\r\n",
        "GET\t/ HTTP/1.1\r\n\r\n",
        " GET / HTTP/1.1\r\n\r\n",
        "\r\nGET / HTTP/1.1\r\n\r\n",  // leading empty lines are not skipped
        "\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",  // '(' is no token byte
        "GET /a\x7f HTTP/1.1\r\n\r\n",
        "\x16\x03\x01\x02\x00",  // a TLS record
        "SSH-2.0-OpenSSH_9.2\r\n",
    };
    for (const char* text : malformed) {
        CAPTURE(text);
        CHECK(request_status(text) == HttpStatus::Malformed);
    }
    CHECK(request_status("GET /\0 HTTP/1.1\r\n\r\n"sv) == HttpStatus::Malformed);
    // Raw bytes in a target are what attack tools send: the head still parses.
    CHECK(request_status("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n") == HttpStatus::Ok);
}

TEST_CASE("a request line cut anywhere is Incomplete until it cannot become valid") {
    for (const char* text : {"", "G", "GE", "GET", "GET ", "GET /", "GET /ind", "GET /index ",
                             "GET /index H", "GET /index HTTP/1.", "GET /index HTTP/1.1",
                             "GET /index HTTP/1.1\r", "GET /index HTTP/1.0\r\n"}) {
        CAPTURE(text);
        CHECK(request_status(text) == HttpStatus::Incomplete);
    }
    for (const char* text : {"GE\x01", "GET  ", "GET / HTTP/2", "GET / HTTP/1.1 ", "GET / X",
                             "GET / HTTP/1.1\r\r", "GET /\t"}) {
        CAPTURE(text);
        CHECK(request_status(text) == HttpStatus::Malformed);
    }
}

TEST_CASE("header fields: case, blanks, repeats") {
    const Request q(
        "POST /upload HTTP/1.1\r\n"
        "hOsT:\t upload.example \t\r\n"
        "USER-AGENT: Mozilla/5.0 (X11; Linux x86_64)\r\n"
        "Content-type:application/json\r\n"
        "Host: second.example\r\n"
        "X-Other: ignored\r\n"
        "Content-Length: 4\r\n"
        "\r\n"
        "{}{}trailing");
    REQUIRE(q.status == HttpStatus::Ok);
    CHECK(q->host == "upload.example");
    CHECK(q->user_agent == "Mozilla/5.0 (X11; Linux x86_64)");  // inner blanks kept
    CHECK(q->content_type == "application/json");
    CHECK(q->content_length == 4);
    CHECK(q->body == "{}{}");
    CHECK(q->head_size == q.input.size() - 12);

    SUBCASE("a repeat keeps the first value, even an empty one") {
        const Request r("GET / HTTP/1.1\r\nHost:\r\nHost: late.example\r\n\r\n");
        REQUIRE(r.status == HttpStatus::Ok);
        CHECK(r->host.empty());
    }
    SUBCASE("values with obs-text bytes are kept as sent") {
        const Request r("GET / HTTP/1.1\r\nUser-Agent: caf\xc3\xa9\r\n\r\n");
        REQUIRE(r.status == HttpStatus::Ok);
        CHECK(r->user_agent == "caf\xc3\xa9");
    }
    SUBCASE("names that only begin like a known one") {
        const Request r("GET / HTTP/1.1\r\nHost-Name: x\r\nHostx: y\r\nX-Host: z\r\n\r\n");
        REQUIRE(r.status == HttpStatus::Ok);
        CHECK(r->host.empty());
    }
}

TEST_CASE("the client a proxy names: X-Forwarded-For, then True-Client-IP, then CF-Connecting-IP") {
    const std::string start = "GET / HTTP/1.1\r\nHost: h\r\n";
    auto forwarded = [&](const std::string& fields) {
        const Request q(start + fields + "\r\n");
        REQUIRE(q.status == HttpStatus::Ok);
        return std::string(q->forwarded_for);
    };
    CHECK(forwarded("") == "");
    CHECK(forwarded("CF-Connecting-IP: 192.0.2.3\r\n") == "192.0.2.3");
    CHECK(forwarded("cf-connecting-ip: 192.0.2.3\r\nTrue-Client-IP: 192.0.2.2\r\n") == "192.0.2.2");
    CHECK(forwarded("CF-Connecting-IP: 192.0.2.3\r\nTrue-Client-IP: 192.0.2.2\r\n"
                    "X-Forwarded-For: 192.0.2.1, 10.0.0.1\r\n") == "192.0.2.1, 10.0.0.1");
    CHECK(forwarded("X-Forwarded-For: 192.0.2.1\r\nX-Forwarded-For: 192.0.2.9\r\n") == "192.0.2.1");
    // Present but empty still comes first: the raw value, as the header says.
    CHECK(forwarded("True-Client-IP: 192.0.2.2\r\nX-Forwarded-For:\r\n") == "");
}

TEST_CASE("Content-Length: decimal, anything else is 0") {
    auto length = [](std::string_view value) {
        const Request q("POST / HTTP/1.1\r\nContent-Length: " + std::string(value) + "\r\n\r\n");
        REQUIRE(q.status == HttpStatus::Ok);
        return q->content_length;
    };
    CHECK(length("0") == 0);
    CHECK(length("17") == 17);
    CHECK(length("  0042 ") == 42);
    CHECK(length("18446744073709551615") == 18446744073709551615u);
    CHECK(length("18446744073709551616") == 0);
    CHECK(length("99999999999999999999999999") == 0);
    CHECK(length("") == 0);
    CHECK(length("-1") == 0);
    CHECK(length("+5") == 0);
    CHECK(length("0x10") == 0);
    CHECK(length("12abc") == 0);
    CHECK(length("5, 5") == 0);
    CHECK(length("1 2") == 0);
}

TEST_CASE("the body: what arrived with the head, at most Content-Length") {
    const std::string head = "POST /p HTTP/1.1\r\nContent-Length: 10\r\n\r\n";
    SUBCASE("shorter than announced") {
        const Request q(head + "abc");
        REQUIRE(q.status == HttpStatus::Ok);
        CHECK(q->content_length == 10);
        CHECK(q->body == "abc");
    }
    SUBCASE("the next request follows") {
        const Request q(head + "0123456789GET / HTTP/1.1\r\n\r\n");
        REQUIRE(q.status == HttpStatus::Ok);
        CHECK(q->body == "0123456789");
    }
    SUBCASE("no Content-Length: no body, chunked or not") {
        const Request q(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        REQUIRE(q.status == HttpStatus::Ok);
        CHECK(q->body.empty());
    }
    SUBCASE("a huge Content-Length reads no further than the input") {
        const Request q("POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\nxyz");
        REQUIRE(q.status == HttpStatus::Ok);
        CHECK(q->body == "xyz");
    }
}

TEST_CASE("bare LF line ends, alone or mixed with CRLF") {
    const Request lf("GET /a HTTP/1.1\nHost: lf.example\nUser-Agent: sh\n\nrest");
    REQUIRE(lf.status == HttpStatus::Ok);
    CHECK(lf->target == "/a");
    CHECK(lf->version == "HTTP/1.1");
    CHECK(lf->host == "lf.example");
    CHECK(lf->user_agent == "sh");
    CHECK(lf->head_size == lf.input.size() - 4);

    const Request mixed("GET /b HTTP/1.0\r\nHost: m.example\n\r\n");
    REQUIRE(mixed.status == HttpStatus::Ok);
    CHECK(mixed->host == "m.example");
    CHECK(mixed->head_size == mixed.input.size());

    const Request empty_lf("GET / HTTP/1.1\r\nHost: x\r\n\n");
    REQUIRE(empty_lf.status == HttpStatus::Ok);
    CHECK(empty_lf->head_size == empty_lf.input.size());
}

TEST_CASE("malformed field lines") {
    const std::string start = "GET / HTTP/1.1\r\n";
    const char* const fields[] = {
        "Host example.com\r\n\r\n",     // no colon
        ": value\r\n\r\n",              // empty name
        "Host : example.com\r\n\r\n",   // blank before the colon
        "Ho st: example.com\r\n\r\n",   // blank inside the name
        "Host: a\r\n folded\r\n\r\n",   // obsolete line folding, SP
        "Host: a\r\n\tfolded\r\n\r\n",  // and HT
        " Host: a\r\n\r\n",             // blank before the first field
        "Host: a\rb\r\n\r\n",           // a lone CR
        "Host: a\r\r\n\r\n",            // CR CR LF
        "Host: a\x01\r\n\r\n",          // other control bytes
        "Host: a\x7f\r\n\r\n",          // DEL
        "Host: a\x1b[31m\r\n\r\n",      // an escape sequence
        "H\xc3\xb6st: a\r\n\r\n",       // non-ASCII name
        "Host: a\r\n\r\r\n",            // an empty line of CR CR LF
    };
    for (const char* f : fields) {
        CAPTURE(f);
        CHECK(request_status(start + f) == HttpStatus::Malformed);
    }
    SUBCASE("NUL bytes in a value, a name and the empty line") {
        CHECK(request_status(start + std::string("Host: a\0b\r\n\r\n"sv)) == HttpStatus::Malformed);
        CHECK(request_status(start + std::string("Ho\0st: a\r\n\r\n"sv)) == HttpStatus::Malformed);
        CHECK(request_status(start + std::string("Host: a\r\n\0\r\n"sv)) == HttpStatus::Malformed);
    }
    SUBCASE("a cut field line is Malformed as soon as it cannot become valid") {
        CHECK(request_status(start + "Ho") == HttpStatus::Incomplete);
        CHECK(request_status(start + "Host") == HttpStatus::Incomplete);
        CHECK(request_status(start + "Host:") == HttpStatus::Incomplete);
        CHECK(request_status(start + "Host: exa") == HttpStatus::Incomplete);
        CHECK(request_status(start + "Host: a\r\n\r") == HttpStatus::Incomplete);
        CHECK(request_status(start + " ") == HttpStatus::Malformed);
        CHECK(request_status(start + "\t") == HttpStatus::Malformed);
        CHECK(request_status(start + ":") == HttpStatus::Malformed);
        CHECK(request_status(start + "Ho st") == HttpStatus::Malformed);
        CHECK(request_status(start + "Host: a\x02") == HttpStatus::Malformed);
    }
}

TEST_CASE("a cut head keeps the fields of its complete lines") {
    const Request q("GET /x HTTP/1.1\r\nHost: early.example\r\nUser-Agent: cut sh");
    CHECK(q.status == HttpStatus::Incomplete);
    CHECK(q->method == "GET");
    CHECK(q->host == "early.example");
    CHECK(q->user_agent.empty());  // its line may go on
    CHECK(q->head_size == 0);
    CHECK(q->body.empty());

    const Request line_cut("GET /x HTTP/1.1");
    CHECK(line_cut.status == HttpStatus::Incomplete);
    CHECK(line_cut->method.empty());
    CHECK(line_cut->target.empty());
}

TEST_CASE("a result is reset by the next parse") {
    HttpRequest r;
    const auto full = bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nab");
    REQUIRE(parse_http_request(full, r) == HttpStatus::Ok);
    REQUIRE(r.body == "ab");
    const auto other = bytes("GET / HTTP/1.0\r\n\r\n");
    REQUIRE(parse_http_request(other, r) == HttpStatus::Ok);
    CHECK(r.host.empty());
    CHECK(r.content_length == 0);
    CHECK(r.body.empty());
    CHECK(r.head_size == other.size());

    HttpResponse p;
    const auto page = bytes(
        "HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 16\r\n\r\n"
        "<title>t</title>");
    REQUIRE(parse_http_response(page, p) == HttpStatus::Ok);
    REQUIRE(p.title == "t");
    const auto bad = bytes("HTTP/1.1 200 OK\r\nServer: s\r\n\x01");
    REQUIRE(parse_http_response(bad, p) == HttpStatus::Malformed);
    CHECK(p.title.empty());
    CHECK(p.head_size == 0);
    CHECK(p.server == "s");
}

TEST_CASE("every prefix of a request is Incomplete, from the empty line on Ok") {
    const std::vector<Bytes> requests = {
        http_request("GET", "www.example.com", "/a/b?c=d", "Mozilla/5.0"),
        http_request("CONNECT", "tunnel.example:443", "tunnel.example:443", ""),
        bytes("POST /form HTTP/1.0\r\nHost: f.example\r\nContent-Type: text/plain\r\n"
              "Content-Length: 11\r\nX-Forwarded-For: 192.0.2.7\r\n\r\nhello world"),
        bytes("GET / HTTP/1.1\nHost: lf.example\nTrue-Client-IP: 192.0.2.8\n\n"),
    };
    for (const auto& whole : requests) {
        const Request full(whole);
        REQUIRE(full.status == HttpStatus::Ok);
        for (std::size_t n = 0; n <= whole.size(); ++n) {
            CAPTURE(n);
            // A copy of exactly n bytes, so ASan sees any read past the prefix.
            const Request q(Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n)));
            CHECK(views_within(q));
            if (n < full->head_size) {
                CHECK(q.status == HttpStatus::Incomplete);
                continue;
            }
            REQUIRE(q.status == HttpStatus::Ok);
            CHECK(q->head_size == full->head_size);
            CHECK(q->method == full->method);
            CHECK(q->target == full->target);
            CHECK(q->host == full->host);
            CHECK(q->user_agent == full->user_agent);
            CHECK(q->content_type == full->content_type);
            CHECK(q->forwarded_for == full->forwarded_for);
            CHECK(q->content_length == full->content_length);
            CHECK(q->body == full->body.substr(0, n - full->head_size));
        }
    }
}

TEST_CASE("the head size limit") {
    SUBCASE("a head of exactly kMaxHttpHead bytes is accepted, one more is not") {
        const Request at(request_of_size(kMaxHttpHead));
        REQUIRE(at.status == HttpStatus::Ok);
        CHECK(at->head_size == kMaxHttpHead);
        CHECK(request_status(request_of_size(kMaxHttpHead + 1)) == HttpStatus::Malformed);
        // Bytes after a head within the limit do not count against it.
        const Request body(request_of_size(100) + std::string(2 * kMaxHttpHead, 'b'));
        CHECK(body.status == HttpStatus::Ok);
    }
    SUBCASE("a cut head below the limit waits, at the limit it is refused") {
        const auto head = request_of_size(kMaxHttpHead + 1);
        CHECK(request_status(head.substr(0, kMaxHttpHead - 1)) == HttpStatus::Incomplete);
        // Its last byte is the CR of the empty line, whose LF would be past the limit.
        CHECK(request_status(head.substr(0, kMaxHttpHead)) == HttpStatus::Malformed);
    }
    SUBCASE("one endless field line") {
        const std::string line = "GET / HTTP/1.1\r\nCookie: " + std::string(1 << 20, 'c');
        CHECK(request_status(line) == HttpStatus::Malformed);
        CHECK(request_status(line + "\r\n\r\n") == HttpStatus::Malformed);
    }
    SUBCASE("an endless request line, target or method") {
        CHECK(request_status("GET /" + std::string(1 << 20, 'a') + " HTTP/1.1\r\n\r\n") ==
              HttpStatus::Malformed);
        CHECK(request_status(std::string(kMaxHttpHead + 5, 'G')) == HttpStatus::Malformed);
        CHECK(request_status(std::string(kMaxHttpHead - 1, 'G')) == HttpStatus::Incomplete);
    }
    SUBCASE("thousands of short fields") {
        std::string many = "GET / HTTP/1.1\r\n";
        while (many.size() < kMaxHttpHead - 100) {
            many += "A: b\r\n";
        }
        const Request fits(many + "Host: last.example\r\n\r\n");
        REQUIRE(fits.status == HttpStatus::Ok);
        CHECK(fits->host == "last.example");
        while (many.size() < 2 * kMaxHttpHead) {
            many += "A: b\r\n";
        }
        CHECK(request_status(many + "\r\n") == HttpStatus::Malformed);
        CHECK(request_status(many) == HttpStatus::Malformed);
    }
    SUBCASE("endless blank lines are no head") {
        CHECK(request_status("GET / HTTP/1.1\r\n" + std::string(1 << 16, '\r')) ==
              HttpStatus::Malformed);
    }
}

TEST_CASE("a real response from the frame builder") {
    const std::string page =
        "<!doctype html><html><head><title>Example Domain</title></head><body></body></html>";
    const Response p(http_response(200, "text/html; charset=UTF-8", page));
    REQUIRE(p.status == HttpStatus::Ok);
    CHECK(p->version == "HTTP/1.1");
    CHECK(p->status == 200);
    CHECK(p->content_type == "text/html; charset=UTF-8");
    CHECK(p->server.empty());
    CHECK(p->content_length == page.size());
    CHECK(p->head_size == p.input.size() - page.size());
    CHECK(p->body == page);
    CHECK(p->title == "Example Domain");
    CHECK(views_within(p));

    const Response moved(http_response(301, "", ""));
    REQUIRE(moved.status == HttpStatus::Ok);
    CHECK(moved->status == 301);
    CHECK(moved->content_type.empty());
    CHECK(moved->body.empty());
    CHECK(moved->title.empty());
}

TEST_CASE("status lines") {
    auto code = [](std::string_view line) {
        const Response p(std::string(line) + "\r\nServer: nginx/1.24.0\r\n\r\n");
        REQUIRE(p.status == HttpStatus::Ok);
        CHECK(p->server == "nginx/1.24.0");
        return p->status;
    };
    CHECK(code("HTTP/1.1 200 OK") == 200);
    CHECK(code("HTTP/1.0 404 Not Found") == 404);
    CHECK(code("HTTP/1.1 100") == 100);   // no reason, no SP
    CHECK(code("HTTP/1.1 599 ") == 599);  // SP and an empty reason
    CHECK(code("HTTP/1.1 302 Found \t elsewhere  ") == 302);
    CHECK(code("HTTP/1.1 200 caf\xc3\xa9") == 200);

    for (const char* line :
         {"HTTP/1.1 099 Low", "HTTP/1.1 600 High",   "HTTP/1.1 000",   "HTTP/1.1 2000 OK",
          "HTTP/1.1 20 OK",   "HTTP/1.1 2x0 OK",     "HTTP/1.1 200OK", "HTTP/1.1  200 OK",
          "HTTP/1.1\t200 OK", "HTTP/1.1 -20 OK",     "HTTP/2 200",     "HTTP/2.0 200 OK",
          "HTTP/1.2 200 OK",  "http/1.1 200 OK",     "HTTP/1.1",       "HTTP/1.1 ",
          "ICY 200 OK",       "HTTP/1.1 200 O\x01K", "GET / HTTP/1.1", ""}) {
        CAPTURE(line);
        CHECK(response_status(std::string(line) + "\r\n\r\n") == HttpStatus::Malformed);
    }
    for (const char* cut :
         {"", "H", "HTTP/1.", "HTTP/1.1", "HTTP/1.1 ", "HTTP/1.1 2", "HTTP/1.1 20", "HTTP/1.1 204",
          "HTTP/1.1 204 ", "HTTP/1.1 204 No", "HTTP/1.1 204 No Content\r"}) {
        CAPTURE(cut);
        CHECK(response_status(cut) == HttpStatus::Incomplete);
    }
    for (const char* cut : {"X", "HTTP/3", "HTTP/1.1 6", "HTTP/1.1 0", "HTTP/1.1 2a",
                            "HTTP/1.1 2000", "HTTP/1.1 200x"}) {
        CAPTURE(cut);
        CHECK(response_status(cut) == HttpStatus::Malformed);
    }
}

TEST_CASE("response fields") {
    const Response p(
        "HTTP/1.1 200 OK\n"
        "server:  Apache \n"
        "CONTENT-TYPE: text/html\n"
        "Server: second\n"
        "content-length: 27\n"
        "Set-Cookie: a=b\n"
        "\n"
        "<TITLE>Shouting</TITLE>\n<p>");
    REQUIRE(p.status == HttpStatus::Ok);
    CHECK(p->server == "Apache");
    CHECK(p->content_type == "text/html");
    CHECK(p->content_length == 27);
    CHECK(p->body.size() == 27);
    CHECK(p->title == "Shouting");

    CHECK(response_status("HTTP/1.1 200 OK\r\nServer: a\r\n b\r\n\r\n") == HttpStatus::Malformed);
    CHECK(response_status("HTTP/1.1 200 OK\r\nno colon\r\n\r\n") == HttpStatus::Malformed);
}

TEST_CASE("the title of the body prefix") {
    auto title = [](std::string_view body, std::size_t content_length = std::string::npos) {
        if (content_length == std::string::npos) {
            content_length = body.size();
        }
        const Response p("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(content_length) +
                         "\r\n\r\n" + std::string(body));
        REQUIRE(p.status == HttpStatus::Ok);
        CHECK(views_within(p));
        return std::string(p->title);
    };
    CHECK(title("<title>Plain</title>") == "Plain");
    CHECK(title("<html><head><title lang=en>With attributes</title>") == "With attributes");
    CHECK(title("<title\n  data-x=\"1\"\n>Multi-line tag</title>") == "Multi-line tag");
    CHECK(title("<TiTlE>Mixed case</tItLe>") == "Mixed case");
    CHECK(title("<title>\r\n\t  Padded \t\r\n</title>") == "Padded");
    CHECK(title("<title>Inner  spaces kept</title>") == "Inner  spaces kept");
    CHECK(title("<title>Close with blanks</title  >") == "Close with blanks");
    CHECK(title("<title></title>") == "");
    CHECK(title("<title>   </title>") == "");
    CHECK(title("<title>caf\xc3\xa9 &amp; co</title>") == "caf\xc3\xa9 &amp; co");
    CHECK(title("<titles><title>Second tag</title>") == "Second tag");
    CHECK(title("<title>A</titlex> B</title>") == "A</titlex> B");
    CHECK(title("<title>First</title><title>Second</title>") == "First");

    SUBCASE("not fully present") {
        CHECK(title("<title>Cut") == "");
        CHECK(title("<title>Cut</tit") == "");
        CHECK(title("<title>Cut</title") == "");
        CHECK(title("<title") == "");
        CHECK(title("<title lang=en") == "");
        CHECK(title("<titl") == "");
        CHECK(title("no title at all") == "");
        CHECK(title("<titlex>Not a title</titlex>") == "");
        CHECK(title("") == "");
    }
    SUBCASE("only the body as far as Content-Length reaches") {
        CHECK(title("<title>Inside</title>", 21) == "Inside");
        CHECK(title("<title>Beyond</title>", 20) == "");
        CHECK(title("<title>Beyond</title>", 0) == "");
    }
    SUBCASE("no Content-Length, no body, no title") {
        const Response chunked(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            "<title>Chunked</title>");
        REQUIRE(chunked.status == HttpStatus::Ok);
        CHECK(chunked->body.empty());
        CHECK(chunked->title.empty());
    }
}

TEST_CASE("every prefix of a response is Incomplete, from the empty line on Ok") {
    const std::vector<Bytes> responses = {
        http_response(200, "text/html", "<html><title>Cut anywhere</title></html>"),
        http_response(404, "", ""),
        // Content-Length ends the body inside the closing tag: never a title.
        bytes("HTTP/1.0 503 Service Unavailable\nServer: x\nContent-Length: 20\n\n"
              "<title lang=x>t</title>"),
    };
    for (const auto& whole : responses) {
        const Response full(whole);
        REQUIRE(full.status == HttpStatus::Ok);
        for (std::size_t n = 0; n <= whole.size(); ++n) {
            CAPTURE(n);
            const Response p(Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n)));
            CHECK(views_within(p));
            if (n < full->head_size) {
                CHECK(p.status == HttpStatus::Incomplete);
                CHECK(p->title.empty());
                continue;
            }
            REQUIRE(p.status == HttpStatus::Ok);
            CHECK(p->status == full->status);
            CHECK(p->head_size == full->head_size);
            CHECK(p->server == full->server);
            CHECK(p->content_type == full->content_type);
            CHECK(p->body == full->body.substr(0, n - full->head_size));
            // The title appears once its closing tag has arrived within Content-Length.
            const bool closed = p->body.find("</title>") != std::string_view::npos;
            CHECK(p->title == (closed ? full->title : std::string_view{}));
        }
    }
}

TEST_CASE("random bytes and random corruption never crash") {
    Rng rng(7);
    HttpRequest request;
    HttpResponse response;
    auto check_request = [&](const Bytes& b) {
        const auto status = parse_http_request(b, request);
        const auto text = text_of(b);
        if (status == HttpStatus::Ok) {
            CHECK(request.head_size <= kMaxHttpHead);
            CHECK(request.head_size <= b.size());
            CHECK(request.body.size() <= request.content_length);
            CHECK(request.body.data() == text.data() + request.head_size);
        } else {
            CHECK(request.head_size == 0);
            CHECK(request.body.empty());
        }
    };
    auto check_response = [&](const Bytes& b) {
        const auto status = parse_http_response(b, response);
        if (status == HttpStatus::Ok) {
            CHECK(response.status >= 100);
            CHECK(response.status <= 599);
            CHECK(response.head_size <= kMaxHttpHead);
            CHECK(response.body.size() <= response.content_length);
            CHECK(response.title.size() <= response.body.size());
        } else {
            CHECK(response.head_size == 0);
        }
    };

    SUBCASE("random bytes of every length up to a few KiB") {
        for (int round = 0; round < 3000; ++round) {
            Bytes b(rng.below(4096));
            rng.fill(b.data(), b.size());
            check_request(b);
            check_response(b);
        }
    }
    SUBCASE("random bytes from the alphabet of heads") {
        constexpr auto kAlphabet = "GET HTTP/1.1 200\r\n\r\n:<title></title> \t\0"sv;
        for (int round = 0; round < 20000; ++round) {
            Bytes b(rng.below(200));
            for (auto& c : b) {
                c = static_cast<std::uint8_t>(kAlphabet[rng.below(kAlphabet.size())]);
            }
            check_request(b);
            check_response(b);
        }
    }
    SUBCASE("corrupted real messages") {
        const Bytes request_base = bytes(
            "POST /a HTTP/1.1\r\nHost: h.example\r\nUser-Agent: ua\r\n"
            "X-Forwarded-For: 192.0.2.1\r\nContent-Length: 5\r\n\r\nhello");
        const Bytes response_base =
            http_response(200, "text/html", "<head><title>A page</title></head>");
        int ok = 0;
        for (int round = 0; round < 20000; ++round) {
            for (const auto* base : {&request_base, &response_base}) {
                Bytes b = *base;
                const auto flips = 1 + rng.below(4);
                for (std::uint64_t i = 0; i < flips; ++i) {
                    b[rng.below(b.size())] = static_cast<std::uint8_t>(rng.next());
                }
                b.resize(rng.below(b.size() + 1));
                b.shrink_to_fit();
                check_request(b);
                check_response(b);
                ok += parse_http_request(b, request) == HttpStatus::Ok;
                ok += parse_http_response(b, response) == HttpStatus::Ok;
            }
        }
        CHECK(ok > 1000);  // the corruption reaches the fields and bodies of complete heads too
    }
}
