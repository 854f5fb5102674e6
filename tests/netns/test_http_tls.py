#!/usr/bin/env python3
"""End to end: curl against an HTTP server and openssl s_server in the other
namespace, spoor on the server's interface: Host, URL and user-agent trails on
a request, with the response's status; an SNI trail from TLS 1.3, also when the ClientHello spans two
segments; a certificate SHA-1 trail from a TLS 1.2 server; clean traffic silent."""
import hashlib
import subprocess
import sys
import time
import unittest

import lab

WEB = """\
# lab web trails
/gate.php
files.lab-web.example/payload/
evil-web.example
tls-evil.example
ua:LabBot/1.0 (lab)
"""


class HttpTls(unittest.TestCase):
    def setUp(self):
        self.lab = lab.Lab()
        self.trails = self.lab.path("trails")
        www = self.lab.path("www")
        self.lab.write("www/index.html", "<title>clean</title>\n")
        self.lab.write("www/gate.php", "ok\n")
        self.lab.serve(self.lab.server, "python3", "-m", "http.server", "--bind", "10.200.0.2",
                       "--directory", www, "80")
        key, cert = self.lab.path("key.pem"), self.lab.path("cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        key, "-out", cert, "-subj", "/CN=lab-tls", "-days", "2"],
                       check=True, capture_output=True)
        der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], check=True,
                             capture_output=True).stdout
        self.cert_sha1 = hashlib.sha1(der).hexdigest()
        self.lab.write("trails/malware/lab_web.txt", WEB)
        self.lab.write("trails/malware/lab_tls_cert.txt", f"sha1:{self.cert_sha1}\n")
        # TLS 1.3 on 10.200.0.3:443, TLS 1.2 only on 10.201.0.5:443.
        for addr, extra in (("10.200.0.3", []), ("10.201.0.5", ["-tls1_2"])):
            self.lab.serve(self.lab.server, "openssl", "s_server", "-quiet", "-www", "-cert",
                           cert, "-key", key, "-accept", f"{addr}:443", *extra)
        time.sleep(1.0)

    def tearDown(self):
        self.lab.close()

    def curl(self, *args):
        return self.lab.client.run("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                   "--max-time", "5", *args, check=False).stdout

    def test_requests_and_handshakes(self):
        sensor = lab.Sensor(self.lab, self.lab.server, "-i", "vs", "--trails", self.trails)
        # One request: a listed Host, a listed path, a listed user agent.
        self.assertEqual(self.curl("-A", "LabBot/1.0 (lab)", "-H", "Host: www.evil-web.example",
                                   "http://10.200.0.2/gate.php?id=7"), "200")
        # A host-prefixed URL trail through a proxy-style absolute target.
        self.curl("--request-target", "http://files.lab-web.example/payload/stage2.bin",
                  "http://10.200.0.2/")
        # SNI over TLS 1.3, then with an ALPN list that pushes the hello past one segment.
        self.assertEqual(self.curl("-k", "--resolve", "tls-evil.example:443:10.200.0.3",
                                   "https://tls-evil.example/"), "200")
        alpn = ",".join(c * 200 for c in "abcdefgh")
        hello = self.lab.client.run("openssl", "s_client", "-connect", "10.200.0.3:443",
                                    "-servername", "big.tls-evil.example", "-alpn", alpn,
                                    check=False, timeout=10)
        self.assertIn("CONNECTED", hello.stdout)
        # A TLS 1.2 server's certificate.
        self.assertEqual(self.curl("-k", "--tls-max", "1.2", "https://10.201.0.5/"), "200")
        # Clean traffic.
        self.assertEqual(self.curl("http://10.200.0.2/index.html"), "200")
        self.assertEqual(self.curl("-k", "--resolve", "clean.example:443:10.200.0.3",
                                   "https://clean.example/"), "200")

        alerts = sensor.alerts()
        got = sorted((a["alert"]["metadata"]["trail_type"][0], a["alert"]["metadata"]["trail"][0])
                     for a in alerts)
        self.assertEqual(got, sorted([
            ("DNS", "(www).evil-web.example"),
            ("URL", "(www.evil-web.example)/gate.php(?id=7)"),
            ("UA", "LabBot/1.0 (lab)"),
            ("URL", "files.lab-web.example/payload(/stage2.bin)"),
            ("SNI", "tls-evil.example"),
            ("SNI", "(big).tls-evil.example"),
            ("CERT", self.cert_sha1),
        ]), alerts)

        by_type = {}
        for a in alerts:
            by_type.setdefault(a["alert"]["metadata"]["trail_type"][0], []).append(a)
        url = by_type["URL"][0]
        self.assertEqual(url["app_proto"], "http")
        self.assertEqual(url["dest_port"], 80)
        self.assertEqual(url["http"]["hostname"], "www.evil-web.example")
        self.assertEqual(url["http"]["url"], "/gate.php?id=7")
        self.assertEqual(url["http"]["http_method"], "GET")
        self.assertEqual(url["http"]["http_user_agent"], "LabBot/1.0 (lab)")
        self.assertEqual(url["alert"]["metadata"]["matched_field"], ["http.url"])
        # Request alerts waited for their response: its status came with them.
        self.assertEqual(url["http"]["status"], 200)
        proxied = [a for a in by_type["URL"] if a["http"]["hostname"] == "files.lab-web.example"]
        self.assertEqual(proxied[0]["http"]["status"], 404)

        sni = [a for a in by_type["SNI"] if a["tls"]["sni"] == "tls-evil.example"][0]
        self.assertEqual(sni["app_proto"], "tls")
        self.assertEqual(sni["tls"]["version"], "TLS 1.3")
        self.assertRegex(sni["tls"]["ja4"], r"^t13d\d{4}[a-z0-9]{2}_[0-9a-f]{12}_[0-9a-f]{12}$")
        self.assertRegex(sni["tls"]["ja3"]["hash"], r"^[0-9a-f]{32}$")

        cert = by_type["CERT"][0]
        self.assertEqual(cert["src_ip"], "10.201.0.5")  # the server's handshake
        self.assertEqual(cert["tls"]["fingerprint"],
                         ":".join(self.cert_sha1[i:i + 2] for i in range(0, 40, 2)))

        stats = sensor.query("stats")["userspace"]
        self.assertGreaterEqual(stats["http_requests"], 3)
        self.assertGreaterEqual(stats["tls_client_hellos"], 4)
        self.assertGreaterEqual(stats["tls_certificates"], 1)
        self.assertEqual(stats["tls_malformed"], 0)
        self.assertEqual(stats["flows_evicted"], 0)
        self.assertEqual(sensor.stop(), 0)


if __name__ == "__main__":
    lab.require_root()
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
