#!/usr/bin/env python3
"""corpus-agreement.py - how often the classifier agrees with the labels of
../shared/corpus/sisimai (real bounce messages, one labelled verdict per
recipient; BSD-2 licensed, used in place, never copied).

For each message it takes, per failed recipient, what a bounce decoder would
hand the classifier: the Diagnostic-Code of the recipient's delivery-status
group, with its Status, Remote-MTA and the recipient's domain as hints. A
message without a delivery-status part gives the text of its first body part
for its first recipient ("body" below). Everything goes through one
`bouncekit classify --input jsonl` process; the script prints agreement on
reason and on hardbounce, overall and per source, and the most common
disagreements.

Usage: tools/corpus-agreement.py [--bouncekit PATH] [--corpus DIR]
                                 [--min PERCENT] [--show N]
Exit status: 0 done, 1 agreement below --min, 77 the corpus is absent.
"""
import argparse
import collections
import csv
import email
import email.policy
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def unfold(value):
    """A header value on one line."""
    return " ".join(str(value).split())


def field(block, name):
    value = block.get(name)
    return unfold(value) if value is not None else ""


def dsn_groups(msg):
    """The per-recipient groups of the first message/delivery-status part."""
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and len(payload) > 1:
            return payload[1:]
        # some producers put the groups in one text blob: parse it ourselves
        raw = part.get_payload(decode=True) or b""
        blocks = [b for b in raw.replace(b"\r\n", b"\n").split(b"\n\n") if b.strip()]
        groups = [email.message_from_bytes(b) for b in blocks]
        return groups[1:] if len(groups) > 1 else groups
    return None


def first_text(msg):
    """The first text/plain part, decoded, or ''."""
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            raw = part.get_payload(decode=True) or b""
            charset = part.get_content_charset() or "utf-8"
            try:
                return raw.decode(charset, errors="replace")
            except LookupError:
                return raw.decode("utf-8", errors="replace")
    return ""


def inputs_for(path, count):
    """count classifier inputs (dicts) for a message, and the source kind."""
    with open(path, "rb") as fh:
        msg = email.message_from_binary_file(fh, policy=email.policy.compat32)
    groups = dsn_groups(msg)
    out = []
    if groups:
        for g in groups:
            if len(out) == count:
                break
            if not (g.get("Final-Recipient") or g.get("Original-Recipient")):
                continue
            diag = field(g, "Diagnostic-Code")
            item = {"text": diag}
            status = field(g, "Status")
            if status:
                item["status"] = status.split()[0]
            mta = field(g, "Remote-MTA")
            if ";" in mta:
                item["host"] = mta.split(";", 1)[1].strip()
            rcpt = field(g, "Final-Recipient") or field(g, "Original-Recipient")
            if "@" in rcpt:
                item["domain"] = rcpt.rsplit("@", 1)[1].strip(" <>")
            out.append(item)
        if out:
            return out, "dsn"
    body = " ".join(first_text(msg).split())[:4000]
    return [{"text": body}], "body"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bouncekit", default=os.path.join(ROOT, "build", "bouncekit"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus", "sisimai"))
    ap.add_argument("--min", type=float, default=None, help="fail below this agreement (%%)")
    ap.add_argument("--show", type=int, default=15, help="disagreements to list")
    args = ap.parse_args()

    labels_path = os.path.join(args.corpus, "labels.tsv")
    if not os.path.exists(labels_path):
        print(f"corpus-agreement: skipped: {labels_path} is absent")
        return 77
    labels = collections.OrderedDict()
    with open(labels_path, newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            labels.setdefault(row["file"], []).append(row)

    rows, lines = [], []
    for name, rs in labels.items():
        path = os.path.join(args.corpus, "maildir", name)
        try:
            items, kind = inputs_for(path, len(rs))
        except OSError as exc:
            print(f"corpus-agreement: {path}: {exc}", file=sys.stderr)
            continue
        for i, row in enumerate(rs):
            if i >= len(items):
                break
            rows.append((name, row, kind, items[i]))
            lines.append(json.dumps(items[i], ensure_ascii=False))

    proc = subprocess.run([args.bouncekit, "classify", "--input", "jsonl", "--json"],
                          input="\n".join(lines) + "\n", capture_output=True, text=True)
    verdicts = [json.loads(l) for l in proc.stdout.splitlines() if l.strip()]
    if len(verdicts) != len(rows):
        print(f"corpus-agreement: {len(rows)} inputs but {len(verdicts)} verdicts;"
              f" stderr: {proc.stderr[:500]}", file=sys.stderr)
        return 2

    total = sum(len(r) for r in labels.values())
    per = collections.defaultdict(lambda: [0, 0, 0])  # kind -> [n, reason ok, hard ok]
    confusion = collections.Counter()
    examples = collections.defaultdict(list)
    for (name, row, kind, item), v in zip(rows, verdicts):
        ok = v["reason"] == row["reason"]
        hard_ok = str(v["hardbounce"]).lower() == row["hardbounce"]
        for k in (kind, "all"):
            per[k][0] += 1
            per[k][1] += ok
            per[k][2] += hard_ok
        if not ok:
            key = (row["reason"], v["reason"])
            confusion[key] += 1
            if len(examples[key]) < 2:
                examples[key].append(f"{name}: {item['text'][:110]}")

    def pct(a, b):
        return 100.0 * a / b if b else 0.0

    print(f"corpus-agreement: {total} labelled recipients in {len(labels)} messages;"
          f" {per['all'][0]} classified ({per['dsn'][0]} from a delivery-status part,"
          f" {per['body'][0]} from the message body)")
    for k in ("all", "dsn", "body"):
        n, ok, hard = per[k]
        print(f"  {k:4}: reason agrees {ok}/{n} = {pct(ok, n):.1f}%,"
              f" hardbounce agrees {hard}/{n} = {pct(hard, n):.1f}%")
    print(f"  most common disagreements (expected -> got):")
    for (want, got), count in confusion.most_common(args.show):
        print(f"    {count:3}  {want} -> {got}")
        for ex in examples[(want, got)]:
            print(f"           {ex}")
    agreement = pct(per["all"][1], per["all"][0])
    if args.min is not None and agreement < args.min:
        print(f"corpus-agreement: {agreement:.1f}% is below the floor of {args.min}%")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
