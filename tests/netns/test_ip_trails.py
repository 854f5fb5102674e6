#!/usr/bin/env python3
"""End to end: real traffic (ping, curl, nc) between two namespaces through a
veth pair; spoor attached with XDP on the receiving end (and with TC egress on
the sending end); alerts checked field by field; nothing left attached after
SIGTERM or kill -9."""
import signal
import sys
import time
import unittest

import lab

TRAILS = """\
# listed hosts of the lab (10.x only)
10.200.0.2            # a listed server
10.200.0.3:4444
10.201.0.0/24
"""


class IpTrails(unittest.TestCase):
    def setUp(self):
        self.lab = lab.Lab()
        self.trails = self.lab.write("trails/lab_c2_server.txt", TRAILS)
        self.lab.serve(self.lab.server, "python3", "-m", "http.server", "80", "--bind", "0.0.0.0")
        self.lab.serve(self.lab.server, "nc", "-lk", "4444")
        self.lab.serve(self.lab.server, "nc", "-lk", "5555")
        time.sleep(0.5)

    def tearDown(self):
        self.lab.close()

    def client(self, *args, check=True):
        return self.lab.client.run(*args, check=check)

    def curl(self, host):
        self.client("curl", "-s", "-o", "/dev/null", "--max-time", "5", f"http://{host}/")

    def test_ingress_alerts_one_per_flow_and_silence_on_clean_traffic(self):
        sensor = lab.Sensor(self.lab, self.lab.server, "-i", "vs", "--trails", self.trails,
                            "--xdp-mode", "native")
        status = sensor.query("status")
        self.assertEqual(status["interfaces"][0]["xdp_mode"], "native")
        self.assertEqual(status["trails"]["counts"]["ip"], 1)
        self.assertEqual(status["trails"]["counts"]["ipport"], 1)
        self.assertEqual(status["trails"]["counts"]["cidr"], 1)

        self.client("ping", "-c", "3", "-i", "0.2", "10.200.0.2")  # one ICMP flow
        self.curl("10.200.0.2")                                  # two TCP flows
        self.curl("10.200.0.2")
        self.client("nc", "-z", "-w", "2", "10.200.0.3", "4444")  # listed IP:port
        self.client("ping", "-c", "2", "-i", "0.2", "10.201.0.5")  # listed CIDR
        # Clean: another address of the same host, and another port of the IP:port host.
        self.client("ping", "-c", "2", "-i", "0.2", "10.200.0.3")
        self.curl("10.200.0.3")
        self.client("nc", "-z", "-w", "2", "10.200.0.3", "5555")

        alerts = sensor.alerts()
        by_trail = {}
        for a in alerts:
            by_trail.setdefault(a["alert"]["metadata"]["trail"][0], []).append(a)
        self.assertEqual(set(by_trail), {"10.200.0.2", "10.200.0.3:4444", "10.201.0.0/24"},
                         alerts)

        ip_alerts = by_trail["10.200.0.2"]
        self.assertEqual(sorted(a["proto"] for a in ip_alerts), ["ICMP", "TCP", "TCP"])
        tcp_ports = {a["src_port"] for a in ip_alerts if a["proto"] == "TCP"}
        self.assertEqual(len(tcp_ports), 2, "one alert per flow")
        a = next(a for a in ip_alerts if a["proto"] == "TCP")
        self.assertEqual(a["event_type"], "alert")
        self.assertEqual(a["src_ip"], "10.200.0.1")
        self.assertEqual(a["dest_ip"], "10.200.0.2")
        self.assertEqual(a["dest_port"], 80)
        self.assertEqual(a["in_iface"], "vs")
        self.assertEqual(a["host"], "lab-sensor")
        self.assertTrue(a["community_id"].startswith("1:"))
        self.assertRegex(a["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$")
        meta = a["alert"]["metadata"]
        self.assertEqual(meta["trail_type"], ["IP"])
        self.assertEqual(meta["info"], ["lab c2 server"])
        self.assertEqual(meta["reference"], ["(custom)"])
        self.assertEqual(meta["matched_field"], ["dest_ip"])
        self.assertEqual(meta["detector"], ["xdp"])
        self.assertEqual(a["alert"]["severity"], 1)  # (custom) lists are severity 1
        self.assertEqual(a["alert"]["signature"], "SPOOR IP lab c2 server")

        (ipport,) = by_trail["10.200.0.3:4444"]
        self.assertEqual(ipport["alert"]["metadata"]["trail_type"], ["IPORT"])
        self.assertEqual(ipport["dest_port"], 4444)
        (cidr,) = by_trail["10.201.0.0/24"]
        self.assertEqual(cidr["alert"]["metadata"]["trail_type"], ["CIDR"])
        self.assertEqual(cidr["dest_ip"], "10.201.0.5")

        stats = sensor.query("stats")
        self.assertGreater(stats["kernel"]["packets"], 0)
        self.assertGreaterEqual(stats["kernel"]["dedup_suppressed"], 1)  # the rest of each flow
        self.assertEqual(stats["userspace"]["alerts"], len(alerts))
        self.assertEqual(stats["userspace"]["records_dropped"], 0)

        programs = sensor.program_ids()
        self.assertTrue(programs)
        self.assertEqual(sensor.stop(), 0)
        self.assertFalse(lab.xdp_attached(self.lab.server, "vs"))
        self.assertTrue(lab.wait_gone(programs), "BPF programs still loaded after SIGTERM")

        # Every alert printed is also in the day's file.
        import glob
        files = glob.glob(f"{sensor.log_dir}/eve-*.json")
        self.assertEqual(len(files), 1)
        with open(files[0]) as f:
            self.assertEqual(len([line for line in f if line.strip()]), len(alerts))

    def test_egress_on_the_sending_host(self):
        # Options from a YAML config file, as an operator's /etc/spoor/spoor.yaml would give them.
        config = self.lab.write("spoor.yaml", f"interface: [vc]\ndirection: egress\n"
                                              f"trails: [{self.trails}]\n")
        sensor = lab.Sensor(self.lab, self.lab.client, "--config", config, name="egress")
        status = sensor.query("status")
        self.assertTrue(status["interfaces"][0]["egress"])
        self.assertFalse(status["interfaces"][0]["ingress"])
        self.curl("10.200.0.2")
        self.curl("10.200.0.3")
        alerts = sensor.alerts()
        self.assertEqual(len(alerts), 1, alerts)
        self.assertEqual(alerts[0]["dest_ip"], "10.200.0.2")
        self.assertEqual(alerts[0]["in_iface"], "vc")
        programs = sensor.program_ids()
        self.assertEqual(sensor.stop(signal.SIGINT), 0)
        self.assertTrue(lab.wait_gone(programs))

    def test_nothing_stays_attached_after_kill_9(self):
        sensor = lab.Sensor(self.lab, self.lab.server, "-i", "vs", "--trails", self.trails,
                            name="killed")
        self.assertTrue(lab.xdp_attached(self.lab.server, "vs"))
        programs = sensor.program_ids()
        self.assertEqual(len(programs), 2)  # XDP ingress and TC egress
        sensor.stop(signal.SIGKILL)
        self.assertTrue(lab.wait_gone(programs), "programs outlived kill -9")
        self.assertFalse(lab.xdp_attached(self.lab.server, "vs"))
        # And a new daemon starts cleanly on the same interface and socket path.
        again = lab.Sensor(self.lab, self.lab.server, "-i", "vs", "--trails", self.trails,
                           name="killed")
        self.assertEqual(again.stop(), 0)

    def test_libxdp_attach_and_stale_program_removal(self):
        # libxdp cannot use its dispatcher here and attaches through netlink, which outlives
        # kill -9: the next run must find and remove that program before attaching.
        sensor = lab.Sensor(self.lab, self.lab.server, "-i", "vs", "--trails", self.trails,
                            "--attach", "libxdp", name="libxdp")
        self.client("ping", "-c", "2", "-i", "0.2", "10.200.0.2")
        alerts = sensor.alerts()
        self.assertEqual([a["alert"]["metadata"]["trail"] for a in alerts], [["10.200.0.2"]])
        sensor.stop(signal.SIGKILL)
        self.assertTrue(lab.xdp_attached(self.lab.server, "vs"), "netlink attachment expected")

        again = lab.Sensor(self.lab, self.lab.server, "-i", "vs", "--trails", self.trails,
                           "--attach", "libxdp", name="libxdp")
        self.assertIn("removed a spoor XDP program left by an earlier run", again.log())
        self.client("ping", "-c", "2", "-i", "0.2", "10.200.0.2")
        self.assertEqual(len(again.alerts()), 1)
        self.assertEqual(again.stop(), 0)
        self.assertFalse(lab.xdp_attached(self.lab.server, "vs"))

    def test_stats_and_status_for_people(self):
        sensor = lab.Sensor(self.lab, self.lab.server, "-i", "vs", "--trails", self.trails,
                            name="text")
        self.client("ping", "-c", "1", "10.200.0.2")
        sensor.alerts()
        stats = self.lab.server.run(lab.SPOOR, "stats", "--control-socket", sensor.socket).stdout
        self.assertRegex(stats, r"kernel\.packets\s+[1-9]")
        self.assertRegex(stats, r"userspace\.alerts\s+1\b")
        self.assertRegex(stats, r"outputs\[stdout\]\.written\s+1\b")
        status = self.lab.server.run(lab.SPOOR, "status", "--control-socket", sensor.socket).stdout
        self.assertRegex(status, r"interfaces\[vs\]\.xdp_mode\s+native")
        # A second daemon on the same socket is refused, and says why.
        out = self.lab.server.run(lab.SPOOR, "run", "-i", "vs", "--trails", self.trails,
                                  "--control-socket", sensor.socket, check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("another spoor daemon answers on", out.stderr)
        self.assertEqual(sensor.stop(), 0)
        out = self.lab.server.run(lab.SPOOR, "stats", "--control-socket", sensor.socket,
                                  check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("no spoor daemon answers", out.stderr)

    def test_refuses_empty_trails_and_bad_flags_with_clear_errors(self):
        empty = self.lab.write("empty.txt", "# nothing\n")
        out = self.lab.server.run(lab.SPOOR, "run", "-i", "vs", "--trails", empty,
                                  "--control-socket", self.lab.path("e.sock"), check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("--allow-empty", out.stderr)
        out = self.lab.server.run(lab.SPOOR, "run", "-i", "nosuch0", "--trails", self.trails,
                                  check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("no such interface 'nosuch0'", out.stderr)


if __name__ == "__main__":
    lab.require_root()
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
