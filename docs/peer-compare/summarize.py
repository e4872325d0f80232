#!/usr/bin/env python3
"""Puts the outputs of run.sh side by side: python3 summarize.py OUTDIR"""

import json
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/peer-compare"


def load(name):
    with open(f"{out}/{name}") as f:
        return [json.loads(line) for line in f if line.strip()]


ours = {o["domain"]: o["report"] for o in load("maildiag.jsonl")}
pyspf = {o["domain"]: o for o in load("pyspf.jsonl")}
cd_spf = {o["domain"]: o for o in load("checkdmarc.jsonl") if o["peer"] == "checkdmarc-spf"}
cd_dmarc = {o["domain"]: o for o in load("checkdmarc.jsonl") if o["peer"] == "checkdmarc-dmarc"}


def findings(d, check):
    r = ours.get(d, [])
    fs = r["findings"] if isinstance(r, dict) else r
    return [f for f in fs if f["check"] == check]


print("== SPF: evaluation for 192.0.2.10 (pyspf vs maildiag), lint (checkdmarc vs maildiag)")
for d, p in pyspf.items():
    spf = findings(d, "spf")
    result = [f["code"][4:] for f in spf if f["code"] in (
        "spf.pass", "spf.fail", "spf.softfail", "spf.neutral", "spf.none",
        "spf.permerror", "spf.temperror")]
    lint = [f["code"] for f in spf if f["level"] in ("warning", "error", "info")
            and f["code"][4:] not in ("pass", "fail", "softfail", "neutral", "none",
                                     "permerror", "temperror")]
    c = cd_spf.get(d, {})
    same = "  " if result == [p["result"]] else "!!"
    print(f"{same} {d:22} pyspf={p['result']:9} maildiag={','.join(result):9} "
          f"checkdmarc={'valid' if c.get('valid') else 'INVALID'} lookups={c.get('lookups')} "
          f"void={c.get('void')}")
    if c.get("error"):
        print(f"     checkdmarc error: {c['error']}")
    for w in c.get("warnings", []):
        print(f"     checkdmarc warn: {w}")
    print(f"     maildiag lint: {lint}")

print("\n== DMARC (checkdmarc vs maildiag)")
for d, c in cd_dmarc.items():
    dm = findings(d, "dmarc")
    print(f"   {d:30} checkdmarc: {'valid' if c['valid'] else 'INVALID'} at {c['location']} "
          f"p={c['p']} sp={c['sp']} np={c['np']}")
    if c.get("error"):
        print(f"     checkdmarc error: {c['error']}")
    for w in c.get("warnings", []):
        print(f"     checkdmarc warn: {w}")
    for f in dm:
        print(f"     maildiag {f['level']:7} {f['code']}: {f['message'][:150]}")
