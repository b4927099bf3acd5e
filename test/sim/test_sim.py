"""
Tests of the IT Glue API simulator (test/itglue_sim.py) itself.

Run from the repository root:
    python3 -m unittest discover -s test/sim -p 'test_*.py'

Most tests share one in-process server (2500 orgs, seed 42) and reset it
before each test; a few start the CLI as a subprocess.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from urllib.parse import quote, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
SIM_PATH = os.path.join(os.path.dirname(HERE), "itglue_sim.py")
sys.path.insert(0, os.path.dirname(HERE))
sys.dont_write_bytecode = True      # keep test/ free of __pycache__ droppings

import itglue_sim  # noqa: E402

KEY = "ITG.test-key"
JSONAPI = "application/vnd.api+json"
SERVER = None
SIM = None
ALL_ORGS = None        # pristine unfiltered org list, the oracle for filters


def setUpModule():
    global SERVER, SIM, ALL_ORGS
    SIM = itglue_sim.Simulator(orgs=2500, seed=42)
    SERVER = itglue_sim.make_server(SIM, "127.0.0.1", 0)
    threading.Thread(target=SERVER.serve_forever, kwargs={"poll_interval": 0.1},
                     daemon=True).start()
    ALL_ORGS = []
    for page in (1, 2, 3):
        ALL_ORGS += call("GET", "/organizations?page[size]=1000&page[number]=%d" % page).json["data"]


def tearDownModule():
    SERVER.shutdown()
    SERVER.server_close()


class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def ctype(self):
        return self.headers.get("Content-Type")

    def ids(self):
        return [int(r["id"]) for r in self.json["data"]]


def call(method, target, body=None, key=KEY, ctype=JSONAPI, headers=None, timeout=10,
         port=None):
    conn = http.client.HTTPConnection("127.0.0.1", port or SERVER.port, timeout=timeout)
    hdrs = {}
    if key is not None:
        hdrs["x-api-key"] = key
    if body is not None:
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        if ctype is not None:
            hdrs["Content-Type"] = ctype
    hdrs.update(headers or {})
    try:
        conn.request(method, target, body=body, headers=hdrs)
        r = conn.getresponse()
        return Resp(r.status, r.headers, r.read())
    finally:
        conn.close()


def control(method, path, body=None):
    return call(method, path, body=body, key=None, ctype="application/json")


def q(*pairs):
    """Query string with raw brackets in keys and percent-encoded values."""
    return "&".join("%s=%s" % (k, quote(str(v), safe="")) for k, v in pairs)


def orgs(*pairs, size=1000):
    """All ids of an org query (single page of up to 1000)."""
    r = call("GET", "/organizations?" + q(*(pairs + (("page[size]", size),))))
    assert r.status == 200, (r.status, r.body[:300])
    return r.ids()


def oracle(pred):
    return [int(o["id"]) for o in ALL_ORGS if pred(o["attributes"], int(o["id"]))]


def org_body(**attrs):
    return {"data": {"type": "organizations", "attributes": attrs}}


def set_config(**cfg):
    r = control("POST", "/_sim/config", cfg)
    assert r.status == 200, r.body


def add_faults(*rules):
    r = control("POST", "/_sim/faults", list(rules))
    assert r.status == 200, r.body


def log_text(decode=False, clear=False):
    target = "/_sim/log?format=text" + ("&decode=1" if decode else "") + ("&clear=1" if clear else "")
    return control("GET", target).body.decode("utf-8")


class SimTestCase(unittest.TestCase):
    def setUp(self):
        self.assertEqual(control("POST", "/_sim/reset").status, 200)


# ---------------------------------------------------------------------------
class AuthTests(SimTestCase):
    def test_missing_key_is_401_jsonapi(self):
        r = call("GET", "/organizations", key=None)
        self.assertEqual(r.status, 401)
        self.assertEqual(r.ctype, "application/vnd.api+json; charset=utf-8")
        self.assertEqual(r.json, {"errors": [{"status": 401, "title": "Unauthorized",
                                              "detail": "Unauthorized resource access"}]})

    def test_wrong_key_is_403_gateway_shape(self):
        r = call("GET", "/organizations/1", key="ITG.wrong")
        self.assertEqual(r.status, 403)
        self.assertTrue(r.ctype.startswith("application/json"))
        self.assertEqual(r.json, {"message": "Forbidden"})

    def test_control_needs_no_key(self):
        self.assertEqual(control("GET", "/_sim/health").status, 200)

    def test_log_never_stores_key(self):
        call("GET", "/organizations/1")
        call("GET", "/organizations/1", key="ITG.secret-wrong")
        call("GET", "/organizations/1", key=None)
        raw = control("GET", "/_sim/log").body.decode()
        self.assertNotIn(KEY, raw)
        self.assertNotIn("ITG.secret-wrong", raw)
        log = json.loads(raw)
        self.assertEqual([e["key"] for e in log], ["valid", "invalid", "missing"])
        self.assertEqual([e["status"] for e in log], [200, 403, 401])
        self.assertEqual(log[0]["headers"]["x-api-key"], "<redacted>")
        self.assertNotIn("x-api-key", log[2]["headers"])


# ---------------------------------------------------------------------------
class PagingTests(SimTestCase):
    def test_default_page(self):
        r = call("GET", "/organizations")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.ctype, "application/vnd.api+json; charset=utf-8")
        doc = r.json
        self.assertEqual(len(doc["data"]), 50)
        self.assertEqual(r.ids(), list(range(1, 51)))
        self.assertEqual(doc["meta"], {"current-page": 1, "next-page": 2, "prev-page": None,
                                       "total-pages": 50, "total-count": 2500, "filters": {}})
        links = doc["links"]
        self.assertEqual(set(links), {"self", "first", "next", "last"})
        base = "http://127.0.0.1:%d/organizations?" % SERVER.port
        self.assertEqual(links["next"], base + "page%5Bnumber%5D=2&page%5Bsize%5D=50")
        self.assertEqual(links["last"], base + "page%5Bnumber%5D=50&page%5Bsize%5D=50")

    def test_record_shape(self):
        rec = call("GET", "/organizations?page[size]=1").json["data"][0]
        self.assertEqual(rec["id"], "1")
        self.assertEqual(rec["type"], "organizations")
        self.assertEqual(list(rec["attributes"]), [
            "name", "description", "quick-notes", "short-name", "alert",
            "organization-type-id", "organization-type-name", "organization-status-id",
            "organization-status-name", "primary", "logo", "parent-id", "ancestor-ids",
            "primary-contact-id", "primary-location-id", "psa-id", "psa-integration-type",
            "my-glue-account-id", "created-at", "updated-at"])
        for o in ALL_ORGS:     # every attribute on every record
            self.assertEqual(len(o["attributes"]), 20)
            a = o["attributes"]
            self.assertLessEqual(a["created-at"], a["updated-at"])
            self.assertRegex(a["created-at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")

    def test_middle_last_and_beyond(self):
        doc = call("GET", "/organizations?page[size]=1000&page[number]=2").json
        self.assertEqual(doc["meta"]["prev-page"], 1)
        self.assertEqual(doc["meta"]["next-page"], 3)
        self.assertIn("prev", doc["links"])
        doc = call("GET", "/organizations?page[size]=1000&page[number]=3").json
        self.assertEqual(len(doc["data"]), 500)
        self.assertIsNone(doc["meta"]["next-page"])
        self.assertNotIn("next", doc["links"])
        doc = call("GET", "/organizations?page[size]=1000&page[number]=9").json
        self.assertEqual(doc["data"], [])
        self.assertEqual(doc["meta"]["current-page"], 9)
        self.assertEqual(doc["meta"]["total-pages"], 3)
        self.assertEqual(doc["meta"]["total-count"], 2500)

    def test_encoded_brackets_and_following_next_links(self):
        r = call("GET", "/organizations?page%5Bsize%5D=1000&sort=-id")
        self.assertEqual(len(r.json["data"]), 1000)
        seen, target = [], "/organizations?page%5Bsize%5D=1000&sort=-id"
        while target:
            doc = call("GET", target).json
            seen += [int(d["id"]) for d in doc["data"]]
            nxt = doc["links"].get("next")
            target = (urlsplit(nxt).path + "?" + urlsplit(nxt).query) if nxt else None
        self.assertEqual(seen, list(range(2500, 0, -1)))

    def test_size_over_max_clamps_or_errors(self):
        r = call("GET", "/organizations?page[size]=5000")
        self.assertEqual(len(r.json["data"]), 1000)
        self.assertEqual(r.json["meta"]["total-pages"], 3)
        set_config(page_size_over_max="error")
        r = call("GET", "/organizations?page[size]=1001")
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json["errors"][0]["source"], {"parameter": "page[size]"})

    def test_invalid_page_params(self):
        for bad in ("page[size]=0", "page[size]=abc", "page[number]=0", "page[number]=-1",
                    "page[number]=1.5"):
            r = call("GET", "/organizations?" + bad)
            self.assertEqual(r.status, 422, bad)
            self.assertEqual(r.json["errors"][0]["status"], 422)

    def test_empty_result(self):
        doc = call("GET", "/organizations?filter[id]=999999").json
        self.assertEqual(doc["data"], [])
        self.assertEqual(doc["meta"]["total-pages"], 0)
        self.assertEqual(doc["meta"]["total-count"], 0)
        self.assertIsNone(doc["meta"]["next-page"])


# ---------------------------------------------------------------------------
class FilterTests(SimTestCase):
    def test_id_list_and_validation(self):
        self.assertEqual(orgs(("filter[id]", "3,1,2")), [1, 2, 3])
        r = call("GET", "/organizations?filter[id]=1,x")
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json["errors"][0]["source"], {"parameter": "filter[id]"})

    def test_name_escaped_comma(self):
        self.assertEqual(orgs(("filter[name]", r"Kub\, Reynolds and Gibson")), [2])
        # Unescaped, the comma splits the value: only fixture 40 "Kub" matches.
        self.assertEqual(orgs(("filter[name]", "Kub, Reynolds and Gibson")), [40])
        self.assertEqual(orgs(("filter[name]", r"Smith\, Jones\, and Partners")), [3])
        self.assertEqual(orgs(("filter[name]", "Acme,Kub")), [14, 40])

    def test_name_special_characters(self):
        cases = {"O'Brien & Sons": 4, "Smith [Holdings] Ltd": 5, "Back\\slash IT": 6,
                 "100% Uptime + More #1 = Best?": 7, "Zoë's Café Ünïcødé": 8,
                 "東京システム株式会社": 9, "Rocket 🚀 Launch Co": 10,
                 "  Padded Name  ": 15, 'The "Quoted" Company': 32, "Star * Services": 33,
                 "<Angle> Brackets & Co": 34}
        for name, oid in cases.items():
            self.assertEqual(orgs(("filter[name]", name)), [oid], name)
        self.assertEqual(orgs(("filter[name]", "Padded Name")), [])
        self.assertEqual(orgs(("filter[name]", "Star *")), [])      # no wildcards
        # a form-encoded '+' is a space, so this plus must be %2B
        r = call("GET", "/organizations?filter[name]=100%25+Uptime+%2B+More+%231+%3D+Best%3F")
        self.assertEqual(r.ids(), [7])

    def test_name_match_modes(self):
        self.assertEqual(orgs(("filter[name]", "acme corp")), [13])
        set_config(name_match="exact_ci")
        self.assertEqual(orgs(("filter[name]", "acme corp")), [11, 12, 13])
        self.assertEqual(orgs(("filter[exclude][name]", "ACME CORP"), ("filter[id]", "10,11,12,13,14")),
                         [10, 14])
        set_config(name_match="partial_ci")
        self.assertEqual(orgs(("filter[name]", "ACME")), [11, 12, 13, 14])
        self.assertEqual(orgs(("filter[name]", "contoso east")), [19, 20])
        set_config(name_match="exact")
        self.assertEqual(orgs(("filter[exclude][name]", "Acme"), ("filter[id]", "11,14")), [11])

    def test_type_status_and_excludes(self):
        self.assertEqual(orgs(("filter[organization_type_id]", "2,3")),
                         oracle(lambda a, i: a["organization-type-id"] in (2, 3)))
        self.assertEqual(orgs(("filter[organization_status_id]", "4")),
                         oracle(lambda a, i: a["organization-status-id"] == 4))
        self.assertEqual(orgs(("filter[exclude][organization_type_id]", "1"), size=1000),
                         oracle(lambda a, i: a["organization-type-id"] != 1)[:1000])
        self.assertEqual(orgs(("filter[exclude][organization_status_id]", "1,2")),
                         oracle(lambda a, i: a["organization-status-id"] not in (1, 2)))
        self.assertEqual(orgs(("filter[exclude][id]", "1,2"), ("filter[id]", "1,2,3")), [3])
        for t in range(1, 7):
            self.assertTrue(orgs(("filter[organization_type_id]", t), ("filter[id]", ",".join(map(str, range(1, 41))))))
        for s in range(1, 5):
            self.assertTrue(orgs(("filter[organization_status_id]", s), ("filter[id]", ",".join(map(str, range(1, 41))))))

    def test_combined_filters_are_anded(self):
        self.assertEqual(orgs(("filter[organization_type_id]", "1"), ("filter[organization_status_id]", "2"),
                              ("filter[psa_integration_type]", "manage")),
                         oracle(lambda a, i: a["organization-type-id"] == 1
                                and a["organization-status-id"] == 2
                                and a["psa-integration-type"] == "manage"))

    def test_dates(self):
        created = {int(o["id"]): o["attributes"]["created-at"] for o in ALL_ORGS}
        c5 = created[5]
        # inclusive on both ends, RFC3339 with millis, without millis, date only
        self.assertIn(5, orgs(("filter[created_at]", "%s,%s" % (c5, c5))))
        self.assertEqual(orgs(("filter[created_at]", "%s,%s" % (c5, c5))),
                         oracle(lambda a, i: a["created-at"] == c5))
        self.assertEqual(orgs(("filter[created_at]", "2016-01-01,2016-12-31T23:59:59Z")),
                         oracle(lambda a, i: "2016-01-01" <= a["created-at"] < "2017"))
        self.assertEqual(orgs(("filter[updated_at]", "2025-06-01,*")),
                         oracle(lambda a, i: a["updated-at"] >= "2025-06-01"))
        self.assertEqual(orgs(("filter[created_at]", "*,2015-03-01")),
                         oracle(lambda a, i: a["created-at"] <= "2015-03-01T00:00:00.000Z"))
        self.assertEqual(call("GET", "/organizations?filter[created_at]=2020-01-01").status, 422)
        self.assertEqual(call("GET", "/organizations?filter[created_at]=yesterday,*").status, 422)

    def test_date_range_cap(self):
        set_config(date_range_cap_days=7)
        expected = {"errors": [{"status": 422, "title":
                    "date range filter cannot be longer than a week, and cannot start with a wildcard"}]}
        for bad in ("*,2020-01-01", "2020-01-01,2020-01-09", "2020-01-01,*"):
            r = call("GET", "/organizations?" + q(("filter[created_at]", bad)))
            self.assertEqual((r.status, r.json), (422, expected), bad)
        self.assertEqual(call("GET", "/organizations?filter[updated_at]=2020-01-01,2020-01-08").status, 200)
        self.assertEqual(call("GET", "/organizations?filter[updated_at]=2025-12-28,*").status, 200)

    def test_my_glue_and_range(self):
        self.assertEqual(orgs(("filter[my_glue_account_id]", "5")),
                         oracle(lambda a, i: a["my-glue-account-id"] == 5))
        self.assertIn(26, orgs(("filter[my_glue_account_id]", "5")))
        mg = lambda lo, hi: oracle(lambda a, i: a["my-glue-account-id"] is not None and
                                   lo <= a["my-glue-account-id"] <= hi)
        self.assertEqual(orgs(("filter[range][my_glue_account_id]", "2,12")), mg(2, 12))
        self.assertTrue({26, 27, 28} <= set(orgs(("filter[range][my_glue_account_id]", "2,12"))))
        self.assertEqual(orgs(("filter[range][my_glue_account_id]", "300,*")), mg(300, 10 ** 9))
        self.assertEqual(orgs(("filter[range][my_glue_account_id]", "*,5")), mg(-1, 5))
        self.assertEqual(call("GET", "/organizations?filter[range][my_glue_account_id]=a,5").status, 422)

    def test_psa(self):
        r = call("GET", "/organizations?filter[psa_id]=1001")
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json["errors"][0]["title"],
                         "psa_integration_type filter is required with psa_id")
        self.assertEqual(orgs(("filter[psa_id]", "1001"), ("filter[psa_integration_type]", "manage")), [2])
        self.assertEqual(orgs(("filter[psa_id]", "1001"), ("filter[psa_integration_type]", "autotask")), [25])
        self.assertEqual(orgs(("filter[psa_id]", "1001,1002"), ("filter[psa_integration_type]", "manage")), [2, 3])
        self.assertEqual(orgs(("filter[psa_integration_type]", "autotask")),
                         oracle(lambda a, i: a["psa-integration-type"] == "autotask")[:1000])

    def test_primary_group_unknown_blank_and_ignored(self):
        self.assertEqual(orgs(("filter[primary]", "true")), [1])
        self.assertEqual(call("GET", "/organizations?filter[primary]=false").json["meta"]["total-count"], 2499)
        self.assertEqual(call("GET", "/organizations?filter[primary]=maybe").status, 422)
        self.assertEqual(call("GET", "/organizations?filter[group_id]=3").json["meta"]["total-count"], 2500)
        self.assertEqual(call("GET", "/organizations?filter[group_id]=x").status, 422)
        self.assertEqual(call("GET", "/organizations?filter[not-a-real-key]=x").json["meta"]["total-count"], 2500)
        self.assertEqual(call("GET", "/organizations?filter[name]=").json["meta"]["total-count"], 2500)
        set_config(ignore_filters=["filter[organization_type_id]"])
        self.assertEqual(call("GET", "/organizations?filter[organization_type_id]=1").json["meta"]["total-count"], 2500)
        self.assertEqual(orgs(("filter[organization_type_id]", "1"), ("filter[id]", "5")), [5])


# ---------------------------------------------------------------------------
class SortTests(SimTestCase):
    def all_sorted(self, sort):
        out = []
        for page in (1, 2, 3):
            out += call("GET", "/organizations?" + q(("sort", sort), ("page[size]", 1000),
                                                      ("page[number]", page))).json["data"]
        self.assertEqual(len(out), 2500)
        return out

    def test_name_codepoint_and_desc(self):
        got = [o["attributes"]["name"] for o in self.all_sorted("name")]
        self.assertEqual(got, sorted(got))
        self.assertEqual(got[0], "  Padded Name  ")
        got = [int(o["id"]) for o in self.all_sorted("-name")]
        self.assertEqual(got[0], 9)      # CJK sorts last by codepoint

    def test_multi_key_ties_and_nulls(self):
        got = self.all_sorted("organization_type_name,-id")
        keys = [(o["attributes"]["organization-type-name"], -int(o["id"])) for o in got]
        self.assertEqual(keys, sorted(keys))
        got = self.all_sorted("short_name")
        shorts = [o["attributes"]["short-name"] for o in got]
        nulls = shorts.count(None)
        self.assertTrue(nulls > 0 and all(s is None for s in shorts[:nulls]))
        first_nulls = [int(o["id"]) for o in got[:nulls]]
        self.assertEqual(first_nulls, sorted(first_nulls))     # ties by id
        got = self.all_sorted("-my_glue_account_id")
        self.assertIsNone(got[-1]["attributes"]["my-glue-account-id"])
        for field in ("id", "updated_at", "organization_status_name", "created_at"):
            self.assertEqual(self.all_sorted(field)[0]["type"], "organizations")

    def test_default_and_unknown(self):
        by_id, default = call("GET", "/organizations?sort=id").json, call("GET", "/organizations").json
        self.assertEqual((by_id["data"], by_id["meta"]), (default["data"], default["meta"]))
        r = call("GET", "/organizations?sort=bogus")
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json["errors"][0]["source"], {"parameter": "sort"})


# ---------------------------------------------------------------------------
class ShowAndAttributeTests(SimTestCase):
    def test_quick_notes_truncated_in_lists_only(self):
        listed = {int(o["id"]): o["attributes"]["quick-notes"] for o in ALL_ORGS}
        self.assertEqual(len(listed[21]), 250)
        self.assertEqual(len(listed[22]), 250)
        self.assertEqual(len(listed[23]), 250)
        self.assertEqual(len(listed[8]), 250)        # characters, not bytes
        self.assertTrue(all(v is None or len(v) <= 250 for v in listed.values()))
        self.assertEqual(len(call("GET", "/organizations/21").json["data"]["attributes"]["quick-notes"]), 600)
        self.assertEqual(len(call("GET", "/organizations/23").json["data"]["attributes"]["quick-notes"]), 251)
        self.assertEqual(len(call("GET", "/organizations/8").json["data"]["attributes"]["quick-notes"]), 300)

    def test_show_and_404(self):
        doc = call("GET", "/organizations/20").json
        self.assertEqual(doc["data"]["id"], "20")
        a = doc["data"]["attributes"]
        self.assertEqual((a["parent-id"], a["ancestor-ids"]), ("19", "[17,19]"))
        for target in ("/organizations/999999", "/organizations/abc"):
            r = call("GET", target)
            self.assertEqual(r.status, 404)
            self.assertEqual(r.ctype, "application/vnd.api+json; charset=utf-8")
            self.assertEqual(r.json, {"errors": [{"status": "404", "title": "Not Found",
                                                  "detail": "Record not found"}]})

    def test_int_parent_id_mode(self):
        set_config(int_parent_id=True)
        a = call("GET", "/organizations/20").json["data"]["attributes"]
        self.assertEqual((a["parent-id"], a["ancestor-ids"]), (19, [17, 19]))
        a = call("GET", "/organizations?filter[id]=1").json["data"][0]["attributes"]
        self.assertEqual((a["parent-id"], a["ancestor-ids"]), (None, []))

    def test_fixture_traps(self):
        a = {int(o["id"]): o["attributes"] for o in ALL_ORGS}
        self.assertEqual([i for i in a if a[i]["primary"]], [1])
        self.assertEqual(len(a[16]["name"]), 200)
        self.assertEqual(a[18]["parent-id"], "17")
        self.assertEqual(a[1]["ancestor-ids"], "[]")
        n = a[24]
        for k in ("description", "quick-notes", "short-name", "alert", "psa-id",
                  "psa-integration-type", "my-glue-account-id", "parent-id",
                  "primary-contact-id", "primary-location-id"):
            self.assertIsNone(n[k], k)
        raw = call("GET", "/organizations/4").body
        self.assertIn(b"O'Brien \\u0026 Sons", raw)       # Rails-style escaping
        psa = {(x["psa-integration-type"], x["psa-id"]) for x in a.values() if x["psa-id"]}
        self.assertEqual(len(psa), sum(1 for x in a.values() if x["psa-id"]))   # unique per PSA
        share = sum(1 for x in a.values() if x["psa-id"]) / len(a)
        self.assertTrue(0.6 < share < 0.8, share)
        children = sum(1 for x in a.values() if x["parent-id"]) / len(a)
        self.assertTrue(0.15 < children < 0.25, children)


# ---------------------------------------------------------------------------
class SpecTests(SimTestCase):
    """The simulator validates requests against test/spec/itglue-api.json."""

    def error(self, target, method="GET", body=None):
        r = call(method, target, body)
        self.assertEqual(r.status, 422, r.body[:300])
        return r.json["errors"][0]

    def test_spec_covers_every_documented_resource(self):
        spec = itglue_sim.SPEC.resources
        self.assertEqual(len(spec), 31)
        self.assertNotIn("filter[id]", spec["organization_types"]["index"]["filters"])
        self.assertEqual(spec["organizations"]["index"]["filters"]["filter[psa_id]"]["requires"],
                         "filter[psa_integration_type]")

    def test_undocumented_sort_is_refused(self):
        self.assertEqual(self.error("/organizations?sort=psa_id")["source"], {"parameter": "sort"})
        self.error("/organization_types?sort=synced")
        self.error("/contacts?sort=name")          # contacts sort by first/last name only
        self.assertEqual(call("GET", "/contacts?sort=-last_name,id").status, 200)
        self.assertEqual(call("GET", "/organizations?sort=-my_glue_account_id,id").status, 200)

    def test_undocumented_filter_keys_are_ignored(self):
        everything = call("GET", "/organization_types").json["meta"]["total-count"]
        r = call("GET", "/organization_types?filter[id]=1")
        self.assertEqual(r.json["meta"]["total-count"], everything)
        r = call("GET", "/organizations?filter[not_a_key]=x&filter[psa-id]=1&page[size]=1")
        self.assertEqual(r.json["meta"]["total-count"], 2500)
        r = call("GET", "/contacts?filter[name]=nobody&page[size]=1")
        self.assertEqual(r.json["meta"]["total-count"],
                         call("GET", "/contacts?page[size]=1").json["meta"]["total-count"])

    def test_malformed_filter_values_are_refused(self):
        for target, param in (("/organizations?filter[organization_type_id]=x", "filter[organization_type_id]"),
                              ("/organizations?filter[psa_integration_type]=halo&filter[psa_id]=1",
                               "filter[psa_integration_type]"),
                              ("/organizations?filter[created_at]=yesterday,*", "filter[created_at]"),
                              ("/organizations?filter[range][my_glue_account_id]=a,*",
                               "filter[range][my_glue_account_id]"),
                              ("/configurations?filter[archived]=maybe", "filter[archived]"),
                              ("/locations?filter[organization_id]=1;2", "filter[organization_id]")):
            self.assertEqual(self.error(target)["source"], {"parameter": param}, target)

    def test_required_and_companion_filters(self):
        err = self.error("/flexible_assets")
        self.assertEqual(err["source"], {"parameter": "filter[flexible-asset-type-id]"})
        err = self.error("/contacts?filter[psa_id]=7")
        self.assertEqual(err["title"], "psa_integration_type filter is required with psa_id")

    def test_refusals_are_counted_across_resets(self):
        control("DELETE", "/_sim/spec-refusals")
        self.error("/organizations?sort=psa_id")
        control("POST", "/_sim/reset")
        self.error("/organizations?filter[id]=x")
        r = control("GET", "/_sim/spec-refusals").json
        self.assertEqual(r["count"], 2)
        self.assertEqual(r["requests"][0], "GET /organizations?sort=psa_id: sort field 'psa_id' is not supported")
        control("DELETE", "/_sim/spec-refusals")
        self.assertEqual(control("GET", "/_sim/spec-refusals").json["count"], 0)

    def test_includes(self):
        self.assertEqual(self.error("/organizations?include=contacts")["source"], {"parameter": "include"})
        self.assertEqual(call("GET", "/organizations/1?include=attachments").status, 200)
        self.error("/organization_types/1?include=attachments")

    def test_undocumented_routes_are_not_found(self):
        for method, target in (("DELETE", "/organizations/5"), ("GET", "/organization_types/1/relationships/x"),
                               ("DELETE", "/organization_types/1")):
            r = call(method, target)
            self.assertEqual((r.status, r.ctype), (404, itglue_sim.HTML_CT), target)

    def test_undocumented_write_attributes(self):
        body = org_body(name="Strict One", psa_id="77", psa_integration_type="manage",
                        my_glue_account_id=5, primary_contact_id=1, logo="x.png")
        r = call("POST", "/organizations", body)             # mode "ignore" (default)
        self.assertEqual(r.status, 201, r.body)
        a = r.json["data"]["attributes"]
        self.assertEqual([a[k] for k in ("psa-id", "psa-integration-type", "my-glue-account-id",
                                         "primary-contact-id", "logo")], [None, None, None, None, ""])
        set_config(undocumented_write="reject")
        err = self.error("/organizations", "POST", org_body(name="Strict Two", psa_id="77"))
        self.assertEqual(err["source"], {"pointer": "/data/attributes/psa_id"})
        err = self.error("/organizations", "PATCH",
                         {"data": [{"type": "organizations", "attributes": {"id": 5, "alert": "a"}},
                                   {"type": "organizations", "attributes": {"id": 6, "my-glue-account-id": 1}}]})
        self.assertEqual(err["source"], {"pointer": "/data/1/attributes/my-glue-account-id"})
        self.error("/organization_types/2", "PATCH", {"data": {"attributes": {"name": "X", "synced": True}}})
        # Documented attributes still go through, parent_id included (and ignored).
        r = call("PATCH", "/organizations/5", org_body(short_name="S5", parent_id=17))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual((r.json["data"]["attributes"]["short-name"],
                          r.json["data"]["attributes"]["parent-id"]), ("S5", None))
        self.assertEqual(call("GET", "/organizations/2500").status, 200)   # nothing else changed

    def test_documented_attribute_mode(self):
        extra = {"psa-id", "psa-integration-type", "primary-contact-id", "primary-location-id",
                 "my-glue-account-id"}
        self.assertTrue(extra <= set(call("GET", "/organizations/2").json["data"]["attributes"]))
        set_config(attributes="documented")
        documented = set(itglue_sim.SPEC.resources["organizations"]["response_attributes"])
        self.assertEqual(len(documented), 15)
        self.assertEqual(set(call("GET", "/organizations/2").json["data"]["attributes"]), documented)
        page = call("GET", "/organizations?filter[psa_id]=1001&filter[psa_integration_type]=manage").json
        self.assertEqual([(d["id"], set(d["attributes"])) for d in page["data"]], [("2", documented)])
        r = call("POST", "/organizations", org_body(name="Documented Co"))
        self.assertEqual((r.status, set(r.json["data"]["attributes"])), (201, documented))
        self.assertEqual(set(call("GET", "/organization_types/1").json["data"]["attributes"]),
                         {"name", "created-at", "updated-at"})
        control("POST", "/_sim/reset")
        self.assertIn("psa-id", call("GET", "/organizations/2").json["data"]["attributes"])


# ---------------------------------------------------------------------------
class WriteTests(SimTestCase):
    def test_create(self):
        r = call("POST", "/organizations", org_body(
            name="New Client LLC", organization_type_id=1, **{"organization-status-id": 2},
            quick_notes="n" * 300, primary=True, id=5, logo="x.png", parent_id=17,
            psa_integration_type="manage", psa_id="9999"))
        self.assertEqual(r.status, 201, r.body)
        d = r.json["data"]
        a = d["attributes"]
        self.assertEqual(d["id"], "2501")
        self.assertEqual((a["organization-type-name"], a["organization-status-name"]), ("Customer", "Inactive"))
        self.assertEqual((a["primary"], a["logo"], a["parent-id"]), (False, "", None))
        self.assertEqual(a["created-at"], "2026-01-01T00:00:00.000Z")
        self.assertEqual(a["updated-at"], "2026-01-01T00:00:00.000Z")
        self.assertEqual(len(a["quick-notes"]), 300)
        self.assertIsNone(a["description"])
        # Not documented as writable: ignored (config undocumented_write "ignore").
        self.assertEqual((a["psa-id"], a["psa-integration-type"]), (None, None))
        r = call("POST", "/organizations", org_body(name="Second"), ctype=JSONAPI + "; charset=utf-8")
        self.assertEqual(r.json["data"]["id"], "2502")
        self.assertEqual(r.json["data"]["attributes"]["created-at"], "2026-01-01T00:00:01.000Z")
        self.assertEqual(call("GET", "/organizations").json["meta"]["total-count"], 2502)
        self.assertEqual(orgs(("filter[name]", "Second")), [2502])

    def test_create_errors(self):
        blank = {"errors": [{"status": 422, "title": "Unprocessable Entity", "detail": "can't be blank",
                             "source": {"pointer": "/data/attributes/name"}}]}
        for body in (org_body(name="  "), org_body(description="x"), org_body(name=None)):
            r = call("POST", "/organizations", body)
            self.assertEqual((r.status, r.json), (422, blank))
        r = call("POST", "/organizations", org_body(name="  ACME corp "))
        self.assertEqual(r.json["errors"][0]["detail"], "has already been taken")
        r = call("POST", "/organizations", org_body(name="X1", organization_type_id=99))
        self.assertEqual(r.json["errors"][0], {"status": 422, "title": "Unprocessable Entity",
                                               "detail": "must exist", "source":
                                               {"pointer": "/data/attributes/organization-type-id"}})
        r = call("POST", "/organizations", org_body(name="X1", **{"organization-status-id": 9}))
        self.assertEqual(r.json["errors"][0]["source"]["pointer"], "/data/attributes/organization-status-id")
        self.assertEqual(call("POST", "/organizations", org_body(name="X1"), ctype=None).status, 415)
        r = call("POST", "/organizations", org_body(name="X1"), ctype="application/json")
        self.assertEqual(r.status, 415)
        self.assertEqual(r.json["errors"][0]["status"], 415)
        r = call("POST", "/organizations", '{"data": {', ctype=JSONAPI)
        self.assertEqual(r.status, 400)
        self.assertEqual(call("GET", "/organizations").json["meta"]["total-count"], 2500)

    def test_update(self):
        oid = next(int(o["id"]) for o in ALL_ORGS[40:] if o["attributes"]["psa-id"] is None)
        target = "/organizations/%d" % oid
        before = call("GET", target).json["data"]["attributes"]
        r = call("PATCH", target, org_body(short_name="ZZ", description=None))
        self.assertEqual(r.status, 200, r.body)
        after = r.json["data"]["attributes"]
        self.assertEqual((after["short-name"], after["description"]), ("ZZ", None))
        self.assertEqual(after["name"], before["name"])
        self.assertEqual(after["created-at"], before["created-at"])
        self.assertEqual(after["updated-at"], "2026-01-01T00:00:00.000Z")
        r = call("PATCH", target, org_body(name=before["name"].upper()))
        self.assertEqual(r.status, 200)     # own name (other case) is fine
        r = call("PATCH", target, org_body(name="Acme"))
        self.assertEqual(r.json["errors"][0]["detail"], "has already been taken")
        self.assertEqual(call("PATCH", "/organizations/999999", org_body(name="x")).status, 404)
        self.assertEqual(call("PATCH", "/organizations/abc", org_body(name="x")).status, 404)
        self.assertEqual(call("PATCH", target, org_body(name="x"), ctype="text/plain").status, 415)
        self.assertEqual(call("PATCH", target, "{nope", ctype=JSONAPI).status, 400)

    def test_psa_rule(self):
        ok = call("PATCH", "/organizations/2", org_body(alert="a", description="d", quick_notes="q"))
        self.assertEqual(ok.status, 200)
        for attrs, pointer in (({"name": "New"}, "name"),
                               ({"alert": "x", "organization_type_id": 2}, "organization-type-id"),
                               ({"short-name": "S", "name": "N"}, "short-name")):
            r = call("PATCH", "/organizations/2", org_body(**attrs))
            self.assertEqual(r.status, 422)
            self.assertEqual(r.json, {"errors": [{"status": 422, "title": "Unprocessable Entity",
                                                  "detail": "Organization is synced with a PSA; only alert, "
                                                            "description and quick_notes can be updated",
                                                  "source": {"pointer": "/data/attributes/" + pointer}}]})
        self.assertEqual(call("PATCH", "/organizations/5", org_body(name="Not Synced")).status, 200)

    def test_bulk_update(self):
        body = {"data": [{"type": "organizations", "attributes": {"id": 5, "alert": "A5"}},
                         {"type": "organizations", "attributes": {"id": "6", "organization_status_id": 2}}]}
        r = call("PATCH", "/organizations", body)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual([d["id"] for d in r.json["data"]], ["5", "6"])
        self.assertEqual(call("GET", "/organizations/6").json["data"]["attributes"]["organization-status-name"],
                         "Inactive")
        snapshot = call("GET", "/organizations?page[size]=100").body
        for items, status in (([{"id": 5, "alert": "B"}, {"id": 99999, "alert": "B"}], 404),
                              ([{"id": 5, "alert": "B"}, {"id": 6, "name": ""}], 422),
                              ([{"id": 5, "alert": "B"}, {"id": 2, "name": "Q"}], 422),
                              ([{"alert": "B"}], 422),
                              ([{"id": 5, "name": "Swap"}, {"id": 6, "name": "swap"}], 422)):
            r = call("PATCH", "/organizations", {"data": [{"type": "organizations", "attributes": a}
                                                          for a in items]})
            self.assertEqual(r.status, status, items)
        r = call("PATCH", "/organizations", {"data": [{"type": "organizations",
                                                       "attributes": {"id": 99999}}]})
        self.assertEqual(r.json["errors"][0]["detail"], "Record not found: id 99999")
        self.assertEqual(call("GET", "/organizations?page[size]=100").body, snapshot)

    def test_bulk_update_by_filter(self):
        r = call("PATCH", "/organizations?filter[id]=5,6",
                 {"data": {"type": "organizations", "attributes": {"alert": "both"}}})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual([d["attributes"]["alert"] for d in r.json["data"]], ["both", "both"])

    def test_bulk_delete(self):
        r = call("DELETE", "/organizations", {"data": [{"type": "organizations", "attributes": {"id": 5}},
                                                       {"type": "organizations", "attributes": {"id": 41}}]})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual([d["id"] for d in r.json["data"]], ["5", "41"])
        self.assertEqual(call("GET", "/organizations/5").status, 404)
        self.assertEqual(call("GET", "/organizations").json["meta"]["total-count"], 2498)
        r = call("DELETE", "/organizations", {"data": [{"type": "organizations", "attributes": {"id": 6}},
                                                       {"type": "organizations", "attributes": {"id": 5}}]})
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json["errors"][0]["detail"], "Record not found: id 5")
        self.assertEqual(call("GET", "/organizations/6").status, 200)
        self.assertEqual(call("DELETE", "/organizations", {"data": [{"attributes": {"id": 6}}]},
                              ctype="application/json").status, 415)
        # filter form (no body)
        r = call("DELETE", "/organizations?filter[id]=7,8")
        self.assertEqual([d["id"] for d in r.json["data"]], ["7", "8"])
        self.assertEqual(call("DELETE", "/organizations").status, 422)
        self.assertEqual(call("DELETE", "/organizations?filter[bogus]=1").status, 422)
        self.assertEqual(call("DELETE", "/organizations?filter[id]=9",
                              {"data": [{"attributes": {"id": 9}}]}).status, 422)
        r = call("DELETE", "/organizations/9")
        self.assertEqual(r.status, 404)
        self.assertTrue(r.ctype.startswith("text/html"))
        self.assertEqual(call("GET", "/organizations").json["meta"]["total-count"], 2496)

    def test_new_ids_are_never_reused(self):
        call("POST", "/organizations", org_body(name="A new one"))
        call("DELETE", "/organizations?filter[id]=2501")
        self.assertEqual(call("POST", "/organizations", org_body(name="A new one")).json["data"]["id"], "2502")

    def test_clock_start_config(self):
        set_config(clock_start="2030-05-05T10:00:00Z")
        r = call("POST", "/organizations", org_body(name="Clocked"))
        self.assertEqual(r.json["data"]["attributes"]["created-at"], "2030-05-05T10:00:00.000Z")


# ---------------------------------------------------------------------------
class LookupAndRelatedTests(SimTestCase):
    def test_types_and_statuses(self):
        doc = call("GET", "/organization_types").json
        self.assertEqual([d["attributes"]["name"] for d in doc["data"]],
                         ["Customer", "Vendor", "Partner", "Prospect", "Internal", "Former Customer"])
        self.assertEqual(doc["data"][0]["type"], "organization-types")
        self.assertEqual(set(doc["data"][0]["attributes"]), {"name", "created-at", "updated-at", "synced"})
        doc = call("GET", "/organization_statuses?sort=-name&page[size]=2").json
        self.assertEqual([d["attributes"]["name"] for d in doc["data"]], ["Pending", "Inactive"])
        self.assertEqual(doc["meta"]["total-count"], 4)
        self.assertEqual([d["id"] for d in call("GET", "/organization_types?filter[name]=Vendor").json["data"]], ["2"])
        self.assertEqual(call("GET", "/organization_types?filter[name]=vendor").json["data"], [])
        self.assertEqual(call("GET", "/organization_statuses/3").json["data"]["attributes"]["name"], "Archived")
        self.assertEqual(call("GET", "/organization_statuses/9").status, 404)
        r = call("POST", "/organization_types", {"data": {"type": "organization-types", "attributes": {"name": "MSP"}}})
        self.assertEqual((r.status, r.json["data"]["id"]), (201, "7"))
        self.assertEqual(call("POST", "/organization_types", {"data": {"attributes": {"name": "msp"}}}).status, 422)
        self.assertEqual(call("POST", "/organization_types", {"data": {"attributes": {}}}).status, 422)
        r = call("PATCH", "/organization_types/2", {"data": {"attributes": {"name": "Supplier"}}})
        self.assertEqual(r.status, 200)
        self.assertEqual(call("GET", "/organizations/5").json["data"]["attributes"]["organization-type-name"],
                         "Supplier")
        self.assertEqual(call("POST", "/organizations", org_body(name="Typed", organization_type_id=7)).status, 201)

    def test_related(self):
        doc = call("GET", "/configurations?filter[organization_id]=2").json
        self.assertTrue(all(d["attributes"]["organization-id"] == 2 for d in doc["data"]))
        self.assertTrue(all(d["attributes"]["organization-name"] == "Kub, Reynolds and Gibson"
                            for d in doc["data"]))
        nested = call("GET", "/organizations/2/relationships/configurations?filter[name]=nothing").json
        self.assertEqual(nested["data"], doc["data"])       # nested ignores filters
        contacts = call("GET", "/contacts?page[size]=1000").json
        self.assertGreater(contacts["meta"]["total-count"], 100)
        c = contacts["data"][0]["attributes"]
        self.assertEqual(set(c["contact-emails"][0]), {"value", "primary", "label-name"})
        for oid in (2, 3, 4):
            first = call("GET", "/contacts?filter[organization_id]=%d" % oid).ids()
            pcid = call("GET", "/organizations/%d" % oid).json["data"]["attributes"]["primary-contact-id"]
            self.assertEqual(pcid, first[0] if first else None)
        loc = call("GET", "/locations/1").json["data"]
        self.assertEqual(set(loc["attributes"]), {
            "organization-id", "organization-name", "name", "primary", "city", "postal-code",
            "phone", "address-1", "address-2", "country-id", "country-name", "region-id",
            "region-name", "fax", "formatted-phone", "formatted-fax", "notes", "created-at",
            "updated-at"})
        oid = loc["attributes"]["organization-id"]
        self.assertEqual(call("GET", "/organizations/%d/relationships/locations/1" % oid).status, 200)
        self.assertEqual(call("GET", "/organizations/%d/relationships/locations/1" % (oid + 1)).status, 404)
        self.assertEqual(call("GET", "/organizations/999999/relationships/contacts").status, 404)
        name = contacts["data"][0]["attributes"]["name"]
        self.assertIn(int(contacts["data"][0]["id"]), call("GET", "/contacts?" + q(("filter[name]", name))).ids())
        self.assertEqual(call("GET", "/contacts?filter[id]=2").ids(), [2])
        self.assertEqual(call("GET", "/organizations/24/relationships/contacts").json["data"], [])


# ---------------------------------------------------------------------------
class RoutingTests(SimTestCase):
    def test_html_404(self):
        for method, target in (("GET", "/nope"), ("PUT", "/organizations"), ("DELETE", "/organizations/5"),
                               ("GET", "/organization_types/1/relationships/organizations"),
                               ("FROB", "/organizations")):
            r = call(method, target)
            self.assertEqual(r.status, 404, (method, target))
            self.assertEqual(r.ctype, "text/html; charset=utf-8")
            self.assertIn(b"The page you were looking for doesn't exist (404)", r.body)

    def test_trailing_slash(self):
        self.assertEqual(call("GET", "/organizations/").status, 200)


# ---------------------------------------------------------------------------
class LogTests(SimTestCase):
    def test_text_format_decode_clear(self):
        call("GET", "/organizations?filter%5Bname%5D=Kub%5C%2C+Reynolds&page[size]=5")
        call("PATCH", "/organizations/5", '{"data":\n{"attributes":{"alert":"x"}}}')
        call("DELETE", "/_sim/log/nothing")           # control: never logged
        self.assertEqual(log_text(), "GET /organizations?filter%5Bname%5D=Kub%5C%2C+Reynolds&page[size]=5\n"
                                     'PATCH /organizations/5 {"data": {"attributes":{"alert":"x"}}}\n')
        self.assertEqual(log_text(decode=True, clear=True).splitlines()[0],
                         "GET /organizations?filter[name]=Kub\\,+Reynolds&page[size]=5")
        self.assertEqual(log_text(), "")
        call("GET", "/organizations/1")
        self.assertEqual(control("DELETE", "/_sim/log").status, 200)
        self.assertEqual(control("GET", "/_sim/log").json, [])

    def test_json_entries(self):
        call("POST", "/organizations", org_body(name="Logged"), headers={"X-Custom": "1"})
        call("GET", "/organizations/1", key="nope")
        e = control("GET", "/_sim/log").json
        self.assertEqual([x["seq"] for x in e], [1, 2])
        self.assertEqual(e[0]["method"], "POST")
        self.assertEqual(e[0]["target"], "/organizations")
        self.assertEqual(json.loads(e[0]["body"])["data"]["attributes"]["name"], "Logged")
        self.assertEqual(e[0]["content_type"], JSONAPI)
        self.assertEqual(e[0]["status"], 201)
        self.assertEqual(e[0]["headers"]["x-custom"], "1")
        self.assertEqual(e[1]["body"], None)
        self.assertEqual(e[1]["content_type"], None)
        self.assertEqual((e[1]["key"], e[1]["status"]), ("invalid", 403))


# ---------------------------------------------------------------------------
class FaultTests(SimTestCase):
    def test_status_faults(self):
        add_faults({"path": "/organizations", "action": {"status": 429, "retry_after": "1"}},
                   {"path": "/organizations", "action": {"status": 503}},
                   {"path": "/organizations", "action": {"status": 502, "html": True}},
                   {"path": "/organizations", "action": {"status": 418, "body": "teapot", "content_type": "text/x-tea"}})
        r = call("GET", "/organizations")
        self.assertEqual((r.status, r.headers.get("Retry-After")), (429, "1"))
        self.assertEqual(r.json["errors"][0]["title"], "Too Many Requests")
        r = call("GET", "/organizations")
        self.assertEqual((r.status, r.json["errors"][0]["status"], r.headers.get("Retry-After")), (503, 503, None))
        r = call("GET", "/organizations")
        self.assertEqual(r.status, 502)
        self.assertTrue(r.ctype.startswith("text/html"))
        self.assertIn(b"502 Bad Gateway", r.body)
        r = call("GET", "/organizations")
        self.assertEqual((r.status, r.body, r.ctype), (418, b"teapot", "text/x-tea"))
        self.assertEqual(call("GET", "/organizations").status, 200)
        self.assertEqual([e["status"] for e in control("GET", "/_sim/log").json], [429, 503, 502, 418, 200])

    def test_echo_key_faults(self):
        """Each echo_key form really carries the key that was sent."""
        forms = {"json": KEY.encode(),
                 "json_escaped": "".join("\\u%04x" % ord(c) for c in KEY).encode(),
                 "html": KEY.encode(),
                 "html_entities": "".join("&#%d;" % ord(c) for c in KEY).encode(),
                 "upper": KEY.upper().encode(),
                 "url": "".join("%%%02X" % b for b in KEY.encode()).encode(),
                 "token": ("tok_%s_" % KEY).encode(),
                 "other_key": ("x-api-key: %s;" % KEY[::-1]).encode()}
        for form, needle in forms.items():
            add_faults({"action": {"status": 403, "echo_key": form}})
            r = call("GET", "/organizations")
            self.assertEqual(r.status, 403, form)
            self.assertIn(needle, r.body, form)
        add_faults({"action": {"status": 403, "echo_key": "json_escaped"}})
        self.assertIn(KEY, call("GET", "/organizations").json["errors"][0]["detail"])
        add_faults({"action": {"status": 404, "echo_key": "cut"}})
        r = call("GET", "/organizations")
        self.assertEqual(r.body.decode().index(KEY), 114)
        add_faults({"action": {"status": 403, "echo_key": "content_type"}})
        self.assertEqual(call("GET", "/organizations").ctype, "text/plain; key=" + KEY)
        add_faults({"action": {"status": 200, "echo_key": "record_id"}})
        r = call("GET", "/organizations")
        self.assertEqual((r.status, r.json["data"][0]["id"]), (200, KEY))
        add_faults({"action": {"status": 502, "body": "café", "encoding": "latin-1"}})
        self.assertEqual(call("GET", "/organizations").body, b"caf\xe9")
        self.assertEqual(control("POST", "/_sim/faults", [{"action": {"status": 403, "echo_key": "x"}}]).status, 400)
        self.assertEqual(control("POST", "/_sim/faults", [{"action": {"status": 502, "body": "x", "encoding": "nope"}}]).status, 400)

    def test_matching_times_skip(self):
        add_faults({"method": "GET", "path_prefix": "/organizations", "query_contains": "page[number]=2",
                    "skip": 1, "times": 2, "action": {"status": 500}})
        self.assertEqual(call("GET", "/organizations?page[number]=1").status, 200)
        self.assertEqual(call("GET", "/organizations?page[number]=2").status, 200)   # skipped
        self.assertEqual(call("GET", "/organizations?page%5Bnumber%5D=2").status, 500)
        self.assertEqual(call("GET", "/organizations?page[number]=2").status, 500)
        self.assertEqual(call("GET", "/organizations?page[number]=2").status, 200)   # used up
        add_faults({"method": "POST", "times": -1, "action": {"status": 500}})
        for _ in range(3):
            self.assertEqual(call("POST", "/organizations", org_body(name="x")).status, 500)
        self.assertEqual(call("GET", "/organizations/1").status, 200)
        self.assertEqual(control("DELETE", "/_sim/faults").status, 200)
        self.assertEqual(call("POST", "/organizations", org_body(name="x")).status, 201)
        self.assertEqual(control("POST", "/_sim/faults", [{"action": {"kind": "bogus"}}]).status, 400)
        self.assertEqual(control("POST", "/_sim/faults", [{"paht": "/x", "action": {"status": 500}}]).status, 400)

    def test_body_faults(self):
        add_faults({"action": {"kind": "malformed"}})
        r = call("GET", "/organizations")
        self.assertEqual((r.status, r.ctype), (200, "application/vnd.api+json; charset=utf-8"))
        self.assertTrue(r.body.startswith(b'{"data": [{"id": "1", "type": "organizations", "attributes": {"name": "X"'))
        self.assertRaises(ValueError, json.loads, r.body)
        add_faults({"action": {"kind": "html200"}})
        r = call("GET", "/organizations")
        self.assertEqual((r.status, r.ctype), (200, "text/html; charset=utf-8"))
        add_faults({"action": {"kind": "wrong_content_type"}})
        r = call("GET", "/organizations")
        self.assertEqual(r.ctype, "application/octet-stream")
        self.assertEqual(len(r.json["data"]), 50)
        add_faults({"action": {"kind": "huge", "bytes": 3000000}})
        r = call("GET", "/organizations")
        self.assertTrue(2990000 <= len(r.body) <= 3010000, len(r.body))
        self.assertEqual(len(r.json["data"]), 1)
        add_faults({"action": {"kind": "deep", "depth": 5000}})
        r = call("GET", "/organizations")
        self.assertIn(b'"description":' + b"[" * 5000 + b"]" * 5000, r.body)
        sys.setrecursionlimit(20000)
        self.assertEqual(len(r.json["data"]), 1)

    def test_record_faults(self):
        add_faults({"action": {"kind": "wrong_types"}}, {"action": {"kind": "non_integer_id"}},
                   {"action": {"kind": "missing_data"}}, {"action": {"kind": "data_not_array"}},
                   {"action": {"kind": "null_meta"}})
        a = call("GET", "/organizations").json["data"][0]["attributes"]
        self.assertEqual((a["organization-type-id"], a["created-at"]), ("abc", "yesterday"))
        self.assertEqual(call("GET", "/organizations?page[size]=2").json["data"][1]["id"], "x2")
        doc = call("GET", "/organizations").json
        self.assertNotIn("data", doc)
        self.assertEqual(doc["meta"]["total-count"], 2500)
        doc = call("GET", "/organizations").json
        self.assertIsInstance(doc["data"], dict)
        self.assertEqual(doc["data"]["id"], "1")
        doc = call("GET", "/organizations").json
        self.assertIsNone(doc["meta"])
        self.assertEqual(len(doc["data"]), 50)

    def test_attribute_value(self):
        add_faults({"method": "POST", "action": {"kind": "attribute_value", "attribute": "name",
                                                 "value": "Stored Otherwise"}},
                   {"method": "PATCH", "action": {"kind": "attribute_value", "attribute": "alert",
                                                  "absent": True}})
        r = call("POST", "/organizations", org_body(name="Sent Name"))
        self.assertEqual((r.status, r.json["data"]["attributes"]["name"]), (201, "Stored Otherwise"))
        self.assertEqual(call("GET", "/organizations/2501").json["data"]["attributes"]["name"], "Sent Name")
        r = call("PATCH", "/organizations/5", org_body(alert="x"))
        self.assertEqual(r.status, 200)
        self.assertNotIn("alert", r.json["data"]["attributes"])

    def test_duplicate_page_and_never_ending(self):
        add_faults({"query_contains": "page[number]=2", "action": {"kind": "duplicate_page"}})
        p1 = call("GET", "/organizations?page[size]=10&page[number]=1").json
        p2 = call("GET", "/organizations?page[size]=10&page[number]=2").json
        self.assertEqual(p2["data"], p1["data"])
        self.assertEqual(p2["meta"]["current-page"], 2)
        add_faults({"times": -1, "action": {"kind": "never_ending"}})
        doc = call("GET", "/organizations?page[size]=1000&page[number]=7").json
        self.assertEqual(doc["data"], [])
        self.assertEqual((doc["meta"]["next-page"], doc["meta"]["total-pages"], doc["meta"]["total-count"]),
                         (8, 1000000, 1000000))
        self.assertIn("page%5Bnumber%5D=8", doc["links"]["next"])

    def test_latency(self):
        add_faults({"action": {"kind": "latency", "ms": 300}})
        t = time.monotonic()
        self.assertEqual(call("GET", "/organizations/1").status, 200)
        self.assertGreaterEqual(time.monotonic() - t, 0.3)
        set_config(latency_ms=200)
        t = time.monotonic()
        call("GET", "/organizations/1")
        self.assertGreaterEqual(time.monotonic() - t, 0.2)
        t = time.monotonic()
        control("GET", "/_sim/stats")
        self.assertLess(time.monotonic() - t, 0.15)

    def test_rate_limit_window(self):
        # Off by default: no request is refused however many go.
        for _ in range(5):
            self.assertEqual(call("GET", "/organizations/1").status, 200)
        set_config(rate_limit_requests=3, rate_limit_window_s=2)
        codes = [call("GET", "/organizations/1") for _ in range(4)]
        self.assertEqual([r.status for r in codes], [200, 200, 200, 429])
        self.assertEqual(codes[3].headers.get("Retry-After"), "2")
        self.assertEqual(codes[3].json["errors"][0]["status"], 429)
        # A wrong key never reaches the account: 403, not counted, not 429.
        self.assertEqual(call("GET", "/organizations/1", key="ITG.other").status, 403)
        # The refused request was logged with its 429 and did not count:
        # once the window has passed, three go again.
        self.assertEqual([l.split()[0] for l in log_text().splitlines()].count("GET"), 10)
        self.assertEqual(control("GET", "/_sim/stats").json["by_status"]["429"], 1)
        time.sleep(2.05)
        self.assertEqual([call("GET", "/organizations/1").status for _ in range(4)],
                         [200, 200, 200, 429])
        # Sliding, not fixed: a request leaves the window window_s after it came.
        set_config(rate_limit_requests=2, rate_limit_window_s=1)
        control("POST", "/_sim/reset")
        set_config(rate_limit_requests=2, rate_limit_window_s=1)
        self.assertEqual(call("GET", "/organizations/1").status, 200)
        time.sleep(0.6)
        self.assertEqual(call("GET", "/organizations/1").status, 200)
        self.assertEqual(call("GET", "/organizations/1").status, 429)
        time.sleep(0.5)          # the first left the window, the second not
        self.assertEqual(call("GET", "/organizations/1").status, 200)
        self.assertEqual(call("GET", "/organizations/1").status, 429)
        # Config is validated; reset restores the default (no limit).
        self.assertEqual(control("POST", "/_sim/config", {"rate_limit_requests": 0}).status, 400)
        self.assertEqual(control("POST", "/_sim/config", {"rate_limit_window_s": "5"}).status, 400)
        control("POST", "/_sim/reset")
        self.assertIsNone(control("GET", "/_sim/config").json["rate_limit_requests"])

    def test_truncated(self):
        add_faults({"action": {"kind": "truncated"}})
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=5)
        conn.request("GET", "/organizations", headers={"x-api-key": KEY})
        resp = conn.getresponse()
        full = int(resp.headers["Content-Length"])
        with self.assertRaises(http.client.IncompleteRead) as cm:
            resp.read()
        self.assertEqual(len(cm.exception.partial), full // 2)
        conn.close()
        self.assertEqual(control("GET", "/_sim/log").json[0]["status"], 200)

    def test_close(self):
        add_faults({"action": {"kind": "close"}})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            call("GET", "/organizations")
        self.assertEqual(control("GET", "/_sim/log").json[0]["status"], 0)

    def test_applied_writes_with_lost_answers(self):
        # "apply": the write happens, then the answer is dropped, late or a 5xx.
        add_faults({"method": "POST", "action": {"kind": "close", "apply": True}},
                   {"method": "PATCH", "action": {"status": 502, "apply": True}},
                   {"method": "DELETE", "action": {"kind": "stall", "seconds": 0.3, "apply": True}},
                   {"method": "POST", "action": {"status": 500}})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            call("POST", "/organizations", org_body(name="Lost Answer Ltd"))
        self.assertEqual(orgs(("filter[name]", "Lost Answer Ltd")), [2501])
        self.assertEqual(call("PATCH", "/organizations/5", org_body(alert="A")).status, 502)
        self.assertEqual(call("GET", "/organizations/5").json["data"]["attributes"]["alert"], "A")
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            call("DELETE", "/organizations",
                 {"data": [{"type": "organizations", "attributes": {"id": 31}}]})
        self.assertEqual(call("GET", "/organizations/31").status, 404)
        self.assertEqual(call("POST", "/organizations", org_body(name="Not Applied")).status, 500)
        self.assertEqual(orgs(("filter[name]", "Not Applied")), [])
        self.assertEqual([e["status"] for e in control("GET", "/_sim/log").json
                          if e["method"] != "GET"], [0, 502, 0, 500])
        for bad in ({"kind": "truncated", "apply": True}, {"status": 500, "apply": 1}):
            self.assertEqual(control("POST", "/_sim/faults", [{"action": bad}]).status, 400)

    def test_write_answers_cut(self):
        for cut in (False, True):
            control("POST", "/_sim/reset")
            set_config(write_answers_cut=cut)
            want = 250 if cut else 600
            r = call("PATCH", "/organizations/21", org_body(alert="x"))
            self.assertEqual(len(r.json["data"]["attributes"]["quick-notes"]), want)
            r = call("POST", "/organizations", org_body(name="Long", quick_notes="n" * 300))
            self.assertEqual(len(r.json["data"]["attributes"]["quick-notes"]), 250 if cut else 300)
            r = call("DELETE", "/organizations",
                     {"data": [{"type": "organizations", "attributes": {"id": 21}}]})
            self.assertEqual(len(r.json["data"][0]["attributes"]["quick-notes"]), want)
            r = call("GET", "/organizations/2501")
            self.assertEqual(len(r.json["data"]["attributes"]["quick-notes"]), 300)

    def test_answers_of_another_record(self):
        add_faults({"method": "PATCH", "action": {"kind": "other_id"}},
                   {"method": "POST", "action": {"kind": "other_type"}})
        r = call("PATCH", "/organizations/5", org_body(alert="B"))
        self.assertEqual((r.status, r.json["data"]["id"]), (200, "6"))
        self.assertEqual(call("GET", "/organizations/5").json["data"]["attributes"]["alert"], "B")
        r = call("POST", "/organizations", org_body(name="Typed Ltd"))
        self.assertEqual((r.status, r.json["data"]["type"], r.json["data"]["id"]),
                         (201, "contacts", "2501"))

    def test_stall_does_not_block_and_ends_on_disconnect(self):
        add_faults({"action": {"kind": "stall", "seconds": 20}})
        sock = socket.create_connection(("127.0.0.1", SERVER.port), timeout=5)
        sock.sendall(b"GET /organizations HTTP/1.1\r\nHost: x\r\nx-api-key: " + KEY.encode() + b"\r\n\r\n")
        time.sleep(0.2)
        t = time.monotonic()
        self.assertEqual(call("GET", "/organizations/1").status, 200)       # others unaffected
        self.assertEqual(control("GET", "/_sim/log").json[0]["status"], 0)  # logged at stall start
        self.assertLess(time.monotonic() - t, 1.0)
        sock.settimeout(0.3)
        self.assertRaises(socket.timeout, sock.recv, 1)                     # nothing is sent
        sock.close()
        add_faults({"action": {"kind": "stall", "seconds": 0.5}})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            call("GET", "/organizations")                                    # closed after S


# ---------------------------------------------------------------------------
class ControlTests(SimTestCase):
    def test_reset_restores_everything_fast(self):
        original = call("GET", "/organizations?page[size]=1000").body
        call("POST", "/organizations", org_body(name="Temp"))
        call("DELETE", "/organizations?filter[id]=1,2,3")
        call("PATCH", "/organizations/5", org_body(name="Changed"))
        set_config(int_parent_id=True, latency_ms=1)
        add_faults({"times": -1, "path": "/nothing", "action": {"status": 500}})
        t = time.monotonic()
        self.assertEqual(control("POST", "/_sim/reset").status, 200)
        self.assertLess(time.monotonic() - t, 0.5)
        self.assertEqual(call("GET", "/organizations?page[size]=1000").body, original)
        self.assertEqual(control("GET", "/_sim/config").json, itglue_sim.DEFAULT_CONFIG)
        self.assertEqual(control("GET", "/_sim/faults").json, [])
        self.assertEqual(len(control("GET", "/_sim/log").json), 1)
        r = call("POST", "/organizations", org_body(name="Temp"))
        self.assertEqual(r.json["data"]["attributes"]["created-at"], "2026-01-01T00:00:00.000Z")

    def test_config_validation(self):
        self.assertEqual(control("POST", "/_sim/config", {"nam_match": "x"}).status, 400)
        self.assertEqual(control("POST", "/_sim/config", {"name_match": "fuzzy"}).status, 400)
        self.assertEqual(control("POST", "/_sim/config", "not json{").status, 400)
        cfg = control("POST", "/_sim/config", {"latency_ms": 5}).json
        self.assertEqual(cfg["latency_ms"], 5)
        self.assertEqual(control("GET", "/_sim/unknown").status, 404)

    def test_stats(self):
        call("GET", "/organizations?page[size]=1000")
        call("GET", "/organizations/1")
        call("GET", "/organizations/1", key=None)
        s = control("GET", "/_sim/stats").json
        self.assertEqual(s["requests"], 3)
        self.assertEqual(s["by_status"], {"200": 2, "401": 1})
        self.assertEqual(s["page_render_ms"]["count"], 1)
        self.assertLess(s["page_render_ms"]["median"], 100)

    def test_keep_alive_reuses_connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=5)
        conn.request("GET", "/organizations/1", headers={"x-api-key": KEY})
        conn.getresponse().read()
        sock = conn.sock
        conn.request("GET", "/organizations?page[size]=1000", headers={"x-api-key": KEY})
        self.assertEqual(len(json.loads(conn.getresponse().read())["data"]), 1000)
        self.assertIs(conn.sock, sock)
        conn.request("GET", "/nope", headers={"x-api-key": KEY})      # errors keep it too
        conn.getresponse().read()
        self.assertIs(conn.sock, sock)
        conn.close()
        log = control("GET", "/_sim/log").json
        self.assertEqual(len({e["conn"] for e in log}), 1)

    def test_chunked_request_body(self):
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=5)
        body = iter([b'{"data":{"type":"organizations",', b'"attributes":{"name":"Chunky"}}}'])
        conn.request("POST", "/organizations", body=body, encode_chunked=True,
                     headers={"x-api-key": KEY, "Content-Type": JSONAPI, "Transfer-Encoding": "chunked"})
        self.assertEqual(conn.getresponse().status, 201)
        conn.close()

    def test_determinism(self):
        a = itglue_sim.Simulator(orgs=300, seed=7)
        b = itglue_sim.Simulator(orgs=300, seed=7)
        c = itglue_sim.Simulator(orgs=300, seed=8)
        render = lambda sim: b"".join(o.render(True) for o in sim.state.orgs.values())
        self.assertEqual(render(a), render(b))
        self.assertNotEqual(render(a), render(c))
        fixtures = lambda sim: [sim.state.orgs[i].render(False) for i in range(1, 41)]
        self.assertEqual(fixtures(a), fixtures(c))
        self.assertEqual(fixtures(a), [SIM.dataset.orgs[i].render(False) for i in range(1, 41)])


# ---------------------------------------------------------------------------
class CliTests(unittest.TestCase):
    def start(self, *args, port_file=None):
        cmd = [sys.executable, SIM_PATH, "--port", "0"] + list(args)
        if port_file:
            cmd += ["--port-file", port_file]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        line = proc.stdout.readline()
        return proc, line

    def test_port_file_banner_and_sigterm(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        pf = os.path.join(tmp, "port")
        t = time.monotonic()
        proc, line = self.start("--orgs", "100000", "--api-key", "K2", port_file=pf)
        elapsed = time.monotonic() - t
        self.assertLess(elapsed, 5.0)      # target < 3 s; slack for loaded CI
        with open(pf) as f:
            port = int(f.read())
        self.assertEqual(line, "itglue-sim listening on http://127.0.0.1:%d\n" % port)
        r = call("GET", "/organizations?page[size]=1000&page[number]=100", key="K2", port=port)
        self.assertEqual((len(r.json["data"]), r.json["meta"]["total-count"]), (1000, 100000))
        t = time.monotonic()
        self.assertEqual(control_port(port, "POST", "/_sim/reset").status, 200)
        self.assertLess(time.monotonic() - t, 3.0)
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=5), 0)
        proc.stdout.close()
        proc.stderr.close()

    @unittest.skipUnless(shutil.which("openssl"), "openssl not installed")
    def test_tls(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        subprocess.run([os.path.join(HERE, "make_cert.sh"), tmp], check=True, stdout=subprocess.DEVNULL)
        proc, line = self.start("--orgs", "100", "--tls-cert", os.path.join(tmp, "cert.pem"),
                                "--tls-key", os.path.join(tmp, "key.pem"))
        self.assertTrue(line.startswith("itglue-sim listening on https://127.0.0.1:"), line)
        port = int(line.rsplit(":", 1)[1])
        ctx = ssl.create_default_context(cafile=os.path.join(tmp, "cert.pem"))
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=5)
        conn.request("GET", "/organizations/1", headers={"x-api-key": KEY})
        r = conn.getresponse()
        self.assertEqual(r.status, 200)
        r.read()
        conn.request("GET", "/organizations", headers={"x-api-key": KEY})
        links = json.loads(conn.getresponse().read())["links"]
        self.assertTrue(links["next"].startswith("https://127.0.0.1:%d/" % port), links)
        conn.close()
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=5), 0)
        proc.stdout.close()
        proc.stderr.close()


def control_port(port, method, path):
    return call(method, path, key=None, port=port)


if __name__ == "__main__":
    unittest.main()
