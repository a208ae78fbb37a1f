"""Compares two calibration tables of the same model made from the same
samples in different orders: which statistics agree.

  compare_tables.py A.json B.json
"""
import json
import sys

a, b = (json.load(open(path)) for path in sys.argv[1:3])
ta, tb = a["tensors"], b["tensors"]
assert [t["name"] for t in ta] == [t["name"] for t in tb], "different tensors"


def same(key):
    return all(x.get(key) == y.get(key) for x, y in zip(ta, tb))


with_reservoir = sum("reservoir" in t for t in ta)
print(f"{len(ta)} tensors, {with_reservoir} with a reservoir: reservoirs "
      f"{'identical' if same('reservoir') else 'DIFFER'}")
print(f"histograms {'identical' if same('histogram') else 'DIFFER'}")
methods = ["minmax", "percentile", "entropy", "mse"]
ranges = all(x["ranges"][m] == y["ranges"][m]
             for x, y in zip(ta, tb) for m in methods)
print(f"{', '.join(methods)} ranges {'identical' if ranges else 'DIFFER'}")
ema = any(x["ranges"]["ema"] != y["ranges"]["ema"] for x, y in zip(ta, tb))
print(f"ema differs: {'yes' if ema else 'no'}")
