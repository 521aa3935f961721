#!/usr/bin/env python3
"""Idle cost of `certagent-cli daemon` with the PC/SC source active (a private pcscd with a
vpcd reader) and the udev source on the kernel netlink group.

CPU: the sum over the daemon's threads of /proc/<pid>/task/<tid>/schedstat (field 1: time on
CPU in ns; finer than utime+stime, which count 10 ms ticks; both are printed).
Wake-ups: the sum over its threads of voluntary + non-voluntary context switches from
/proc/<pid>/task/<tid>/status: every time a thread went to sleep and was woken counts one.
Both are sampled after a 5 s settle period (start-up, initial rescan), then again after the
measured window. In between, the switch count is also read every 100 ms (reading /proc does
not wake the daemon): a run of 100 ms steps in which it grew, with less than 1 s between them,
is one wake-up burst (a thread woken once may switch a few times before it sleeps again), and
the target counts bursts.
usage: device_idle.py CERTAGENT_CLI [SECONDS]"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from device_lab import Lab  # noqa: E402


def per_thread(pid):
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                out[tid] = sum(int(l.split()[1]) for l in f if l.startswith(
                    ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")))
        except FileNotFoundError:
            pass
    return out


def sample(pid):
    cpu_ns, switches, threads = 0, 0, 0
    for tid in os.listdir("/proc/%d/task" % pid):
        base = "/proc/%d/task/%s/" % (pid, tid)
        try:
            with open(base + "schedstat") as f:
                cpu_ns += int(f.read().split()[0])
            with open(base + "status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        switches += int(line.split()[1])
            threads += 1
        except FileNotFoundError:
            pass
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    return cpu_ns, switches, threads, ticks * 1000 // os.sysconf("SC_CLK_TCK")


def main():
    cli = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 120
    lab = Lab()
    daemon = None
    try:
        lab.start_pcscd()
        lab.new_token("Idle")  # a token present, as on a user's desk
        daemon = subprocess.Popen([cli, "--config", lab.config, "--state-dir",
                                   os.path.join(lab.dir, "state"), "daemon"], env=lab.env)
        time.sleep(5)
        with open(os.path.join(lab.dir, "state", "logs", "certagent.log")) as f:
            log = f.read()
        pcsc_active = "source pcsc active" in log
        cpu0, sw0, threads, ms0 = sample(daemon.pid)
        th0 = per_thread(daemon.pid)
        bursts, last_change, prev = 0, None, sw0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(0.1)
            now_sw = sample(daemon.pid)[1]
            if now_sw != prev:
                t = time.monotonic()
                if last_change is None or t - last_change >= 1.0:
                    bursts += 1
                last_change, prev = t, now_sw
        cpu1, sw1, _, ms1 = sample(daemon.pid)
        th1 = per_thread(daemon.pid)
        cpu_ms = (cpu1 - cpu0) / 1e6
        wakeups = sw1 - sw0
        print("window:               %d s, %d threads, pcsc source active: %s" % (
            seconds, threads, pcsc_active))
        print("CPU (schedstat):      %.3f ms" % cpu_ms)
        print("CPU (utime+stime):    %d ms (10 ms ticks)" % (ms1 - ms0))
        print("context switches:     %d (%.2f per minute)" % (wakeups, wakeups * 60.0 / seconds))
        print("per thread (tid: switches): " + ", ".join(
            "%s: %d" % (t, th1.get(t, 0) - th0.get(t, 0)) for t in sorted(th0)))
        print("wake-up bursts:       %d (%.2f per minute)" % (bursts, bursts * 60.0 / seconds))
        print("targets: CPU <= 20 ms: %s; <= 1 wake-up per minute: %s" % (
            "met" if cpu_ms <= 20 else "NOT met",
            "met" if bursts * 60.0 / seconds <= 1 else "NOT met"))
    finally:
        if daemon:
            daemon.terminate()
            try:
                daemon.wait(5)
            except subprocess.TimeoutExpired:
                daemon.kill()
        lab.close()


if __name__ == "__main__":
    main()
