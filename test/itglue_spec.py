"""
itglue_spec.py - the documented IT Glue API (test/spec/itglue-api.json) as a
request validator for the simulator.

The spec file is data written from IT Glue's published developer
documentation; this module only reads it. For every API request the simulator
asks it:

  * route(method, path): which documented resource and action this is (None:
    the documentation has no such route, so the real service answers 404);
  * check_query(...): the query parameters a real server would act on. An
    undocumented filter key is dropped (IT Glue ignores unknown filters); a
    malformed value of a documented filter, an undocumented sort key or
    include, a missing required filter, or a filter used without the one it
    documents as its companion is refused with 422;
  * check_write(...): the attributes of a write body. An attribute the
    documentation does not list for that action is dropped (mode "ignore")
    or refused with 422 (mode "reject");
  * documented_attributes(resource): the attribute keys of the documented
    response examples, for the simulator's "documented" attribute mode.

Python 3 standard library only; no import of the simulator (it imports us).
"""

import json
import os
import re

SPEC_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spec",
                         "itglue-api.json")

_INT = re.compile(r"\s*-?\d+\s*\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?\Z")
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")
_BOOL = ("true", "false", "1", "0")


class SpecError(Exception):
    """A request the documented API refuses: 422 with a JSON:API error."""

    def __init__(self, detail, parameter=None, pointer=None, title="Unprocessable Entity"):
        super().__init__(detail)
        self.status = 422
        self.title = title
        self.detail = detail
        self.parameter = parameter
        self.pointer = pointer


def _values(raw):
    return [v.replace("\\,", ",") for v in _UNESCAPED_COMMA.split(raw)]


def _check_number(key, raw):
    for v in _values(raw):
        if not _INT.match(v):
            raise SpecError("%s must be a number" % key, parameter=key)


def _check_enum(key, raw, allowed):
    for v in _values(raw):
        if v not in allowed:
            raise SpecError("%s must be one of: %s" % (key, ", ".join(allowed)), parameter=key)


def _check_bool(key, raw):
    if raw.strip().lower() not in _BOOL:
        raise SpecError("%s must be true, false, 1 or 0" % key, parameter=key)


def _check_range(key, raw, side_ok, what):
    parts = raw.split(",")
    if len(parts) != 2 or not all(p.strip() == "*" or side_ok(p.strip()) for p in parts):
        raise SpecError("%s must be 'start,end' (%s or *)" % (key, what), parameter=key)


_KIND_CHECKS = {
    "number": lambda key, raw, f: _check_number(key, raw),
    "string": lambda key, raw, f: None,
    "enum": lambda key, raw, f: _check_enum(key, raw, f["values"]),
    "bool": lambda key, raw, f: _check_bool(key, raw),
    "date_range": lambda key, raw, f: _check_range(key, raw, _DATE.match, "RFC 3339 dates"),
    "number_range": lambda key, raw, f: _check_range(key, raw, _INT.match, "numbers"),
}


def _route_regex(path, resource_types=()):
    """'/organizations/:organization_id/relationships/contacts/:id' -> regex
    with one group per ':param'. ':resource_type' (attachments, related
    items) matches only the documented parent resources."""
    out = []
    for seg in path.strip("/").split("/"):
        if seg == ":resource_type":
            out.append("(%s)" % "|".join(re.escape(t) for t in resource_types))
        else:
            out.append("([^/]+)" if seg.startswith(":") else re.escape(seg))
    return re.compile("/" + "/".join(out))


class Spec:
    def __init__(self, path=SPEC_PATH):
        with open(path, encoding="utf-8") as f:
            self.doc = json.load(f)
        self.resources = self.doc["resources"]
        self.routes = []             # (regex, method, resource, action, params)
        for name, res in self.resources.items():
            for route in res["routes"]:
                for p in route["paths"]:
                    params = tuple(seg[1:] for seg in p.strip("/").split("/")
                                   if seg.startswith(":"))
                    self.routes.append((_route_regex(p, res.get("resource_types", ())),
                                        route["method"], name,
                                        route["action"], params))
        # Literal routes before ones with parameters ("/organizations" must
        # not be taken for "/:x"), longest first.
        self.routes.sort(key=lambda r: (-r[0].pattern.count("/"), r[0].pattern.count("(")))

    def route(self, method, path):
        """(resource, action) of a documented route, or None."""
        found = self.match(method, path)
        return found[:2] if found else None

    def match(self, method, path):
        """(resource, action, {route param: raw value}) of a documented
        route, or None. "/organizations/5/relationships/contacts" gives
        ("contacts", "index", {"organization_id": "5"})."""
        method = "GET" if method == "HEAD" else method
        for regex, m, name, action, params in self.routes:
            found = regex.fullmatch(path) if m == method else None
            if found:
                return name, action, dict(zip(params, found.groups()))
        return None

    def required_writes(self, resource, action):
        """Body attributes (snake_case) the documentation marks required."""
        return [a for a, w in self.resources[resource].get("writable", {}).items()
                if w.get(action) == "req"]

    def write_validation(self, resource, attribute):
        """The documented validation text of a body attribute ("number",
        "bool (true/false/1/0)", "one of `A`, `B`", ...), or None."""
        w = self.resources[resource].get("writable", {}).get(attribute)
        return w.get("validation") if w else None

    def nullable_write(self, resource, action, attribute):
        w = self.resources[resource].get("writable", {}).get(attribute, {})
        return w.get(action, "").endswith("+null")

    def filters(self, resource):
        return self.resources[resource].get("index", {}).get("filters", {})

    def sort_keys(self, resource):
        return self.resources[resource].get("index", {}).get("sort", [])

    def includes(self, resource, action):
        res = self.resources[resource]
        if action == "show":
            return res.get("show_include", [])
        return res.get("index", {}).get("include", [])

    def writable(self, resource, action):
        """Documented body attributes (snake_case) of a write action."""
        return {a for a, w in self.resources[resource].get("writable", {}).items()
                if action in w}

    def documented_attributes(self, resource):
        return frozenset(self.resources[resource].get("response_attributes", {}))

    # ------------------------------------------------------------ requests
    def check_query(self, resource, action, params):
        """The params a real server acts on; raises SpecError for what the
        documentation refuses. Filters count on index and bulk routes only."""
        takes_filters = action in ("index", "bulk_update", "bulk_destroy")
        documented = self.filters(resource) if takes_filters else {}
        kept = {}
        for key, raw in params.items():
            if key.startswith("filter["):
                if key in documented:
                    kept[key] = raw
                continue                       # undocumented: ignored
            kept[key] = raw
        for key, raw in kept.items():
            if key in documented and raw != "":
                f = documented[key]
                _KIND_CHECKS[f["kind"]](key, raw, f)
        if takes_filters:
            present = {k for k, v in kept.items() if k.startswith("filter[") and v != ""}
            if action == "index":
                for key in self.resources[resource].get("index", {}).get("required_filters", []):
                    if key not in present:
                        raise SpecError("%s is required" % key, parameter=key,
                                        title="%s filter is required" % key[7:-1])
            for key in present:
                need = documented[key].get("requires")
                if need and need not in present:
                    raise SpecError(None, parameter=key, title="%s filter is required with %s"
                                    % (need[7:-1], key[7:-1]))
        if action in ("index", "show"):
            if action == "index" and kept.get("sort", "").strip():
                allowed = self.sort_keys(resource)
                for part in kept["sort"].split(","):
                    field = part.strip()
                    field = field[1:] if field.startswith("-") else field
                    if field not in allowed:
                        raise SpecError("sort field '%s' is not supported" % field,
                                        parameter="sort")
            if kept.get("include", "").strip():
                allowed = self.includes(resource, action)
                for part in kept["include"].split(","):
                    if part.strip() not in allowed:
                        raise SpecError("include '%s' is not supported" % part.strip(),
                                        parameter="include")
        return kept

    def check_write(self, resource, action, doc, mode):
        """Undocumented attributes of a write body: dropped from doc (mode
        "ignore") or refused (mode "reject"). Returns True when doc changed.
        A body that is not a JSON:API document is left to the handler."""
        if action not in ("create", "update", "bulk_update") or not isinstance(doc, dict):
            return False
        allowed = self.writable(resource, action)
        data = doc.get("data")
        items = data if isinstance(data, list) else [data]
        changed = False
        for i, item in enumerate(items):
            attrs = item.get("attributes") if isinstance(item, dict) else None
            if not isinstance(attrs, dict):
                continue
            for key in list(attrs):
                if key.replace("-", "_") in allowed:
                    continue
                if mode == "reject":
                    prefix = "/data/%d" % i if isinstance(data, list) else "/data"
                    raise SpecError("%s is not a permitted attribute" % key,
                                    pointer="%s/attributes/%s" % (prefix, key))
                del attrs[key]
                changed = True
        return changed

    def strip_response(self, resource, doc):
        """Remove attributes the documented responses do not contain."""
        keep = self.documented_attributes(resource)
        data = doc.get("data") if isinstance(doc, dict) else None
        for item in data if isinstance(data, list) else [data]:
            attrs = item.get("attributes") if isinstance(item, dict) else None
            if isinstance(attrs, dict):
                for key in [k for k in attrs if k not in keep]:
                    del attrs[key]
