"""
simengine.py - one table-driven handler for every documented IT Glue
resource except organizations and their two lookup tables (which keep their
own handlers in itglue_sim.py).

The documented API (test/spec/itglue-api.json, read through itglue_spec)
says which routes, filters, sorts and write attributes exist; the request
has already passed itglue_spec's checks when it gets here. This module only
carries it out on the records of simdata.py:

  index   top-level or nested (/<parent>/:id/relationships/<res>), filters by
          kind (number, string, bool, enum, date and number ranges, exclude),
          sort, paging
  show    top-level or nested (the record must belong to the parent)
  create  top-level or nested; a data array on a nested route is a bulk create
  update  partial, except flexible-asset traits, which are replaced whole
  bulk_update / bulk_destroy  {"data":[{"type":..,"attributes":{"id":N,..}}]}
  destroy 204

It is handed the simulator module (helpers such as page_response, error
builders, the clock) rather than importing it, because itglue_sim usually
runs as __main__.
"""

import base64
import binascii
import json
import mimetypes
import re
import time

from simdata import TAG_RESOURCES, name_key

# Route parameter -> the resource it names.
PARENTS = {"organization_id": "organizations", "configuration_id": "configurations",
           "flexible_asset_type_id": "flexible_asset_types",
           "manufacturer_id": "manufacturers", "country_id": "countries"}

# An id attribute -> (table, the name attribute a response shows beside it).
DERIVED_NAMES = (
    ("organization-id", "organizations", "organization-name"),
    ("configuration-type-id", "configuration_types", "configuration-type-name"),
    ("configuration-status-id", "configuration_statuses", "configuration-status-name"),
    ("manufacturer-id", "manufacturers", "manufacturer-name"),
    ("model-id", "models", "model-name"),
    ("operating-system-id", "operating_systems", "operating-system-name"),
    ("location-id", "locations", "location-name"),
    ("contact-type-id", "contact_types", "contact-type-name"),
    ("password-category-id", "password_categories", "password-category-name"),
    ("country-id", "countries", "country-name"),
    ("region-id", "regions", "region-name"),
    ("platform-id", "platforms", "platform-name"),
    ("flexible-asset-type-id", "flexible_asset_types", "flexible-asset-type-name"),
)
ID_TARGETS = {id_attr: table for id_attr, table, _ in DERIVED_NAMES}
ID_TARGETS["contact-id"] = "contacts"
ID_TARGETS["configuration-id"] = "configurations"

# Counts some lookups answer with: attribute -> (table, id attribute).
COUNTS = {"configurations-count": ("configurations", "configuration-type-id"),
          "passwords-count": ("passwords", "password-category-id")}

# Attributes IT Glue keeps but never answers with.
SECRET = {"passwords": ("password", "otp-secret")}

# Externally synced records (hidden psa-id / rmm-id, or a synced lookup):
# PATCH is refused (422) unless it only touches these attributes.
SYNC_WHITELIST = {
    "configurations": frozenset(("archived", "asset-tag", "notes", "purchased-at", "restricted",
                                 "serial-number", "warranty-expires-at",
                                 "mitp-device-expiration-date", "mitp-end-of-life-date")),
}
SYNC_LOCKED = frozenset(("configurations", "contacts", "locations", "configuration_types",
                         "configuration_statuses", "contact_types", "manufacturers", "models",
                         "password_categories"))

# Lookup tables whose names are unique ("has already been taken").
UNIQUE_NAMES = frozenset(("configuration_types", "configuration_statuses", "contact_types",
                          "manufacturers", "password_categories", "flexible_asset_types",
                          "groups"))

# Includes the simulator answers on show (the other documented includes are
# accepted and add nothing): (resource, include) -> the child's link to it.
INCLUDES = {("flexible_asset_types", "flexible_asset_fields"): "flexible-asset-type-id",
            ("configurations", "configuration_interfaces"): "configuration-id"}

# A related item's destination_type -> the table it names (the others are
# not simulated and are taken on trust).
DESTINATIONS = {"Configuration": "configurations", "Contact": "contacts", "Domain": "domains",
                "Location": "locations", "Organization": "organizations",
                "Password": "passwords", "Flexible Asset": "flexible_assets",
                "User": "users", "Document": "documents"}

LOG_PAGE_LIMIT = 5            # "/logs is limited to 5 pages"
TRAIT_KINDS_NO_TITLE = frozenset(("Checkbox", "Header", "Number", "Password", "Percent",
                                  "Tag", "Textbox", "Upload"))
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_ENUM_RE = re.compile(r"`([^`]+)`")


def _is_int(value):
    """An integer, or a string of one (Rails casts "5" for a number column)."""
    return not isinstance(value, bool) and (isinstance(value, int) or (
        isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value) is not None))


def _tag_table(tag_type):
    """The table a Tag field's ids name ("FlexibleAssetType: 7" tags flexible
    assets; tag types the simulator has no records of give None)."""
    if tag_type and tag_type.startswith("FlexibleAssetType: "):
        return "flexible_assets"
    return TAG_RESOURCES.get(tag_type)


def dash(key):
    return key.replace("_", "-")


def type_name(res):
    return dash(res)


class Engine:
    def __init__(self, sim_module, spec):
        self.m = sim_module
        self.spec = spec

    # ------------------------------------------------------------- entry
    def handle(self, api, req, res, action, params):
        # Runs under the simulator lock: the state of this request may live
        # on the engine until it returns.
        self.api, self.state, self.config = api, api.state, api.config
        m = self.m
        parent = self._parent(params)
        if action == "index":
            return self.index(req, res, parent)
        raw_id = params.get("id")
        if action == "show":
            return self.show(req, res, parent, raw_id)
        if action == "destroy":
            rec = self._find(res, raw_id, parent)
            self.state.tick()
            del self._table(res)[rec["id"]]
            if res == "flexible_asset_fields":
                self._drop_trait(rec)
            return m.Response(204, b"")
        if action != "bulk_destroy" or req.body:
            m.require_jsonapi_content_type(req)
        doc = m.parse_json_body(req) if req.body else None
        if action == "create":
            return self.create(req, res, parent, doc)
        if action == "update":
            return self.update(req, res, parent, raw_id, doc)
        if action == "bulk_update":
            return self.bulk_update(req, res, doc)
        if action == "bulk_destroy":
            return self.bulk_destroy(req, res, parent, raw_id, doc)
        return m.html_not_found()

    def _parent(self, params):
        """(route param, id) of a nested route's parent, after checking it
        exists (an unknown parent is a 404). Attachments and related items
        hang off any record: their parent is ("parent", "configurations/5")."""
        if "resource_type" in params:
            table, raw = params["resource_type"], params["resource_id"]
            if table not in self.state.tables:       # checklists, tickets...: not simulated
                raise self.m.not_found()
            rec = self._find(table, raw, None)
            return "parent", "%s/%d" % (table, rec["id"])
        for param, table in PARENTS.items():
            if param in params:
                raw = params[param]
                if table == "organizations":
                    self.api._find_org(raw)
                else:
                    self._find(table, raw, None)
                return dash(param), int(raw)
        return None

    def _table(self, res):
        return self.state.tables[res]

    def _find(self, res, raw_id, parent):
        rec = self._table(res).get(int(raw_id)) if raw_id and raw_id.isdigit() else None
        if rec is None or (parent and self.value(rec, parent[0]) != parent[1]):
            raise self.m.not_found()
        return rec

    @staticmethod
    def value(rec, attr):
        if attr == "id":
            return rec["id"]
        if attr in rec["attrs"]:
            return rec["attrs"][attr]
        return rec["hidden"].get(attr)

    def _related_name(self, table, rid, attr="name"):
        if rid is None:
            return None
        if table == "organizations":
            org = self.state.orgs.get(rid)
            return None if org is None else getattr(org, dash(attr).replace("-", "_"))
        rec = self.state.tables[table].get(rid)
        return None if rec is None else self.value(rec, attr)

    # ------------------------------------------------------------ render
    def render(self, req, res, rec, show=False):
        documented = self.spec.documented_attributes(res)
        attrs = {"id": rec["id"]} if "id" in documented else {}   # configuration interfaces
        for key, val in rec["attrs"].items():
            attrs[key] = val
            for id_attr, table, name_attr in DERIVED_NAMES:
                if key == id_attr and name_attr in documented:
                    attrs[name_attr] = self._related_name(table, val)
            if key == "organization-id" and "organization-short-name" in documented:
                attrs["organization-short-name"] = self._related_name(
                    "organizations", val, "short_name")
        for count_attr, (table, id_attr) in COUNTS.items():
            if count_attr in documented:
                attrs[count_attr] = sum(1 for r in self.state.tables[table].values()
                                        if r["attrs"].get(id_attr) == rec["id"])
        if "resource-url" in documented:
            attrs["resource-url"] = "https://happyfrog.itglue.example/%s/%s/%d" % (
                rec["attrs"].get("organization-id"), res, rec["id"])
        if res == "flexible_assets":
            attrs["traits"] = self._render_traits(req, rec)
            attrs["name"] = self._asset_name(rec)
        if res == "passwords":
            self._password_value(req, rec, attrs, show)
        obj = {"id": str(rec["id"]), "type": type_name(res), "attributes": attrs}
        return self.m.dumps(obj)

    def _password_value(self, req, rec, attrs, show):
        """The value only with Password Access; on show when show_password
        is not false (the documented default is true), in lists as config
        password_in_list says."""
        attrs.pop("password", None)
        if show:
            # show_password defaults to true on show and to false on writes
            wanted = self._show_password(req, default=show != "write")
        else:
            mode = self.config["password_in_list"]
            wanted = mode == "present" or (mode == "example" and rec["id"] % 4 == 1)
        if wanted and req.password_access:
            attrs["password"] = rec["hidden"].get("password")

    @staticmethod
    def _show_password(req, default):
        raw = req.params.get("show_password")
        return default if raw is None else raw.strip().lower() not in ("false", "0")

    # ------------------------------------------------------------- index
    def index(self, req, res, parent):
        m = self.m
        started = time.perf_counter()
        items = list(self._table(res).values())
        if parent:
            items = [r for r in items if self.value(r, parent[0]) == parent[1]]
        if not parent or self.config["nested_filters"] == "apply":
            items = self._filter(req, res, items)
        fields = self._sort_fields(res)
        items = m.apply_sort(items, m.parse_sort(req.params.get("sort"), fields), fields)
        number, size = m.parse_page(req.params, self.config)
        if res == "logs" and number > LOG_PAGE_LIMIT:
            raise m.unprocessable("page[number] must be at most %d for logs" % LOG_PAGE_LIMIT,
                                  parameter="page[number]")
        resp = m.page_response(req, items, number, size, lambda r: self.render(req, res, r))
        resp.render_ms = (time.perf_counter() - started) * 1000      # for /_sim/stats
        return resp

    def show(self, req, res, parent, raw_id):
        rec = self._find(res, raw_id, parent)
        if res == "passwords" and not req.password_access and \
                self._show_password(req, default=True):
            raise self.m.api_error(403, "Forbidden",
                                   "This API key does not have Password Access")
        body = b'{"data":' + self.render(req, res, rec, show=True)
        wanted = [p.strip() for p in req.params.get("include", "").split(",")]
        children = [(inc, link, rec["id"]) for (parent, inc), link in INCLUDES.items()
                    if parent == res and inc in wanted]
        children += [(inc, "parent", "%s/%d" % (res, rec["id"]))
                     for inc in ("attachments", "related_items")
                     if inc in wanted and res in self.spec.resources[inc]["resource_types"]]
        if children:
            relationships, included = {}, []
            for inc, link, key in children:
                records = sorted((r for r in self._table(inc).values()
                                  if self.value(r, link) == key),
                                 key=lambda r: (r["attrs"].get("order", 0), r["id"]))
                relationships[type_name(inc)] = {"data": [
                    {"id": str(r["id"]), "type": type_name(inc)} for r in records]}
                included += [self.render(req, inc, r) for r in records]
            body = body[:-1] + b',"relationships":' + self.m.dumps(relationships) + \
                b'},"included":[' + b",".join(included) + b"]"
        return self.m.json_response(200, body + b"}")

    def _field(self, res, name):
        """Getter of a filter or sort field."""
        attr = dash(name)
        if res == "users" and attr == "name":
            return lambda r: " ".join(p for p in (r["attrs"]["first-name"],
                                                  r["attrs"]["last-name"]) if p)
        if res == "flexible_assets" and attr == "name":
            return self._asset_name
        if res == "contacts" and attr == "primary-email":
            return lambda r: next((e["value"] for e in r["attrs"]["contact-emails"] or ()
                                   if e.get("primary")), None)
        return lambda r: self.value(r, attr)

    def _sort_fields(self, res):
        return {key: self._field(res, key) for key in self.spec.sort_keys(res)}

    def _filter(self, req, res, items):
        ignored = set(self.config["ignore_filters"])
        documented = self.spec.filters(res)
        for key, raw in req.params.items():
            if key not in documented or key in ignored or raw == "":
                continue
            pred = self._predicate(res, key, raw, documented[key])
            items = [r for r in items if pred(r)]
        return items

    def _predicate(self, res, key, raw, spec):
        m = self.m
        inner = key[len("filter["):-1]
        negate = inner.startswith("exclude][")
        inner = inner.split("][")[-1]
        get = self._field(res, inner)
        kind = spec["kind"]
        if kind == "number":
            wanted = m.parse_int_set(key, raw)
            test = lambda r: get(r) in wanted
        elif kind == "bool":
            wanted = raw.strip().lower() in ("true", "1")
            test = lambda r: bool(get(r)) is wanted
        elif kind == "date_range":
            lo, hi = m.parse_date_range(key, raw, self.config["date_range_cap_days"],
                                        self.state.now_ms())

            def test(r):
                v = get(r)
                t = m.parse_ts(v) if v else None
                return t is not None and (lo is None or t >= lo) and (hi is None or t <= hi)
        elif kind == "number_range":
            lo, hi = m.parse_int_range(key, raw)
            test = lambda r: get(r) is not None and (lo is None or get(r) >= lo) and \
                (hi is None or get(r) <= hi)
        elif inner == "name":
            match = m._name_matcher(m.split_values(raw), self.config["name_match"])
            test = lambda r: get(r) is not None and match(get(r))
        elif inner == "expiration_date":
            wanted = {v.strip()[:10] for v in m.split_values(raw)}
            test = lambda r: (get(r) or "")[:10] in wanted
        else:                                   # string and enum: exact, OR list
            wanted = frozenset(m.split_values(raw))
            test = lambda r: get(r) is not None and str(get(r)) in wanted
        return (lambda r: not test(r)) if negate else test

    # ------------------------------------------------------------ writes
    def _items(self, doc, allow_list):
        data = doc.get("data") if isinstance(doc, dict) else None
        if isinstance(data, list) and allow_list:
            return data, True
        if not isinstance(data, dict):
            raise self.m.api_error(400, "Bad Request", "data must be an object")
        return [data], False

    def _attrs(self, res, item, prefix):
        m = self.m
        if not isinstance(item, dict):
            raise m.api_error(400, "Bad Request", "data must be an object")
        if "type" in item and item["type"] not in (res, type_name(res)):
            raise m.unprocessable("must be %s" % type_name(res), pointer=prefix + "/type")
        attrs = item.get("attributes", {})
        if not isinstance(attrs, dict):
            raise m.api_error(400, "Bad Request", "data.attributes must be an object")
        return {dash(k): v for k, v in attrs.items()}

    def _validate(self, res, action, attrs, prefix, rec=None):
        """Type-check the documented attributes of a write -> {attr: value}.
        Raises the documented 422 for a required attribute left out or
        blank, a value of the wrong kind, or an id of nothing."""
        m = self.m
        pointer = lambda a: "%s/attributes/%s" % (prefix, a)
        for need in self.spec.required_writes(res, action):
            if need == "id" and action == "create":
                continue        # related items mark it required: it is the URL's id
            value = attrs.get(dash(need))
            if dash(need) not in attrs or value is None or (isinstance(value, str)
                                                           and not value.strip()):
                raise m.unprocessable("can't be blank", pointer=pointer(dash(need)))
        out = {}
        for attr, value in attrs.items():
            snake = attr.replace("-", "_")
            rule = self.spec.write_validation(res, snake)
            if rule is None or attr == "id":
                continue
            if value is None:
                if not self.spec.nullable_write(res, action, snake):
                    raise m.unprocessable("can't be blank", pointer=pointer(attr))
                out[attr] = None
                continue
            if rule == "number":
                if not _is_int(value):
                    raise m.unprocessable("is not a number", pointer=pointer(attr))
                value = int(value)
                target = ID_TARGETS.get(attr)
                if target and self._related_name(target, value) is None and not (
                        target != "organizations" and value in self.state.tables[target]):
                    raise m.unprocessable("must exist", pointer=pointer(attr))
            elif rule.startswith("bool"):
                if value not in (True, False, "true", "false", "1", "0", 1, 0):
                    raise m.unprocessable("is not a boolean", pointer=pointer(attr))
                value = value in (True, "true", "1", 1)
            elif rule == "string":
                if attr == "via-copilot" and isinstance(value, bool):
                    value = json.dumps(value)   # typed String, but the example sends true
                elif not isinstance(value, (str, int, float)) or isinstance(value, bool):
                    raise m.unprocessable("is invalid", pointer=pointer(attr))
                value = str(value)
            elif rule == "one of `Hash`, `File`":       # an attachment, sent as JSON
                value = self._upload(value, pointer(attr))
            elif rule.startswith("one of"):
                allowed = _ENUM_RE.findall(rule)
                if value not in allowed and not (attr == "tag-type" and isinstance(value, str)
                                                 and value.startswith("FlexibleAssetType: ")):
                    raise m.unprocessable("is not included in the list", pointer=pointer(attr))
            out[attr] = value
        if res == "related_items" and "destination-type" in out:
            table = DESTINATIONS.get(out["destination-type"])
            dest = out.get("destination-id")
            if table and not (dest and dest.isdigit() and self._related_name(
                    table, int(dest)) is not None):
                raise m.unprocessable("must exist", pointer=pointer("destination-id"))
        if res in UNIQUE_NAMES and "name" in out:
            for other in self._table(res).values():
                if (rec is None or other["id"] != rec["id"]) and \
                        self.m.norm_name(other["attrs"]["name"]) == self.m.norm_name(out["name"]):
                    raise m.unprocessable("has already been taken", pointer=pointer("name"))
        if res == "passwords" and action == "create" and \
                ("resource-id" in out) != ("resource-type" in out):
            missing = "resource-type" if "resource-id" in out else "resource-id"
            raise m.unprocessable("must be given together with %s" % (
                "resource_id" if missing == "resource-type" else "resource_type"),
                pointer=pointer(missing))
        return out

    @staticmethod
    def _synced(rec):
        return bool(rec["hidden"].get("psa-id") or rec["hidden"].get("rmm-id")
                    or rec["hidden"].get("synced"))

    def _check_sync(self, res, rec, changes, prefix):
        if res == "configuration_interfaces" and "ip-address" in changes and \
                rec["attrs"]["primary"] and self._synced(
                    self._table("configurations")[rec["hidden"]["configuration-id"]]):
            # "422 when changing an externally synced primary IP address"
            raise self.m.unprocessable("ip-address is synced with an external system and "
                                       "cannot be changed",
                                       pointer="%s/attributes/ip-address" % prefix)
        if res not in SYNC_LOCKED or not self._synced(rec):
            return
        allowed = SYNC_WHITELIST.get(res, frozenset())
        for attr in changes:
            if attr not in allowed:
                raise self.m.unprocessable(
                    "%s is synced with an external system and cannot be changed" % attr,
                    pointer="%s/attributes/%s" % (prefix, attr))

    def _blank(self, res):
        """A new record's attributes: every documented response attribute,
        null (false for the documented booleans, [] for arrays), before the
        written ones. What render() derives is left out."""
        attrs = {}
        derived = {n for _, _, n in DERIVED_NAMES} | set(COUNTS) | {
            "id", "resource-url", "organization-short-name", "traits", "password",
            "created-at", "updated-at"}
        for key, kind in self.spec.resources[res].get("response_attributes", {}).items():
            if key not in derived:
                attrs[key] = (False if kind.startswith("boolean") else
                              [] if kind.startswith("array") else None)
        return attrs

    def _store(self, res, rec, changes):
        """Written values go where responses show them; what responses do
        not carry (secrets, write-only attributes) is kept hidden."""
        documented = self.spec.documented_attributes(res)
        for attr, value in changes.items():
            # (a resource whose answers the documentation never shows, such as
            # related items, answers with what was written)
            if attr not in SECRET.get(res, ()) and (attr in rec["attrs"] or attr in documented
                                                    or not documented):
                rec["attrs"][attr] = value
            else:
                rec["hidden"][attr] = value

    def create(self, req, res, parent, doc):
        m = self.m
        items, bulk = self._items(doc, allow_list=parent is not None)
        prepared = []
        for i, item in enumerate(items):
            prefix = "/data/%d" % i if bulk else "/data"
            attrs = self._attrs(res, item, prefix)
            if parent:
                attrs[parent[0]] = parent[1]       # the route names the parent
            changes = self._validate(res, "create", attrs, prefix)
            if res == "flexible_assets":
                changes["traits"] = self._traits(req, changes["flexible-asset-type-id"],
                                                 attrs.get("traits"), prefix, create=True)
            if res == "flexible_asset_fields":
                self._field_rules(changes, prefix)
            if res == "flexible_asset_types":
                changes["fields"] = self._prepare_fields(changes.get("fields"), prefix)
            prepared.append((changes, attrs))
        stamp = m.fmt_ts(self.state.tick())
        out = []
        for changes, attrs in prepared:
            table = self._table(res)
            rid = self.state.next_ids.get(res, max(table, default=0) + 1)
            self.state.next_ids[res] = rid + 1
            rec = {"id": rid, "attrs": self._blank(res), "hidden": {}}
            if parent and parent[0] not in rec["attrs"]:
                rec["hidden"][parent[0]] = parent[1]
            if res == "flexible_asset_fields":
                changes["name-key"] = name_key(changes["name"])
            if res == "attachments":
                changes.update(self._attachment_attrs(changes.pop("attachment"), rid))
            if res == "exports":
                changes.setdefault("include-logs", False)
                rec["attrs"]["export-all"] = "organization-id" not in changes
            fields = changes.pop("fields", None) if res == "flexible_asset_types" else None
            self._store(res, rec, changes)
            rec["attrs"]["created-at"] = rec["attrs"]["updated-at"] = stamp
            table[rid] = rec
            if fields:
                self._create_fields(rid, fields, stamp)
            out.append(rec)
        rendered = [self.render(req, res, r, show="write") for r in out]
        body = b"[" + b",".join(rendered) + b"]" if bulk else rendered[0]
        return m.json_response(201, b'{"data":' + body + b"}")

    @staticmethod
    def _attachment_attrs(upload, rid):
        """What IT Glue answers about a stored file (the included-attachment
        attributes of the documentation)."""
        name = upload["file_name"]
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return {"name": name, "attachment-file-name": name, "attachment-content-type": ctype,
                "attachment-file-size": len(base64.b64decode(upload["content"])),
                "ext": name.rsplit(".", 1)[-1] if "." in name else "",
                "viewable": ctype.startswith("image/") or ctype == "application/pdf",
                "download-url": "https://happyfrog.itglue.example/attachments/%d/%s" % (rid, name)}

    def _prepare_fields(self, fields, prefix):
        """Validated changes of the fields sent with a new flexible asset
        type (before anything is stored)."""
        if not isinstance(fields, list):
            raise self.m.unprocessable("must be an array", pointer=prefix + "/attributes/fields")
        out = []
        for i, field in enumerate(fields):
            where = "%s/attributes/fields/%d" % (prefix, i)
            attrs = self._attrs("flexible_asset_fields", field, where)
            attrs["flexible-asset-type-id"] = 1        # the new type's id, set when stored
            attrs.setdefault("order", i + 1)
            changes = self._validate("flexible_asset_fields", "create", attrs, where)
            self._field_rules(changes, where)
            out.append(changes)
        return out

    def _create_fields(self, type_id, fields, stamp):
        table = self._table("flexible_asset_fields")
        for changes in fields:
            changes["flexible-asset-type-id"] = type_id
            rid = self.state.next_ids.get("flexible_asset_fields", max(table, default=0) + 1)
            self.state.next_ids["flexible_asset_fields"] = rid + 1
            rec = {"id": rid, "attrs": self._blank("flexible_asset_fields"), "hidden": {}}
            changes["name-key"] = name_key(changes["name"])
            self._store("flexible_asset_fields", rec, changes)
            rec["attrs"]["created-at"] = rec["attrs"]["updated-at"] = stamp
            table[rid] = rec

    def _field_rules(self, changes, prefix):
        """The documented rules of a flexible asset field's kind."""
        kind = changes.get("kind")
        if kind in ("Number", "Percent") and changes.get("decimals") is None:
            raise self.m.unprocessable("can't be blank", pointer=prefix + "/attributes/decimals")
        if kind == "Select" and not changes.get("default-value"):
            raise self.m.unprocessable("can't be blank",
                                       pointer=prefix + "/attributes/default-value")
        if kind == "Tag" and not changes.get("tag-type"):
            raise self.m.unprocessable("can't be blank", pointer=prefix + "/attributes/tag-type")
        if kind == "Header":
            changes["required"] = False
        if kind in TRAIT_KINDS_NO_TITLE:
            changes["use-for-title"] = False

    def _modify(self, req, res, rec, attrs, prefix, action):
        """Validated changes of one PATCH item (nothing stored yet)."""
        changes = self._validate(res, action, attrs, prefix, rec)
        self._check_sync(res, rec, changes, prefix)
        if res == "flexible_assets" and "traits" in attrs:
            changes["traits"] = self._traits(req, rec["attrs"]["flexible-asset-type-id"],
                                             attrs["traits"], prefix, create=False)
        if res == "flexible_asset_fields" and "kind" in changes and \
                changes["kind"] != rec["attrs"]["kind"] and self._field_in_use(rec):
            raise self.m.unprocessable("cannot be changed once there are traits for the field",
                                       pointer=prefix + "/attributes/kind")
        if res == "flexible_asset_types":
            changes.pop("fields", None)     # fields change through their own routes
        if res == "users" and "avatar" in changes:
            avatar = changes["avatar"]
            changes["avatar"] = avatar.get("file_name", "") if isinstance(avatar, dict) else ""
        return changes

    def _apply(self, rec, res, changes, stamp):
        new = {"id": rec["id"], "attrs": dict(rec["attrs"]), "hidden": dict(rec["hidden"])}
        self._store(res, new, changes)
        new["attrs"]["updated-at"] = stamp
        self._table(res)[rec["id"]] = new
        return new

    def update(self, req, res, parent, raw_id, doc):
        m = self.m
        rec = self._find(res, raw_id, parent)
        items, _ = self._items(doc, allow_list=False)
        if "relationships" in items[0]:
            raise m.unprocessable("relationships are not permitted in PATCH",
                                  pointer="/data/relationships")
        changes = self._modify(req, res, rec, self._attrs(res, items[0], "/data"), "/data",
                               "update")
        new = self._apply(rec, res, changes, m.fmt_ts(self.state.tick()))
        return m.json_response(200, b'{"data":' + self.render(req, res, new, show="write") + b"}")

    def _bulk_items(self, res, doc):
        m = self.m
        data = doc.get("data") if isinstance(doc, dict) else None
        if not isinstance(data, list) or not data:
            raise m.api_error(400, "Bad Request", "data must be a non-empty array")
        out = []
        for i, item in enumerate(data):
            prefix = "/data/%d" % i
            attrs = self._attrs(res, item, prefix)
            rid = attrs.get("id")
            if rid is None:
                raise m.unprocessable("can't be blank", pointer=prefix + "/attributes/id")
            if not _is_int(rid):
                raise m.unprocessable("is not a number", pointer=prefix + "/attributes/id")
            rec = self._table(res).get(int(rid))
            if rec is None:
                raise m.not_found("Record not found: id %d" % int(rid))
            out.append((rec, attrs, prefix))
        return out

    def bulk_update(self, req, res, doc):
        m = self.m
        planned = [(rec, self._modify(req, res, rec, attrs, prefix, "bulk_update"))
                   for rec, attrs, prefix in self._bulk_items(res, doc)]
        stamp = m.fmt_ts(self.state.tick())
        out = [self._apply(rec, res, changes, stamp) for rec, changes in planned]
        return m.json_response(200, b'{"data":[' + b",".join(
            self.render(req, res, r, show="write") for r in out) + b"]}")

    def bulk_destroy(self, req, res, parent, raw_id, doc):
        m = self.m
        has_filter = any(k.startswith("filter[") and v != "" for k, v in req.params.items())
        if doc is not None:
            if has_filter:
                raise m.unprocessable("data cannot be used in combination with filter",
                                      pointer="/data")
            targets = [rec for rec, _, _ in self._bulk_items(res, doc)]
            if parent:
                for rec in targets:
                    if self.value(rec, parent[0]) != parent[1]:
                        raise m.not_found("Record not found: id %d" % rec["id"])
        elif raw_id is not None:
            targets = [self._find(res, raw_id, parent)]
        else:
            if not has_filter:
                raise m.unprocessable("a body or a filter is required", parameter="filter")
            targets = self._filter(req, res, [r for r in self._table(res).values() if not parent
                                              or self.value(r, parent[0]) == parent[1]])
        self.state.tick()
        rendered = [self.render(req, res, r, show="write") for r in targets]
        for rec in targets:
            self._table(res).pop(rec["id"], None)
        return m.json_response(200, b'{"data":[' + b",".join(rendered) + b"]}")

    # ------------------------------------------------------------- traits
    def _type_fields(self, type_id):
        return {f["attrs"]["name-key"]: f for f in self._table("flexible_asset_fields").values()
                if f["attrs"]["flexible-asset-type-id"] == type_id}

    def _drop_trait(self, field):
        """Deleting a field in use "loses data": its trait leaves every asset."""
        key, type_id = field["attrs"]["name-key"], field["attrs"]["flexible-asset-type-id"]
        for asset in list(self._table("flexible_assets").values()):
            if asset["attrs"]["flexible-asset-type-id"] == type_id and \
                    key in asset["attrs"]["traits"]:
                traits = {k: v for k, v in asset["attrs"]["traits"].items() if k != key}
                self._table("flexible_assets")[asset["id"]] = {
                    "id": asset["id"], "attrs": dict(asset["attrs"], traits=traits),
                    "hidden": asset["hidden"]}

    def _field_in_use(self, field):
        key, type_id = field["attrs"]["name-key"], field["attrs"]["flexible-asset-type-id"]
        return any(a["attrs"]["flexible-asset-type-id"] == type_id and key in a["attrs"]["traits"]
                   for a in self._table("flexible_assets").values())

    def _traits(self, req, type_id, traits, prefix, create):
        """Validate traits in the documented input form -> the stored form.
        A null value deletes the trait; on PATCH the result replaces the
        record's traits whole ("Any traits you don't specify will be
        deleted")."""
        m = self.m
        ptr = prefix + "/attributes/traits"
        if traits is None and not create:
            return {}
        if not isinstance(traits, dict):
            raise m.unprocessable("must be a hash", pointer=ptr)
        fields = self._type_fields(type_id)
        out = {}
        for key, value in traits.items():
            key = dash(key)
            field = fields.get(key)
            if field is None:
                raise m.unprocessable("%s is not a field of this flexible asset type" % key,
                                      pointer="%s/%s" % (ptr, key))
            if value is None or value == "" or value == []:
                continue
            out[key] = self._trait_value(field, value, "%s/%s" % (ptr, key))
        for key, field in fields.items():
            if field["attrs"]["required"] and key not in out:
                raise m.unprocessable("can't be blank", pointer="%s/%s" % (ptr, key))
        return out

    def _trait_value(self, field, value, ptr):
        m = self.m
        kind = field["attrs"]["kind"]
        bad = lambda what: m.unprocessable(what, pointer=ptr)
        if kind == "Header":
            raise bad("a Header field takes no value")
        if kind == "Tag":
            ids = value if isinstance(value, list) else [value]
            table = _tag_table(field["attrs"]["tag-type"])
            out = []
            for v in ids:
                if not _is_int(v):
                    raise bad("tag values are record ids")
                if table and self._related_name(table, int(v)) is None and \
                        int(v) not in self.state.tables.get(table, {}):
                    raise bad("record %s does not exist" % v)
                out.append(int(v))
            return out
        if kind in ("Number", "Percent"):
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise bad("is not a number")
            try:
                num = float(value)
            except ValueError:
                raise bad("is not a number")
            return int(num) if num == int(num) and not field["attrs"]["decimals"] else num
        if kind == "Checkbox":
            if value not in (True, False, "true", "false", "1", "0", 1, 0):
                raise bad("is not a boolean")
            return value in (True, "true", "1", 1)
        if kind == "Date":
            if not isinstance(value, str) or not _DATE_RE.match(value):
                raise bad("is not a date")
            return value
        if kind == "Select":
            options = (field["attrs"]["default-value"] or "").split("\n")
            if value not in options:
                raise bad("is not included in the list")
            return value
        if kind == "Upload":
            return self._upload(value, ptr)
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise bad("is invalid")
        return str(value)

    def _upload(self, value, ptr):
        """A file in the documented JSON form {content: base64, file_name}."""
        m = self.m
        if not isinstance(value, dict) or not isinstance(value.get("file_name"), str) \
                or not isinstance(value.get("content"), str):
            raise m.unprocessable("an upload is {content: base64, file_name}", pointer=ptr)
        try:
            base64.b64decode(value["content"], validate=True)
        except (binascii.Error, ValueError):
            raise m.unprocessable("content is not base64", pointer=ptr)
        return {"file_name": value["file_name"], "content": value["content"]}

    def _render_traits(self, req, rec):
        """The documented response form: scalars as stored, Tag traits as
        {"type": TagType, "values": [{"id", "name", ...}]}, Upload traits as
        a list of {"id", "file-name", "url"} (the form is not documented),
        Password traits only with Password Access."""
        fields = self._type_fields(rec["attrs"]["flexible-asset-type-id"])
        out = {}
        for key, value in rec["attrs"]["traits"].items():
            field = fields.get(key)
            kind = field["attrs"]["kind"] if field else None
            if kind == "Tag":
                tag_type = field["attrs"]["tag-type"]
                out[key] = {"type": tag_type, "values": [
                    self._tag_value(_tag_table(tag_type), rid) for rid in value]}
            elif kind == "Upload":
                out[key] = [{"id": rec["id"] * 100 + field["id"], "file-name": value["file_name"],
                             "url": "https://happyfrog.itglue.example/uploads/%d/%s"
                                    % (rec["id"], value["file_name"])}]
            elif kind == "Password":
                if req.password_access:
                    out[key] = value
            elif self.config["trait_scalars"] == "strings" and not isinstance(value, str):
                out[key] = json.dumps(value) if isinstance(value, bool) else str(value)
            else:
                out[key] = value
        return out

    def _tag_value(self, table, rid):
        val = {"id": rid, "name": self._related_name(table, rid) if table else None}
        if table and table != "organizations" and rid in self.state.tables.get(table, {}):
            rec = self.state.tables[table][rid]
            val["organization-name"] = self._related_name(
                "organizations", rec["attrs"].get("organization-id"))
            if table == "flexible_assets":
                val["name"] = self._asset_name(rec)
            if table == "configurations":
                val["hostname"] = rec["attrs"].get("hostname")
                val["configuration-type-name"] = self._related_name(
                    "configuration_types", rec["attrs"].get("configuration-type-id"))
        return val

    def _asset_name(self, rec):
        """A flexible asset's name: its use-for-title traits joined."""
        fields = self._type_fields(rec["attrs"]["flexible-asset-type-id"])
        parts = [str(rec["attrs"]["traits"][k]) for k, f in
                 sorted(fields.items(), key=lambda kv: kv[1]["attrs"]["order"])
                 if f["attrs"]["use-for-title"] and k in rec["attrs"]["traits"]]
        return " ".join(parts) or None
