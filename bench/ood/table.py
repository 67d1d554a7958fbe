#!/usr/bin/env python3
"""Formats `flowc ood --json-out` JSON Lines as the Markdown table of docs/ood.md.

  table.py ood.jsonl    one row per OUT set and score: AUROC, AUPR, FPR95, set sizes
"""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
print("| OUT set | score | AUROC | AUPR | FPR95 | IN / OUT compared |")
print("|---|---|---:|---:|---:|---:|")
cell = lambda text: text.replace("|", "\\|")
for r in rows:
    print(f"| {cell(r['out']['name'])} | {cell(r['title'])} | {r['auroc']:.3f} | {r['aupr']:.3f} | {r['fpr95']:.3f} "
          f"| {r['in']['count']:,} / {r['out']['count']:,} |")

# AUROC at a glance: a row per score, a column per OUT set.
sets = list(dict.fromkeys(r["out"]["name"] for r in rows))
scores = list(dict.fromkeys(r["title"] for r in rows))
auroc = {(r["title"], r["out"]["name"]): r["auroc"] for r in rows}
print()
print("| AUROC | " + " | ".join(cell(s) for s in sets) + " |")
print("|---|" + "---:|" * len(sets))
for t in scores:
    print(f"| {cell(t)} | " + " | ".join(f"{auroc[(t, s)]:.3f}" if (t, s) in auroc else "" for s in sets) + " |")
