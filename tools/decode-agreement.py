#!/usr/bin/env python3
"""decode-agreement.py - how well `bouncekit decode` reads the real bounce
messages of ../shared/corpus/sisimai (BSD-2 licensed, used in place, never
copied) against their labels.tsv.

It decodes the whole maildir/ in one run (with --vacation and --delivered,
since the labels include auto-replies and success notices) and compares,
file by file, the recipients in order with the labelled rows:
  files decoded     every message gave at least one recipient
  recipients exact  files whose recipient count equals the labelled count
  reason, hardbounce, replycode, status   per labelled recipient; a label
                    whose status is a pseudo code (X.0.9nn) agrees when the
                    class digit matches; an empty labelled replycode agrees
                    with none
Usage: tools/decode-agreement.py [--bouncekit PATH] [--corpus DIR]
                                 [--min-reason PERCENT] [--show N] [--file NAME]
Exit status: 0 done, 1 below --min-reason, 77 the corpus is absent.
"""
import argparse
import collections
import csv
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def status_agrees(want, got):
    if not want:
        return True
    if ".0.9" in want:
        return bool(got) and got[0] == want[0]
    return want == (got or "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bouncekit", default=os.path.join(ROOT, "build", "bouncekit"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus", "sisimai"))
    ap.add_argument("--min-reason", type=float, default=0.0)
    ap.add_argument("--show", type=int, default=15, help="disagreements to list")
    ap.add_argument("--file", help="only this message (file name)")
    args = ap.parse_args()

    labels_path = os.path.join(args.corpus, "labels.tsv")
    maildir = os.path.join(args.corpus, "maildir")
    if not os.path.exists(labels_path):
        print(f"decode-agreement: {labels_path} not found: skipped", file=sys.stderr)
        return 77

    labels = collections.defaultdict(list)
    with open(labels_path, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if args.file and row["file"] != args.file:
                continue
            labels[row["file"]].append(row)

    target = os.path.join(maildir, args.file) if args.file else maildir
    proc = subprocess.run(
        [args.bouncekit, "decode", "--vacation", "--delivered", "--format", "jsonl",
         "--no-progress", "--quiet", target],
        capture_output=True, text=True)
    got = collections.defaultdict(list)
    for line in proc.stdout.splitlines():
        o = json.loads(line)
        # an mbox-style file is named "FILE:N"; the labels name the file
        got[os.path.basename(o["origin"]).split(":")[0]].append(o)

    files = sorted(set(labels) | set(got))
    decoded = exact = 0
    n = agree = {}
    counts = collections.Counter()
    wrong = []
    by_source = collections.defaultdict(lambda: [0, 0])
    for name in files:
        want, have = labels.get(name, []), got.get(name, [])
        if have:
            decoded += 1
        if len(want) == len(have):
            exact += 1
        else:
            wrong.append(f"{name}: {len(have)} recipients, {len(want)} labelled")
        source = name.rsplit("-", 1)[0]
        for i, w in enumerate(want):
            counts["rows"] += 1
            h = have[i] if i < len(have) else None
            if h is None:
                continue
            ok_reason = h["reason"] == w["reason"]
            counts["reason"] += ok_reason
            by_source[source][0] += ok_reason
            by_source[source][1] += 1
            counts["hard"] += (h["hardbounce"] and "true" or "false") == w["hardbounce"]
            rc = str(h["replycode"]) if h["replycode"] else ""
            counts["reply"] += (w["replycode"] == rc) or (not w["replycode"])
            counts["status"] += status_agrees(w["status"], h["status"])
            if not ok_reason:
                wrong.append(f"{name}#{i + 1}: {h['reason']} (want {w['reason']}) "
                             f"[{h['status'] or '-'} {rc or '-'} {h['decodedby']}] "
                             f"{(h['diagnosticcode'] or '')[:110]}")
    rows = counts["rows"]
    print(f"files: {len(files)}, decoded {decoded} ({pct(decoded, len(files)):.1f}%), "
          f"recipient count exact {exact} ({pct(exact, len(files)):.1f}%)")
    print(f"labelled recipients: {rows}")
    for key, label in (("reason", "reason"), ("hard", "hardbounce"), ("reply", "replycode"),
                       ("status", "status")):
        print(f"  {label:<11} {counts[key]:4d}  {pct(counts[key], rows):5.1f}%")
    worst = sorted(by_source.items(), key=lambda kv: kv[1][0] / kv[1][1])[:8]
    print("weakest sources: " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in worst))
    if args.show:
        for w in wrong[:args.show]:
            print("  " + w)
        if len(wrong) > args.show:
            print(f"  ... {len(wrong) - args.show} more")
    if pct(counts["reason"], rows) < args.min_reason:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
