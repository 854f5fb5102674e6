#!/usr/bin/env python3
"""End to end: nmap SYN/NULL/FIN/XMAS/UDP scans and an infection-style sweep of
port 445 from the client namespace, a burst of NXDOMAIN lookups with dig
against dnsmasq, and a flood of SYNs from thousands of spoofed 10.x sources,
spoor on the server's interface: every heuristic alerts, and the flood keeps
the heuristics' tables at their bound while a scan during it is still caught."""
import os
import sys
import time
import unittest

import lab

FLOOD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "flood",
                     "syn_flood.py")


def heuristic(alerts, info):
    return [a for a in alerts if a["alert"]["metadata"]["info"][0] == info]


class Heuristics(unittest.TestCase):
    def setUp(self):
        self.lab = lab.Lab()
        self.trails = self.lab.write("trails/custom.txt", "10.250.0.1\n")
        # nmap -sU waits on ICMP port unreachable: no rate limit in the server namespace.
        self.lab.server.run("sysctl", "-qw", "net.ipv4.icmp_ratelimit=0")
        # NXDOMAIN for everything under nx-lab.example and for the whole `dgatest` zone.
        self.lab.serve(self.lab.server, "dnsmasq", "--no-daemon", "--conf-file=/dev/null",
                       "--no-resolv", "--no-hosts", "--user=root", "--pid-file=",
                       "--listen-address=10.200.0.2", "--bind-interfaces",
                       "--address=/nx-lab.example/", "--address=/dgatest/")
        time.sleep(0.5)

    def tearDown(self):
        self.lab.close()

    def nmap(self, *args):
        self.lab.client.run("nmap", "-n", "-Pn", "-T5", "--max-retries", "0", *args,
                            check=False, timeout=120)

    def sensor(self, *args):
        # The scans share one source (the trail of a scan alert): without --throttle-alerts 0
        # the fourth would be summed up instead of written, and this test counts each one.
        return lab.Sensor(self.lab, self.lab.server, "-i", "vs", "--trails", self.trails,
                          "--threads", "2", "--throttle-alerts", "0", *args)

    def test_scans_and_dns_abuse(self):
        sensor = self.sensor()
        # One scan type per destination: a key (source, destination) alerts once a window.
        self.nmap("-sS", "-p", "1-30", "10.200.0.2")
        self.nmap("-sN", "-p", "1-30", "10.200.0.3")
        self.nmap("-sF", "-p", "1-30", "10.201.0.5")
        self.nmap("-sX", "-p", "1-30", "10.201.0.6")
        self.nmap("-sU", "-p", "1000-1030", "10.200.0.2")
        # Port 445 on 40 hosts of the routed subnet, from a local host.
        self.nmap("-sS", "-p", "445", "10.201.0.10-49")
        names = [f"host{i}.nx-lab.example" for i in range(25)]
        names += ["bcdfghjklmnpq.dgatest", "averyveryverylonglabelwithoutdashes.nx-lab.example"]
        self.lab.client.run("dig", "@10.200.0.2", "+time=2", "+tries=1", *names, timeout=60)

        expected = ("potential port scanning", "potential udp scanning", "potential infection",
                    "excessive no such domain (suspicious)", "long domain (suspicious)")
        alerts = sensor.alerts_when(lambda alerts: len(heuristic(alerts, expected[0])) >= 4 and
                             all(heuristic(alerts, info) for info in expected))
        scans = heuristic(alerts, "potential port scanning")
        self.assertEqual(sorted(a["dest_ip"] for a in scans),
                         ["10.200.0.2", "10.200.0.3", "10.201.0.5", "10.201.0.6"], scans)
        for a in scans:
            meta = a["alert"]["metadata"]
            self.assertEqual(meta["trail"], ["10.200.0.1"])
            self.assertEqual(meta["trail_type"], ["IP"])
            self.assertEqual(meta["reference"], ["(heuristic)"])
            self.assertEqual(a["alert"]["category"], "Detection of a Network Scan")
        udp = heuristic(alerts, "potential udp scanning")
        self.assertEqual([a["dest_ip"] for a in udp], ["10.200.0.2"], udp)
        infection = heuristic(alerts, "potential infection")
        self.assertEqual(len(infection), 1, infection)
        self.assertEqual(infection[0]["alert"]["metadata"]["trail"], ["445"])
        self.assertEqual(infection[0]["alert"]["metadata"]["trail_type"], ["PORT"])

        nx = heuristic(alerts, "excessive no such domain (suspicious)")
        self.assertEqual(len(nx), 1, nx)
        self.assertTrue(nx[0]["alert"]["metadata"]["trail"][0].endswith(").nx-lab.example"), nx)
        dga = [a for a in alerts if "threshold no such domain" in a["alert"]["metadata"]["info"][0]]
        self.assertEqual([a["alert"]["metadata"]["trail"][0] for a in dga],
                         ["bcdfghjklmnpq.dgatest"])
        long = heuristic(alerts, "long domain (suspicious)")
        self.assertEqual(len(long), 1, long)

        stats = sensor.query("stats")["userspace"]
        self.assertGreaterEqual(stats["heuristic_alerts"], 9)
        self.assertEqual(sensor.stop(), 0)

    def test_spoofed_flood_stays_bounded_and_a_scan_is_still_caught(self):
        sensor = self.sensor("--heuristic-keys", "1000")
        server_mac = self.lab.server.run("cat", "/sys/class/net/vs/address").stdout.strip()
        flood = self.lab.client.popen(sys.executable, FLOOD, "--iface", "vc", "--dst-mac",
                                      server_mac, "--dst", "10.200.0.2", "--sources",
                                      "10.200.0.0/16", "--count", "20000")
        # 200 ports, of which 11 must reach the analysis: records the flood makes the ring
        # or the analysis queue drop (counted in stats) cannot hide the scan.
        self.nmap("-sS", "-p", "1-200", "10.200.0.3")
        self.assertEqual(flood.wait(timeout=120), 0)
        alerts = sensor.alerts_when(lambda alerts: heuristic(alerts, "potential port scanning") and
                             sensor.query("stats")["userspace"]["heuristic_keys_evicted"] > 10000)
        scans = heuristic(alerts, "potential port scanning")
        stats = sensor.query("stats")
        self.assertEqual([(a["src_ip"], a["dest_ip"]) for a in scans],
                         [("10.200.0.1", "10.200.0.3")], stats)
        user = stats["userspace"]
        # Three scan tables and three DNS tables, each at most --heuristic-keys.
        self.assertLessEqual(user["heuristic_keys"], 6 * 1000)
        self.assertGreater(user["heuristic_keys_evicted"], 10000)
        self.assertGreaterEqual(stats["kernel"]["reason_flow_start"], 20000)
        self.assertEqual(sensor.stop(), 0)


if __name__ == "__main__":
    lab.require_root()
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
