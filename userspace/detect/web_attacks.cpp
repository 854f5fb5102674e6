// Each family is a set of Hyperscan patterns (caseless, single match: only
// whether a pattern matched counts). A request costs one scan of each field it
// has; the text is copied only when it holds something to decode ('%', '+',
// '\') or a Log4j lookup ("${"), so a plain request is scanned where it lies.
// Data leakage is the one family a pattern cannot settle (a check digit, three
// distinct addresses): its patterns only nominate a request, and the
// parameters are then read in code.
#include "detect/web_attacks.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

#include "common/text.h"

namespace spoor::detect {

namespace {

constexpr std::string_view kWhat = "web attack patterns";

// In priority order, most dangerous first: code running on the server, then
// reading or changing its data, then the network's DNS, then disclosure, then
// attacks on other users, then reconnaissance.
enum Family : std::uint8_t {
    kRce,
    kSql,
    kXxe,
    kSsti,
    kPhp,
    kRouterDns,
    kLdap,
    kXml,
    kTraversal,
    kConfig,
    kLeakage,
    kXss,
    kScanner,
    kFamilies,
};

constexpr std::array<std::string_view, kFamilies> kFamilyNames = {
    "remote code execution", "sql injection",      "xxe injection",  "ssti injection",
    "php injection",         "router dns changer", "ldap injection", "xml injection",
    "directory traversal",   "config file access", "data leakage",   "xss injection",
    "web scanner probe"};

// Where a pattern applies.
enum Fields : unsigned {
    kTarget = 1,
    kBody = 2,
    kAgent = 4,
    kRequest = kTarget | kBody,
    kAll = kTarget | kBody | kAgent,
};

struct Rule {
    Family family;
    unsigned fields;
    const char* pattern;
};

// The project's own patterns, written for the text after normalising (decoded,
// '\' as '/', lookups resolved) and matched without regard to case. Where a
// word is common in ordinary text, a pattern asks for the syntax around it
// ("union select" with spaces or comments, not "union-select" in a slug).
// clang-format off
constexpr Rule kRules[] = {
    // Log4Shell, once the lookups that hide "jndi" are resolved.
    {kRce, kAll, R"(\$\{\s*jndi\s*:)"},
    // Shellshock: bash reads a variable whose value starts "() {" as a function.
    // Literal-led patterns ("()", "*)(") let Hyperscan skip to their literal
    // instead of running an automaton over every byte of every request.
    {kRce, kAgent, R"(^\s*\(\)\s*\{)"},
    {kRce, kRequest, R"(\(\)\s*\{\s*[:_]\s*;\s*\})"},
    // A shell command after a separator (';', '|', '`', "$(", "&&", a newline).
    {kRce, kTarget | kAgent, R"((?:[;|`\n]|\$\(|&&)\s*(?:wget|curl|fetch)\s[^;|\n]{0,80}(?:https?|ftp)://)"},
    // Bodies are free text (comments, posts) where a line may start with a command.
    {kRce, kBody, R"((?:[;|`]|\$\(|&&)\s*(?:wget|curl|fetch)\s[^;|\n]{0,80}(?:https?|ftp)://)"},
    {kRce, kAll, R"((?:[;|`]|\$\(|&&)\s*(?:tftp|ftpget)\s+-[a-z])"},
    {kRce, kAll, R"((?:[;|`]|\$\(|&&)\s*(?:chmod\s+(?:\+x|[0-7]{3,4})\s|rm\s+-[rf]+\s|cd\s+/(?:tmp|var|dev)\b|(?:ba|z|da)?sh\s+-[ci]\b|busybox\s|(?:nc|ncat|netcat)\s|python[23]?\s+-c\b|perl\s+-e\b|php\s+-r\b|(?:cat|head|tail|more)\s+/|ping\s+-[nc]\s*\d|sleep\s+\d|whoami\b|uname\s+-a|(?:powershell|pwsh)\b|cmd(?:\.exe)?\s*/[ck]\b))"},
    // Short probes ("; id", "`id`", "$(id)"): '|' would take "fields=name|id".
    {kRce, kAll, R"((?:;|`|\$\()\s*(?:id|whoami|uname|hostname|ifconfig|ipconfig|pwd)\s*(?:$|[;|&`#)]))"},
    {kRce, kAll, R"(\$\(\s*(?:wget|curl|id|whoami|uname|cat|echo|sh|bash|nc|ping|sleep|nslookup|dig)\b|`\s*(?:wget|curl|id|whoami|uname|cat|echo|sh|bash|nc|ping|sleep|nslookup|dig)\b[^`]*`)"},
    // Also CVE-2021-41773's /cgi-bin/.%2e/.%2e/.../bin/sh.
    {kRce, kAll, R"(/bin/(?:ba|da|z|k)?sh\b)"},
    {kRce, kAll, R"(\bn(?:c|cat|etcat)(?:\.exe)?\s(?:[^;|&\n]{0,80}\s)?-[a-z]{0,3}e\s|/dev/(?:tcp|udp)/|[>|]\s*/dev/null\b)"},
    {kRce, kAll, R"(\bcmd\.exe\b|\bxp_cmdshell\b|\$\{ifs\}|\$ifs\$\d)"},
    {kRce, kAll, R"(\b(?:powershell|pwsh)(?:\.exe)?\s+[-/](?:e|ec|enc|encodedcommand|nop|noprofile|noni|noninteractive|w|windowstyle|c|command|ep|executionpolicy|exec)\b|\b(?:iex|invoke-expression)\b.{0,40}\b(?:new-object|iwr|invoke-webrequest)\b|\.downloadstring\s*\()"},
    {kRce, kAll, R"(\b(?:shell_exec|passthru|proc_open|pcntl_exec)\s*\(|\b(?:system|exec|popen)\s*\(\s*['"])"},
    // PHP frameworks' callable dispatch (ThinkPHP's invokefunction) handed system().
    {kRce, kRequest, R"(\bcall_user_func(?:_array)?\b.{0,60}\b(?:system|exec|passthru|shell_exec|assert)\b)"},
    // Java: Struts OGNL (@java.lang.Runtime@, #_memberAccess), SpEL
    // (T(java.lang.Runtime)), Spring4Shell (CVE-2022-22965). A class name alone
    // is someone reading the Javadoc.
    {kRce, kAll, R"(@java\.lang\.(?:runtime|processbuilder)@|\bt\s*\(\s*java\.lang\.(?:runtime|processbuilder)\s*\)|\bgetruntime\s*\(\s*\)\s*\.\s*exec\s*\(|\bnew\s+java\.lang\.processbuilder\b|#_memberaccess|\bclass\.module\.classloader\b)"},
    // CVE-2017-9841, PHPUnit's eval of the request body.
    {kRce, kTarget, R"(/vendor/phpunit/phpunit/src/util/php/eval-stdin\.php)"},

    {kSql, kAll, R"(\bunion(?:\s|/\*[^*]*\*/|\()+(?:(?:all|distinct)(?:\s|/\*[^*]*\*/|\()+)?select\b)"},
    // MySQL runs the inside of "/*!50000 ... */".
    {kSql, kAll, R"(/\*!\d*\s*(?:union|select|and|or|from|where|concat|information_schema)\b)"},
    // A tautology after a closing quote or a number: ' or 'a'='a, ') or 2>1,
    // 1 and 5091=5091. After a number only equality counts: "5>3 and 2<4" is
    // arithmetic. Operands are numbers and '...' literals: a "..." is an
    // identifier in SQL, as in the InfluxQL Grafana sends (WHERE "host" = 'a').
    {kSql, kAll, R"(['")]\s*(?:\bor\b|\band\b|\bxor\b|\|\||&&)\s*\(*\s*(?:\d+|'[^']*')\s*(?:=|<|>|<>|!=|\blike\b)\s*\(*\s*(?:\d|'))"},
    {kSql, kAll, R"(\b\d+\s*(?:\bor\b|\band\b|\bxor\b|\|\||&&)\s*\(*\s*(?:\d+|'[^']*')\s*(?:=|<>|!=|\blike\b)\s*\(*\s*(?:\d|'))"},
    // The same written with double quotes throughout: admin" or "1"="1, " or ""=".
    {kSql, kAll, R"("\s*(?:\bor\b|\band\b|\bxor\b|\|\||&&)\s*\(*\s*"[^"]*"\s*(?:=|<>|!=|\blike\b)\s*\(*\s*")"},
    // A closing quote and a comment: admin'--, ')#, admin'/*.
    {kSql, kAll, R"('\s*\)*\s*(?:--|#|/\*))"},
    // Strings built from character codes: CHAR(113)||CHAR(107), CHR(113)+CHR(118).
    {kSql, kAll, R"(\bcha?r\s*\(\s*\d+\s*\)\s*(?:\|\||\+)\s*cha?r\s*\()"},
    {kSql, kAll, R"(\b(?:pg_)?sleep\s*\(\s*\(?\s*\d|\bbenchmark\s*\(\s*\d|\bwaitfor\s+(?:delay|time)\s+['"]|\bdbms_pipe\.receive_message\s*\()"},
    {kSql, kAll, R"(information_schema|\b(?:sysobjects|syscolumns|sysdatabases|sysusers|pg_shadow|all_tab_columns)\b|\bmysql\.user\b)"},
    // Stacked queries.
    {kSql, kAll, R"(;\s*(?:(?:drop|truncate|alter)\s+(?:table|database|schema)\b|delete\s+from\b|insert\s+into\b|update\s+\w+\s+set\b|exec(?:ute)?\s+(?:master\.|xp_|sp_)|declare\s+@|shutdown\b))"},
    {kSql, kAll, R"(\b(?:extractvalue|updatexml|load_file|group_concat)\s*\(|\binto\s+(?:out|dump)file\b|@@(?:version|datadir|hostname|basedir)\b|\bconcat(?:_ws)?\s*\(\s*0x[0-9a-f]|\bchar\s*\(\s*\d+\s*(?:,\s*\d+\s*){2,}\))"},
    {kSql, kAll, R"(\bselect\b.{0,60}\b(?:version|database|user|current_user|schema|system_user)\s*\(\s*\)|\bselect\s+(?:\*|count\s*\(\s*\*\s*\))\s+from\b)"},
    // Comments in place of spaces: /**/union, and/**/1=1.
    {kSql, kAll, R"(/\*.*\*/\s*(?:union|select|and|or|from|where|having)\b|\b(?:union|select|and|or|from|where|having)\s*/\*.*\*/)"},
    {kSql, kAll, R"(\border\s+by\s+\d+\s*(?:--|#|/\*|;|$)|\(\s*case\s+when\b|\bconvert\s*\(\s*int\s*,|\bcast\s*\([^)]*\bas\s+n?(?:var)?char\b|\b(?:and|or)\s*\(\s*select\b|\bxp_(?:dirtree|fileexist|regread)\b|\butl_(?:http|inaddr)\.)"},

    {kXxe, kRequest, R"(<!entity\s+(?:%\s*)?[\w.-]+\s+(?:system|public)\b)"},
    {kXxe, kRequest, R"(<!doctype\s+[\w:.-]+\s*\[[\s\S]*<!entity\b)"},
    {kXxe, kRequest, R"(<xi:include\b[^>]*\bhref\s*=)"},

    // Arithmetic a template engine evaluates: {{7*7}}, ${7*7}, #{7*7}, <%= 7*7 %>.
    {kSsti, kAll, R"(\{\{\s*\d+\s*\*\s*['"]?\d+['"]?\s*\}\}|[$#]\{\s*\d+\s*\*\s*\d+\s*\}|<%=\s*\d+\s*\*\s*\d+\s*%>|@\(\s*\d+\s*\*\s*\d+\s*\))"},
    // Jinja's and Django's objects that lead to the configuration or to Python
    // itself; not a placeholder left unfilled ("{{request_id}}", "{{request.id}}").
    {kSsti, kAll, R"(\{\{\s*(?:config|settings)\s*(?:\}\}|\[|\.(?:items|secret|from_|__))|\{\{\s*self\s*(?:\}\}|\._)|\{\{\s*request\.(?:application|environ|__)|\{\{\s*(?:lipsum|cycler|joiner|namespace|url_for|get_flashed_messages)\.__)"},
    {kSsti, kAll, R"(\{\{[^}]*(?:__[a-z]+__|\bpopen\b|\bsubprocess\b|\bos\.|\|\s*attr\s*\())"},
    // Python's object graph: ''.__class__.__mro__[1].__subclasses__().
    {kSsti, kAll, R"(__(?:class|mro|base|bases)__\s*[.\[]\s*['"]?_*(?:mro|base|bases|subclasses|globals|init)|__(?:subclasses|import)__\s*\(|__(?:globals|builtins)__\s*\[)"},
    {kSsti, kAll, R"(\{%[^%]*(?:\bimport\b|\bos\.|\bpopen\b|\bsubprocess\b|\beval\b|\bexec\b|__)[^%]*%\})"},
    {kSsti, kAll, R"(freemarker\.template\.utility\.(?:execute|objectconstructor)|#set\s*\(\s*\$\w+\s*=|[$#]\{\s*t\s*\(\s*java\.)"},

    {kPhp, kAll, R"(<\?php\b|\bphp://(?:input|filter|stdin|fd|memory|temp)\b|\b(?:expect|phar)://|\bdata://[\w.+-]+/|\bzip://[^#\s]*#)"},
    // PHP-CGI's -d switches (CVE-2012-1823, CVE-2024-4577).
    {kPhp, kAll, R"(\b(?:allow_url_include|auto_prepend_file|auto_append_file)\b)"},
    {kPhp, kAll, R"(\$_(?:get|post|request|cookie|server|files|env)\s*\[)"},
    {kPhp, kAll, R"(\b(?:eval|assert|create_function)\s*\(\s*(?:\$_|@?\$\w+\s*\(|base64_decode|gzinflate|gzuncompress|str_rot13|chr\s*\(|stripslashes)|\b(?:die|print|echo)\s*\(?\s*@?md5\s*\(|\bphpinfo\s*\(\s*\))"},

    // A router's admin page told to use other DNS servers (GhostDNS-style CSRF
    // from a web page): dnscfg.cgi, apply.cgi, TP-Link's userRpm, goform.
    {kRouterDns, kTarget, R"(\.(?:cgi|htm|html|asp)\?(?:.*&)?(?:dnsserver[12]?|dns[12]|primarydns|secondarydns|dnsprimary|dnssecondary|wan_dns[12]?(?:_x)?|lan_dns[12]?|dns_server[12]?|ds[12])\s*=\s*\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b)"},
    {kRouterDns, kTarget, R"(/goform/\w+\?(?:.*&)?(?:ds[12]|dns[12]|dnsserver[12]?|primarydns|wan_dns[12]?)\s*=\s*\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b)"},

    // Filters closed and reopened: *)(uid=*, )(|(, (|(objectclass=*.
    {kLdap, kRequest, R"(\*\)\((?:[|&!]\(?)?[\w.-]+[~<>]?=|\)\([|&!]\((?:[|&!]\()*[\w.-]+[~<>]?=|\([|&]\([\w.-]+=\*)"},

    // XPath injection.
    {kXml, kRequest, R"(/text\(\)\s*=|'\s*(?:or|and)\s+(?:name|local-name|string-length|count|substring|contains|starts-with)\s*\(|\b(?:string-length|local-name|substring)\s*\(\s*(?:name\s*\(|/|\.\.|\*|parent::)|\bcount\s*\(\s*/)"},

    // One or two "../" are relative links; three climb out of any web root.
    {kTraversal, kAll, R"((?:\.\.+/+){3})"},
    {kTraversal, kAll, R"(/etc/(?:passwd|shadow|master\.passwd|issue)\b|\b(?:win|boot|system)\.ini\b|/proc/(?:self|\d+)/(?:environ|cmdline|maps|fd/)|\b[a-z]:/windows/|/windows/system32/|%systemroot%)"},

    {kConfig, kTarget, R"(\.ht(?:access|passwd|group|digest)\b|\bwp-config\.php|/\.(?:git|svn|hg|bzr)(?:/|$)|/\.env\b|\bweb\.config\b|/\.ds_store\b)"},
    // Editor and backup copies of code and configuration: config.php.bak, index.php~.
    {kConfig, kTarget, R"(\.(?:php|aspx?|jsp|inc|conf|config|cfg|ini|ya?ml|json|xml)(?:\.(?:bak|old|orig|save|swp|swo|backup|tmp|copy)\b|~))"},
    {kConfig, kTarget, R"(/\.(?:aws/credentials|ssh/|bash_history|npmrc|pgpass|my\.cnf|netrc|docker/config\.json|kube/config|vscode/|idea/)|/web-inf/|/docker-compose\.ya?ml\b|/(?:application|appsettings)(?:\.[\w-]+)?\.(?:properties|ya?ml|json)\b|/actuator/(?:env|heapdump|configprops|threaddump|logfile)\b)"},

    // Candidates only (see leaks()): a device's number under its name or an
    // ICCID's prefix, a MAC address, two '@' (three addresses in the query and
    // the body put two in one of them).
    {kLeakage, kRequest, R"((?:imei|imsi|device)[\w-]*=\d{14}|=89\d{17})"},
    {kLeakage, kRequest, R"(\b[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}\b|mac[\w-]*=\s*[0-9a-f]{12}\b)"},
    {kLeakage, kRequest, R"(@[^@]+@)"},

    {kXss, kAll, R"(<script\b|\b(?:java|vb|live)script\s*:[^\s]{0,80}[(`]|\bdata:text/html\b)"},
    // Event handlers: after a tag, or any of the common ones after a space,
    // quote or slash (<svg/onload=, " onmouseover=); not a parameter "&onload=".
    {kXss, kAll, R"(<[a-z]+\b[^>]*[\s/"']on[a-z]{3,}\s*=)"},
    {kXss, kAll, R"([\s"'/]on(?:error|load|mouseover|mouseenter|mouseout|mousemove|mousedown|focus|focusin|blur|click|dblclick|toggle|begin|animationstart|animationend|transitionend|pageshow|pointerover|pointerenter|pointerdown|keydown|keyup|keypress|input|change|submit|resize|scroll|wheel|drag|dragstart|drop|copy|paste|play|loadstart|message|hashchange|popstate|unload|beforeunload|auxclick|contextmenu|search|select|start|finish)\s*=)"},
    // document.cookie being sent somewhere ('+document.cookie), not a search for it.
    {kXss, kAll, R"([+(,;'"`]\s*document\.(?:cookie|domain)\b|\bdocument\.write\s*\(\s*['"<]|\bdocument\.location\s*=|\b(?:alert|prompt|confirm)\s*(?:\(|`)\s*(?:\d|document\b|window\b|this\b|top\b|self\b|origin\b|xss|string\.fromcharcode|atob|['"`/]))"},
    {kXss, kAll, R"(<iframe\b[^>]*\bsrc\s*=|<meta\b[^>]*http-equiv\s*=\s*['"]?refresh|\bstring\.fromcharcode\s*\(|\beval\s*\(\s*(?:atob|unescape|string\.fromcharcode|location|name)\b)"},

    // Well-known probe paths (nmap's service probe, phpMyAdmin's setup, test
    // CGIs, HNAP, Laravel Ignition) and scanners' own markers and callback hosts.
    {kScanner, kTarget, R"(/nice ports,/trinity\.txt\.bak|/(?:phpmyadmin|pma|myadmin|mysqladmin)[\w.-]*/scripts/setup\.php|/cgi-bin/(?:test-cgi|printenv|test\.cgi)\b|/nmaplowercheck|/hnap1\b|/_ignition/execute-solution|\bxdebug_session_start=)"},
    {kScanner, kAll, R"(\b(?:nikto|nessus|acunetix|netsparker|openvas)[-_](?:wvs[-_])?test|acunetix[-_]wvs|\bw00tw00t\.at\.|muieblackcat|0w45pz4p|some_inexistent_file_with_long_name|inexistent_file_name\.inexistent|test-for-some-inexistent-file|\b(?:testasp|testphp)\.vulnweb\.com\b|\.bxss\.me\b|\b(?:burpcollaborator\.net|oastify\.com|interact\.sh|oast\.(?:fun|me|pro|live|site|online))\b)"},
};
// clang-format on
constexpr std::size_t kRuleCount = sizeof kRules / sizeof kRules[0];

hyperscan::Database compile_field(unsigned field) {
    std::vector<hyperscan::Expression> expressions;
    for (std::size_t i = 0; i < kRuleCount; ++i) {
        if ((kRules[i].fields & field) != 0) {
            expressions.push_back({kRules[i].pattern, HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH,
                                   static_cast<unsigned int>(i)});
        }
    }
    hyperscan::Compiled compiled = hyperscan::compile(expressions, kWhat);
    if (compiled.refused) {
        throw std::runtime_error(std::string(kWhat) + ": '" +
                                 expressions[*compiled.refused].pattern +
                                 "' refused: " + compiled.error);
    }
    return std::move(compiled.database);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// The value of `count` hex digits at `p`, or -1.
int hex_at(std::string_view s, std::size_t p, std::size_t count) {
    if (p + count > s.size()) {
        return -1;
    }
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const int digit = hex_value(s[p + i]);
        if (digit < 0) {
            return -1;
        }
        value = value * 16 + digit;
    }
    return value;
}

// One decoding pass into `out`: %XX, IIS's %u00XX (a wider %uXXXX is kept as
// written: no pattern looks for it), an over-long two-byte UTF-8 sequence
// (%c0%af for '/', %c0%ae for '.', %c1%9c or IIS's %c1%1c for '\', which old
// servers took for the character), '+' as a space from `plus_from` on (the
// query or a form), '\' as '/' (Windows servers take either).
void decode(std::string_view in, std::size_t plus_from, std::string& out) {
    out.clear();
    const auto put = [&out](int byte) { out += byte == '\\' ? '/' : static_cast<char>(byte); };
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '%') {
            if (const int byte = hex_at(in, i + 1, 2); byte >= 0) {
                const int next = i + 3 < in.size() && in[i + 3] == '%' ? hex_at(in, i + 4, 2) : -1;
                if ((byte == 0xc0 || byte == 0xc1) && next >= 0) {
                    put(((byte & 1) << 6) | (next & 0x3f));
                    i += 5;
                } else {
                    put(byte);
                    i += 2;
                }
                continue;
            }
            if (i + 1 < in.size() && (in[i + 1] == 'u' || in[i + 1] == 'U')) {
                if (const int code = hex_at(in, i + 2, 4); code >= 0 && code < 0x100) {
                    put(code);
                    i += 5;
                    continue;
                }
            }
            out += c;
        } else if (c == '+' && i >= plus_from) {
            out += ' ';
        } else {
            put(static_cast<unsigned char>(c));
        }
    }
}

// Whether `text` holds any of `bytes`: a memchr each, where find_first_of
// compares every byte of the text with every byte of the set (it cost more than
// a scan).
bool holds_any(std::string_view text, std::string_view bytes) {
    return std::any_of(bytes.begin(), bytes.end(),
                       [text](char c) { return text.find(c) != std::string_view::npos; });
}

// What a Log4j lookup's text (between "${" and "}") evaluates to, when it is
// one of the forms used to spell "jndi" without writing it: ${lower:j},
// ${upper:J}, ${date:'j'}, and any lookup with a default, ${::-j} or
// ${env:UNSET:-j} (an unset variable gives its default). A jndi lookup, or any
// other, is left as written.
std::optional<std::string_view> lookup_value(std::string_view inside) {
    if (starts_with_ignoring_case(inside, "jndi:")) {
        return std::nullopt;
    }
    if (starts_with_ignoring_case(inside, "lower:") ||
        starts_with_ignoring_case(inside, "upper:")) {
        return inside.substr(6);  // matching ignores case
    }
    if (starts_with_ignoring_case(inside, "date:'") && inside.size() >= 7 &&
        inside.back() == '\'') {
        return inside.substr(6, inside.size() - 7);
    }
    if (const auto fallback = inside.find(":-"); fallback != std::string_view::npos) {
        return inside.substr(fallback + 2);
    }
    return std::nullopt;
}

// Luhn's check over all digits of `s` (the last is the check digit).
bool luhn_valid(std::string_view s) {
    int sum = 0;
    bool twice = false;
    for (auto it = s.rbegin(); it != s.rend(); ++it) {
        int digit = *it - '0';
        if (twice) {
            digit *= 2;
            if (digit > 9) {
                digit -= 9;
            }
        }
        sum += digit;
        twice = !twice;
    }
    return sum % 10 == 0;
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool all_hex(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return hex_value(c) >= 0; });
}

// A MAC address with ':' or '-' between its six bytes (the same one
// throughout), or its twelve hex digits bare when the parameter says "mac";
// not all zeros or all ones, which are placeholders.
bool is_mac(std::string_view name, std::string_view value) {
    std::array<char, 12> digits{};
    if (value.size() == 17) {
        const char separator = value[2];
        if (separator != ':' && separator != '-') {
            return false;
        }
        for (std::size_t i = 0; i < 6; ++i) {
            if (hex_at(value, i * 3, 2) < 0 || (i < 5 && value[i * 3 + 2] != separator)) {
                return false;
            }
            digits[i * 2] = value[i * 3];
            digits[i * 2 + 1] = value[i * 3 + 1];
        }
    } else if (value.size() == 12 && all_hex(value) && contains_ignoring_case(name, "mac")) {
        std::copy(value.begin(), value.end(), digits.begin());
    } else {
        return false;
    }
    const auto same = [&](char c) {
        return std::all_of(digits.begin(), digits.end(),
                           [c](char d) { return to_lower_ascii(d) == c; });
    };
    return !same('0') && !same('f');
}

// A device's identity in one parameter: an IMEI (15 digits whose check digit
// holds) or IMSI (14-15 digits from a mobile country code, 2xx-7xx) under a
// name that says so; an ICCID (89, the telecom prefix, then 17-18 digits with
// a valid check digit) or a MAC address under any name.
bool is_identity(std::string_view name, std::string_view value) {
    if (all_digits(value)) {
        if (value.size() == 15 && luhn_valid(value) &&
            (contains_ignoring_case(name, "imei") || contains_ignoring_case(name, "device"))) {
            return true;
        }
        if ((value.size() == 14 || value.size() == 15) && value[0] >= '2' && value[0] <= '7' &&
            contains_ignoring_case(name, "imsi")) {
            return true;
        }
        return (value.size() == 19 || value.size() == 20) && value.starts_with("89") &&
               luhn_valid(value);
    }
    return is_mac(name, value);
}

bool is_local_part_char(char c) {
    c = to_lower_ascii(c);
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '%' ||
           c == '+' || c == '-';
}

bool is_domain_char(char c) {
    c = to_lower_ascii(c);
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

// Distinct e-mail addresses seen so far (their hashes): three are enough.
struct Emails {
    std::array<std::uint64_t, 3> seen{};
    std::size_t count = 0;

    void add_from(std::string_view value) {
        for (std::size_t at = value.find('@'); at != std::string_view::npos && count < 3;
             at = value.find('@', at + 1)) {
            std::size_t begin = at;
            while (begin > 0 && is_local_part_char(value[begin - 1])) {
                --begin;
            }
            std::size_t end = at + 1;
            while (end < value.size() && is_domain_char(value[end])) {
                ++end;
            }
            const std::string_view domain = value.substr(at + 1, end - at - 1);
            const auto dot = domain.rfind('.');
            if (begin == at || dot == std::string_view::npos || domain.size() - dot < 3) {
                continue;
            }
            const std::string_view top = domain.substr(dot + 1);
            if (!std::all_of(top.begin(), top.end(), [](char c) {
                    c = to_lower_ascii(c);
                    return c >= 'a' && c <= 'z';
                })) {
                continue;
            }
            std::uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a, lower-cased
            for (const char c : value.substr(begin, end - begin)) {
                hash = (hash ^ static_cast<unsigned char>(to_lower_ascii(c))) * 0x100000001b3ull;
            }
            if (std::find(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(count), hash) ==
                seen.begin() + static_cast<std::ptrdiff_t>(count)) {
                seen[count++] = hash;
            }
        }
    }
    bool enough() const { return count >= 3; }
};

// A parameter's name or value, percent-decoded twice with '+' as a space.
std::string_view decode_component(std::string_view raw, std::string& once, std::string& twice) {
    if (!holds_any(raw, "%+")) {
        return raw;
    }
    decode(raw, 0, once);
    if (once.find('%') == std::string::npos) {
        return once;
    }
    decode(once, std::string_view::npos, twice);
    return twice;
}

// Whether the parameters ("a=1&b=2", as sent) give away a device's identity,
// or bring the e-mail addresses seen to three.
bool leaks(std::string_view parameters, Emails& emails, std::array<std::string, 4>& buffers) {
    while (!parameters.empty()) {
        const std::size_t amp = parameters.find('&');
        const std::string_view pair = parameters.substr(0, amp);
        parameters =
            amp == std::string_view::npos ? std::string_view() : parameters.substr(amp + 1);
        const std::size_t eq = pair.find('=');
        if (eq == std::string_view::npos) {
            continue;
        }
        const std::string_view name = decode_component(pair.substr(0, eq), buffers[0], buffers[1]);
        const std::string_view value =
            decode_component(pair.substr(eq + 1), buffers[2], buffers[3]);
        if (is_identity(name, trim(value))) {
            return true;
        }
        emails.add_from(value);
        if (emails.enough()) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::span<const std::string_view> WebAttackPatterns::families() {
    return kFamilyNames;
}

WebAttackPatterns::WebAttackPatterns()
    : target_(compile_field(kTarget)),
      body_(compile_field(kBody)),
      user_agent_(compile_field(kAgent)),
      prototype_(hyperscan::scratch_for({target_.get(), body_.get(), user_agent_.get()}, kWhat)) {}

// What the scans of one request found: the best family so far and where.
struct WebAttackMatcher::Scan {
    unsigned best = kFamilies;
    WebAttackField field = WebAttackField::target;
    bool leak_candidate = false;
};

WebAttackMatcher::WebAttackMatcher(std::shared_ptr<const WebAttackPatterns> patterns)
    : patterns_(std::move(patterns)) {
    if (!patterns_) {
        throw std::invalid_argument("WebAttackMatcher needs patterns");
    }
    scratch_ = hyperscan::clone(patterns_->prototype_, kWhat);
}

// Decoded twice when there is anything to decode, then with Log4j's lookups
// resolved when there is one; a view of `raw` itself when neither applies.
std::string_view WebAttackMatcher::normalise(std::string_view raw, std::size_t plus_from) {
    std::string_view text = raw;
    if (holds_any(text, "%+\\")) {
        decode(text, plus_from, once_);
        text = once_;
        if (text.find('%') != std::string_view::npos) {
            // A second pass reads what the first revealed (%2527 -> %27 -> ');
            // a '+' it reveals was written %2B, so it stays a plus.
            decode(text, std::string_view::npos, twice_);
            text = twice_;
        }
    }
    if (text.find("${") == std::string_view::npos) {
        return text;
    }
    // Innermost lookups close first, so by the time a "}" is read every lookup
    // inside its own has been replaced by its value. Each close reads its lookup's
    // text, so nesting is bounded: deeper "${" (obfuscation nests three or four)
    // stay text with their own "}", and a head of thousands of "${" costs a bounded
    // multiple of its size. Log4j itself has no such bound, so nesting past it is
    // taken for an attack (too_deep_): nothing ordinary nests sixteen lookups.
    constexpr std::size_t kMaxNesting = 16;
    resolved_.clear();
    opens_.clear();
    std::size_t unresolved = 0;  // "${" past the bound still open
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
            if (opens_.size() < kMaxNesting) {
                opens_.push_back(resolved_.size());
            } else {
                ++unresolved;
                too_deep_ = true;
            }
            resolved_ += "${";
            ++i;
        } else if (text[i] == '}' && unresolved > 0) {
            --unresolved;
            resolved_ += '}';
        } else if (text[i] == '}' && !opens_.empty()) {
            const std::size_t open = opens_.back();
            opens_.pop_back();
            const std::string_view inside = std::string_view(resolved_).substr(open + 2);
            if (const auto value = lookup_value(inside)) {
                const std::size_t from = static_cast<std::size_t>(value->data() - resolved_.data());
                const std::size_t size = value->size();
                resolved_.erase(open, from - open);  // the value moves to where "${" was
                resolved_.resize(open + size);
            } else {
                resolved_ += '}';
            }
        } else {
            resolved_ += text[i];
        }
    }
    return resolved_;
}

void WebAttackMatcher::scan(const hyperscan::Database& database, std::string_view raw,
                            std::size_t plus_from, WebAttackField field, Scan& found) {
    too_deep_ = false;
    const std::string_view text = normalise(raw, plus_from);
    struct Context {
        unsigned best = kFamilies;
        bool leak_candidate = false;
    } context;
    if (too_deep_) {
        context.best = kRce;
    }
    const auto on_match = [](unsigned int id, unsigned long long, unsigned long long, unsigned int,
                             void* c) -> int {
        auto& ctx = *static_cast<Context*>(c);
        const Family family = kRules[id].family;
        if (family == kLeakage) {
            ctx.leak_candidate = true;
        } else {
            ctx.best = std::min<unsigned>(ctx.best, family);
        }
        return ctx.best == kRce ? 1 : 0;  // nothing ranks above it: stop
    };
    const hs_error_t status =
        too_deep_ ? HS_SCAN_TERMINATED
                  : hs_scan(database.get(), text.data(), static_cast<unsigned int>(text.size()), 0,
                            scratch_.get(), on_match, &context);
    if (status != HS_SUCCESS && status != HS_SCAN_TERMINATED) {
        return;
    }
    if (context.best < found.best) {
        found.best = context.best;
        found.field = field;
    }
    found.leak_candidate = found.leak_candidate || context.leak_candidate;
}

std::optional<WebAttack> WebAttackMatcher::find(std::string_view target, std::string_view body,
                                                std::string_view user_agent) {
    Scan found;
    const std::size_t query = target.find('?');
    if (!target.empty()) {
        scan(patterns_->target_, target, query, WebAttackField::target, found);
    }
    if (!body.empty() && found.best != kRce) {
        scan(patterns_->body_, body, 0, WebAttackField::body, found);
    }
    if (!user_agent.empty() && found.best != kRce) {
        scan(patterns_->user_agent_, user_agent, std::string_view::npos, WebAttackField::user_agent,
             found);
    }
    if (found.leak_candidate && found.best > kLeakage) {
        Emails emails;
        if (query != std::string_view::npos &&
            leaks(target.substr(query + 1), emails, parameter_)) {
            found.best = kLeakage;
            found.field = WebAttackField::target;
        } else if (leaks(body, emails, parameter_)) {
            found.best = kLeakage;
            found.field = WebAttackField::body;
        }
    }
    if (found.best == kFamilies) {
        return std::nullopt;
    }
    return WebAttack{kFamilyNames[found.best], found.field};
}

bool WebAttackMatcher::jndi_lookup(std::string_view raw) {
    // Most heads and bodies hold neither '$' nor '%': two memchr. A '$' may also hide in an
    // encoding
    // (%24, %2524, %u0024, %c0%a4), which only the decoding tells.
    if (raw.find('$') == std::string_view::npos && raw.find('%') == std::string_view::npos) {
        return false;
    }
    too_deep_ = false;
    const std::string_view text = normalise(raw, std::string_view::npos);
    if (too_deep_) {
        return true;
    }
    // As the pattern for the other fields reads it: "${", blanks, "jndi", blanks, ":".
    for (auto at = text.find("${"); at != std::string_view::npos; at = text.find("${", at + 2)) {
        std::size_t i = at + 2;
        while (i < text.size() && is_ascii_space(text[i])) {
            ++i;
        }
        if (!starts_with_ignoring_case(text.substr(i), "jndi")) {
            continue;
        }
        i += 4;
        while (i < text.size() && is_ascii_space(text[i])) {
            ++i;
        }
        if (i < text.size() && text[i] == ':') {
            return true;
        }
    }
    return false;
}

}  // namespace spoor::detect
