"""Summaries, the printed table, target checks and the JSON result file."""

import json
import os
import statistics


def summary(values):
    """{median, min, max, n} of the numbers in values (None skipped)."""
    vals = [v for v in values if isinstance(v, (int, float))]
    if not vals:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals),
            "n": len(vals)}


def ratio(ours, theirs):
    if ours is None or theirs in (None, 0):
        return None
    return ours / theirs


class Table:
    """Rows of (scenario, metric, unit, ours summary, theirs summary,
    target text, met flag or None)."""

    def __init__(self):
        self.rows = []

    def add(self, scenario, metric, unit, ours_vals, theirs_vals, target=None, check=None,
            extra=None):
        o, t = summary(ours_vals), summary(theirs_vals)
        r = ratio(o["median"], t["median"])
        met = None
        if check is not None and o["median"] is not None:
            met = bool(check(o["median"], t["median"], r))
        row = {"scenario": scenario, "metric": metric, "unit": unit, "ours": o, "theirs": t,
               "ratio": r, "target": target, "met": met}
        if extra:
            row.update(extra)
        self.rows.append(row)
        return row

    def render(self, ours_label, theirs_label):
        head = ("scenario", "metric", "unit", ours_label + " median [min-max]",
                theirs_label + " median [min-max]", "ours/theirs", "target")
        lines = [head]
        for row in self.rows:
            target = ""
            if row["target"]:
                flag = {True: "MET", False: "MISSED", None: "n/a"}[row["met"]]
                target = "%s: %s" % (row["target"], flag)
            lines.append((row["scenario"], row["metric"], row["unit"], fmt_summary(row["ours"]),
                          fmt_summary(row["theirs"]),
                          "-" if row["ratio"] is None else "%.2f" % row["ratio"], target))
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        out = []
        for k, line in enumerate(lines):
            out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
            if k == 0:
                out.append("  ".join("-" * w for w in widths))
        return "\n".join(out)

    def markdown(self, ours_label, theirs_label):
        out = ["| scenario | metric | unit | %s median [min–max] | %s median [min–max] "
               "| ours/theirs | target |" % (ours_label, theirs_label),
               "|---|---|---|---|---|---|---|"]
        for row in self.rows:
            target = ""
            if row["target"]:
                flag = {True: "**met**", False: "**missed**", None: "n/a"}[row["met"]]
                target = "%s: %s" % (row["target"], flag)
            out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                row["scenario"], row["metric"], row["unit"], fmt_summary(row["ours"]),
                fmt_summary(row["theirs"]),
                "–" if row["ratio"] is None else "%.2f" % row["ratio"], target))
        return "\n".join(out)


def fmt_num(v):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return "%.0f" % v
    if abs(v) >= 10:
        return "%.1f" % v
    return "%.3g" % v


def fmt_summary(s):
    if s["n"] == 0:
        return "-"
    if s["n"] == 1:
        return fmt_num(s["median"])
    return "%s [%s-%s]" % (fmt_num(s["median"]), fmt_num(s["min"]), fmt_num(s["max"]))


def write_json(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)
