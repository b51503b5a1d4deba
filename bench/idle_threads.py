#!/usr/bin/env python3
"""CPU of a running process by thread name over a window (issue 14, "idle").

    bench/idle_threads.py PID [SECONDS]

Reads every thread's utime + stime from /proc/PID/task/*/stat before and
after the window (clock ticks, so each thread's share is rounded to 10 ms;
the sum over many threads is still fair) and prints the share of one core
per thread name, digits stripped: librdkafka's rdk:main and rdk:broker
threads, RocksDB's, docketd's own (all named "docketd").
"""
import collections
import os
import sys
import time


def snapshot(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[tid] = (name, int(fields[11]) + int(fields[12]))
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


def main():
    pid, seconds = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    hz = os.sysconf("SC_CLK_TCK")
    before = snapshot(pid)
    time.sleep(seconds)
    after = snapshot(pid)
    ticks, count = collections.Counter(), collections.Counter()
    for tid, (name, t) in after.items():
        key = name.rstrip("0123456789-")
        ticks[key] += t - before.get(tid, (name, 0))[1]
        count[key] += 1
    share = lambda t: 100.0 * t / hz / seconds
    print(f"{len(after)} threads, {share(sum(ticks.values())):.2f} % of a core in {seconds:.0f} s")
    for key, t in ticks.most_common():
        print(f"  {key:16s} x{count[key]:<4d} {share(t):.2f} %")


if __name__ == "__main__":
    main()
