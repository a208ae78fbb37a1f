"""Summarizes, per variant of a `--target all` object, what its code uses:
the widest vector registers and the int8 dot instructions, from
`objdump -d --no-show-raw-insn` on stdin. Functions are grouped by their
variant suffix (`m_run__avx512_vnni`, `m_run_task_0__avx2`); those without
one (the dispatcher and the packed entry) are "shared".

Prints one line per group, in a fixed order:
  <group>: widest=<none|xmm|ymm|zmm> dots=<instructions, sorted>
"""
import re
import sys

VARIANTS = ["generic", "avx2", "avx512", "avx_vnni", "avx512_vnni"]
DOTS = {
    "vpdpbusd-zmm": re.compile(r"^vpdpbusd .*%zmm"),
    "vex-vpdpbusd-ymm": re.compile(r"^\{vex\} vpdpbusd .*%ymm"),
    "evex-vpdpbusd-ymm": re.compile(r"^vpdpbusd .*%ymm"),
    "vpmaddubsw": re.compile(r"^vpmaddubsw "),
    "vpmaddwd": re.compile(r"^vpmaddwd "),
}
groups = {}
group = None
for line in sys.stdin:
    header = re.match(r"^[0-9a-f]+ <([^>]+)>:", line)
    if header:
        name = header.group(1)
        group = "shared"
        for variant in sorted(VARIANTS, key=len, reverse=True):
            if name.endswith("__" + variant):
                group = variant
                break
        groups.setdefault(group, {"widest": "none", "dots": set(), "calls": set()})
        continue
    parts = line.split("\t")
    if group is None or len(parts) < 2:
        continue
    insn = parts[-1].strip()
    info = groups[group]
    for width in ("xmm", "ymm", "zmm"):
        if "%" + width in insn and ["none", "xmm", "ymm", "zmm"].index(width) > \
                ["none", "xmm", "ymm", "zmm"].index(info["widest"]):
            info["widest"] = width
    for name, pattern in DOTS.items():
        if pattern.search(insn):
            info["dots"].add(name)
    call = re.search(r"call.*<([^>@+]+)", insn)
    if call:
        info["calls"].add(call.group(1))
for group in ["shared"] + VARIANTS:
    info = groups.get(group)
    if info is None:
        print("%s: missing" % group)
        continue
    print("%s: widest=%s dots=%s" % (group, info["widest"],
                                     ",".join(sorted(info["dots"])) or "none"))
