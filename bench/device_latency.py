#!/usr/bin/env python3
"""Latency from a virtual card insertion to the TokenInserted line of `certagent-cli watch`.

A vicc card is a PC/SC card, not a PKCS#11 token (OpenSC does not know it), so the token
comes from SoftHSM2: before each insertion a SoftHSM2 token is created (that alone triggers
nothing: no event source sees it), then the card is inserted; the card event makes the agent
rescan, and the rescan finds the token. Measured per insertion:
  card → Device line      insertion (TCP connect of the card to vpcd) to the card_inserted line
  card → TokenInserted    insertion to the TokenInserted line of that token  (the target)
The card is a minimal vpcd client (device_lab.VirtualCard), so the insertion instant is
exact; starting vicc itself would add Python's start-up time to every figure.
usage: device_latency.py CERTAGENT_CLI [N]"""
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from device_lab import Lab, VirtualCard  # noqa: E402


def main():
    cli = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    lab = Lab()
    watch = None
    try:
        lab.start_pcscd(watch_cards=True)
        watch = subprocess.Popen([cli, "--config", lab.config, "--state-dir",
                                  os.path.join(lab.dir, "state"), "watch"],
                                 env=lab.env, stdout=subprocess.PIPE, text=True)
        lines = []
        cond = threading.Condition()

        def reader():
            for line in watch.stdout:
                t = time.monotonic()
                try:
                    j = json.loads(line)
                except ValueError:
                    continue
                with cond:
                    lines.append((t, j))
                    cond.notify_all()

        threading.Thread(target=reader, daemon=True).start()

        def wait(pred, start, timeout=10.0):
            deadline = time.monotonic() + timeout
            with cond:
                while True:
                    for t, j in lines[start:]:
                        if pred(j):
                            return t
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError("no matching line")
                    cond.wait(left)

        wait(lambda j: j.get("type") == "DeviceMonitorStatus" and any(
            s["name"] == "pcsc" and s["active"] for s in j["sources"]), 0)
        # The rescan that follows the sources becoming active must be over before the first
        # token is made, or it sees that token before any card is inserted.
        time.sleep(2)
        device_ms, token_ms, pcscd_ms = [], [], []
        for i in range(n):
            serial = lab.new_token("Bench%d" % i)
            time.sleep(0.3)  # let everything settle: the insertion is the only event
            # pcscd polls a reader without an event thread (vpcd) every 400 ms; the loop above
            # would otherwise insert at the same point of that cycle every time.
            time.sleep(random.uniform(0, 0.4))
            with cond:
                mark = len(lines)
            seen = len(lab.pcscd_card_times)
            t0 = time.monotonic()
            card = VirtualCard(lab.port)
            t_dev = wait(lambda j: j.get("type") == "Device" and j.get("action") == "card_inserted",
                         mark)
            t_tok = wait(lambda j: j.get("type") == "TokenInserted" and j.get("serial") == serial,
                         mark)
            if len(lab.pcscd_card_times) > seen:
                pcscd_ms.append((lab.pcscd_card_times[seen] - t0) * 1000)
            device_ms.append((t_dev - t0) * 1000)
            token_ms.append((t_tok - t0) * 1000)
            with cond:
                mark = len(lines)
            card.remove()
            lab.remove_tokens()
            wait(lambda j: j.get("type") == "TokenRemoved" and j.get("serial") == serial, mark)
            time.sleep(0.2)

        def fig(values):
            v = sorted(values)
            return "median %.0f ms, min %.0f, p90 %.0f, max %.0f" % (
                statistics.median(v), v[0], v[int(0.9 * (len(v) - 1))], v[-1])

        print("insertions:              %d" % n)
        if pcscd_ms:
            print("card -> pcscd log line:  " + fig(pcscd_ms) + "  (pcscd polls vpcd)")
        print("card -> Device line:     " + fig(device_ms))
        print("card -> TokenInserted:   " + fig(token_ms))
        if len(pcscd_ms) == len(token_ms):
            print("agent's share (pcscd log line -> TokenInserted): " + fig(
                [b - a for a, b in zip(pcscd_ms, token_ms)]))
        print("rescan (Device -> Token): median %.0f ms" % statistics.median(
            [b - a for a, b in zip(device_ms, token_ms)]))
        print("target: median card -> TokenInserted < 300 ms: %s" % (
            "met" if statistics.median(token_ms) < 300 else "NOT met"))
    finally:
        if watch:
            watch.terminate()
            try:
                watch.wait(5)
            except subprocess.TimeoutExpired:
                watch.kill()
        lab.close()


if __name__ == "__main__":
    main()
