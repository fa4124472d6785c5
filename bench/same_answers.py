#!/usr/bin/env python3
"""Checks that an optimisation changed no answer: two promref builds get the same data and the
same queries, and their answers must be identical byte for byte.

Both servers are started on free loopback ports with fresh data directories and fed, over
OTLP, 400 series of a counter (`req_total`, with resets) and a gauge (`temp`, values from 1e-3
to 1e16 in magnitude, some with gaps) at 15 s steps for 30 minutes. Each query (every
aggregation and grouping over the benchmark's range functions, plus quantile, topk,
histogram_quantile and a few others) is asked as an instant query and as two range queries,
one of them with an unaligned start and step.

usage: bench/same_answers.py BEFORE_PROMREF AFTER_PROMREF
Prints the queries whose answers differ; exits 1 if any does.

`promconform diff` compares two servers with the harness' normalised comparison; this is the
stricter check for changes that must not move a single bit (summation order, number
formatting).
"""
import json
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, binary):
        self.dir = tempfile.mkdtemp(prefix="same-answers-")
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [binary, f"--web.listen-address=127.0.0.1:{port}", f"--storage.tsdb.path={self.dir}",
             "--web.enable-otlp-receiver"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/-/ready", timeout=1)
                return
            except Exception:
                time.sleep(0.1)
        self.stop()
        raise SystemExit("not ready: " + binary)

    def post_otlp(self, body):
        req = urllib.request.Request(self.base + "/api/v1/otlp/v1/metrics", data=body,
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=30).read()

    def get(self, path, params):
        url = self.base + path + "?" + urllib.parse.urlencode(params)
        try:
            return urllib.request.urlopen(url, timeout=60).read()
        except urllib.error.HTTPError as e:  # an error answer is an answer too
            return e.read()

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def otlp_bodies(t0):
    rnd = random.Random(7)
    magnitudes = [1e16, 1, -1e16, 3.25, 1e-3, -7.5, 123456.789]
    series = [{"job": f"job-{i % 5}", "instance": f"i-{i % 80}", "k": str(i)} for i in range(400)]
    counters = [0.0] * len(series)

    def attrs(s):
        return [{"key": k, "value": {"stringValue": v}} for k, v in s.items()]

    for step in range(121):
        ts = str((t0 + 15 * step) * 10**9)
        gauges, sums = [], []
        for i, s in enumerate(series):
            if (i + step) % 37 < 3 and i % 2:
                continue  # a gap
            counters[i] = 0.0 if rnd.random() < 0.01 else counters[i] + rnd.random() * 10
            sums.append({"attributes": attrs(s), "timeUnixNano": ts, "asDouble": counters[i]})
            value = magnitudes[(i + step) % 7] * (1 + step % 5) + rnd.random()
            gauges.append({"attributes": attrs(s), "timeUnixNano": ts, "asDouble": value})
        metrics = [{"name": "temp", "gauge": {"dataPoints": gauges}},
                   {"name": "req", "sum": {"aggregationTemporality": 2, "isMonotonic": True, "dataPoints": sums}}]
        yield json.dumps({"resourceMetrics": [{"resource": {"attributes": []},
                                               "scopeMetrics": [{"metrics": metrics}]}]}).encode()


def queries():
    aggregations = ["sum", "avg", "min", "max", "count", "stddev", "stdvar", "group"]
    inner = ["temp", "rate(req_total[5m])", "irate(req_total[1m])", "avg_over_time(temp[5m])",
             "increase(req_total[2m])", "sum_over_time(temp[3m])", "deriv(temp[5m])", "temp offset 2m",
             "resets(req_total[10m])", "delta(temp[4m])"]
    groupings = ["", " by (job)", " by (instance)", " without (k)", " by (k)"]
    out = [f"{a}{g} ({e})" for a in aggregations for g in groupings for e in inner]
    out += [f"quantile{g} (0.7, {e})" for g in groupings for e in inner]
    out += [f"topk(3, {e})" for e in inner] + inner
    out += ["histogram_quantile(0.9, sum by (le) (rate(req_total[5m])))", "count(count by (job) (temp))",
            "sum(temp) / count(temp)"]
    return out


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    t0 = int(time.time()) // 60 * 60 - 40 * 60
    servers = [Server(sys.argv[1]), Server(sys.argv[2])]
    try:
        for body in otlp_bodies(t0):
            for s in servers:
                s.post_otlp(body)
        asked = same = errors = empty = 0
        for q in queries():
            for path, params in [("/api/v1/query", {"query": q, "time": t0 + 1800}),
                                 ("/api/v1/query_range", {"query": q, "start": t0, "end": t0 + 1800, "step": 30}),
                                 ("/api/v1/query_range", {"query": q, "start": t0 + 7, "end": t0 + 1795, "step": 14})]:
                a, b = (s.get(path, params) for s in servers)
                asked += 1
                answer = json.loads(a)
                if answer["status"] != "success":
                    errors += 1
                elif not answer["data"]["result"]:
                    empty += 1
                if a == b:
                    same += 1
                else:
                    print("DIFF", path, q, a[:200], b[:200])
    finally:
        for s in servers:
            s.stop()
    print(f"{same}/{asked} answers identical; {errors} errors, {empty} empty")
    sys.exit(0 if same == asked else 1)


if __name__ == "__main__":
    main()
