"""Live reload at real scale: spoor watches the server's interface with a compiled
store of Maltrail's whole static set plus ten listed 10.230.0.x addresses. While
new flows to those addresses arrive at 1,000 a second, the store is reloaded 20
times (control socket and SIGUSR2): every flow alerts exactly once, none missed,
none twice. Then a store without one of the addresses is compiled over the file
the sensor watches: the change alone reloads it, and that address stops alerting
at once while the others go on. A broken source and a set under half the size
are refused, keeping the trails in use. `spoor trails add|rm` change a running
sensor at once and are kept for the next start. Trails compiled long ago are
warned about, and a store is updated on a schedule."""
import collections
import json
import os
import signal
import struct
import subprocess
import sys
import time
import unittest

import lab

SHARED = os.environ.get("SPOOR_SHARED", "")
STATIC = os.path.join(SHARED, "data", "maltrail", "static-trails.tar.xz")
NEW_FLOWS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                         "flood", "new_flows.py")
LISTED = [f"10.230.0.{i}" for i in range(1, 11)]
REMOVED = LISTED[-1]


class Reload(unittest.TestCase):
    def setUp(self):
        self.lab = lab.Lab()
        # The listed addresses live behind the server, so the client's SYNs reach `vs`.
        self.lab.client.run("ip", "route", "add", "10.230.0.0/24", "via", "10.200.0.2")
        self.server_mac = self.lab.server.run("cat", "/sys/class/net/vs/address").stdout.strip()

    def compile_real_stores(self):
        """Maltrail's whole static set with LISTED, and without REMOVED."""
        if not os.path.exists(STATIC):
            self.fail(f"{STATIC} missing: SPOOR_SHARED must point at the shared data")
        listed = self.lab.write("listed/lab.txt", "".join(a + "\n" for a in LISTED))
        fewer = self.lab.write("fewer/lab.txt", "".join(a + "\n" for a in LISTED[:-1]))
        # Both stores at once: two compiles of the whole set, one a core.
        self.store = self.lab.path("trails.spoor")
        self.without = self.lab.path("without.spoor")
        compiles = [subprocess.Popen([lab.SPOOR, "trails", "compile", STATIC, listed, "-o",
                                      self.store], stderr=subprocess.PIPE, text=True),
                    subprocess.Popen([lab.SPOOR, "trails", "compile", STATIC, fewer, "-o",
                                      self.without], stderr=subprocess.PIPE, text=True)]
        for c in compiles:
            _, err = c.communicate(timeout=240)
            self.assertEqual(c.returncode, 0, err)

    def tearDown(self):
        self.lab.close()

    def flows(self, dsts, **kw):
        args = [sys.executable, NEW_FLOWS, "--iface", "vc", "--dst-mac", self.server_mac,
                "--src", "10.200.0.1", "--dst", ",".join(dsts)]
        for key, value in kw.items():
            args += [f"--{key.replace('_', '-')}", str(value)]
        return self.lab.client.popen(*args, stdout=subprocess.PIPE, text=True)

    def test_reloads_under_load_miss_nothing_and_removal_is_immediate(self):
        self.compile_real_stores()
        # Every alert is counted: no throttle. The file is watched (the default).
        sensor = lab.Sensor(self.lab, self.lab.server, "-i", "vs", "--trails", self.store,
                            "--throttle-alerts", "0")
        status = sensor.query("status")["trails"]
        self.assertEqual(status["generation"], 0)
        self.assertGreater(status["counts"]["total"], 1_000_000)

        load = self.flows(LISTED, rate=1000, count=40000)
        time.sleep(1)
        seen_generations = []
        for i in range(20):
            if i % 5 == 4:
                sensor.proc.send_signal(signal.SIGUSR2)
                deadline = time.time() + 60
                while sensor.query("status")["trails"]["generation"] != i + 1:
                    self.assertLess(time.time(), deadline, sensor.log())
                    time.sleep(0.1)
                last = sensor.query("status")["trails"]["last_reload"]
                self.assertEqual(last["reason"], "SIGUSR2")
            else:
                last = sensor.query("reload")
                self.assertEqual(last["reason"], "control socket")
            self.assertTrue(last["ok"], last)
            seen_generations.append(last["generation"])
        self.assertEqual(seen_generations, list(range(1, 21)))
        time.sleep(1)
        load.send_signal(signal.SIGTERM)
        out, _ = load.communicate(timeout=60)
        sent = json.loads(out)
        self.assertGreater(sent["sent"], 5000)
        expected = {(sent["first_port"] + i, LISTED[i % len(LISTED)]) for i in range(sent["sent"])}

        def per_flow(alerts):
            return collections.Counter((a["src_port"], a["dest_ip"]) for a in alerts
                                       if a["dest_ip"] in LISTED and a["dest_port"] == 80)

        alerts = sensor.alerts_when(lambda a: len(per_flow(a)) >= len(expected), timeout=60)
        counts = per_flow(alerts)
        stats = sensor.query("stats")
        missed = expected - set(counts)
        twice = {flow: n for flow, n in counts.items() if n > 1}
        self.assertEqual((len(missed), sorted(missed)[:5]), (0, []), stats)
        self.assertEqual(twice, {}, stats)
        self.assertEqual(set(counts), expected)
        self.assertEqual(stats["userspace"]["records_dropped"], 0)

        # A store without REMOVED compiled over the watched file: no request needed.
        os.replace(self.without, self.store)
        deadline = time.time() + 60
        while sensor.query("status")["trails"]["generation"] != 21:
            self.assertLess(time.time(), deadline, sensor.log())
            time.sleep(0.2)
        last = sensor.query("status")["trails"]["last_reload"]
        self.assertTrue(last["reason"].startswith("trail source changed"), last)
        before = len(sensor.alerts(settle=0.5))
        after_flows = self.flows(LISTED, first_port=61000, count=100, rate=1000)
        after_flows.communicate(timeout=60)
        self.assertEqual(after_flows.returncode, 0)
        late = sensor.alerts_when(lambda a: len(a) >= before + 90, timeout=30)[before:]
        self.assertEqual(len(late), 90)
        self.assertNotIn(REMOVED, {a["dest_ip"] for a in late})

        # Refused: under half of the set in use, and a broken source. The generation stays.
        with open(self.store, "wb") as f:
            f.write(b"SPOORTS\n garbage")
        failed = self.lab.server.run(lab.SPOOR, "reload", "--json", "--control-socket",
                                     sensor.socket, check=False)
        self.assertEqual(failed.returncode, 1)
        self.assertIn("reload failed, the trails in use are kept", failed.stderr)
        small = self.lab.write("small/lab.txt", "10.230.0.1\n")
        subprocess.run([lab.SPOOR, "trails", "compile", small, "-o", self.store], check=True,
                       capture_output=True)
        refused = self.lab.server.run(lab.SPOOR, "reload", "--json", "--control-socket",
                                      sensor.socket, check=False)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("under half", refused.stderr)
        status = sensor.query("status")["trails"]
        self.assertEqual(status["generation"], 21)
        self.assertGreater(status["counts"]["total"], 1_000_000)
        forced = sensor.query("reload", "--force")
        self.assertTrue(forced["ok"], forced)
        self.assertEqual(forced["trails"], 1)
        self.assertEqual(sensor.stop(), 0)

    def sent_alerts(self, sensor, dsts, first_port, count):
        """New flows to `dsts`; the alerts they made, once they have all arrived or the wait
        ends."""
        before = len(sensor.alerts(settle=0.5))
        flows = self.flows(dsts, first_port=first_port, count=count, rate=500)
        flows.communicate(timeout=60)
        alerts = sensor.alerts_when(lambda a: len(a) >= before + count, timeout=10)
        return alerts[before:]

    def test_trails_add_and_rm_change_the_running_sensor_and_persist(self):
        listed = self.lab.write("lab.txt", "10.230.0.1\n10.230.0.2\n")
        custom = self.lab.path("custom-trails.txt")
        args = ("-i", "vs", "--trails", listed, "--custom-trails", custom,
                "--throttle-alerts", "0")
        sensor = lab.Sensor(self.lab, self.lab.server, *args)
        added = sensor.query("trails", "add", "10.230.0.50", "--info", "lab c2 (malware)",
                             "--severity", "3")
        self.assertTrue(added["ok"], added)
        self.assertEqual(added["generation"], 1)
        removed = sensor.query("trails", "rm", "10.230.0.1")
        self.assertTrue(removed["ok"], removed)
        alerts = self.sent_alerts(sensor, ["10.230.0.1", "10.230.0.2", "10.230.0.50"], 30000, 30)
        by_dst = collections.Counter(a["dest_ip"] for a in alerts)
        self.assertEqual(by_dst, {"10.230.0.2": 10, "10.230.0.50": 10})
        mine = [a for a in alerts if a["dest_ip"] == "10.230.0.50"][0]["alert"]
        self.assertEqual(mine["metadata"]["info"], ["lab c2 (malware)"])
        self.assertEqual(mine["metadata"]["reference"], ["(custom)"])
        self.assertEqual(mine["severity"], 3)
        with open(custom) as f:
            text = f.read()
        self.assertIn("10.230.0.50\tlab c2 (malware)\t3\n", text)
        self.assertIn("!10.230.0.1\n", text)
        # Refused values change nothing and say why.
        bad = self.lab.server.run(lab.SPOOR, "trails", "add", "not a trail", "--control-socket",
                                  sensor.socket, check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("'not a trail' is not a trail", bad.stderr)
        self.assertEqual(sensor.query("status")["trails"]["generation"], 2)
        self.assertEqual(sensor.stop(), 0)

        # A new daemon (and any reload) reads the custom trails again.
        again = lab.Sensor(self.lab, self.lab.server, *args, name="again")
        self.assertEqual(again.query("reload")["trails"], 2)
        alerts = self.sent_alerts(again, ["10.230.0.1", "10.230.0.2", "10.230.0.50"], 31000, 30)
        self.assertEqual(collections.Counter(a["dest_ip"] for a in alerts),
                         {"10.230.0.2": 10, "10.230.0.50": 10})
        self.assertEqual(again.stop(), 0)

    def test_old_trails_are_warned_about(self):
        listed = self.lab.write("lab.txt", "10.230.0.1\n")
        store = self.lab.path("old.spoor")
        subprocess.run([lab.SPOOR, "trails", "compile", listed, "-o", store], check=True,
                       capture_output=True)
        # Compiled 100 hours ago, as its header says (created_unix_ns at byte 24).
        with open(store, "r+b") as f:
            f.seek(24)
            f.write(struct.pack("<Q", int((time.time() - 100 * 3600) * 1e9)))
        sensor = lab.Sensor(self.lab, self.lab.server, "-i", "vs", "--trails", store)
        trails = sensor.query("status")["trails"]
        self.assertTrue(trails["stale"])
        self.assertAlmostEqual(trails["age_hours"], 100, delta=1)
        deadline = time.time() + 10
        while "STALE TRAILS" not in sensor.log():
            self.assertLess(time.time(), deadline, sensor.log())
            time.sleep(0.2)
        self.assertIn("compiled 100 hours ago (limit 48)", sensor.log())
        self.assertEqual(sensor.stop(), 0)
        # A limit above the age, and trails compiled at start, are not stale.
        relaxed = lab.Sensor(self.lab, self.lab.server, "-i", "vs", "--trails", store,
                             "--max-trail-age", "200", name="relaxed")
        self.assertFalse(relaxed.query("status")["trails"]["stale"])
        self.assertEqual(relaxed.stop(), 0)
        fresh = lab.Sensor(self.lab, self.lab.server, "-i", "vs", "--trails", listed,
                           name="fresh")
        self.assertFalse(fresh.query("status")["trails"]["stale"])
        self.assertLess(fresh.query("status")["trails"]["age_hours"], 1)
        self.assertEqual(fresh.stop(), 0)

    def test_scheduled_update_compiles_the_store_again_and_reloads_it(self):
        store = self.lab.path("trails.spoor")
        first = self.lab.write("first/lab.txt", "10.230.0.1\n")
        subprocess.run([lab.SPOOR, "trails", "compile", first, "-o", store], check=True,
                       capture_output=True)
        later = self.lab.write("later/lab.txt", "10.230.0.1\n10.230.0.2\n10.230.0.3\n")
        feeds = self.lab.path("feeds")
        os.makedirs(feeds)
        # Every 1.8 s: the store compiled again from `later` (no feed enabled), then reloaded.
        sensor = lab.Sensor(self.lab, self.lab.server, "-i", "vs", "--trails", store,
                            "--update-interval", "0.0005", "--update-source", later,
                            "--feeds", feeds, "--throttle-alerts", "0")
        self.assertEqual(sensor.query("status")["trails"]["counts"]["total"], 1)
        deadline = time.time() + 60
        while sensor.query("status")["trails"]["counts"]["total"] != 3:
            self.assertLess(time.time(), deadline, sensor.log())
            time.sleep(0.2)
        self.assertIn("scheduled trails update", sensor.log())
        alerts = self.sent_alerts(sensor, ["10.230.0.3"], 32000, 5)
        self.assertEqual(len(alerts), 5)
        self.assertEqual(sensor.stop(), 0)


if __name__ == "__main__":
    lab.require_root()
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
