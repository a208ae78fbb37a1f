"""Checks a q8c --report page against the layer-error JSON it renders.

  check_report.py REPORT.html LAYERS.json

The page must be well-formed (every element closed, in order), have one
bar per layer in each chart (svg#sqnr, svg#cosine) labelled with the layer
names in JSON order, and reference nothing outside itself.
"""
import json
import sys
from html.parser import HTMLParser

VOID = {"meta", "br", "hr", "img", "input", "link"}


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.svg = [], [], None
        self.bars, self.labels, self.in_label = {}, {}, False
        self.external = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("href", "src", "xlink:href", "action"):
            if key in attrs:
                self.external.append("%s=%s" % (key, attrs[key]))
        if tag == "script":
            self.external.append("<script>")
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag == "svg":
            self.svg = attrs.get("id")
            self.bars[self.svg], self.labels[self.svg] = 0, []
        elif tag == "rect" and self.svg and attrs.get("class") == "bar":
            self.bars[self.svg] += 1
        elif tag == "text" and self.svg and attrs.get("class") == "label":
            self.in_label = True
            self.labels[self.svg].append("")

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes <%s>" %
                               (tag, self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()
        if tag == "svg":
            self.svg = None
        if tag == "text":
            self.in_label = False

    def handle_data(self, data):
        if self.in_label:
            self.labels[self.svg][-1] += data


text = open(sys.argv[1], encoding="utf-8").read()
layers = [t["name"] for t in json.load(open(sys.argv[2]))["layers"]]
page = Page()
page.feed(text)
page.close()
problems = list(page.errors)
if page.stack:
    problems.append("unclosed: %s" % page.stack)
if "http" in text:
    problems.append("mentions http")
problems += ["external reference %s" % e for e in page.external]
for chart in ("sqnr", "cosine"):
    if page.bars.get(chart) != len(layers):
        problems.append("%s: %s bars for %d layers" %
                        (chart, page.bars.get(chart), len(layers)))
    elif page.labels[chart] != layers:
        problems.append("%s: labels %s" % (chart, page.labels[chart]))
if not text.startswith("<!DOCTYPE html>"):
    problems.append("no doctype")
for p in problems:
    print("report: " + p)
print("report: %s, %d bars per chart" %
      ("ok" if not problems else "BAD", len(layers)))
sys.exit(1 if problems else 0)
