#!/usr/bin/env python3
"""End to end: dig (UDP and TCP) against dnsmasq in the other namespace, spoor on
the server's interface: exact and parent domain trails, a regex trail, a
sinkholed answer, a whitelisted name and a clean name."""
import sys
import time
import unittest

import lab

MALWARE = """\
# lab malware domains
evil-c2.example
[a-z]+\\.dga-lab\\.example
"""
SINKHOLE = "10.202.0.9\n"
WHITELIST = "safe.evil-c2.example\n"


class DnsTrails(unittest.TestCase):
    def setUp(self):
        self.lab = lab.Lab()
        self.trails = self.lab.path("trails")
        self.lab.write("trails/malware/lab_c2.txt", MALWARE)
        self.lab.write("trails/malware/sinkhole_labhole.txt", SINKHOLE)
        self.whitelist = self.lab.write("whitelist.txt", WHITELIST)
        self.lab.serve(self.lab.server, "dnsmasq", "--no-daemon", "--conf-file=/dev/null",
                       "--no-resolv", "--no-hosts", "--user=root", "--pid-file=",
                       "--listen-address=10.200.0.2", "--bind-interfaces",
                       "--address=/evil-c2.example/10.201.0.5",
                       "--address=/dga-lab.example/10.201.0.6",
                       "--address=/sinkholed.example/10.202.0.9",
                       "--address=/clean.example/10.201.0.7")
        time.sleep(0.5)

    def tearDown(self):
        self.lab.close()

    def dig(self, name, *args):
        out = self.lab.client.run("dig", "@10.200.0.2", name, "A", "+short", "+time=2",
                                  "+tries=1", *args)
        return out.stdout.strip()

    def test_names_in_queries_and_answers(self):
        sensor = lab.Sensor(self.lab, self.lab.server, "-i", "vs", "--trails", self.trails,
                            "--whitelist", self.whitelist)
        self.assertEqual(self.dig("evil-c2.example"), "10.201.0.5")       # exact, UDP
        self.assertEqual(self.dig("a.b.evil-c2.example", "+tcp"), "10.201.0.5")  # parent, TCP
        self.assertEqual(self.dig("qwerty.dga-lab.example"), "10.201.0.6")      # regex
        self.assertEqual(self.dig("www.sinkholed.example"), "10.202.0.9")       # sinkholed
        self.assertEqual(self.dig("x.safe.evil-c2.example"), "10.201.0.5")      # whitelisted
        self.assertEqual(self.dig("www.clean.example"), "10.201.0.7")           # clean

        alerts = sensor.alerts()
        by_trail = {a["alert"]["metadata"]["trail"][0]: a for a in alerts}
        self.assertEqual(len(alerts), len(by_trail), alerts)
        self.assertIn("evil-c2.example", by_trail)
        self.assertIn("(a.b).evil-c2.example", by_trail)
        self.assertIn("www.sinkholed.example", by_trail)
        regex = [t for t in by_trail if "dga-lab" in t]
        self.assertEqual(len(regex), 1, by_trail.keys())
        self.assertEqual(len(by_trail), 4, by_trail.keys())  # nothing for the whitelisted/clean

        exact = by_trail["evil-c2.example"]
        self.assertEqual(exact["app_proto"], "dns")
        self.assertEqual(exact["proto"], "UDP")
        self.assertEqual(exact["dest_port"], 53)
        self.assertEqual(exact["dns"]["version"], 3)
        self.assertEqual(exact["dns"]["type"], "query")
        self.assertEqual(exact["dns"]["rrname"], "evil-c2.example")
        self.assertEqual(exact["dns"]["rrtype"], "A")
        meta = exact["alert"]["metadata"]
        self.assertEqual(meta["trail_type"], ["DNS"])
        self.assertEqual(meta["info"], ["lab c2 (malware)"])
        self.assertEqual(meta["reference"], ["(static)"])
        self.assertEqual(meta["detector"], ["dns"])
        self.assertEqual(exact["alert"]["severity"], 1)

        self.assertEqual(by_trail["(a.b).evil-c2.example"]["proto"], "TCP")

        sink = by_trail["www.sinkholed.example"]
        self.assertEqual(sink["alert"]["metadata"]["info"], ["sinkholed by labhole (malware)"])
        self.assertEqual(sink["dns"]["type"], "answer")
        self.assertEqual(sink["dns"]["rcode"], "NOERROR")
        self.assertEqual(sink["dns"]["answers"][0]["rdata"], "10.202.0.9")
        self.assertEqual(sink["src_port"], 53)  # the answer travels from the resolver

        stats = sensor.query("stats")
        self.assertGreaterEqual(stats["userspace"]["dns_messages"], 12)
        self.assertEqual(stats["userspace"]["dns_malformed"], 0)
        self.assertEqual(sensor.stop(), 0)


if __name__ == "__main__":
    lab.require_root()
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
