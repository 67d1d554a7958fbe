#!/usr/bin/env python3
"""Formats `flowc ood --json-out` JSON Lines as the Markdown table of docs/ood.md.

  table.py ood.jsonl    one row per OUT set and score: AUROC, AUPR, FPR95, set sizes
"""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
print("| OUT set | score | AUROC | AUPR | FPR95 | IN / OUT compared |")
print("|---|---|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r['out']['name']} | {r['title']} | {r['auroc']:.3f} | {r['aupr']:.3f} | {r['fpr95']:.3f} "
          f"| {r['in']['count']:,} / {r['out']['count']:,} |")
