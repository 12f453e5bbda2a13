#!/usr/bin/env python3
"""events_load.py - a steady writer for bouncekit serve's tests of a database
that goes away (python3 standard library only).

  events_load.py URL TOKEN SECONDS THREADS OUT

THREADS threads each POST /v1/events with 10 new events (unique tokens
"load-T-I") one request after another for SECONDS, on a fresh connection per
request, and write to OUT one line per request:
  REQ START ELAPSED STATUS ERROR     seconds since the start, HTTP status (0:
                                     no answer), the JSON error's first words
  ACK TOKEN                          per event of a request answered 200
A request never waits more than 30 s (a hung server shows as status 0).
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse


def worker(url, token, end, t, out, lock, t0):
    u = urllib.parse.urlsplit(url)
    i = 0
    while time.time() < end:
        toks = ["load-%d-%d" % (t, i + k) for k in range(10)]
        i += 10
        body = "\n".join(json.dumps({"recipient": "u%d.%s@load%d.example" % (t, tok.split("-")[2], t),
                                     "reason": "userunknown", "hardbounce": True,
                                     "permanence": "permanent", "token": tok}) for tok in toks)
        start = time.time()
        status, err = 0, ""
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            c.request("POST", "/v1/events", body=body.encode(),
                      headers={"Authorization": "Bearer " + token})
            r = c.getresponse()
            data = r.read()
            status = r.status
            if status != 200:
                err = json.loads(data).get("error", "")[:300].replace("\n", " ")
            c.close()
        except Exception as e:  # no answer: counted as status 0
            err = type(e).__name__
        with lock:
            out.write("REQ %.3f %.3f %d %s\n" % (start - t0, time.time() - start, status, err or "-"))
            if status == 200:
                for tok in toks:
                    out.write("ACK %s\n" % tok)
        time.sleep(0.01)


def main():
    url, token, seconds, threads, path = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    t0 = time.time()
    lock = threading.Lock()
    with open(path, "w") as out:
        ts = [threading.Thread(target=worker, args=(url, token, t0 + seconds, t, out, lock, t0))
              for t in range(threads)]
        for th in ts:
            th.start()
        for th in ts:
            th.join()


if __name__ == "__main__":
    main()
