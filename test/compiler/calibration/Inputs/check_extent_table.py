"""Checks a table calibrated over samples of several sizes of a dynamic
extent against tables of the same samples calibrated size by size (each
with the model's dims fixed):

    check_extent_table.py EXTENT.json STATIC.json...

Per tensor it prints its shape and axis, then compares what does not depend
on the order of the samples: min, max, the minmax range, count,
observations and rows_seen (sums), channel_absmax (the largest per
channel) and the histogram (each static one merged up to the extent
table's range, 2^k times as wide, the way the collectors merge bins:
q8_calib.h, then summed). Prints "<n> tensors match, <m> differ"."""
import json
import sys

extent = json.load(open(sys.argv[1]))
statics = [{t["name"]: t for t in json.load(open(p))["tensors"]}
           for p in sys.argv[2:]]


def histogram(t, range_):
    bins = t["histogram"]["bins"]
    half = bins // 2
    dense = [0] * bins
    r = t["histogram"]["range"]
    shift = 0
    if r:
        while r * (1 << shift) < range_:
            shift += 1
    for b, n in t["histogram"]["counts"]:
        if b >= half:
            dense[half + ((b - half) >> shift)] += n
        else:
            dense[half - 1 - ((half - 1 - b) >> shift)] += n
    return dense


match = differ = 0
for t in extent["tensors"]:
    name = t["name"]
    parts = [s[name] for s in statics]
    problems = []

    def same(what, got, want):
        if got != want:
            problems.append(f"{what} {got} vs {want}")

    same("min", t["min"], min(p["min"] for p in parts))
    same("max", t["max"], max(p["max"] for p in parts))
    same("minmax", t["ranges"]["minmax"],
         [min(p["ranges"]["minmax"][0] for p in parts),
          max(p["ranges"]["minmax"][1] for p in parts)])
    for key in ("count", "observations"):
        same(key, t[key], sum(p[key] for p in parts))
    if "channel_absmax" in t:
        same("channel_absmax", t["channel_absmax"],
             [max(c) for c in zip(*(p["channel_absmax"] for p in parts))])
        same("rows_seen", t["reservoir"]["rows_seen"],
             sum(p["reservoir"]["rows_seen"] for p in parts))
    r = t["histogram"]["range"]
    same("histogram range", r, max(p["histogram"]["range"] for p in parts))
    same("histogram", histogram(t, r),
         [sum(c) for c in zip(*(histogram(p, r) for p in parts))])
    channels = "channels" if "channel_absmax" in t else "no channels"
    print(f"{name} {t['shape']} axis {t.get('axis')} {channels}:",
          "; ".join(problems) if problems else "same")
    if problems:
        differ += 1
    else:
        match += 1
print(f"{match} tensors match, {differ} differ")
