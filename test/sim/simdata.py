"""
simdata.py - the generated, related records of every IT Glue resource the
simulator serves besides organizations and their two lookup tables.

A record is {"id": int, "attrs": {kebab-key: value}, "hidden": {...}}:
"attrs" are the attributes a response carries (names of related records,
such as configuration-type-name, are not stored: the engine derives them
when it renders, so a rename shows everywhere); "hidden" holds what IT Glue
keeps but does not answer with (PSA/RMM ids, password values, the parent of
a record whose response does not name it).

Everything is a function of (seed, the organizations): a record's values
come from a random.Random seeded with its own name, so adding a resource
never changes another one's data. The configurations, contacts and
locations the regression suite knows (itglue_sim._gen_related) keep every
value they had; they only gain the documented attributes they lacked.
"""

import base64
import random

PSA_TYPES = ("manage", "autotask", "tigerpaw", "kaseya-bms", "pulseway-psa", "vorex")
RMM_TYPES = ("automate", "ninja-rmm", "kaseya-vsa", "syncro")      # some of the documented ones

# Shared lookups: (id, name[, extra attributes]).
CONFIGURATION_TYPE_KINDS = {1: "server", 2: "workstation", 3: "network", 4: "printer"}
CONTACT_TYPES = ((1, "Approver"), (2, "Billing"), (3, "Technical"), (4, "Owner"))
PASSWORD_CATEGORIES = ((1, "Active Directory"), (2, "Email"), (3, "Firewall"),
                       (4, "Wi-Fi"), (5, "Vendor Portal"))
MANUFACTURERS = ((1, "Dell"), (2, "HP"), (3, "Lenovo"), (4, "Cisco"))
MODELS = ((1, 1, "PowerEdge R740"), (2, 1, "OptiPlex 7090"), (3, 2, "ProLiant DL380"),
          (4, 2, "LaserJet M507"), (5, 3, "ThinkPad T14"), (6, 4, "Catalyst 9200"))
PLATFORMS = ((1, "Windows"), (2, "Linux"), (3, "macOS"))
OPERATING_SYSTEMS = ((1, 1, "Windows Server 2022"), (2, 1, "Windows 11 Pro"),
                     (3, 2, "Ubuntu 22.04"), (4, 3, "macOS 14"))
COUNTRIES = ((1, "United States", "US"), (2, "Canada", "CA"), (3, "Germany", "DE"))
REGIONS = ((1, 1, "Texas", "TX"), (2, 1, "Oregon", "OR"), (3, 1, "Colorado", "CO"),
           (4, 2, "Ontario", "ON"), (5, 2, "Quebec", "QC"), (6, 3, "Bavaria", "BY"))
GROUPS = ((1, "Administrators", "Full access"), (2, "Technicians", ""),
          (3, "Read Only", "Auditors"))
USERS = ((1, "Ada", "Admin", "Administrator"), (2, "Tom", "Tech", "Editor"),
         (3, "Rita", "Reader", "Lite"), (4, "Manny", "Manager", "Manager"),
         (5, "Sam", None, "Creator"))

# Flexible asset types and their fields: one field of every documented kind.
# (id, kind, name, name-key, extra attributes)
FLEXIBLE_ASSET_TYPES = (
    (1, "Email", "Email servers and delivery", "envelope", True),
    (2, "Wireless", "Wireless networks", "wifi", True),
    (3, "Retired Template", "No longer used", "archive", False),
)
FLEXIBLE_ASSET_FIELDS = (
    # type 1: one field of every kind
    (1, 1, 1, "Header", "Overview", {}),
    (2, 1, 2, "Text", "Domain Name", {"use-for-title": True, "required": True}),
    (3, 1, 3, "Select", "Type", {"default-value": "Exchange\nOffice 365\nGoogle"}),
    (4, 1, 4, "Tag", "Domains", {"tag-type": "Domains"}),
    (5, 1, 5, "Tag", "Email Servers", {"tag-type": "Configurations"}),
    (6, 1, 6, "Number", "Mailboxes", {"decimals": 0}),
    (7, 1, 7, "Percent", "Quota Used", {"decimals": 1}),
    (8, 1, 8, "Date", "Renewal", {"expiration": True}),
    (9, 1, 9, "Checkbox", "Inbound Filtering", {}),
    (10, 1, 10, "Textbox", "Notes", {}),
    (11, 1, 11, "Upload", "Diagram", {}),
    (12, 1, 12, "Password", "Admin Password", {}),
    (13, 1, 13, "Tag", "Contacts", {"tag-type": "Contacts"}),
    # type 2: a small one
    (14, 2, 1, "Text", "SSID", {"use-for-title": True, "required": True}),
    (15, 2, 2, "Select", "Security", {"default-value": "WPA2\nWPA3\nOpen"}),
    (16, 2, 3, "Tag", "Location", {"tag-type": "Locations"}),
)

TAG_RESOURCES = {"Configurations": "configurations", "Contacts": "contacts",
                 "Domains": "domains", "Locations": "locations", "Passwords": "passwords",
                 "Organizations": "organizations"}

FLEXIBLE_ASSET_ORGS = 60          # orgs 1..60 (with a domain) have flexible assets
WORDS = ("alpha", "bravo", "cedar", "delta", "ember", "fjord", "garnet", "harbor")


def name_key(name):
    """IT Glue's name-key of a field: lower-case, dashes for spaces."""
    return "-".join(name.lower().split())


def ts(year, month, day, hour=0, minute=0, second=0):
    return "%04d-%02d-%02dT%02d:%02d:%02d.000Z" % (year, month, day, hour, minute, second)


def _stamp(rng, first_year=2016):
    y, m, d = rng.randint(first_year, 2024), rng.randint(1, 12), rng.randint(1, 28)
    created = ts(y, m, d, rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
    updated = ts(min(y + rng.randint(0, 1), 2025), m, d, 12, 0, 0)
    return created, max(created, updated)


def record(rid, attrs, hidden=None):
    return {"id": rid, "attrs": attrs, "hidden": hidden or {}}


def _lookup(rows, hour, extra=None):
    out = {}
    for row in rows:
        rid, name = row[0], row[1]
        created = ts(2015, 1, 5, hour, rid, 0)
        attrs = {"name": name}
        attrs.update(extra(row) if extra else {})
        attrs.update({"created-at": created, "updated-at": ts(2015, 1, 6, hour, rid, 0)})
        out[rid] = record(rid, attrs, {"synced": rid == 1})
    return out


class Records:
    """The pristine records of every resource the engine serves, built from
    the organizations and the existing related data of itglue_sim."""

    def __init__(self, orgs, related, config_types, config_statuses, seed, related_orgs, fmt):
        self.seed, self.fmt = seed, fmt        # fmt: epoch ms -> the API's timestamp text
        self.tables = {}
        t = self.tables
        t["configuration_types"] = _lookup(config_types, 1)
        t["configuration_statuses"] = _lookup(config_statuses, 2)
        t["contact_types"] = _lookup(CONTACT_TYPES, 3)
        t["password_categories"] = _lookup(PASSWORD_CATEGORIES, 4)
        t["manufacturers"] = _lookup(MANUFACTURERS, 5)
        t["models"] = {}
        for rid, mid, name in MODELS:
            t["models"][rid] = record(rid, {"name": name, "created-at": ts(2015, 2, 1, 0, rid),
                                            "updated-at": ts(2015, 2, 2, 0, rid)},
                                      {"manufacturer-id": mid})
        t["platforms"] = _lookup(PLATFORMS, 6)
        t["operating_systems"] = {}
        for rid, pid, name in OPERATING_SYSTEMS:
            t["operating_systems"][rid] = record(rid, {
                "name": name, "platform-id": pid, "created-at": ts(2015, 3, 1, 0, rid),
                "updated-at": ts(2015, 3, 2, 0, rid)})
        # Countries and regions sort by timestamps that answers do not show.
        t["countries"] = {rid: record(rid, {"name": name, "iso": iso}, {
            "created-at": ts(2015, 1, 1, 0, 4 - rid), "updated-at": ts(2015, 1, 2, 0, rid)})
                          for rid, name, iso in COUNTRIES}
        t["regions"] = {rid: record(rid, {"name": name, "iso": iso, "country-id": cid}, {
            "created-at": ts(2015, 1, 1, 1, 7 - rid), "updated-at": ts(2015, 1, 2, 1, rid)})
                        for rid, cid, name, iso in REGIONS}
        t["groups"] = {}
        for rid, name, desc in GROUPS:
            t["groups"][rid] = record(rid, {
                "name": name, "description": desc, "hide-from-my-glue": rid == 3,
                "my-glue": False, "my-glue-account-id": None,
                "created-at": ts(2016, 1, rid), "updated-at": ts(2016, 2, rid)})
        t["users"] = {}
        for rid, first, last, role in USERS:
            t["users"][rid] = record(rid, {
                "first-name": first, "last-name": last, "role-name": role,
                "email": "%s@happyfrog.example.com" % first.lower(), "avatar": "",
                "invitation-sent-at": ts(2016, 1, rid), "invitation-accepted-at": ts(2016, 1, rid, 1),
                "current-sign-in-at": ts(2025, 12, rid), "current-sign-in-ip": "192.0.2.%d" % rid,
                "last-sign-in-at": ts(2025, 11, rid), "last-sign-in-ip": "192.0.2.%d" % (rid + 100),
                "reputation": rid * 10, "my-glue": False, "my-glue-account-id": None,
                "created-at": ts(2016, 1, rid), "updated-at": ts(2025, 12, rid)},
                {"salesforce-id": 9000 + rid})
        self._related(orgs, related, related_orgs)
        self._flexible(orgs, related_orgs)
        self._activity()

    # ------------------------------------------------- organization records
    def _related(self, orgs, related, related_orgs):
        t = self.tables
        for res in ("configurations", "contacts", "locations", "passwords", "domains",
                    "expirations", "documents", "configuration_interfaces", "exports",
                    "attachments", "related_items"):
            t.setdefault(res, {})
        for old in related["locations"].values():
            rng = random.Random("loc-%d" % old["id"])
            country = rng.choice(COUNTRIES)[0]
            region = rng.choice([r for r in REGIONS if r[1] == country])[0]
            attrs = {"organization-id": old["organization_id"], "name": old["name"]}
            attrs.update(old["attrs"])
            fax = "555%04d" % rng.randint(0, 9999)
            digits = "".join(c for c in attrs["phone"] if c.isdigit())
            attrs.update({"address-1": "%d Main Street" % rng.randint(1, 999), "address-2": "",
                          "country-id": country, "region-id": region, "fax": fax,
                          "formatted-phone": "(%s) %s-%s" % (digits[:3], digits[3:6], digits[6:]),
                          "formatted-fax": "%s-%s" % (fax[:3], fax[3:]), "notes": None,
                          "created-at": self.fmt(old["created"]), "updated-at": self.fmt(old["updated"])})
            t["locations"][old["id"]] = record(old["id"], attrs, self._psa(rng, orgs, old))
        for old in related["contacts"].values():
            rng = random.Random("contact-%d" % old["id"])
            attrs = {"organization-id": old["organization_id"], "name": old["name"]}
            attrs.update(old["attrs"])
            phone = "(%03d) 555-%04d" % (rng.randint(201, 989), rng.randint(200, 999))
            attrs.update({"contact-type-id": rng.choice(CONTACT_TYPES)[0], "location-id": None,
                          "contact-phones": [{"value": phone.replace("(", "").replace(") ", "")
                                              .replace("-", ""), "extension": None,
                                              "primary": True, "label-name": "Work",
                                              "label-type": "Work", "formatted-value": phone}],
                          "created-at": self.fmt(old["created"]), "updated-at": self.fmt(old["updated"])})
            t["contacts"][old["id"]] = record(old["id"], attrs, self._psa(rng, orgs, old))
        for old in related["configurations"].values():
            rng = random.Random("config-%d" % old["id"])
            attrs = {"organization-id": old["organization_id"], "name": old["name"]}
            attrs.update((k, v) for k, v in old["attrs"].items()
                         if k not in ("configuration-type-name", "configuration-status-name"))
            model = rng.choice(MODELS)
            contacts = [c for c in t["contacts"].values()
                        if c["attrs"]["organization-id"] == old["organization_id"]]
            attrs.update({"configuration-type-kind": CONFIGURATION_TYPE_KINDS.get(
                              attrs["configuration-type-id"]),
                          "asset-tag": "AT-%05d" % old["id"], "mac-address": ":".join(
                              "%02x" % rng.randint(0, 255) for _ in range(6)),
                          "manufacturer-id": model[1], "model-id": model[0],
                          "operating-system-id": rng.choice(OPERATING_SYSTEMS)[0],
                          "operating-system-notes": None, "location-id": None,
                          "contact-id": contacts[0]["id"] if contacts and rng.random() < 0.5
                          else None, "installed-at": None, "installed-by": None,
                          "purchased-at": "20%02d-%02d-01" % (rng.randint(16, 24), rng.randint(1, 12)),
                          "purchased-by": None, "position": None, "notes": None,
                          "warranty-expires-at": "20%02d-%02d-15" % (rng.randint(25, 29),
                                                                    rng.randint(1, 12)),
                          "created-at": self.fmt(old["created"]), "updated-at": self.fmt(old["updated"])})
            hidden = self._psa(rng, orgs, old)
            if rng.random() < 0.3:
                hidden.update({"rmm-id": "RMM-%d" % old["id"],
                               "rmm-integration-type": rng.choice(RMM_TYPES)})
            t["configurations"][old["id"]] = record(old["id"], attrs, hidden)
            if attrs["configuration-type-id"] in (1, 3):
                iid = len(t["configuration_interfaces"]) + 1
                t["configuration_interfaces"][iid] = record(iid, {
                    "name": "eth0", "ip-address": attrs["primary-ip"],
                    "mac-address": attrs["mac-address"], "notes": None, "primary": True,
                    "created-at": attrs["created-at"], "updated-at": attrs["updated-at"]},
                    {"configuration-id": old["id"]})
        configs_of = {}
        for cfg in t["configurations"].values():
            configs_of.setdefault(cfg["attrs"]["organization-id"], []).append(cfg)
        for oid in range(1, min(related_orgs, len(orgs)) + 1):
            org = orgs[oid]
            rng = random.Random("more-%d-%d" % (self.seed if oid > 40 else 0, oid))
            slug = "".join(c for c in org.name.lower() if c.isalnum())[:16] or "org"
            for i in range(rng.randint(0, 2)):
                pid = len(t["passwords"]) + 1
                created, updated = _stamp(rng)
                cat = rng.choice(PASSWORD_CATEGORIES + ((None, None),))[0]
                # the first password of an org with configurations is embedded in one
                host = configs_of.get(oid, [None])[0] if i == 0 else None
                t["passwords"][pid] = record(pid, {
                    "organization-id": oid, "name": "%s %s" % (
                        rng.choice(("Domain Admin", "Firewall", "Office 365", "Wi-Fi")), i + 1),
                    "username": "admin%d" % pid, "url": "https://%s.example.com/login" % slug,
                    "notes": None, "password-category-id": cat, "autofill-selectors": None,
                    "restricted": False, "my-glue": False, "archived": i == 1 and pid % 3 == 0,
                    "is-live": True, "password-updated-at": updated, "updated-by": None,
                    "resource-id": host and host["id"], "resource-type": host and "Configuration",
                    "cached-resource-type-name": host and "Configuration",
                    "cached-resource-name": host and host["attrs"]["name"],
                    "created-at": created, "updated-at": updated},
                    {"password": "pw-%d-%s" % (pid, rng.choice(WORDS))})
            for i in range(rng.randint(0, 2)):
                did = len(t["domains"]) + 1
                created, updated = _stamp(rng)
                expires = ts(rng.randint(2026, 2028), rng.randint(1, 12), rng.randint(1, 28))
                name = "%s%s.example.%s" % (slug, "" if i == 0 else "-" + str(i + 1),
                                            rng.choice(("com", "net", "org")))
                t["domains"][did] = record(did, {
                    "organization-id": oid, "name": name,
                    "registrar-name": rng.choice(("GoDaddy", "Namecheap", "Gandi")),
                    "notes": None, "expires-on": expires, "screenshot": "",
                    "created-at": created, "updated-at": updated})
                eid = len(t["expirations"]) + 1
                t["expirations"][eid] = record(eid, {
                    "organization-id": oid, "resource-id": did, "resource-name": name,
                    "resource-type": "Domain", "resource-type-name": "Domain",
                    "description": "Domain registration", "expiration-date": expires,
                    "created-at": created, "updated-at": updated})
            for cfg in configs_of.get(oid, ()):
                eid = len(t["expirations"]) + 1
                t["expirations"][eid] = record(eid, {
                    "organization-id": oid, "resource-id": cfg["id"],
                    "resource-name": cfg["attrs"]["name"], "resource-type": "Configuration",
                    "resource-type-name": "Configuration", "description": "Warranty",
                    "expiration-date": cfg["attrs"]["warranty-expires-at"] + "T00:00:00.000Z",
                    "created-at": cfg["attrs"]["created-at"],
                    "updated-at": cfg["attrs"]["updated-at"]})
            if rng.random() < 0.5:
                doc_id = len(t["documents"]) + 1
                created, updated = _stamp(rng)
                t["documents"][doc_id] = record(doc_id, {
                    "organization-id": oid, "name": "Onboarding %d" % doc_id,
                    "archived": False, "public": False, "restricted": False,
                    "created-at": created, "updated-at": updated},
                    {"document-folder-id": None})
        t["exports"][1] = record(1, {
            "organization-id": 2, "include-logs": False, "export-all": False,
            "encrypted-status": False, "download-url": "https://exports.example.com/1.zip",
            "created-at": ts(2025, 6, 1), "updated-at": ts(2025, 6, 1, 1)})

    @staticmethod
    def _psa(rng, orgs, old):
        """Records of a PSA-synced organization are mostly synced too."""
        org = orgs.get(old["organization_id"])
        if org is not None and org.psa_id is not None and rng.random() < 0.5:
            return {"psa-id": "%s-%d" % (org.psa_id, old["id"]),
                    "psa-integration-type": org.psa_type}
        return {}

    # ------------------------------------------------------ flexible assets
    def _flexible(self, orgs, related_orgs):
        t = self.tables
        t["flexible_asset_types"] = {}
        for rid, name, desc, icon, enabled in FLEXIBLE_ASSET_TYPES:
            t["flexible_asset_types"][rid] = record(rid, {
                "name": name, "description": desc, "icon": icon, "enabled": enabled,
                "show-in-menu": enabled, "created-at": ts(2017, 1, rid),
                "updated-at": ts(2017, 2, rid)})
        t["flexible_asset_fields"] = {}
        for rid, type_id, order, kind, name, extra in FLEXIBLE_ASSET_FIELDS:
            attrs = {"order": order, "name": name, "kind": kind, "hint": "",
                     "tag-type": None, "required": False, "show-in-list": order <= 3,
                     "use-for-title": False, "expiration": False, "default-value": None,
                     "decimals": None, "name-key": name_key(name),
                     "flexible-asset-type-id": type_id,
                     "created-at": ts(2017, 1, type_id, 0, rid), "updated-at": ts(2017, 2, type_id)}
            attrs.update(extra)
            t["flexible_asset_fields"][rid] = record(rid, attrs)
        t["flexible_assets"] = {}
        for oid in range(1, min(FLEXIBLE_ASSET_ORGS, related_orgs, len(orgs)) + 1):
            rng = random.Random("fa-%d-%d" % (self.seed if oid > 40 else 0, oid))
            domains = [d["id"] for d in t["domains"].values()
                       if d["attrs"]["organization-id"] == oid]
            configs = [c["id"] for c in t["configurations"].values()
                       if c["attrs"]["organization-id"] == oid]
            contacts = [c["id"] for c in t["contacts"].values()
                        if c["attrs"]["organization-id"] == oid]
            if domains:
                content = base64.b64encode(b"diagram of org %d" % oid).decode()
                traits = {"domain-name": t["domains"][domains[0]]["attrs"]["name"],
                          "type": rng.choice(("Exchange", "Office 365", "Google")),
                          "domains": domains, "email-servers": configs[:2],
                          "mailboxes": rng.randint(1, 400), "quota-used": rng.randint(0, 999) / 10,
                          "renewal": "20%02d-%02d-01" % (rng.randint(26, 28), rng.randint(1, 12)),
                          "inbound-filtering": rng.random() < 0.5,
                          "notes": "Line one\nLine two", "contacts": contacts[:1],
                          "diagram": {"file_name": "diagram-%d.png" % oid, "content": content},
                          "admin-password": "fa-secret-%d" % oid}
                self._add_asset(oid, 1, traits, rng)
            if rng.random() < 0.4:
                locs = [loc["id"] for loc in t["locations"].values()
                        if loc["attrs"]["organization-id"] == oid]
                self._add_asset(oid, 2, {"ssid": "guest-%d" % oid, "security": "WPA2",
                                         "location": locs[:1]}, rng)

    def _add_asset(self, oid, type_id, traits, rng):
        table = self.tables["flexible_assets"]
        rid = len(table) + 1
        created, updated = _stamp(rng, 2018)
        table[rid] = record(rid, {
            "organization-id": oid, "flexible-asset-type-id": type_id, "name": None,
            "traits": {k: v for k, v in traits.items() if v not in (None, [])},
            "restricted": False, "my-glue": False, "archived": False,
            "created-at": created, "updated-at": updated})

    # ----------------------------------------------------------- activity
    def _activity(self):
        t = self.tables
        t["logs"], t["user_metrics"] = {}, {}
        rng = random.Random("activity-%d" % self.seed)
        for rid in range(1, 301):
            uid = rng.choice(USERS)[0]
            t["logs"][rid] = record(rid, {
                "account-id": 1, "user-id": uid, "organization-id": rng.randint(1, 40),
                "action": rng.choice(("create", "update", "show", "destroy")),
                "resource-type": rng.choice(("Password", "Configuration", "Document")),
                "resource-name": "record %d" % rng.randint(1, 500), "level": rng.randint(1, 3),
                "ip-address": "192.0.2.%d" % uid, "ip-city": "Denver", "ip-region": "Colorado",
                "ip-country": "United States", "user-agent": "Mozilla/5.0",
                "created-at": ts(2025, 12, 1 + rid // 12, rid % 24, rid % 60, 0)})
        for rid in range(1, 61):
            t["user_metrics"][rid] = record(rid, {
                "user-id": 1 + (rid - 1) % 5, "organization-id": 1 + (rid - 1) % 3,
                "resource-type": ("Password", "Configuration")[rid % 2],
                "date": "2025-12-%02d" % (1 + (rid - 1) // 6),
                "created": rng.randint(0, 5), "viewed": rng.randint(0, 40),
                "edited": rng.randint(0, 10), "deleted": rng.randint(0, 2)})

