"""Reads q8c's stderr and checks its SmoothQuant end-to-end line.

  sqnr_margin.py {kept|fell} DB < q8c.log

kept: "auto kept: output SQNR S dB vs P dB ..." with S >= P + DB;
fell: "auto is worse ... (output SQNR S dB vs P dB ...); falling back"
with P >= S + DB. Prints "ok" or what is wrong.
"""
import re
import sys

want, margin = sys.argv[1], float(sys.argv[2])
text = sys.stdin.read()
m = re.search(r"smoothquant: auto (kept|is worse).*?output SQNR "
              r"([-0-9.]+) dB vs ([-0-9.]+) dB", text)
if not m:
    sys.exit("no smoothquant end-to-end line")
smoothed, plain = float(m.group(2)), float(m.group(3))
got = "kept" if m.group(1) == "kept" else "fell"
if got != want:
    print(f"FAIL: {got}, expected {want}")
elif want == "kept" and smoothed < plain + margin:
    print(f"FAIL: auto {smoothed} dB, plain {plain} dB: under {margin} dB")
elif want == "fell" and plain < smoothed + margin:
    print(f"FAIL: plain {plain} dB, auto {smoothed} dB: under {margin} dB")
else:
    print("ok")
