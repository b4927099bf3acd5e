#!/usr/bin/env python3
"""
check_fdw_spec.py - the FDW's resource table against the documented API.

Reads the resource table as JSON (the output of dump_resources, built from
src/resource.c) on stdin and test/spec/itglue-api.json, and checks that
every route, filter, sort key and writable column the FDW can use is
documented, with the meaning the FDW gives it. Each check is one line:

    ok - organizations.psa_id: filter[psa_id] is documented
    FAILED - organization_types.id: filter[id] is not a documented filter ...

and the last line is "spec: N passed, M failed". Exits non-zero on failure.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, why=""):
        if ok:
            self.passed += 1
            print("ok - %s" % what)
        else:
            self.failed += 1
            print("FAILED - %s%s" % (what, ": " + why if why else ""))


def snake(attribute):
    return attribute.replace("-", "_")


def check_resource(chk, res, spec):
    name = res["name"]
    doc = spec["resources"].get(name)
    chk.check(doc is not None, "%s: a documented resource" % name)
    if doc is None:
        return
    routes = {(r["method"], p) for r in doc["routes"] for p in r["paths"]}
    index = doc.get("index", {})
    filters = index.get("filters", {})
    sorts = index.get("sort", [])
    chk.check(("GET", res["path"]) in routes, "%s: GET %s is documented" % (name, res["path"]))
    chk.check(("GET", res["path"] + "/:id") in routes,
              "%s: GET %s/:id (show) is documented" % (name, res["path"]))
    chk.check(res["default_sort"] in sorts,
              "%s: default sort=%s is documented" % (name, res["default_sort"]),
              "documented: %s" % ", ".join(sorts))
    if res["writable"]:
        for method, path in (("POST", res["path"]), ("PATCH", res["path"] + "/:id")):
            chk.check((method, path) in routes, "%s: %s %s is documented" % (name, method, path))
    if res["bulk_delete"]:
        chk.check(("DELETE", res["path"]) in routes,
                  "%s: DELETE %s (bulk destroy) is documented" % (name, res["path"]))
    writable = doc.get("writable", {})
    psa_type_keys = [c["filter_key"] for c in res["columns"] if "ITG_COL_PSA_TYPE" in c["flags"]]

    for col in res["columns"]:
        what = "%s.%s" % (name, col["name"])
        flags = set(col["flags"])
        key = col["filter_key"]
        if key is not None and "ITG_COL_SHOW_ONLY" in flags:
            full = "filter[%s]" % key
            chk.check(full not in filters and "ITG_COL_ID" in flags,
                      "%s: no %s is documented, so one id goes to the show route" % (what, full),
                      "%s is documented: filter with it" % full)
        elif key is not None:
            full = "filter[%s]" % key
            f = filters.get(full)
            chk.check(f is not None, "%s: %s is a documented filter" % (what, full),
                      "documented: %s" % ", ".join(sorted(filters)))
            if f is not None:
                if "ITG_COL_FILTER_RANGE" in flags:
                    chk.check(f["kind"] == "date_range", "%s: %s takes a date range" % (what, full),
                              "documented kind %s" % f["kind"])
                elif "ITG_COL_FILTER_EXACT" in flags and f["kind"] == "string":
                    chk.check(f.get("match") == "exact",
                              "%s: %s is documented as an exact match" % (what, full),
                              "the FDW trusts it as exact, the documentation does not say so")
                if f.get("requires"):
                    needed = f["requires"][len("filter["):-1]
                    chk.check("ITG_COL_PSA_ID" in flags and needed in psa_type_keys,
                              "%s: %s is only sent with %s" % (what, full, f["requires"]))
            if "ITG_COL_FILTER_EXCLUDE" in flags:
                ex = "filter[exclude][%s]" % key
                chk.check(ex in filters, "%s: %s is a documented filter" % (what, ex))
        if col["sort_key"] is not None:
            chk.check(col["sort_key"] in sorts,
                      "%s: sort=%s is documented" % (what, col["sort_key"]),
                      "documented: %s" % ", ".join(sorts))
        if res["writable"] and "ITG_COL_READONLY" not in flags and col["attribute"]:
            w = writable.get(snake(col["attribute"]), {})
            chk.check("create" in w and "update" in w,
                      "%s: %s is a documented writable attribute" % (what, snake(col["attribute"])),
                      "documented: %s" % ", ".join(sorted(writable)))
        if col["attribute"] is not None:
            documented = col["attribute"] in doc.get("response_attributes", {})
            chk.check(documented == ("ITG_COL_MAYBE_ABSENT" not in flags),
                      "%s: flagged maybe-absent exactly when the documented responses lack %s"
                      % (what, col["attribute"]),
                      "documented" if documented else "not in the documented responses")
        if "ITG_COL_TRUNCATED" in flags or "ITG_COL_PSA_WRITABLE" in flags:
            chk.check(snake(col["attribute"]) in writable or "ITG_COL_READONLY" in flags,
                      "%s: flags name a documented attribute" % what)


def check_lookups(chk, lookups, spec):
    for lk in lookups:
        what = "%s.%s" % (lk["resource"], lk["name_attribute"])
        target = spec["resources"].get(lk["lookup_resource"], {})
        name_filter = target.get("index", {}).get("filters", {}).get("filter[name]")
        chk.check(name_filter is not None,
                  "%s: %s is looked up by filter[name]" % (what, lk["lookup_resource"]))
        owner = spec["resources"][lk["resource"]]["index"]["filters"]
        chk.check("filter[%s]" % lk["id_filter_key"] in owner,
                  "%s: sent as filter[%s]" % (what, lk["id_filter_key"]))


def main():
    spec_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "itglue-api.json")
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    table = json.load(sys.stdin)
    chk = Checker()
    for res in table["resources"]:
        check_resource(chk, res, spec)
    check_lookups(chk, table["lookups"], spec)
    print("spec: %d passed, %d failed" % (chk.passed, chk.failed))
    return 1 if chk.failed else 0


if __name__ == "__main__":
    sys.exit(main())
