#!/usr/bin/env python3
"""
itglue_sim.py - a deterministic simulator of the IT Glue REST API
=================================================================

Used by the it_glue_fdw regression tests, demo and benchmark. Python 3 standard
library only.

What it simulates (see test/sim/README.md for the full reference)
  * /organizations: index, show, create, update, bulk update, bulk destroy,
    with the documented filters, sorting and paging, the meta/links blocks, JSON:API
    error bodies, the PSA-synced update rule and quick-notes truncation
    in lists,
  * /organization_types and /organization_statuses: index, show, create, update,
  * /configurations, /contacts, /locations: read-only, plus the nested
    /organizations/:id/relationships/<resource> routes,
  * gateway behaviour: x-api-key auth (401 JSON:API and 403 {"message":...}
    shapes), an HTML 404 page for unknown routes.

What it adds for tests, under /_sim/ (no API key needed)
  a request log (what the client sent, exactly), stats, reset, runtime config
  for the behaviours the real API leaves UNCERTAIN, and fault injection
  (429/5xx, broken or odd bodies, truncation, stalls, dropped connections).

Determinism: the same --seed and --orgs always give the same data. Given the
same config and the same sequence of writes, the response bodies are
byte-identical. Writes are stamped by a simulated clock, not by wall time.

Usage:
  python3 test/itglue_sim.py [--host 127.0.0.1] [--port 0] [--port-file PATH]
      [--api-key ITG.test-key] [--orgs 2500] [--seed 42]
      [--tls-cert F --tls-key F] [--quiet | --verbose]
      [--attributes all|documented] [--undocumented-write ignore|reject]
"""

import argparse
import calendar
import codecs
import collections
import datetime
import http
import itertools
import json
import math
import os
import random
import re
import signal
import socket
import ssl
import statistics
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote_plus, unquote

import itglue_spec

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "sim"))
import simdata                  # noqa: E402  records of the other resources
import simengine                # noqa: E402  their handlers, driven by the spec

SPEC = itglue_spec.Spec()       # test/spec/itglue-api.json: the documented API

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

DEFAULT_API_KEY = "ITG.test-key"
# A second valid key, made without "Password Access" (the documentation says
# the access "must be explicitly enabled for each API key").
DEFAULT_RESTRICTED_KEY = "ITG.test-key-no-passwords"
JSONAPI_CT = "application/vnd.api+json; charset=utf-8"
CONTROL_CT = "application/json; charset=utf-8"
HTML_CT = "text/html; charset=utf-8"
TEXT_CT = "text/plain; charset=utf-8"

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
LIST_QUICK_NOTES_LIMIT = 250          # index responses cut quick-notes here
RELATED_ORG_LIMIT = 200               # default: related records exist for orgs 1..200
RESULT_CACHE_SIZE = 64                # filtered/sorted org lists kept

PSA_TYPES = ("manage", "autotask", "tigerpaw", "kaseya-bms", "pulseway-psa", "vorex")

CUSTOMER, VENDOR, PARTNER, PROSPECT, INTERNAL, FORMER = 1, 2, 3, 4, 5, 6
ACTIVE, INACTIVE, ARCHIVED, PENDING = 1, 2, 3, 4

ORG_TYPES = [(CUSTOMER, "Customer"), (VENDOR, "Vendor"), (PARTNER, "Partner"),
             (PROSPECT, "Prospect"), (INTERNAL, "Internal"), (FORMER, "Former Customer")]
ORG_STATUSES = [(ACTIVE, "Active"), (INACTIVE, "Inactive"), (ARCHIVED, "Archived"),
                (PENDING, "Pending")]

DEFAULT_CONFIG = {
    "latency_ms": 0,                  # added to every API response
    "name_match": "exact",            # exact | exact_ci | partial_ci
    "ignore_filters": [],             # full keys treated as if absent
    "date_range_cap_days": None,      # e.g. 7 to mimic the one-week cap
    "page_size_over_max": "clamp",    # clamp | error
    "int_parent_id": False,           # parent-id int, ancestor-ids array
    "clock_start": "2026-01-01T00:00:00.000Z",
    "write_answers_cut": False,       # write answers cut quick-notes as lists do
    # IT Glue's rate limit: at most rate_limit_requests per account in any
    # rate_limit_window_s seconds; past it, 429 with Retry-After.  None =
    # no limit (the default, so tests that are not about pacing stay fast).
    "rate_limit_requests": None,
    "rate_limit_window_s": 300,
    # Attributes in responses: "all" (every attribute the simulator keeps,
    # as the owner's design names them) or "documented" (only the keys of
    # IT Glue's documented response examples: no psa-id,
    # psa-integration-type, primary-contact-id, primary-location-id,
    # my-glue-account-id on organizations).
    "attributes": "all",
    # A write attribute the documentation does not list for that action:
    # "ignore" (dropped, as Rails strong parameters do) or "reject" (422).
    "undocumented_write": "ignore",
    # Password Access of the main key (--api-key); the restricted key never
    # has it. Without it, a password's show route answers 403 unless
    # show_password=false, and no answer carries a password value.
    "password_access": True,
    # Password values in list answers, which the documentation leaves open
    # (its list example has the value in one item of four): "absent",
    # "present", or "example" (records whose id is 1 mod 4, like the example).
    "password_in_list": "absent",
    # Filters on nested routes (/organizations/:id/relationships/...): the
    # route documentation lists them, a knowledge-base article says
    # filtering there is not possible. "ignore" (the article) or "apply".
    "nested_filters": "ignore",
    # Scalar flexible-asset traits in answers: "typed" (as stored: numbers,
    # booleans) or "strings" (as the documented example shows every value).
    "trait_scalars": "typed",
}

NOT_FOUND_HTML = """<!DOCTYPE html>
<html>
<head>
  <title>The page you were looking for doesn't exist (404)</title>
  <meta name="viewport" content="width=device-width,initial-scale=1">
</head>
<body>
  <div class="dialog">
    <div>
      <h1>The page you were looking for doesn't exist.</h1>
      <p>You may have mistyped the address or the page may have moved.</p>
    </div>
  </div>
</body>
</html>
"""

MAINTENANCE_HTML = """<!DOCTYPE html>
<html><head><title>IT Glue - Scheduled Maintenance</title></head>
<body><h1>We'll be back soon!</h1>
<p>IT Glue is undergoing scheduled maintenance.</p></body></html>
"""


def gateway_html(status):
    """An AWS-load-balancer style error page (what a proxy in front sends)."""
    reason = reason_phrase(status)
    return ("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n"
            "<center><h1>%d %s</h1></center>\r\n</body>\r\n</html>\r\n"
            % (status, reason, status, reason))


# Reason phrases as IT Glue's documentation writes them.  Python's own table
# is not fixed: 3.13 (Debian 13 and later) says "Unprocessable Content" for
# 422 and "Content Too Large" for 413.
REASON_PHRASES = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    413: "Payload Too Large", 415: "Unsupported Media Type", 422: "Unprocessable Entity",
    429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}


def reason_phrase(status):
    if status in REASON_PHRASES:
        return REASON_PHRASES[status]
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


# --------------------------------------------------------------------------
# Time helpers (all times are integer milliseconds since the epoch, UTC)
# --------------------------------------------------------------------------

def ms_of(year, month, day, hour=0, minute=0, second=0):
    return calendar.timegm((year, month, day, hour, minute, second)) * 1000


def fmt_ts(ms):
    """RFC3339 UTC with millis, the API's format: 2016-09-14T17:02:44.000Z."""
    sec, rem = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + ".%03dZ" % rem


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def parse_ts(text):
    """Parse RFC3339 or a bare date (midnight UTC). Raise ValueError."""
    text = text.strip()
    if not re.match(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    if text[-1:] in ("z", "Z"):
        text = text[:-1] + "+00:00"
    dt = datetime.datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return (dt - _EPOCH) // datetime.timedelta(milliseconds=1)


# --------------------------------------------------------------------------
# JSON encoding
# --------------------------------------------------------------------------

# Rails (ActiveSupport) escapes these in JSON output by default; the real API
# is a Rails app, so clients must cope with e.g. "O'Brien \u0026 Sons".
_RAILS_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                  ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def dumps(obj):
    """Compact JSON as UTF-8 bytes, Rails-style escaping. These characters
    only ever occur inside JSON strings, so a plain replace is safe."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for raw, esc in _RAILS_ESCAPES:
        if raw in text:
            text = text.replace(raw, esc)
    return text.encode("utf-8")


def norm_name(name):
    """Key for the name-uniqueness rule: trimmed, case-insensitive."""
    return name.strip().lower()


# --------------------------------------------------------------------------
# Organization records
# --------------------------------------------------------------------------

class Org:
    """One organization. Treated as immutable once stored: a write builds a
    new object with copy(), so the pristine data set can be shared with the
    live state (cheap reset) and the rendered JSON can be cached per object."""

    __slots__ = ("id", "name", "description", "quick_notes", "short_name", "alert",
                 "type_id", "type_name", "status_id", "status_name", "primary", "logo",
                 "parent_id", "ancestor_ids", "primary_contact_id",
                 "primary_location_id", "psa_id", "psa_type", "my_glue_id",
                 "created", "updated", "_cache")
    FIELDS = __slots__[:-1]

    def __init__(self, id=None, name=None, description=None, quick_notes=None,
                 short_name=None, alert=None, type_id=None, type_name=None,
                 status_id=None, status_name=None, primary=False, logo="",
                 parent_id=None, ancestor_ids=(), primary_contact_id=None,
                 primary_location_id=None, psa_id=None, psa_type=None,
                 my_glue_id=None, created=None, updated=None):
        self.id, self.name, self.description = id, name, description
        self.quick_notes, self.short_name, self.alert = quick_notes, short_name, alert
        self.type_id, self.type_name = type_id, type_name
        self.status_id, self.status_name = status_id, status_name
        self.primary, self.logo = primary, logo
        self.parent_id, self.ancestor_ids = parent_id, ancestor_ids
        self.primary_contact_id = primary_contact_id
        self.primary_location_id = primary_location_id
        self.psa_id, self.psa_type, self.my_glue_id = psa_id, psa_type, my_glue_id
        self.created, self.updated = created, updated
        self._cache = {}

    def copy(self, **changes):
        new = Org.__new__(Org)
        for field in self.FIELDS:
            setattr(new, field, changes.get(field, getattr(self, field)))
        new._cache = {}
        return new

    def attributes(self, list_view, int_parent):
        notes = self.quick_notes
        if list_view and notes is not None and len(notes) > LIST_QUICK_NOTES_LIMIT:
            notes = notes[:LIST_QUICK_NOTES_LIMIT]
        if int_parent:
            parent, ancestors = self.parent_id, list(self.ancestor_ids)
        else:
            # The DOCS example has "parent-id":"1" and "ancestor-ids":"[1,6]".
            parent = None if self.parent_id is None else str(self.parent_id)
            ancestors = "[" + ",".join(map(str, self.ancestor_ids)) + "]"
        return {
            "name": self.name,
            "description": self.description,
            "quick-notes": notes,
            "short-name": self.short_name,
            "alert": self.alert,
            "organization-type-id": self.type_id,
            "organization-type-name": self.type_name,
            "organization-status-id": self.status_id,
            "organization-status-name": self.status_name,
            "primary": self.primary,
            "logo": self.logo,
            "parent-id": parent,
            "ancestor-ids": ancestors,
            "primary-contact-id": self.primary_contact_id,
            "primary-location-id": self.primary_location_id,
            "psa-id": self.psa_id,
            "psa-integration-type": self.psa_type,
            "my-glue-account-id": self.my_glue_id,
            "created-at": fmt_ts(self.created),
            "updated-at": fmt_ts(self.updated),
        }

    def render(self, list_view, int_parent=False):
        """The JSON:API resource object as bytes, rendered once per variant."""
        key = (list_view, int_parent)
        out = self._cache.get(key)
        if out is None:
            out = dumps({"id": str(self.id), "type": "organizations",
                         "attributes": self.attributes(list_view, int_parent)})
            self._cache[key] = out
        return out


# --------------------------------------------------------------------------
# Fixtures: the first organizations, identical for every seed. Each is a trap
# for some piece of FDW logic (quoting, escaping, case, NULLs, PSA rules ...).
# --------------------------------------------------------------------------

LONG_NAME = ("Extremely Long Organization Name For Testing Column Widths And "
             "Truncation " * 3)[:199] + "!"
NOTES_600 = "".join("[%03d]" % i for i in range(1, 121))        # 600 chars
NOTES_250 = NOTES_600[:250]
NOTES_251 = NOTES_600[:250] + "Z"
NOTES_UNICODE = ("Zoë's café – ünïcødé notes ✓ " * 12)[:300]


def _fx(name, type_id, status_id, psa=None, parent=None, **extra):
    spec = {"name": name, "type_id": type_id, "status_id": status_id,
            "parent_id": parent}
    if psa:
        spec["psa_type"], spec["psa_id"] = psa
    spec.update(extra)
    return spec


FIXTURES = [
    # id 1: the account's own organization, the only primary one
    _fx("Happy Frog IT", INTERNAL, ACTIVE, primary=True, short_name="HFIT",
        description="The account's own organization (primary)."),
    _fx("Kub, Reynolds and Gibson", CUSTOMER, ACTIVE, psa=("manage", "1001"),
        short_name="KRG", description="Name contains a comma."),
    _fx("Smith, Jones, and Partners", CUSTOMER, ACTIVE, psa=("manage", "1002"),
        description="Name contains two commas."),
    _fx("O'Brien & Sons", CUSTOMER, ACTIVE, psa=("manage", "1003"),
        short_name="OBS", description="Apostrophe and ampersand."),
    _fx("Smith [Holdings] Ltd", VENDOR, ACTIVE, description="Square brackets."),
    _fx("Back\\slash IT", PARTNER, ACTIVE, description="A backslash in the name."),
    _fx("100% Uptime + More #1 = Best?", CUSTOMER, INACTIVE, psa=("manage", "1004"),
        description="Percent, plus, hash, equals and question mark."),
    _fx("Zoë's Café Ünïcødé", CUSTOMER, ACTIVE, quick_notes=NOTES_UNICODE,
        description="Accented characters; 300-char multibyte quick-notes."),
    _fx("東京システム株式会社", CUSTOMER, ACTIVE, psa=("autotask", "2001"),
        description="CJK name."),
    _fx("Rocket 🚀 Launch Co", PROSPECT, PENDING, description="Emoji (4-byte UTF-8)."),
    # ids 11-14: names that differ only by case, and a common substring
    _fx("Acme Corp", CUSTOMER, ACTIVE, psa=("manage", "1005"), short_name="ACME"),
    _fx("ACME Corp", CUSTOMER, INACTIVE, description="Same name, upper case."),
    _fx("acme corp", FORMER, ARCHIVED, description="Same name, lower case."),
    _fx("Acme", VENDOR, ACTIVE, description="Substring of the three Acme Corps."),
    _fx("  Padded Name  ", CUSTOMER, ACTIVE, description="Leading/trailing spaces."),
    _fx(LONG_NAME, PARTNER, ACTIVE, description="200-character name."),
    # ids 17-20: a small hierarchy (parent, two children, a grandchild)
    _fx("Contoso Holdings", CUSTOMER, ACTIVE, psa=("manage", "1006"), short_name="CH",
        description="Parent of 18 and 19."),
    _fx("Contoso West", CUSTOMER, ACTIVE, psa=("manage", "1007"), parent=17,
        description="Child of 17."),
    _fx("Contoso East", CUSTOMER, ACTIVE, parent=17, description="Child of 17."),
    _fx("Contoso East Lab", CUSTOMER, ACTIVE, parent=19,
        description="Grandchild: child of 19, ancestors 17 and 19."),
    # ids 21-24: quick-notes and NULL handling
    _fx("Long Notes Ltd", CUSTOMER, ACTIVE, quick_notes=NOTES_600,
        description="600-char quick-notes.\nSecond line of the description."),
    _fx("Exactly 250 Notes LLC", CUSTOMER, ACTIVE, quick_notes=NOTES_250,
        description="quick-notes of exactly 250 chars (not truncated)."),
    _fx("Exactly 251 Notes LLC", CUSTOMER, ACTIVE, quick_notes=NOTES_251,
        description="quick-notes of 251 chars (truncated in lists)."),
    _fx("Null Fields Inc", CUSTOMER, ACTIVE, description=None),
    # id 25: same psa-id as 2 but a different PSA
    _fx("Autotask Twin Ltd", CUSTOMER, ACTIVE, psa=("autotask", "1001"),
        description="psa-id 1001 like id 2, but autotask."),
    _fx("MyGlue Client A", CUSTOMER, ACTIVE, my_glue_id=5),
    _fx("MyGlue Client B", CUSTOMER, ACTIVE, my_glue_id=12),
    _fx("MyGlue Client C", PARTNER, ACTIVE, my_glue_id=2),
    _fx("Prospective Pty Ltd", PROSPECT, PENDING, description="Prospect, pending."),
    _fx("Gone Away Corp", FORMER, ARCHIVED, psa=("manage", "1008"),
        description="Archived former customer, still PSA-synced."),
    _fx("Internal Lab", INTERNAL, INACTIVE, description="Internal, inactive."),
    _fx('The "Quoted" Company', CUSTOMER, ACTIVE, description="Double quotes."),
    _fx("Star * Services", CUSTOMER, ACTIVE, description="An asterisk (no wildcards)."),
    _fx("<Angle> Brackets & Co", VENDOR, INACTIVE,
        description="Rails escapes <, > and & as \\u003c \\u003e \\u0026."),
    _fx("Semi; Colon Ltd", CUSTOMER, ACTIVE, psa=("tigerpaw", "T-77")),
    _fx("Kaseya Shop Inc", CUSTOMER, ACTIVE, psa=("kaseya-bms", "KB-100")),
    _fx("Pulseway Partner", PARTNER, ACTIVE, psa=("pulseway-psa", "PW-1")),
    _fx("Vorex Client", CUSTOMER, PENDING, psa=("vorex", "V-9")),
    _fx("Alert Me Inc", CUSTOMER, ACTIVE, short_name="AMI",
        alert="Do not reboot servers during business hours.",
        quick_notes="Escalate to the on-call engineer."),
    # id 40: what an unescaped comma in "Kub, Reynolds and Gibson" would match
    _fx("Kub", CUSTOMER, ACTIVE, description="Prefix of fixture 2 before its comma."),
]
NULL_FIELDS_ID = 24   # keeps every nullable attribute NULL (no contacts either)

TYPE_NAMES = dict(ORG_TYPES)
STATUS_NAMES = dict(ORG_STATUSES)


def _fixture_org(oid, spec):
    # Fixed timestamps, spread over 2015-2019, never depending on the seed.
    created = ms_of(2015, 2, 1) + oid * 41 * 86400000 + oid * 977000
    updated = created + (oid % 7) * 13 * 86400000 + oid * 60000
    parent = spec.get("parent_id")
    return Org(id=oid, name=spec["name"], description=spec.get("description"),
               quick_notes=spec.get("quick_notes"), short_name=spec.get("short_name"),
               alert=spec.get("alert"), type_id=spec["type_id"],
               type_name=TYPE_NAMES[spec["type_id"]], status_id=spec["status_id"],
               status_name=STATUS_NAMES[spec["status_id"]],
               primary=spec.get("primary", False), parent_id=parent,
               psa_id=spec.get("psa_id"), psa_type=spec.get("psa_type"),
               my_glue_id=spec.get("my_glue_id"), created=created, updated=updated)


# --------------------------------------------------------------------------
# Generated organizations
# --------------------------------------------------------------------------

PLACES = ("Northwind", "Blue Ridge", "Silver Lake", "Redwood", "Harbor", "Summit",
          "Pinecrest", "Oakmont", "Cedar", "Riverside", "Granite", "Maple", "Lakeside",
          "Sunrise", "Evergreen", "Ironwood", "Meadow", "Falcon", "Eagle", "Coastal",
          "Prairie", "Highland", "Westbrook", "Stonebridge", "Brightwater", "Aspen",
          "Willow", "Crescent", "Horizon", "Pacific", "Atlantic", "Liberty", "Heritage",
          "Pioneer", "Keystone", "Beacon", "Copper", "Sterling", "Trinity", "Magnolia",
          "Orchard", "Bayview", "Foxhill", "Kingsley", "Ashford", "Hawthorne",
          "Fairview", "Lakewood", "Brookside", "Clearwater", "Somerset", "Windmill",
          "Northgate", "Southport", "Eastfield", "Westfield", "Red Rock", "Black Bear",
          "White Oak", "Golden Valley")
TRADES = ("Dental", "Legal", "Medical", "Accounting", "Construction", "Realty",
          "Insurance", "Logistics", "Manufacturing", "Veterinary", "Engineering",
          "Architecture", "Consulting", "Financial", "Marketing", "Pharmacy",
          "Optometry", "Chiropractic", "Landscaping", "Plumbing", "Electric", "Auto",
          "Foods", "Brewing", "Hospitality", "Education", "Wealth", "Title", "Printing",
          "Design", "Imaging", "Orthodontics", "Pediatrics", "Physical Therapy",
          "Property", "Transport", "Machining", "Tooling", "Packaging", "Software")
SUFFIXES = ("Group", "LLP", "LLC", "Inc", "Partners", "Associates", "Co", "Corp",
            "Ltd", "Services", "Solutions", "Clinic", "Holdings", "Center",
            "Specialists", "PLLC", "PC", "& Co")
CITIES = ("Springfield", "Portland", "Austin", "Denver", "Boise", "Raleigh", "Tampa",
          "Omaha", "Madison", "Tucson", "Reno", "Spokane", "Dayton", "Fresno", "Tulsa",
          "Savannah", "Albany", "Eugene", "Lincoln", "Billings", "Fargo", "Duluth",
          "Macon", "Provo", "Bend", "Toledo", "Akron", "Durham", "Richmond", "Mobile",
          "Salem", "Ogden", "Athens", "Lansing", "Peoria", "Joliet", "Columbia",
          "Burlington", "Concord", "Dover")
NOTE_BITS = ("Main contact prefers email.", "After-hours support approved.",
             "Backups verified monthly.", "Firewall managed by us.",
             "Use the side entrance for onsite visits.", "VIP: respond within 1 hour.",
             "Billing contact is the office manager.", "Quarterly business review due.",
             "Printer fleet leased from vendor.", "Do not change DNS without approval.")
ALERTS = ("Payment overdue - check with accounts before onsite work.",
          "Do not reboot the file server during business hours.",
          "Client in migration freeze until further notice.")
STAFF_DESCRIPTIONS = ("{trade} practice with {n} staff in {city}.",
                      "{trade} firm, {n} seats, head office in {city}.",
                      "Family-owned {trade_l} business in {city} ({n} users).")

# (threshold, value) tables for weighted picks with one random() call
TYPE_WEIGHTS = ((0.60, CUSTOMER), (0.70, VENDOR), (0.78, PARTNER), (0.88, PROSPECT),
                (0.90, INTERNAL), (1.00, FORMER))
STATUS_WEIGHTS = ((0.75, ACTIVE), (0.85, INACTIVE), (0.93, ARCHIVED), (1.00, PENDING))
PSA_WEIGHTS = ((0.50, "manage"), (0.80, "autotask"), (0.86, "tigerpaw"),
               (0.92, "kaseya-bms"), (0.97, "pulseway-psa"), (1.00, "vorex"))


def _weighted(rnd, table):
    r = rnd()
    for threshold, value in table:
        if r < threshold:
            return value
    return table[-1][1]


def _pick(rnd, seq):
    # rng.choice() is ~4x slower than this; it matters for --orgs 100000.
    return seq[int(rnd() * len(seq))]


def _between(rnd, lo, hi):
    """An int in [lo, hi)."""
    return lo + int(rnd() * (hi - lo))


def _initials(name):
    return "".join(w[0] for w in name.split() if w[0].isalnum()).upper()[:6]


def _unique_name(rnd, taken):
    """(name, trade): a realistic name not used yet (trimmed,
    case-insensitive), because the real API enforces unique names."""
    trade = _pick(rnd, TRADES)
    base = "%s %s %s" % (_pick(rnd, PLACES), trade, _pick(rnd, SUFFIXES))
    if norm_name(base) not in taken:
        return base, trade
    for _ in range(3):
        name = "%s - %s" % (base, _pick(rnd, CITIES))
        if norm_name(name) not in taken:
            return name, trade
    for k in itertools.count(2):
        name = "%s %d" % (base, k)
        if norm_name(name) not in taken:
            return name, trade


def _generated_org(rnd, oid, taken, orgs, psa_counters):
    name, trade = _unique_name(rnd, taken)
    type_id = _weighted(rnd, TYPE_WEIGHTS)
    status_id = _weighted(rnd, STATUS_WEIGHTS)
    description = None
    if rnd() < 0.6:
        description = _pick(rnd, STAFF_DESCRIPTIONS).format(
            trade=trade, trade_l=trade.lower(), n=_between(rnd, 3, 251),
            city=_pick(rnd, CITIES))
    roll = rnd()
    if roll < 0.05:       # long notes, truncated in lists
        quick_notes = " ".join(_pick(rnd, NOTE_BITS) for _ in range(12))
    elif roll < 0.35:
        quick_notes = " ".join(_pick(rnd, NOTE_BITS) for _ in range(_between(rnd, 1, 4)))
    else:
        quick_notes = None
    parent_id, ancestors = None, ()
    if rnd() < 0.2:
        parent_id = _between(rnd, 1, oid)
        ancestors = orgs[parent_id].ancestor_ids + (parent_id,)
    psa_type = psa_id = None
    if rnd() < 0.7:
        psa_type = _weighted(rnd, PSA_WEIGHTS)
        psa_counters[psa_type] += _between(rnd, 1, 6)     # unique per PSA type
        psa_id = str(psa_counters[psa_type])
    created_s = _between(rnd, GEN_START_S, GEN_END_S)
    updated_s = created_s if rnd() < 0.3 else _between(rnd, created_s, GEN_END_S + 1)
    return Org(id=oid, name=name, description=description, quick_notes=quick_notes,
               short_name=_initials(name) if rnd() < 0.7 else None,
               alert=_pick(rnd, ALERTS) if rnd() < 0.04 else None,
               type_id=type_id, type_name=TYPE_NAMES[type_id], status_id=status_id,
               status_name=STATUS_NAMES[status_id], parent_id=parent_id,
               ancestor_ids=ancestors, psa_id=psa_id, psa_type=psa_type,
               my_glue_id=_between(rnd, 1, 401) if rnd() < 0.03 else None,
               created=created_s * 1000, updated=updated_s * 1000)


GEN_START_S = ms_of(2015, 1, 1) // 1000
GEN_END_S = ms_of(2025, 12, 31, 23, 59, 59) // 1000


# --------------------------------------------------------------------------
# Related resources (read-only): configurations, contacts, locations
# --------------------------------------------------------------------------

FIRST_NAMES = ("James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael",
               "Linda", "David", "Elizabeth", "William", "Barbara", "Richard", "Susan",
               "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Aisha", "Wei", "Priya")
LAST_NAMES = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller",
              "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Wilson",
              "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Nguyen", "Patel")
TITLES = ("Office Manager", "CEO", "CFO", "IT Coordinator", "Practice Manager",
          "Operations Director", "Receptionist", "Partner")
CONFIG_TYPES = ((1, "Managed Server", "SRV"), (2, "Managed Workstation", "WS"),
                (3, "Managed Network Device", "NET"), (4, "Printer", "PRN"))
CONFIG_STATUSES = ((1, "Active"), (2, "Inactive"), (3, "Decommissioned"))

RELATED_TYPES = ("configurations", "contacts", "locations")


def _related_ts(rng, org):
    created = rng.randrange(org.created // 1000, GEN_END_S + 1)
    return created * 1000, rng.randrange(created, GEN_END_S + 1) * 1000


def _gen_locations(rng, org, next_id):
    out = []
    for i in range(rng.randint(0, 3)):
        city = rng.choice(CITIES)
        created, updated = _related_ts(rng, org)
        out.append({"id": next_id + i, "organization_id": org.id,
                    "name": "Head Office" if i == 0 else "%s Branch" % city,
                    "created": created, "updated": updated,
                    "attrs": {"primary": i == 0, "city": city,
                              "postal-code": "%05d" % rng.randint(10000, 99999),
                              "phone": "(%03d) 555-%04d" % (rng.randint(201, 989),
                                                           rng.randint(100, 199))}})
    return out


def _gen_contacts(rng, org, next_id):
    domain = (re.sub(r"[^a-z0-9]+", "", org.name.lower())[:20] or "example") + ".example.com"
    out = []
    for i in range(rng.randint(0, 3)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        created, updated = _related_ts(rng, org)
        out.append({"id": next_id + i, "organization_id": org.id,
                    "name": "%s %s" % (first, last), "created": created, "updated": updated,
                    "attrs": {"first-name": first, "last-name": last,
                              "title": rng.choice(TITLES), "important": i == 0,
                              "notes": rng.choice(NOTE_BITS) if rng.random() < 0.4 else None,
                              "contact-emails": [{
                                  "value": "%s.%s@%s" % (first.lower(), last.lower(), domain),
                                  "primary": True, "label-name": "Work"}]}})
    return out


def _gen_configurations(rng, org, next_id):
    prefix = _initials(org.name) or "ORG"
    out = []
    for i in range(rng.randint(0, 3)):
        type_id, type_name, code = rng.choice(CONFIG_TYPES)
        status_id, status_name = rng.choice(CONFIG_STATUSES)
        name = "%s-%s%02d" % (prefix, code, i + 1)
        created, updated = _related_ts(rng, org)
        out.append({"id": next_id + i, "organization_id": org.id, "name": name,
                    "created": created, "updated": updated,
                    "attrs": {"hostname": name.lower(),
                              "primary-ip": "10.%d.%d.%d" % (org.id % 256, i, rng.randint(2, 254)),
                              "serial-number": "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
                                                       for _ in range(10)),
                              "configuration-type-id": type_id,
                              "configuration-type-name": type_name,
                              "configuration-status-id": status_id,
                              "configuration-status-name": status_name,
                              "archived": status_id == 3}})
    return out


def _gen_related(orgs, seed, related_orgs):
    """Up to 3 of each related resource for orgs 1..200; sets the orgs'
    primary-contact-id / primary-location-id. Fixture orgs use a seed-free
    generator so their primary-*-id values never change."""
    related = {name: {} for name in RELATED_TYPES}
    generators = (("locations", _gen_locations), ("contacts", _gen_contacts),
                  ("configurations", _gen_configurations))
    for oid in range(1, min(related_orgs, len(orgs)) + 1):
        if oid == NULL_FIELDS_ID:
            continue
        org = orgs[oid]
        rng = random.Random("fixture-related-%d" % oid if oid <= len(FIXTURES)
                            else "related-%d-%d" % (seed, oid))
        for res, gen in generators:
            table = related[res]
            for rec in gen(rng, org, len(table) + 1):
                table[rec["id"]] = rec
    for res, slot in (("locations", "primary_location_id"), ("contacts", "primary_contact_id")):
        for rec in related[res].values():
            org = orgs[rec["organization_id"]]
            if getattr(org, slot) is None:
                setattr(org, slot, rec["id"])     # first one wins (lowest id)
    return related


# --------------------------------------------------------------------------
# The data set
# --------------------------------------------------------------------------

def _lookup_table(pairs, base_ms, synced_ids):
    table = {}
    for lid, name in pairs:
        created = base_ms + lid * 3600000
        table[lid] = {"id": lid, "name": name, "created": created,
                      "updated": created + 86400000, "synced": lid in synced_ids}
    return table


class Dataset:
    """The pristine data generated from (orgs, seed). Never mutated after
    construction; State copies the containers, sharing the records."""

    def __init__(self, n_orgs, seed, related_orgs=RELATED_ORG_LIMIT):
        self.n_orgs, self.seed = n_orgs, seed
        self.types = _lookup_table(ORG_TYPES, ms_of(2015, 1, 5, 9), {CUSTOMER, VENDOR})
        self.statuses = _lookup_table(ORG_STATUSES, ms_of(2015, 1, 5, 10), {ACTIVE})
        self.orgs = self._build_orgs(n_orgs, seed)
        self.related = _gen_related(self.orgs, seed, related_orgs)
        self.records = simdata.Records(self.orgs, self.related, CONFIG_TYPES, CONFIG_STATUSES,
                                       seed, related_orgs, fmt_ts)
        self.name_index = {}
        for org in self.orgs.values():
            key = norm_name(org.name)
            self.name_index[key] = self.name_index.get(key, ()) + (org.id,)
        self.next_id = n_orgs + 1

    @staticmethod
    def _build_orgs(n, seed):
        orgs = {}
        for oid, spec in enumerate(FIXTURES[:n], start=1):
            org = _fixture_org(oid, spec)
            if org.parent_id is not None:
                org.ancestor_ids = orgs[org.parent_id].ancestor_ids + (org.parent_id,)
            orgs[oid] = org
        rnd = random.Random(seed).random
        taken = {norm_name(o.name) for o in orgs.values()}
        psa_counters = dict.fromkeys(PSA_TYPES, 10000)
        for oid in range(len(orgs) + 1, n + 1):
            org = _generated_org(rnd, oid, taken, orgs, psa_counters)
            taken.add(norm_name(org.name))
            orgs[oid] = org
        return orgs


class State:
    """The live, mutable data plus query caches. Created from a Dataset on
    start and on every reset; only the containers are copied."""

    def __init__(self, ds, clock_start_ms):
        self.orgs = dict(ds.orgs)            # id -> Org; insertion order == id order
        self.name_index = dict(ds.name_index)
        self.types = {k: dict(v) for k, v in ds.types.items()}
        self.statuses = {k: dict(v) for k, v in ds.statuses.items()}
        # Records are replaced, never changed in place, on a write: copying
        # the tables is enough for a reset.
        self.tables = {name: dict(table) for name, table in ds.records.tables.items()}
        self.next_ids = {}                   # ids are never reused
        self.next_id = ds.next_id
        self.clock_start_ms = clock_start_ms
        self.ticks = 0
        self._ordered = None
        self._results = collections.OrderedDict()

    # -- simulated clock: one second per successful write request
    def now_ms(self):
        return self.clock_start_ms + self.ticks * 1000

    def tick(self):
        stamp = self.now_ms()
        self.ticks += 1
        return stamp

    # -- queries
    def ordered(self):
        if self._ordered is None:
            self._ordered = list(self.orgs.values())
        return self._ordered

    def query(self, filters, sort):
        """Orgs matching `filters` in `sort` order. Results are cached by the
        normalized query so paging through a result set is cheap."""
        if not filters.predicates and sort in ((), (("id", False),)):
            return self.ordered()
        key = (filters.key, sort)
        hit = self._results.get(key)
        if hit is not None:
            self._results.move_to_end(key)
            return hit
        preds = filters.predicates
        items = [o for o in self.ordered() if all(p(o) for p in preds)]
        items = apply_sort(items, sort, ORG_SORT_FIELDS)
        self._results[key] = items
        if len(self._results) > RESULT_CACHE_SIZE:
            self._results.popitem(last=False)
        return items

    def name_taken(self, name, exclude_id=None, pending=None):
        """Is `name` used by another org? `pending` maps id -> name for
        not-yet-applied renames in the same bulk request."""
        key = norm_name(name)
        holders = set(self.name_index.get(key, ()))
        for oid, pname in (pending or {}).items():
            orig = self.orgs.get(oid)
            if orig is not None and norm_name(orig.name) == key:
                holders.discard(oid)
            if norm_name(pname) == key:
                holders.add(oid)
        holders.discard(exclude_id)
        return bool(holders)

    # -- writes
    def _index_remove(self, org):
        key = norm_name(org.name)
        ids = tuple(i for i in self.name_index.get(key, ()) if i != org.id)
        if ids:
            self.name_index[key] = ids
        else:
            self.name_index.pop(key, None)

    def put(self, org):
        old = self.orgs.get(org.id)
        if old is not None:
            self._index_remove(old)
        key = norm_name(org.name)
        self.name_index[key] = self.name_index.get(key, ()) + (org.id,)
        self.orgs[org.id] = org
        self.invalidate()

    def remove(self, oid):
        org = self.orgs.pop(oid)
        self._index_remove(org)
        self.invalidate()
        return org

    def invalidate(self):
        self._ordered = None
        self._results.clear()


# --------------------------------------------------------------------------
# Requests, responses, errors
# --------------------------------------------------------------------------

class Request:
    def __init__(self, method, target, headers, body, base_url):
        self.method = method
        self.target = target                 # raw, exactly as received
        path, _, self.query = target.partition("?")
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]                 # Rails ignores a trailing slash
        self.path = path
        self.pairs = parse_qsl(self.query, keep_blank_values=True)
        self.params = dict(self.pairs)       # a repeated key: the last one wins
        self.headers = headers
        self.body = body                     # what the handlers act on
        self.raw_body = body                 # exactly as received, for the log
        self.base_url = base_url


class Response:
    def __init__(self, status, body=b"", content_type=JSONAPI_CT, headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = list(headers or [])
        self.transport = None        # None | "truncate" | "close" | "stall"
        self.stall_seconds = 0
        self.delay_ms = 0            # injected latency, applied before sending
        self.render_ms = None        # list-page build time, for /_sim/stats


class ApiError(Exception):
    def __init__(self, response):
        super().__init__(response.status)
        self.response = response


def json_response(status, obj, content_type=JSONAPI_CT):
    return Response(status, obj if isinstance(obj, bytes) else dumps(obj), content_type)


def error_object(status, title, detail=None, pointer=None, parameter=None):
    err = {"status": status, "title": title}
    if detail is not None:
        err["detail"] = detail
    if pointer is not None:
        err["source"] = {"pointer": pointer}
    elif parameter is not None:
        err["source"] = {"parameter": parameter}
    return err


def api_error(status, title, detail=None, pointer=None, parameter=None):
    return ApiError(json_response(status, {"errors": [
        error_object(status, title, detail, pointer, parameter)]}))


def unprocessable(detail, pointer=None, parameter=None, title="Unprocessable Entity"):
    return api_error(422, title, detail, pointer, parameter)


def invalid_attr(attr, detail):
    return unprocessable(detail, pointer="/data/attributes/%s" % attr)


def not_found(detail="Record not found"):
    # The status is a string here, as in the documented 404 schema.
    return ApiError(json_response(404, {"errors": [
        {"status": "404", "title": "Not Found", "detail": detail}]}))


def html_not_found():
    return Response(404, NOT_FOUND_HTML.encode(), HTML_CT)


# --------------------------------------------------------------------------
# Query parameters: filter values, sort, paging
# --------------------------------------------------------------------------

_INT_RE = re.compile(r"\s*-?\d+\s*\Z")
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")


def split_values(raw):
    """Comma-separated OR list; a backslash escapes a comma (KB: "Commas in
    filters can be escaped with a backslash"). Other backslashes are literal."""
    return [part.replace("\\,", ",") for part in _UNESCAPED_COMMA.split(raw)]


def parse_int(key, text):
    if not isinstance(text, str) or not _INT_RE.match(text):
        raise unprocessable("%s must be a number" % key, parameter=key)
    return int(text)


def parse_int_set(key, raw):
    return frozenset(parse_int(key, v) for v in split_values(raw))


def parse_date_range(key, raw, cap_days, now_ms):
    parts = raw.split(",")
    if len(parts) != 2:
        raise unprocessable("%s must be 'start,end' (RFC3339 or *)" % key, parameter=key)
    bounds = []
    for part in parts:
        part = part.strip()
        if part == "*":
            bounds.append(None)
            continue
        try:
            bounds.append(parse_ts(part))
        except ValueError:
            raise unprocessable("%s has an invalid date: %r" % (key, part), parameter=key)
    lo, hi = bounds
    if cap_days is not None:
        # Mirrors the verified /user_metrics behaviour; an open end means "now".
        end = hi if hi is not None else now_ms
        if lo is None or end - lo > cap_days * 86400000:
            raise ApiError(json_response(422, {"errors": [{"status": 422, "title":
                "date range filter cannot be longer than a week, and cannot start with a wildcard"}]}))
    return lo, hi


def parse_int_range(key, raw):
    parts = raw.split(",")
    if len(parts) != 2:
        raise unprocessable("%s must be 'min,max' (numbers or *)" % key, parameter=key)
    return tuple(None if p.strip() == "*" else parse_int(key, p) for p in parts)


class FilterSet:
    """Parsed filters: predicates over records plus a hashable cache key."""

    def __init__(self, predicates, key, present):
        self.predicates = predicates
        self.key = key
        self.present = present       # recognised, non-blank filter keys


def _name_matcher(values, mode):
    if mode == "exact":
        wanted = frozenset(values)
        return lambda name: name in wanted
    lowered = [v.lower() for v in values]
    if mode == "exact_ci":
        wanted = frozenset(lowered)
        return lambda name: name.lower() in wanted
    return lambda name: any(v in name.lower() for v in lowered)     # partial_ci


def _f_int_in(attr, negate=False):
    def build(key, raw, ctx):
        wanted = parse_int_set(key, raw)
        if negate:
            return lambda o: getattr(o, attr) not in wanted
        return lambda o: getattr(o, attr) in wanted
    return build


def _f_name(negate=False):
    def build(key, raw, ctx):
        match = _name_matcher(split_values(raw), ctx["name_match"])
        if negate:
            return lambda o: not match(o.name)
        return lambda o: match(o.name)
    return build


def _f_str_in(attr):
    def build(key, raw, ctx):
        wanted = frozenset(split_values(raw))
        return lambda o: getattr(o, attr) in wanted
    return build


def _f_date(attr):
    def build(key, raw, ctx):
        lo, hi = parse_date_range(key, raw, ctx["date_range_cap_days"], ctx["now_ms"])
        return lambda o: ((lo is None or getattr(o, attr) >= lo)
                          and (hi is None or getattr(o, attr) <= hi))
    return build


def _f_primary(key, raw, ctx):
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise unprocessable("%s must be true or false" % key, parameter=key)
    wanted = value == "true"
    return lambda o: o.primary is wanted


def _f_validate_only(key, raw, ctx):
    parse_int_set(key, raw)     # groups are not simulated: validate, then ignore
    return None


def _f_my_glue_range(key, raw, ctx):
    lo, hi = parse_int_range(key, raw)
    return lambda o: (o.my_glue_id is not None and (lo is None or o.my_glue_id >= lo)
                      and (hi is None or o.my_glue_id <= hi))


ORG_FILTERS = {
    "filter[id]": _f_int_in("id"),
    "filter[name]": _f_name(),
    "filter[organization_type_id]": _f_int_in("type_id"),
    "filter[organization_status_id]": _f_int_in("status_id"),
    "filter[created_at]": _f_date("created"),
    "filter[updated_at]": _f_date("updated"),
    "filter[my_glue_account_id]": _f_int_in("my_glue_id"),
    "filter[psa_id]": _f_str_in("psa_id"),
    "filter[psa_integration_type]": _f_str_in("psa_type"),
    "filter[group_id]": _f_validate_only,
    "filter[primary]": _f_primary,
    "filter[exclude][id]": _f_int_in("id", negate=True),
    "filter[exclude][name]": _f_name(negate=True),
    "filter[exclude][organization_type_id]": _f_int_in("type_id", negate=True),
    "filter[exclude][organization_status_id]": _f_int_in("status_id", negate=True),
    "filter[range][my_glue_account_id]": _f_my_glue_range,
}


def parse_filters(params, table, config, now_ms, allow_range=True):
    """Build a FilterSet. Unknown keys, keys listed in config ignore_filters
    and blank values are ignored, as if absent (the real API silently ignores
    unknown filters and returns everything)."""
    ctx = {"name_match": config["name_match"], "now_ms": now_ms,
           "date_range_cap_days": config["date_range_cap_days"]}
    ignored = set(config["ignore_filters"])
    present = {k: v for k, v in params.items()
               if k in table and k not in ignored and v != ""
               and (allow_range or not k.startswith("filter[range]"))}
    if "filter[psa_id]" in present and "filter[psa_integration_type]" not in present:
        raise unprocessable(None, parameter="filter[psa_id]",
                            title="psa_integration_type filter is required with psa_id")
    predicates = []
    for key, raw in present.items():
        pred = table[key](key, raw, ctx)
        if pred is not None:
            predicates.append(pred)
    key = (tuple(sorted(present.items())), ctx["name_match"], ctx["date_range_cap_days"])
    return FilterSet(predicates, key, present)


ORG_SORT_FIELDS = {
    "name": lambda o: o.name,
    "id": lambda o: o.id,
    "updated_at": lambda o: o.updated,
    "created_at": lambda o: o.created,
    "organization_status_name": lambda o: o.status_name,
    "organization_type_name": lambda o: o.type_name,
    "short_name": lambda o: o.short_name,
    "my_glue_account_id": lambda o: o.my_glue_id,
}


def parse_sort(raw, fields):
    """'name,-id' -> (("name", False), ("id", True)). Unknown field -> 422."""
    if raw is None or raw.strip() == "":
        return ()
    spec = []
    for part in raw.split(","):
        part = part.strip()
        desc = part.startswith("-")
        field = part[1:] if desc else part
        if field not in fields:
            raise unprocessable("sort field '%s' is not supported" % field, parameter="sort")
        spec.append((field, desc))
    return tuple(spec)


def apply_sort(items, spec, fields):
    """Multi-key sort; ties keep id order (items arrive id-ordered and Python's
    sort is stable, also with reverse=True). NULLs first ascending, last
    descending."""
    items = list(items)
    for field, desc in reversed(spec):
        getter = fields[field]

        def key(item, getter=getter):
            value = getter(item)
            return (value is not None, value)
        items.sort(key=key, reverse=desc)
    return items


def parse_page(params, config):
    number = _page_param(params, "page[number]", 1)
    size = _page_param(params, "page[size]", DEFAULT_PAGE_SIZE)
    if size > MAX_PAGE_SIZE:
        if config["page_size_over_max"] == "error":
            raise unprocessable("page[size] must be less than or equal to %d" % MAX_PAGE_SIZE,
                                parameter="page[size]")
        size = MAX_PAGE_SIZE
    return number, size


def _page_param(params, key, default):
    raw = params.get(key)
    if raw is None:
        return default
    if not re.fullmatch(r"\s*\d+\s*", raw) or int(raw) < 1:
        raise unprocessable("%s must be a positive integer" % key, parameter=key)
    return int(raw)


def page_url(req, number, size):
    """Absolute URL of a page: the request's other parameters (sorted by key,
    as Rails' to_query does) plus page[number] and page[size]."""
    pairs = [(k, v) for k, v in req.params.items() if k not in ("page[number]", "page[size]")]
    pairs += [("page[number]", str(number)), ("page[size]", str(size))]
    pairs.sort()
    query = "&".join("%s=%s" % (quote_plus(k, safe=""), quote_plus(v, safe="")) for k, v in pairs)
    return "%s%s?%s" % (req.base_url, req.path, query)


def page_meta(number, size, total):
    pages = (total + size - 1) // size
    return {"current-page": number,
            "next-page": number + 1 if number < pages else None,
            "prev-page": number - 1 if number > 1 else None,
            "total-pages": pages, "total-count": total, "filters": {}}


def page_links(req, meta, size):
    links = {"self": page_url(req, meta["current-page"], size),
             "first": page_url(req, 1, size)}
    if meta["prev-page"] is not None:
        links["prev"] = page_url(req, meta["prev-page"], size)
    if meta["next-page"] is not None:
        links["next"] = page_url(req, meta["next-page"], size)
    links["last"] = page_url(req, max(meta["total-pages"], 1), size)
    return links


def page_response(req, items, number, size, render):
    """A list page built by joining pre-rendered record bytes."""
    meta = page_meta(number, size, len(items))
    start = (number - 1) * size
    records = b",".join(render(item) for item in items[start:start + size])
    body = b"".join((b'{"data":[', records, b'],"meta":', dumps(meta),
                     b',"links":', dumps(page_links(req, meta, size)), b"}"))
    return Response(200, body)


# --------------------------------------------------------------------------
# Request bodies and attribute validation
# --------------------------------------------------------------------------

# The documented writable attributes (test/spec/itglue-api.json) the
# simulator stores. parent_id is documented as writable too, but the resource
# text says the API cannot assign a parent: it is accepted and ignored.
# psa-id, psa-integration-type, my-glue-account-id and the primary contact
# and location are set by IT Glue (PSA integration, MyGlue), never by a write.
ATTR_SLOTS = {
    "name": "name", "alert": "alert", "description": "description",
    "quick-notes": "quick_notes", "short-name": "short_name",
    "organization-type-id": "type_id", "organization-status-id": "status_id",
}
PSA_SYNCED_WRITABLE = ("alert", "description", "quick-notes")
PSA_RULE_DETAIL = ("Organization is synced with a PSA; only alert, description and "
                   "quick_notes can be updated")


def require_jsonapi_content_type(req):
    media = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if media != "application/vnd.api+json":
        raise api_error(415, "Unsupported Media Type",
                        "Content-Type must be application/vnd.api+json")


def parse_json_body(req):
    try:
        return json.loads(req.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise api_error(400, "Bad Request", "The request body is not valid JSON")


def resource_attributes(data, type_name):
    """The attributes object of one resource in a request body, with keys
    normalized to kebab-case (the API accepts snake_case too)."""
    if not isinstance(data, dict):
        raise api_error(400, "Bad Request", "data must be an object")
    if "type" in data and data["type"] != type_name:
        raise unprocessable("must be %s" % type_name, pointer="/data/type")
    attrs = data.get("attributes", {})
    if not isinstance(attrs, dict):
        raise api_error(400, "Bad Request", "data.attributes must be an object")
    return {k.replace("_", "-"): v for k, v in attrs.items()}


def _coerce_int(attr, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or \
            (isinstance(value, str) and not _INT_RE.match(value)):
        raise invalid_attr(attr, "is not a number")
    return int(value)


def _coerce_str(attr, value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)                 # Rails casts numbers for string columns
    raise invalid_attr(attr, "is invalid")


def _coerce_lookup(attr, value, table):
    if value is None:
        return None, None
    try:
        lid = _coerce_int(attr, value)
    except ApiError:
        raise invalid_attr(attr, "must exist")
    if lid not in table:
        raise invalid_attr(attr, "must exist")
    return lid, table[lid]["name"]


def validate_org_changes(state, attrs, org_id=None, pending=None):
    """Validate writable attributes (body order) -> {slot: value}. Read-only
    and unknown attributes are ignored, as Rails strong params do."""
    changes = {}
    for attr, value in attrs.items():
        if attr not in ATTR_SLOTS:
            continue
        if attr == "name":
            if not isinstance(value, str) or not value.strip():
                if value is None or isinstance(value, str):
                    raise invalid_attr("name", "can't be blank")
                raise invalid_attr("name", "is invalid")
            if state.name_taken(value, org_id, pending):
                raise invalid_attr("name", "has already been taken")
            changes["name"] = value
        elif attr == "organization-type-id":
            changes["type_id"], changes["type_name"] = _coerce_lookup(attr, value, state.types)
        elif attr == "organization-status-id":
            changes["status_id"], changes["status_name"] = _coerce_lookup(attr, value, state.statuses)
        else:
            changes[ATTR_SLOTS[attr]] = _coerce_str(attr, value)
    return changes


def check_psa_rule(org, attrs):
    """PSA-synced orgs accept only alert, description and quick_notes."""
    if org.psa_id is None:
        return
    for attr in attrs:
        if attr in ATTR_SLOTS and attr not in PSA_SYNCED_WRITABLE:
            raise invalid_attr(attr, PSA_RULE_DETAIL)


def _record_id(attrs):
    if "id" not in attrs or attrs["id"] is None:
        raise invalid_attr("id", "can't be blank")
    return _coerce_int("id", attrs["id"])


# --------------------------------------------------------------------------
# The API (everything not under /_sim/)
# --------------------------------------------------------------------------

# Resources with their own handlers here; simengine serves the others.
OWN_HANDLERS = frozenset(("organizations", "organization_types", "organization_statuses"))


class Api:
    """Route handlers. Every handler runs under the simulator lock, so it sees
    a consistent State; handlers take (req, *path_groups) -> Response."""

    def __init__(self, sim):
        self.sim = sim
        self.engine = simengine.Engine(sys.modules[__name__], SPEC)
        lookup = "(organization_types|organization_statuses)"
        self.routes = [(re.compile(pattern), methods) for pattern, methods in (
            (r"/organizations", {"GET": self.org_index, "POST": self.org_create,
                                 "PATCH": self.org_bulk_update,
                                 "DELETE": self.org_bulk_destroy}),
            (r"/organizations/([^/]+)", {"GET": self.org_show, "PATCH": self.org_update}),
            (r"/" + lookup, {"GET": self.lookup_index, "POST": self.lookup_create}),
            (r"/" + lookup + r"/([^/]+)", {"GET": self.lookup_show,
                                           "PATCH": self.lookup_update}),
        )]

    @property
    def state(self):
        return self.sim.state

    @property
    def config(self):
        return self.sim.config

    def handle(self, req):
        """Gateway auth, then routing. Returns a Response."""
        auth = self.sim.key_status(req.headers)
        if auth == "missing":
            return json_response(401, {"errors": [{"status": 401, "title": "Unauthorized",
                                                   "detail": "Unauthorized resource access"}]})
        if auth == "invalid":
            # The gateway's own shape, not JSON:API.
            return json_response(403, {"message": "Forbidden"}, "application/json")
        documented = SPEC.match(req.method, req.path)
        if documented is None:
            return html_not_found()             # not a route of the documented API
        resource, action, route_params = documented
        req.password_access = self.sim.password_access(req.headers)
        try:
            self._apply_spec(req, resource, action)
        except ApiError as err:
            return err.response
        if resource not in OWN_HANDLERS:
            try:
                with self.sim.lock:
                    resp = self.engine.handle(self, req, resource, action, route_params)
            except ApiError as err:
                return err.response
            return self._documented_response(resp, resource)
        for pattern, methods in self.routes:
            match = pattern.fullmatch(req.path)
            if match:
                handler = methods.get(req.method)
                if handler is None and req.method == "HEAD":
                    handler = methods.get("GET")          # Rails routes HEAD as GET
                if handler is None:
                    return html_not_found()
                try:
                    with self.sim.lock:
                        resp = handler(req, *match.groups())
                except ApiError as err:
                    return err.response
                return self._documented_response(resp, resource)
        return html_not_found()

    def _apply_spec(self, req, resource, action):
        """Validate the request against the documented API: undocumented
        filter keys are dropped (the real service ignores them), undocumented
        write attributes dropped or refused (config undocumented_write), and
        what the documentation refuses raises a 422."""
        try:
            try:
                req.params = SPEC.check_query(resource, action, req.params)
            except itglue_spec.SpecError as err:
                self.sim.note_spec_refusal(req, err)
                raise
            if req.body and action in ("create", "update", "bulk_update"):
                try:
                    doc = json.loads(req.body.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    return                       # the handler answers 400
                if SPEC.check_write(resource, action, doc, self.config["undocumented_write"]):
                    req.body = json.dumps(doc).encode()
        except itglue_spec.SpecError as err:
            raise unprocessable(err.detail, pointer=err.pointer, parameter=err.parameter,
                                title=err.title)

    def _documented_response(self, resp, resource):
        """In "documented" attribute mode, a success keeps only the
        attributes of the documented response examples."""
        if self.config["attributes"] != "documented" or resp.status not in (200, 201) \
                or not resp.content_type.startswith("application/vnd.api+json"):
            return resp
        doc = json.loads(resp.body)
        SPEC.strip_response(resource, doc)
        resp.body = dumps(doc)
        return resp

    # ---------------------------------------------------------- organizations
    def _org_filters(self, req, allow_range=True):
        return parse_filters(req.params, ORG_FILTERS, self.config, self.state.now_ms(),
                             allow_range)

    def _find_org(self, raw_id):
        if not re.fullmatch(r"\d+", raw_id or ""):
            raise not_found()
        org = self.state.orgs.get(int(raw_id))
        if org is None:
            raise not_found()
        return org

    def _show(self, org, write=False):
        cut = write and self.config["write_answers_cut"]
        return json_response(200, b'{"data":' + org.render(cut, self.config["int_parent_id"]) + b"}")

    def _org_list(self, status, orgs):
        """The answer of a bulk write: the records, cut like a list's when
        write_answers_cut is set (the documentation does not say)."""
        int_parent = self.config["int_parent_id"]
        cut = self.config["write_answers_cut"]
        return json_response(status, b'{"data":[' + b",".join(
            o.render(cut, int_parent) for o in orgs) + b"]}")

    def org_index(self, req):
        started = time.perf_counter()
        filters = self._org_filters(req)
        # "sort" in ignore_filters: answer in the default order, as an API
        # that ignores the parameter would.
        sort_param = None if "sort" in self.config["ignore_filters"] else req.params.get("sort")
        sort = parse_sort(sort_param, ORG_SORT_FIELDS)
        number, size = parse_page(req.params, self.config)
        items = self.state.query(filters, sort)
        int_parent = self.config["int_parent_id"]
        resp = page_response(req, items, number, size, lambda o: o.render(True, int_parent))
        resp.render_ms = (time.perf_counter() - started) * 1000
        return resp

    def org_show(self, req, raw_id):
        return self._show(self._find_org(raw_id))

    def org_create(self, req):
        require_jsonapi_content_type(req)
        doc = parse_json_body(req)
        attrs = resource_attributes(doc.get("data") if isinstance(doc, dict) else None,
                                    "organizations")
        changes = validate_org_changes(self.state, attrs)
        if "name" not in changes:
            raise invalid_attr("name", "can't be blank")
        state = self.state
        stamp = state.tick()
        org = Org(id=state.next_id, created=stamp, updated=stamp, **changes)
        state.next_id += 1
        state.put(org)
        resp = self._show(org, write=True)
        resp.status = 201
        return resp

    def org_update(self, req, raw_id):
        require_jsonapi_content_type(req)
        doc = parse_json_body(req)
        org = self._find_org(raw_id)
        attrs = resource_attributes(doc.get("data") if isinstance(doc, dict) else None,
                                    "organizations")
        check_psa_rule(org, attrs)
        changes = validate_org_changes(self.state, attrs, org.id)
        new = org.copy(updated=self.state.tick(), **changes)
        self.state.put(new)
        return self._show(new, write=True)

    def _bulk_targets(self, req, data, allow_filter_form):
        """[(org, attrs)] for a bulk PATCH/DELETE body, or raise. The list
        form names ids inside attributes; the filter form (PATCH only) applies
        one attributes object to every org matching the query filters."""
        has_filter = any(k.startswith("filter[") for k in req.params)
        if isinstance(data, list):
            if has_filter:
                raise unprocessable("data cannot be an array when used with filter",
                                    pointer="/data")
            targets = []
            for item in data:
                attrs = resource_attributes(item, "organizations")
                oid = _record_id(attrs)
                org = self.state.orgs.get(oid)
                if org is None:
                    raise not_found("Record not found: id %d" % oid)
                targets.append((org, attrs))
            return targets
        if isinstance(data, dict) and allow_filter_form:
            filters = self._org_filters(req, allow_range=False)
            if not filters.present:
                raise unprocessable("data must be an array unless used with filter",
                                    pointer="/data")
            attrs = resource_attributes(data, "organizations")
            return [(org, attrs) for org in self.state.query(filters, ())]
        raise api_error(400, "Bad Request", "data must be an array")

    def org_bulk_update(self, req):
        require_jsonapi_content_type(req)
        doc = parse_json_body(req)
        data = doc.get("data") if isinstance(doc, dict) else None
        targets = self._bulk_targets(req, data, allow_filter_form=True)
        pending = {}                       # id -> validated, not yet stored Org
        order = []
        for org, attrs in targets:         # validate everything before storing
            current = pending.get(org.id, org)
            check_psa_rule(current, attrs)
            names = {oid: o.name for oid, o in pending.items()}
            changes = validate_org_changes(self.state, attrs, org.id, names)
            pending[org.id] = current.copy(**changes)
            if org.id not in order:
                order.append(org.id)
        stamp = self.state.tick() if order else None
        updated = []
        for oid in order:
            new = pending[oid].copy(updated=stamp)
            self.state.put(new)
            updated.append(new)
        return self._org_list(200, updated)

    def org_bulk_destroy(self, req):
        has_filter = any(k.startswith("filter[") for k in req.params)
        if req.body:
            require_jsonapi_content_type(req)
            if has_filter:
                raise unprocessable("data cannot be used in combination with filter",
                                    pointer="/data")
            doc = parse_json_body(req)
            data = doc.get("data") if isinstance(doc, dict) else None
            targets = self._bulk_targets(req, data, allow_filter_form=False)
            orgs = list({org.id: org for org, _ in targets}.values())
        else:
            filters = self._org_filters(req, allow_range=False)
            if not filters.present:
                # Deleting everything on an empty/unknown filter is never
                # what a test wants; refuse instead.
                raise unprocessable("a filter or data is required", pointer="/data")
            orgs = list(self.state.query(filters, ()))
        if orgs:
            self.state.tick()
        for org in orgs:
            self.state.remove(org.id)
        return self._org_list(200, orgs)

    # ------------------------------------------- organization types / statuses
    LOOKUPS = {
        "organization_types": ("types", "organization-types", "type_id", "type_name"),
        "organization_statuses": ("statuses", "organization-statuses", "status_id",
                                  "status_name"),
    }
    LOOKUP_SORT = {"name": lambda r: r["name"], "id": lambda r: r["id"],
                   "created_at": lambda r: r["created"], "updated_at": lambda r: r["updated"]}

    def _lookup_table(self, res):
        return getattr(self.state, self.LOOKUPS[res][0])

    def _render_lookup(self, res, rec):
        return dumps({"id": str(rec["id"]), "type": self.LOOKUPS[res][1], "attributes": {
            "name": rec["name"], "created-at": fmt_ts(rec["created"]),
            "updated-at": fmt_ts(rec["updated"]), "synced": rec["synced"]}})

    def _find_lookup(self, res, raw_id):
        table = self._lookup_table(res)
        if not re.fullmatch(r"\d+", raw_id) or int(raw_id) not in table:
            raise not_found()
        return table[int(raw_id)]

    def lookup_index(self, req, res):
        started = time.perf_counter()
        items = list(self._lookup_table(res).values())
        name = req.params.get("filter[name]", "")
        if name != "" and "filter[name]" not in self.config["ignore_filters"]:
            match = _name_matcher(split_values(name), "exact")    # "exact match only"
            items = [r for r in items if match(r["name"])]
        items = apply_sort(items, parse_sort(req.params.get("sort"), self.LOOKUP_SORT),
                           self.LOOKUP_SORT)
        number, size = parse_page(req.params, self.config)
        resp = page_response(req, items, number, size, lambda r: self._render_lookup(res, r))
        resp.render_ms = (time.perf_counter() - started) * 1000
        return resp

    def lookup_show(self, req, res, raw_id):
        return json_response(200, b'{"data":' + self._render_lookup(
            res, self._find_lookup(res, raw_id)) + b"}")

    def _lookup_name(self, res, attrs, exclude_id=None):
        name = attrs.get("name")
        if not isinstance(name, str) or not name.strip():
            raise invalid_attr("name", "can't be blank")
        for rec in self._lookup_table(res).values():
            if rec["id"] != exclude_id and norm_name(rec["name"]) == norm_name(name):
                raise invalid_attr("name", "has already been taken")
        return name

    def lookup_create(self, req, res):
        require_jsonapi_content_type(req)
        doc = parse_json_body(req)
        attrs = resource_attributes(doc.get("data") if isinstance(doc, dict) else None,
                                    self.LOOKUPS[res][1])
        name = self._lookup_name(res, attrs)
        table = self._lookup_table(res)
        stamp = self.state.tick()
        rec = {"id": max(table, default=0) + 1, "name": name, "created": stamp,
               "updated": stamp, "synced": False}
        table[rec["id"]] = rec
        resp = json_response(201, b'{"data":' + self._render_lookup(res, rec) + b"}")
        return resp

    def lookup_update(self, req, res, raw_id):
        require_jsonapi_content_type(req)
        doc = parse_json_body(req)
        rec = self._find_lookup(res, raw_id)
        attrs = resource_attributes(doc.get("data") if isinstance(doc, dict) else None,
                                    self.LOOKUPS[res][1])
        if "name" in attrs:
            name = self._lookup_name(res, attrs, rec["id"])
            rec.update(name=name, updated=self.state.tick())
            self._rename_lookup_in_orgs(res, rec)
        return json_response(200, b'{"data":' + self._render_lookup(res, rec) + b"}")

    def _rename_lookup_in_orgs(self, res, rec):
        """Orgs carry the type/status name; rebuild the affected ones."""
        _, _, id_slot, name_slot = self.LOOKUPS[res]
        state = self.state
        for org in list(state.orgs.values()):
            if getattr(org, id_slot) == rec["id"] and getattr(org, name_slot) != rec["name"]:
                state.orgs[org.id] = org.copy(**{name_slot: rec["name"]})
        state.invalidate()


# --------------------------------------------------------------------------
# Fault injection
# --------------------------------------------------------------------------

FAULT_KINDS = {"malformed", "truncated", "html200", "wrong_content_type", "huge", "deep",
               "wrong_types", "non_integer_id", "missing_data", "data_not_array",
               "duplicate_page", "never_ending", "null_meta", "latency", "stall", "close",
               "other_id", "other_type", "attribute_value"}
RULE_KEYS = {"method", "path", "path_prefix", "query_contains", "times", "skip", "action"}
ACTION_KEYS = {"status", "retry_after", "html", "body", "content_type", "kind", "bytes",
               "depth", "ms", "seconds", "apply", "echo_key", "encoding", "attribute", "value",
               "absent"}
# Ways an answer can echo the x-api-key it was sent (see echo_key_response).
ECHO_FORMS = {"json", "json_escaped", "html", "html_entities", "upper", "url", "token", "cut",
              "other_key", "content_type", "record_id"}
# Kinds that answer without running the real handler (no side effects).
STANDALONE_KINDS = {"malformed", "html200", "huge", "deep", "stall", "close"}


class FaultRule:
    def __init__(self, spec):
        if not isinstance(spec, dict) or set(spec) - RULE_KEYS:
            raise ValueError("fault rule keys must be among %s" % sorted(RULE_KEYS))
        action = spec.get("action")
        if not isinstance(action, dict) or set(action) - ACTION_KEYS or \
                ("status" in action) == ("kind" in action):
            raise ValueError("action must be an object with either 'status' or 'kind'")
        if "kind" in action and action["kind"] not in FAULT_KINDS:
            raise ValueError("unknown fault kind %r" % action["kind"])
        if "status" in action and not isinstance(action["status"], int):
            raise ValueError("action status must be an integer")
        if "apply" in action and (not isinstance(action["apply"], bool) or not (
                "status" in action or action.get("kind") in STANDALONE_KINDS)):
            raise ValueError("'apply' (a boolean) goes with 'status' or a replacing kind")
        if "echo_key" in action and action["echo_key"] not in ECHO_FORMS:
            raise ValueError("echo_key must be one of %s" % sorted(ECHO_FORMS))
        if "encoding" in action:
            try:
                codecs.lookup(action["encoding"])
            except LookupError:
                raise ValueError("unknown encoding %r" % action["encoding"])
        self.method = spec.get("method")
        self.path = spec.get("path")
        self.path_prefix = spec.get("path_prefix")
        self.query_contains = spec.get("query_contains")
        self.times = int(spec.get("times", 1))
        self.skip = int(spec.get("skip", 0))
        self.action = action
        self.fired = 0

    def matches(self, req):
        if self.method and self.method.upper() != req.method:
            return False
        if self.path is not None and self.path != req.path:
            return False
        if self.path_prefix is not None and not req.path.startswith(self.path_prefix):
            return False
        if self.query_contains is not None and self.query_contains not in req.query \
                and self.query_contains not in unquote(req.query):
            return False
        return True

    def describe(self):
        out = {k: getattr(self, k) for k in ("method", "path", "path_prefix", "query_contains")
               if getattr(self, k) is not None}
        out.update(times=self.times, skip=self.skip, fired=self.fired, action=self.action)
        return out


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []

    def add(self, specs):
        rules = [FaultRule(s) for s in (specs if isinstance(specs, list) else [specs])]
        with self.lock:
            self.rules.extend(rules)
        return len(rules)

    def clear(self):
        with self.lock:
            self.rules = []

    def describe(self):
        with self.lock:
            return [r.describe() for r in self.rules]

    def pick(self, req):
        """The action of the first matching rule with times left. A rule with
        skip > 0 lets a matching request through (skip decrements) and the
        search continues with the next rule."""
        with self.lock:
            for rule in self.rules:
                if rule.times == 0 or not rule.matches(req):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                if rule.times > 0:
                    rule.times -= 1
                rule.fired += 1
                return rule.action
        return None


def _one_record_page(sim, req, description):
    """A valid single-record list page whose description is `description`."""
    with sim.lock:
        org = next(iter(sim.state.orgs.values()), None)
    record = json.loads(org.render(True)) if org else {
        "id": "1", "type": "organizations", "attributes": {"name": "X"}}
    record["attributes"]["description"] = description
    meta = page_meta(1, 1, 1)
    return {"data": [record], "meta": meta, "links": page_links(req, meta, 1)}


def echo_key_response(status, key, form):
    """An answer that quotes the x-api-key it was sent, as a careless gateway
    or framework may: raw in a JSON:API error, JSON-escaped character by
    character, in an HTML page (raw, or as numeric character references),
    upper-cased, percent-encoded in a URL, inside a longer token,
    straddling the 120th character, as another x-api-key value (the key
    reversed), in the Content-Type header, or as a record's id (200)."""
    def error_doc(detail):
        return {"errors": [{"status": status, "title": reason_phrase(status), "detail": detail}]}
    if form == "json":
        return json_response(status, error_doc("API key %s is not valid for this account" % key))
    if form == "json_escaped":
        escaped = "".join("\\u%04x" % ord(c) for c in key)
        body = dumps(error_doc("API key @@ is not valid")).replace(b"@@", escaped.encode())
        return Response(status, body)
    if form == "html":
        return Response(status, ("<html><body><h1>%d %s</h1><p>Rejected key: %s</p></body></html>"
                                 % (status, reason_phrase(status), key)).encode(), HTML_CT)
    if form == "html_entities":
        refs = "".join("&#%d;" % ord(c) for c in key)
        return Response(status, ("<html><body><p>Rejected key: %s</p></body></html>" % refs).encode(),
                        HTML_CT)
    if form == "upper":
        return Response(status, ("API KEY %s IS NOT VALID" % key.upper()).encode(), TEXT_CT)
    if form == "url":
        encoded = "".join("%%%02X" % b for b in key.encode())
        return Response(status, ('<html><body><a href="https://api.itglue.com/organizations?'
                                 'auth=%s&amp;page=1">retry</a></body></html>' % encoded).encode(),
                        HTML_CT)
    if form == "token":
        return Response(status, ("invalid session token tok_%s_9f2c" % key).encode(), TEXT_CT)
    if form == "cut":
        lead = "Request rejected for key "
        return Response(status, (lead.ljust(114, "-") + key + " (see the audit log)").encode(),
                        TEXT_CT)
    if form == "other_key":
        return Response(status, ("Request headers: x-api-key: %s; accept: */*" % key[::-1]).encode(),
                        TEXT_CT)
    if form == "content_type":
        return Response(status, b"denied", "text/plain; key=%s" % key)
    # record_id: a 200 list page whose one record has the key as its id
    page = {"data": [{"id": key, "type": "organizations", "attributes": {"name": "Echo"}}],
            "meta": page_meta(1, 1, 1)}
    return json_response(200, page)


def standalone_fault(sim, req, action):
    """Responses produced without the real handler."""
    if "status" in action:
        status = action["status"]
        if "echo_key" in action:
            return echo_key_response(status, req.headers.get("x-api-key", ""), action["echo_key"])
        if "body" in action:
            return Response(status, str(action["body"]).encode(action.get("encoding", "utf-8")),
                            action.get("content_type", TEXT_CT))
        if action.get("html"):
            return Response(status, gateway_html(status).encode(), HTML_CT)
        resp = json_response(status, {"errors": [{"status": status,
                                                  "title": reason_phrase(status)}]})
        if action.get("retry_after") is not None:
            resp.headers.append(("Retry-After", str(action["retry_after"])))
        return resp
    kind = action["kind"]
    if kind == "malformed":
        return Response(200, b'{"data": [{"id": "1", "type": "organizations", '
                             b'"attributes": {"name": "X"  <<<garbage>>> \x01\x02 ]]}}}')
    if kind == "html200":
        return Response(200, MAINTENANCE_HTML.encode(), HTML_CT)
    if kind == "huge":
        page = _one_record_page(sim, req, "")
        pad = max(0, int(action.get("bytes", 10_000_000)) - len(dumps(page)))
        page["data"][0]["attributes"]["description"] = "x" * pad
        return json_response(200, page)
    if kind == "deep":
        depth = int(action.get("depth", 10000))
        body = dumps(_one_record_page(sim, req, "__DEEP__"))
        return Response(200, body.replace(b'"__DEEP__"', b"[" * depth + b"]" * depth))
    resp = Response(0, b"")
    resp.transport = kind                 # "stall" or "close": nothing is sent
    resp.stall_seconds = float(action.get("seconds", 30))
    return resp


def _int_param(req, key, default):
    try:
        return max(1, int(req.params.get(key, default)))
    except ValueError:
        return default


def _page_number(req):
    return _int_param(req, "page[number]", 1)


def mutate_fault(sim, req, action, resp):
    """Faults that distort the real response. JSON mutations apply only to a
    successful JSON response; anything else passes through unchanged."""
    kind = action["kind"]
    if kind == "truncated":
        resp.transport = "truncate"
        return resp
    if kind == "latency":
        resp.delay_ms += int(action.get("ms", 1000))
        return resp
    if kind == "wrong_content_type":
        resp.content_type = "application/octet-stream"
        return resp
    if not 200 <= resp.status <= 299 or \
            not resp.content_type.startswith("application/vnd.api+json"):
        return resp
    doc = json.loads(resp.body)
    records = doc.get("data")
    records = records if isinstance(records, list) else [records] if isinstance(records, dict) else []
    if kind == "attribute_value":
        for rec in records:
            attrs = rec.setdefault("attributes", {})
            if action.get("absent"):
                attrs.pop(action.get("attribute"), None)
            else:
                attrs[action.get("attribute")] = action.get("value")
    elif kind == "wrong_types":
        for rec in records:
            rec.setdefault("attributes", {}).update({"organization-type-id": "abc",
                                                     "created-at": "yesterday"})
    elif kind == "non_integer_id":
        for rec in records:
            rec["id"] = "x" + str(rec.get("id"))
    elif kind == "other_id":
        for rec in records:
            rec["id"] = str(int(rec.get("id")) + 1)
    elif kind == "other_type":
        for rec in records:
            rec["type"] = "contacts"
    elif kind == "missing_data":
        doc.pop("data", None)
    elif kind == "data_not_array":
        doc["data"] = records[0] if records else {"id": "1", "type": "organizations",
                                                  "attributes": {"name": "X"}}
    elif kind == "null_meta":
        doc["meta"] = None
    elif kind == "duplicate_page":
        number = _page_number(req)
        if number > 1 and isinstance(doc.get("data"), list):
            doc["data"] = _previous_page_data(sim, req, number)
    elif kind == "never_ending" and isinstance(doc.get("meta"), dict):
        number = _page_number(req)
        size = min(_int_param(req, "page[size]", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
        doc["meta"].update({"next-page": number + 1, "total-pages": 1000000,
                            "total-count": 1000000})
        links = doc.setdefault("links", {})
        links["next"] = page_url(req, number + 1, size)
        links["last"] = page_url(req, 1000000, size)
    resp.body = dumps(doc)
    return resp


def _previous_page_data(sim, req, number):
    pairs = [(k, str(number - 1) if k == "page[number]" else v) for k, v in req.pairs]
    query = "&".join("%s=%s" % (quote_plus(k, safe="[]"), quote_plus(v, safe="")) for k, v in pairs)
    prev = Request(req.method, req.path + "?" + query, req.headers, b"", req.base_url)
    doc = json.loads(sim.api.handle(prev).body)
    return doc.get("data", [])


# --------------------------------------------------------------------------
# Request log and stats
# --------------------------------------------------------------------------

class RequestLog:
    def __init__(self):
        self.lock = threading.Lock()
        self.entries = []

    def append(self, entry):
        with self.lock:
            entry["seq"] = len(self.entries) + 1
            self.entries.append(entry)

    def read(self, clear=False):
        with self.lock:
            entries = self.entries
            if clear:
                self.entries = []
            return list(entries)

    def clear(self):
        self.read(clear=True)


def log_as_text(entries, decode):
    lines = []
    for e in entries:
        target = unquote(e["target"]) if decode else e["target"]
        line = "%s %s" % (e["method"], target)
        if e["body"] is not None:
            line += " " + e["body"].replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
        lines.append(line + "\n")
    return "".join(lines)


class RateWindow:
    """IT Glue's limit: a sliding window of the accepted requests of each
    account.  A request that would be one too many is refused with 429 and a
    Retry-After (whole seconds until the oldest request in the window
    leaves it); a refused request does not count."""

    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self):
        self.times = {}                 # key -> deque of monotonic times

    def admit(self, key, limit, window_s, now=None):
        """None when the request may go, else the Retry-After in seconds."""
        now = time.monotonic() if now is None else now
        with self.lock:
            times = self.times.setdefault(key, collections.deque())
            while times and times[0] <= now - window_s:
                times.popleft()
            if len(times) >= limit:
                return max(1, math.ceil(times[len(times) - limit] + window_s - now))
            times.append(now)
            return None


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self):
        self.requests = 0
        self.by_status = collections.Counter()
        self.render_ms = []

    def record(self, status, render_ms):
        with self.lock:
            self.requests += 1
            self.by_status[str(status)] += 1
            if render_ms is not None:
                self.render_ms.append(render_ms)

    def snapshot(self):
        with self.lock:
            times = self.render_ms
            return {"requests": self.requests,
                    "by_status": dict(sorted(self.by_status.items())),
                    "page_render_ms": {
                        "count": len(times),
                        "median": round(statistics.median(times), 3) if times else None,
                        "mean": round(statistics.fmean(times), 3) if times else None}}


# --------------------------------------------------------------------------
# The simulator: state, config, control endpoints, request pipeline
# --------------------------------------------------------------------------

def validate_config(update):
    """Check a /_sim/config update; raise ValueError with a helpful message."""
    if not isinstance(update, dict):
        raise ValueError("config must be a JSON object")
    for key, value in update.items():
        if key not in DEFAULT_CONFIG:
            raise ValueError("unknown config key %r" % key)
        ok = {
            "latency_ms": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0,
            "name_match": lambda v: v in ("exact", "exact_ci", "partial_ci"),
            "ignore_filters": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
            "date_range_cap_days": lambda v: v is None or (
                isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0),
            "page_size_over_max": lambda v: v in ("clamp", "error"),
            "int_parent_id": lambda v: isinstance(v, bool),
            "clock_start": lambda v: isinstance(v, str),
            "write_answers_cut": lambda v: isinstance(v, bool),
            "attributes": lambda v: v in ("all", "documented"),
            "undocumented_write": lambda v: v in ("ignore", "reject"),
            "password_access": lambda v: isinstance(v, bool),
            "password_in_list": lambda v: v in ("absent", "present", "example"),
            "nested_filters": lambda v: v in ("ignore", "apply"),
            "trait_scalars": lambda v: v in ("typed", "strings"),
            "rate_limit_requests": lambda v: v is None or (
                isinstance(v, int) and not isinstance(v, bool) and v > 0),
            "rate_limit_window_s": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0,
        }[key](value)
        if not ok:
            raise ValueError("invalid value for %s: %r" % (key, value))
        if key == "clock_start":
            parse_ts(value)


class Simulator:
    def __init__(self, orgs=2500, seed=42, api_key=DEFAULT_API_KEY, verbose=False,
                 base_config=None, restricted_key=DEFAULT_RESTRICTED_KEY,
                 related_orgs=RELATED_ORG_LIMIT):
        validate_config(base_config or {})
        self.base_config = dict(DEFAULT_CONFIG, **(base_config or {}))
        self.api_key = api_key
        self.restricted_key = restricted_key
        self.verbose = verbose
        self.lock = threading.RLock()
        self.dataset = Dataset(orgs, seed, related_orgs)
        self.log = RequestLog()
        self.faults = Faults()
        self.stats = Stats()
        self.window = RateWindow()
        self.api = Api(self)
        self.state = None
        self.config = None
        self.spec_refusals = []
        self.reset()

    def note_spec_refusal(self, req, err):
        """Remember a request the documented API refuses (kept across
        resets, so a whole test run can be checked for them)."""
        with self.lock:
            self.spec_refusals.append("%s %s: %s" % (req.method, req.target,
                                                     err.detail or err.title))

    def reset(self):
        with self.lock:
            self.config = json.loads(json.dumps(self.base_config))
            self.state = State(self.dataset, parse_ts(self.config["clock_start"]))
        self.log.clear()
        self.faults.clear()
        with self.stats.lock:
            self.stats.clear()
        with self.window.lock:
            self.window.clear()

    def prerender(self, chunk=2000):
        """Render every pristine org's list JSON ahead of time (CLI mode, in a
        background thread) so even the first pass of a 100k benchmark only
        joins bytes. Chunked, so API requests interleave; the results live on
        the shared pristine Org objects and therefore survive resets."""
        orgs = list(self.dataset.orgs.values())
        for start in range(0, len(orgs), chunk):
            with self.lock:
                for org in orgs[start:start + chunk]:
                    org.render(True)
            time.sleep(0.001)

    def key_status(self, headers):
        key = headers.get("x-api-key")
        if key is None:
            return "missing"
        return "valid" if key in (self.api_key, self.restricted_key) else "invalid"

    def password_access(self, headers):
        """Whether the request's key has Password Access."""
        return headers.get("x-api-key") == self.api_key and self.config["password_access"]

    # -------------------------------------------------------- API pipeline
    def serve_api(self, req, conn_id):
        """Run one API request through faults, the API, latency, the log and
        the stats. Returns the Response to send."""
        retry_after = self._rate_limited(req)
        if retry_after is not None:
            resp = json_response(429, {"errors": [{"status": 429, "title": reason_phrase(429)}]})
            resp.headers.append(("Retry-After", str(retry_after)))
            self.log.append(self._log_entry(req, 429, conn_id))
            self.stats.record(429, None)
            return resp
        action = self.faults.pick(req)
        if action is not None and ("status" in action or action.get("kind") in STANDALONE_KINDS):
            if action.get("apply"):
                # The request is carried out; only its answer is replaced
                # (a write whose response is lost, late or an error page).
                self._run_api(req)
            resp = standalone_fault(self, req, action)
        else:
            resp = self._run_api(req)
            if action is not None:
                resp = mutate_fault(self, req, action, resp)
        resp.delay_ms += self.config["latency_ms"]
        status = 0 if resp.transport in ("stall", "close") else resp.status
        self.log.append(self._log_entry(req, status, conn_id))
        self.stats.record(status, resp.render_ms)
        return resp

    def _rate_limited(self, req):
        """The Retry-After of a request past the account's window, else
        None.  Only requests with a valid key count (others never reach the
        account); the simulator's keys belong to one account, one window."""
        limit = self.config["rate_limit_requests"]
        if limit is None or self.key_status(req.headers) != "valid":
            return None
        return self.window.admit("account", limit, self.config["rate_limit_window_s"])

    def _run_api(self, req):
        try:
            return self.api.handle(req)
        except Exception:                 # a simulator bug: say so loudly
            traceback.print_exc()
            return json_response(500, {"errors": [{"status": 500, "title":
                                                   "Internal Server Error"}]})

    def _log_entry(self, req, status, conn_id):
        headers = {}
        for name, value in req.headers.items():
            name = name.lower()
            value = "<redacted>" if name == "x-api-key" else value
            headers[name] = headers[name] + ", " + value if name in headers else value
        return {"seq": 0, "method": req.method, "target": req.target,
                "body": req.raw_body.decode("utf-8", "replace") if req.raw_body else None,
                "content_type": req.headers.get("Content-Type"),
                "key": self.key_status(req.headers), "status": status,
                "headers": headers, "conn": conn_id}

    # -------------------------------------------------------- control API
    def serve_control(self, req):
        """/_sim/* endpoints (no auth, never logged, never faulted)."""
        route = (req.method, req.path)
        try:
            if route == ("GET", "/_sim/log"):
                return self._get_log(req)
            if route == ("DELETE", "/_sim/log"):
                self.log.clear()
                return control_json({"ok": True})
            if route == ("GET", "/_sim/stats"):
                return control_json(self.stats.snapshot())
            if route == ("DELETE", "/_sim/stats"):
                with self.stats.lock:
                    self.stats.clear()
                return control_json({"ok": True})
            if route == ("POST", "/_sim/reset"):
                started = time.perf_counter()
                self.reset()
                return control_json({"ok": True, "orgs": len(self.state.orgs),
                                     "ms": round((time.perf_counter() - started) * 1000, 3)})
            if route == ("GET", "/_sim/config"):
                with self.lock:
                    return control_json(self.config)
            if route == ("POST", "/_sim/config"):
                return self._post_config(req)
            if route == ("GET", "/_sim/faults"):
                return control_json(self.faults.describe())
            if route == ("POST", "/_sim/faults"):
                added = self.faults.add(json.loads(req.body or b"null"))
                return control_json({"ok": True, "added": added})
            if route == ("DELETE", "/_sim/faults"):
                self.faults.clear()
                return control_json({"ok": True})
            if route == ("GET", "/_sim/spec-refusals"):
                with self.lock:
                    return control_json({"count": len(self.spec_refusals),
                                         "requests": self.spec_refusals[-50:]})
            if route == ("DELETE", "/_sim/spec-refusals"):
                with self.lock:
                    self.spec_refusals = []
                return control_json({"ok": True})
            if route == ("GET", "/_sim/health"):
                return control_json({"ok": True, "orgs": len(self.state.orgs)})
        except ValueError as err:          # includes JSON decode errors
            return control_json({"error": str(err)}, 400)
        return control_json({"error": "unknown control endpoint %s %s" % route}, 404)

    def _get_log(self, req):
        entries = self.log.read(clear=req.params.get("clear") == "1")
        if req.params.get("format") == "text":
            return Response(200, log_as_text(entries, req.params.get("decode") == "1")
                            .encode("utf-8"), TEXT_CT)
        return control_json(entries)

    def _post_config(self, req):
        update = json.loads(req.body or b"null")
        validate_config(update)
        with self.lock:
            self.config.update(update)
            if "clock_start" in update:
                self.state.clock_start_ms = parse_ts(update["clock_start"])
                self.state.ticks = 0
            if "name_match" in update or "ignore_filters" in update:
                self.state.invalidate()
            return control_json(self.config)


def control_json(obj, status=200):
    return Response(status, json.dumps(obj).encode(), CONTROL_CT)


# --------------------------------------------------------------------------
# HTTP layer
# --------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler. Every method (even unknown ones) goes to
    _dispatch, so unknown methods get the API's HTML 404, not a 501."""

    protocol_version = "HTTP/1.1"
    server_version = "itglue-sim"

    def __getattr__(self, name):
        # BaseHTTPRequestHandler looks up do_<METHOD>; answer for all methods.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def setup(self):
        self.conn_id = next(self.server.conn_ids)
        if isinstance(self.request, ssl.SSLSocket):
            # Handshake here (in the connection's thread), not in accept().
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
        # One write per response plus NODELAY: no Nagle/delayed-ACK stalls.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().setup()

    def log_message(self, fmt, *args):
        if self.server.sim.verbose:
            sys.stderr.write("itglue-sim: %s\n" % (fmt % args))

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass                      # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self):
        sim = self.server.sim
        started = time.perf_counter()
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._send(Response(400, b"bad request body", TEXT_CT))
            return
        req = Request(self.command, self.path, self.headers, body, self._base_url())
        if req.path == "/_sim" or req.path.startswith("/_sim/"):
            self._send(sim.serve_control(req))
            return
        resp = sim.serve_api(req, self.conn_id)
        if resp.delay_ms:
            time.sleep(resp.delay_ms / 1000.0)
        if sim.verbose:
            sys.stderr.write("itglue-sim: %s %s -> %s (%.1f ms)\n" % (
                req.method, req.target, resp.status or resp.transport,
                (time.perf_counter() - started) * 1000))
        if resp.transport == "stall":
            self._stall(resp.stall_seconds)
        elif resp.transport == "close":
            self.close_connection = True
        else:
            self._send(resp)

    def _base_url(self):
        scheme = "https" if self.server.tls else "http"
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        return "%s://%s" % (scheme, host)

    def _send(self, resp):
        lines = ["HTTP/1.1 %d %s" % (resp.status, reason_phrase(resp.status)),
                 "Content-Type: " + resp.content_type,
                 "Content-Length: %d" % len(resp.body)]
        lines += ["%s: %s" % h for h in resp.headers]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self.command == "HEAD":
            self.wfile.write(head)
        elif resp.transport == "truncate":
            # Promise the full length, deliver half, hang up.
            self.wfile.write(head + resp.body[:len(resp.body) // 2])
            self.close_connection = True
        else:
            self.wfile.write(head + resp.body)

    def _stall(self, seconds):
        """Send nothing; hold the connection until `seconds` pass or the
        client goes away (polled, so a disconnect ends the stall early)."""
        sock = self.connection
        deadline = time.monotonic() + seconds
        sock.settimeout(0.1)
        try:
            while time.monotonic() < deadline:
                try:
                    if not sock.recv(4096):
                        break                   # client closed
                except (socket.timeout, ssl.SSLWantReadError):
                    continue
        except OSError:
            pass
        self.close_connection = True


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, sim, tls_context=None):
        super().__init__(address, Handler)
        self.sim = sim
        self.tls = tls_context is not None
        self.conn_ids = itertools.count(1)
        if tls_context is not None:
            self.socket = tls_context.wrap_socket(self.socket, server_side=True,
                                                  do_handshake_on_connect=False)

    def handle_error(self, request, client_address):
        # Clients hanging up (the FDW cancelling, tests timing out) are normal.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout, TimeoutError)):
            return
        super().handle_error(request, client_address)

    @property
    def port(self):
        return self.server_address[1]

    @property
    def url(self):
        return "%s://%s:%d" % ("https" if self.tls else "http",
                               self.server_address[0], self.port)


def make_server(sim, host="127.0.0.1", port=0, tls_cert=None, tls_key=None):
    ctx = None
    if tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls_cert, tls_key)
    return SimServer((host, port), sim, ctx)


def write_port_file(path, port):
    """Write then rename, so a reader never sees a partial file."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description="IT Glue REST API simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    parser.add_argument("--port-file", help="write the chosen port here (atomically)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY,
                        help="valid key; its Password Access follows config password_access")
    parser.add_argument("--restricted-api-key", default=DEFAULT_RESTRICTED_KEY,
                        help="a second valid key, without Password Access")
    parser.add_argument("--orgs", type=int, default=2500, help="number of organizations")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--related-orgs", type=int, default=RELATED_ORG_LIMIT,
                        help="organizations 1..N have configurations, contacts, passwords...")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--quiet", action="store_true", help="no request logging (default)")
    parser.add_argument("--verbose", action="store_true", help="print each request to stderr")
    parser.add_argument("--attributes", choices=("all", "documented"), default="all",
                        help="initial config 'attributes' (restored by /_sim/reset)")
    parser.add_argument("--undocumented-write", choices=("ignore", "reject"), default="ignore",
                        help="initial config 'undocumented_write' (restored by /_sim/reset)")
    parser.add_argument("--password-in-list", choices=("absent", "present", "example"),
                        default="absent", help="initial config 'password_in_list'")
    parser.add_argument("--nested-filters", choices=("ignore", "apply"), default="ignore",
                        help="initial config 'nested_filters'")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.orgs < 0:
        parser.error("--orgs must be >= 0")
    if args.related_orgs < 0:
        parser.error("--related-orgs must be >= 0")

    sim = Simulator(args.orgs, args.seed, args.api_key, verbose=args.verbose and not args.quiet,
                    base_config={"attributes": args.attributes,
                                 "undocumented_write": args.undocumented_write,
                                 "password_in_list": args.password_in_list,
                                 "nested_filters": args.nested_filters},
                    restricted_key=args.restricted_api_key, related_orgs=args.related_orgs)
    server = make_server(sim, args.host, args.port, args.tls_cert, args.tls_key)

    def stop(signum, frame):
        # shutdown() blocks until serve_forever returns: call it off-thread.
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    threading.Thread(target=sim.prerender, daemon=True).start()
    if args.port_file:
        write_port_file(args.port_file, server.port)
    print("itglue-sim listening on %s://%s:%d" % ("https" if server.tls else "http",
                                                  args.host, server.port), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
