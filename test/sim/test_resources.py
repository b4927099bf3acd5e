"""
Tests of the simulator's resources besides organizations (test/sim/simengine.py
over test/sim/simdata.py): every resource family's list, nested list, show,
filters, sorts, writes and bulk writes, flexible-asset traits and password
access, with exact JSON.

Run from the repository root:
    python3 -m unittest discover -s test/sim -p 'test_*.py'
"""

import http.client
import json
import os
import re
import sys
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.dont_write_bytecode = True

import itglue_sim  # noqa: E402

KEY = "ITG.test-key"
NO_PW_KEY = "ITG.test-key-no-passwords"
JSONAPI = "application/vnd.api+json"
SERVER = None


def setUpModule():
    global SERVER
    SERVER = itglue_sim.make_server(itglue_sim.Simulator(orgs=2500, seed=42), "127.0.0.1", 0)
    threading.Thread(target=SERVER.serve_forever, kwargs={"poll_interval": 0.1},
                     daemon=True).start()


def tearDownModule():
    SERVER.shutdown()
    SERVER.server_close()


def call(method, target, body=None, key=KEY, ctype=JSONAPI):
    conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=10)
    headers = {} if key is None else {"x-api-key": key}
    if body is not None:
        body = json.dumps(body).encode()
        headers["Content-Type"] = ctype
    try:
        conn.request(method, target, body=body, headers=headers)
        r = conn.getresponse()
        raw = r.read()
        return r.status, (json.loads(raw) if raw and r.getheader("Content-Type", "").startswith(
            ("application/vnd.api+json", "application/json")) else raw)
    finally:
        conn.close()


def control(method, path, body=None):
    return call(method, path, body, key=None, ctype="application/json")


def get(target, key=KEY):
    status, doc = call("GET", target, key=key)
    assert status == 200, (target, status, doc)
    return doc


def ids(target):
    return [int(r["id"]) for r in get(target)["data"]]


def attrs(target):
    return get(target)["data"]["attributes"]


def body(res, **attributes):
    return {"data": {"type": res, "attributes": attributes}}


def bulk(res, *items):
    return {"data": [{"type": res, "attributes": a} for a in items]}


def error(status, detail, pointer=None, parameter=None, title="Unprocessable Entity"):
    err = {"status": status, "title": title, "detail": detail}
    if pointer:
        err["source"] = {"pointer": pointer}
    if parameter:
        err["source"] = {"parameter": parameter}
    return {"errors": [err]}


def log_text():
    return control("GET", "/_sim/log?format=text&decode=1")[1].decode()


class ResourceTestCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.assertEqual(control("POST", "/_sim/reset")[0], 200)

    def config(self, **cfg):
        self.assertEqual(control("POST", "/_sim/config", cfg)[0], 200)


# ---------------------------------------------------------------------------
class LookupTests(ResourceTestCase):
    def test_every_lookup_lists_and_shows(self):
        expected = {
            "configuration_types": ("configuration-types", ["Managed Server", "Managed Workstation",
                                                            "Managed Network Device", "Printer"]),
            "configuration_statuses": ("configuration-statuses",
                                       ["Active", "Inactive", "Decommissioned"]),
            "contact_types": ("contact-types", ["Approver", "Billing", "Technical", "Owner"]),
            "password_categories": ("password-categories", ["Active Directory", "Email", "Firewall",
                                                            "Wi-Fi", "Vendor Portal"]),
            "manufacturers": ("manufacturers", ["Dell", "HP", "Lenovo", "Cisco"]),
            "platforms": ("platforms", ["Windows", "Linux", "macOS"]),
            "operating_systems": ("operating-systems", ["Windows Server 2022", "Windows 11 Pro",
                                                        "Ubuntu 22.04", "macOS 14"]),
            "countries": ("countries", ["United States", "Canada", "Germany"]),
            "groups": ("groups", ["Administrators", "Technicians", "Read Only"]),
            "flexible_asset_types": ("flexible-asset-types", ["Email", "Wireless",
                                                              "Retired Template"]),
        }
        for res, (type_name, names) in expected.items():
            doc = get("/" + res)
            self.assertEqual([d["type"] for d in doc["data"]], [type_name] * len(names), res)
            self.assertEqual([d["attributes"]["name"] for d in doc["data"]], names, res)
            self.assertEqual(doc["meta"]["total-count"], len(names), res)
            self.assertEqual(get("/%s/2" % res)["data"]["attributes"]["name"], names[1], res)
            self.assertEqual(call("GET", "/%s/99" % res)[0], 404, res)

    def test_exact_json_of_lookups(self):
        self.assertEqual(get("/configuration_types/2"), {"data": {
            "id": "2", "type": "configuration-types", "attributes": {
                "name": "Managed Workstation", "created-at": "2015-01-05T01:02:00.000Z",
                "updated-at": "2015-01-06T01:02:00.000Z", "configurations-count": 57}}})
        self.assertEqual(get("/operating_systems/3"), {"data": {
            "id": "3", "type": "operating-systems", "attributes": {
                "name": "Ubuntu 22.04", "platform-id": 2, "platform-name": "Linux",
                "created-at": "2015-03-01T00:03:00.000Z", "updated-at": "2015-03-02T00:03:00.000Z"}}})
        self.assertEqual(get("/regions/4"), {"data": {"id": "4", "type": "regions", "attributes": {
            "name": "Ontario", "iso": "ON", "country-id": 2}}})
        self.assertEqual(get("/users/5"), {"data": {"id": "5", "type": "users", "attributes": {
            "first-name": "Sam", "last-name": None, "role-name": "Creator",
            "email": "sam@happyfrog.example.com", "avatar": "",
            "invitation-sent-at": "2016-01-05T00:00:00.000Z",
            "invitation-accepted-at": "2016-01-05T01:00:00.000Z",
            "current-sign-in-at": "2025-12-05T00:00:00.000Z", "current-sign-in-ip": "192.0.2.5",
            "last-sign-in-at": "2025-11-05T00:00:00.000Z", "last-sign-in-ip": "192.0.2.105",
            "reputation": 50, "my-glue": False, "my-glue-account-id": None,
            "created-at": "2016-01-05T00:00:00.000Z", "updated-at": "2025-12-05T00:00:00.000Z"}}})

    def test_counts_follow_the_records(self):
        before = attrs("/password_categories/3")["passwords-count"]
        status, doc = call("POST", "/passwords", body(
            "passwords", name="New", password="s3cret", organization_id=2,
            password_category_id=3))
        self.assertEqual(status, 201, doc)
        self.assertEqual(attrs("/password_categories/3")["passwords-count"], before + 1)

    def test_name_filters_are_exact_and_take_comma_lists(self):
        self.assertEqual(ids("/manufacturers?filter[name]=HP,Cisco"), [2, 4])
        self.assertEqual(ids("/manufacturers?filter[name]=hp"), [])
        self.assertEqual(ids("/countries?filter[iso]=DE"), [3])
        self.assertEqual(ids("/regions?filter[country_id]=2"), [4, 5])
        self.assertEqual(ids("/users?filter[name]=Ada%20Admin"), [1])
        self.assertEqual(ids("/users?filter[role_name]=Editor"), [2])
        self.assertEqual(ids("/users?filter[salesforce_id]=9003"), [3])
        self.assertEqual(ids("/flexible_asset_types?filter[enabled]=false"), [3])
        self.assertEqual(ids("/flexible_asset_types?filter[icon]=wifi"), [2])

    def test_sorts_documented_and_refused(self):
        self.assertEqual(ids("/manufacturers?sort=-name"), [3, 2, 1, 4])
        self.assertEqual(ids("/countries?sort=created_at"), [3, 2, 1])   # hidden timestamps
        self.assertEqual(ids("/regions?sort=-updated_at"), [6, 5, 4, 3, 2, 1])
        self.assertEqual(ids("/users?sort=-reputation"), [5, 4, 3, 2, 1])
        self.assertEqual(ids("/users?sort=name"), [1, 4, 3, 5, 2])
        self.assertEqual(call("GET", "/password_categories?sort=id"), (422, error(
            422, "sort field 'id' is not supported", parameter="sort")))
        self.assertEqual(call("GET", "/countries?sort=iso")[0], 422)

    def test_lookup_writes(self):
        status, doc = call("POST", "/manufacturers", body("manufacturers", name="Ubiquiti"))
        self.assertEqual((status, doc), (201, {"data": {
            "id": "5", "type": "manufacturers", "attributes": {
                "name": "Ubiquiti", "created-at": "2026-01-01T00:00:00.000Z",
                "updated-at": "2026-01-01T00:00:00.000Z"}}}))
        self.assertEqual(call("POST", "/manufacturers", body("manufacturers", name="dell")),
                         (422, error(422, "has already been taken", "/data/attributes/name")))
        self.assertEqual(call("POST", "/manufacturers", body("manufacturers")),
                         (422, error(422, "can't be blank", "/data/attributes/name")))
        # PATCH requires name on lookups, as documented
        self.assertEqual(call("PATCH", "/manufacturers/2", body("manufacturers")),
                         (422, error(422, "can't be blank", "/data/attributes/name")))
        # id 1 of every lookup is synced with an external system
        self.assertEqual(call("PATCH", "/contact_types/1", body("contact_types", name="X")), (
            422, error(422, "name is synced with an external system and cannot be changed",
                       "/data/attributes/name")))
        status, doc = call("PATCH", "/contact_types/2", body("contact-types", name="Accounts"))
        self.assertEqual(status, 200)
        self.assertEqual(doc["data"]["attributes"]["name"], "Accounts")
        self.assertEqual(attrs("/contacts/%d" % ids("/contacts?filter[contact_type_id]=2")[0])[
            "contact-type-name"], "Accounts")
        # countries, platforms and operating systems are read-only
        self.assertEqual(call("POST", "/countries", body("countries", name="X"))[0], 404)
        self.assertEqual(call("PATCH", "/platforms/1", body("platforms", name="X"))[0], 404)

    def test_users_patch(self):
        status, doc = call("PATCH", "/users/2", body("users", first_name="Tina",
                                                     avatar={"content": "aGk=",
                                                             "file_name": "t.png"}))
        self.assertEqual(status, 200)
        self.assertEqual((doc["data"]["attributes"]["first-name"],
                          doc["data"]["attributes"]["avatar"]), ("Tina", "t.png"))
        self.assertEqual(call("POST", "/users", body("users", first_name="X"))[0], 404)

    def test_groups_writes(self):
        status, doc = call("POST", "/groups", body("groups", name="Night Shift",
                                                   accounts_user_ids=[1, 2]))
        self.assertEqual(status, 201)
        self.assertEqual(doc["data"]["attributes"]["name"], "Night Shift")
        self.assertNotIn("accounts-user-ids", doc["data"]["attributes"])
        self.assertEqual(call("DELETE", "/groups/4"), (204, b""))
        self.assertEqual(call("GET", "/groups/4")[0], 404)
        status, doc = call("PATCH", "/groups", bulk("groups", {"id": 1, "description": "All"},
                                                    {"id": 2, "description": "Some"}))
        self.assertEqual(status, 200)
        self.assertEqual([d["attributes"]["description"] for d in doc["data"]], ["All", "Some"])


# ---------------------------------------------------------------------------
class ModelAndRegionTests(ResourceTestCase):
    def test_nested_lists(self):
        self.assertEqual(ids("/manufacturers/1/relationships/models"), [1, 2])
        self.assertEqual(ids("/manufacturers/4/relationships/models"), [6])
        self.assertEqual(ids("/countries/2/relationships/regions"), [4, 5])
        self.assertEqual(get("/countries/2/relationships/regions/4")["data"]["id"], "4")
        self.assertEqual(call("GET", "/countries/1/relationships/regions/4")[0], 404)
        self.assertEqual(call("GET", "/manufacturers/9/relationships/models")[0], 404)

    def test_models_filters_sorts_writes(self):
        self.assertEqual(ids("/models?filter[id]=2,5"), [2, 5])
        self.assertEqual(ids("/models?sort=-manufacturer_id,name"), [6, 5, 4, 3, 2, 1])
        status, doc = call("POST", "/manufacturers/3/relationships/models",
                           {"data": [{"type": "models", "attributes": {"name": "X1 Carbon"}},
                                     {"type": "models", "attributes": {"name": "X13"}}]})
        self.assertEqual(status, 201)
        self.assertEqual([d["id"] for d in doc["data"]], ["7", "8"])
        self.assertEqual(ids("/manufacturers/3/relationships/models"), [5, 7, 8])
        self.assertEqual(call("POST", "/models", body("models", name="Z", manufacturer_id=99)),
                         (422, error(422, "must exist", "/data/attributes/manufacturer-id")))
        status, doc = call("PATCH", "/models", bulk("models", {"id": 7, "name": "X1 Carbon G11"}))
        self.assertEqual((status, doc["data"][0]["attributes"]["name"]), (200, "X1 Carbon G11"))


# ---------------------------------------------------------------------------
class OrganizationRecordTests(ResourceTestCase):
    """configurations, contacts, locations, passwords, domains, expirations,
    documents, configuration interfaces: per organization."""

    def test_exact_json_of_a_configuration_and_a_contact(self):
        self.assertEqual(get("/configurations/1")["data"], {
            "id": "1", "type": "configurations", "attributes": {
                "organization-id": 2, "organization-name": "Kub, Reynolds and Gibson",
                "organization-short-name": "KRG", "name": "KRAG-PRN01", "hostname": "krag-prn01",
                "primary-ip": "10.2.0.138", "serial-number": "W9MZK8S026",
                "configuration-type-id": 4, "configuration-type-name": "Printer",
                "configuration-status-id": 2, "configuration-status-name": "Inactive",
                "archived": False, "configuration-type-kind": "printer", "asset-tag": "AT-00001",
                "mac-address": "4a:ea:c7:a1:41:57", "manufacturer-id": 1,
                "manufacturer-name": "Dell", "model-id": 2, "model-name": "OptiPlex 7090",
                "operating-system-id": 4, "operating-system-name": "macOS 14",
                "operating-system-notes": None, "location-id": None, "location-name": None,
                "contact-id": None, "installed-at": None, "installed-by": None,
                "purchased-at": "2018-12-01", "purchased-by": None, "position": None,
                "notes": None, "warranty-expires-at": "2025-03-15",
                "created-at": "2024-01-13T12:31:40.000Z", "updated-at": "2025-08-19T07:11:21.000Z",
                "resource-url": "https://happyfrog.itglue.example/2/configurations/1"}})
        self.assertEqual(get("/contacts/1")["data"]["attributes"], {
            "organization-id": 2, "organization-name": "Kub, Reynolds and Gibson",
            "name": "Michael Taylor", "first-name": "Michael", "last-name": "Taylor",
            "title": "Receptionist", "important": True, "notes": None,
            "contact-emails": [{"value": "michael.taylor@kubreynoldsandgibson.example.com",
                                "primary": True, "label-name": "Work"}],
            "contact-type-id": 4, "contact-type-name": "Owner", "location-id": None,
            "location-name": None,
            "contact-phones": [{"value": "5405550261", "extension": None, "primary": True,
                                "label-name": "Work", "label-type": "Work",
                                "formatted-value": "(540) 555-0261"}],
            "created-at": "2020-10-30T15:21:11.000Z", "updated-at": "2020-11-06T10:03:53.000Z"})

    def test_nested_routes_of_every_org_resource(self):
        for res in ("configurations", "contacts", "locations", "passwords", "domains",
                    "expirations"):
            org = get("/%s?page[size]=1" % res)["data"][0]["attributes"]["organization-id"]
            top = ids("/%s?filter[organization_id]=%d&page[size]=1000" % (res, org))
            self.assertTrue(top, res)
            self.assertEqual(ids("/organizations/%d/relationships/%s" % (org, res)), top, res)
            self.assertEqual(call("GET", "/organizations/999999/relationships/%s" % res)[0],
                             404, res)
        self.assertEqual(get("/organizations/2/relationships/passwords/2")["data"]["id"], "2")
        self.assertEqual(call("GET", "/organizations/3/relationships/passwords/2")[0], 404)
        # domains have no show route in the documentation
        self.assertEqual(call("GET", "/domains/1")[0], 404)

    def test_configuration_interfaces(self):
        self.assertEqual(get("/configurations/4/relationships/configuration_interfaces"
                             )["data"][0]["attributes"]["ip-address"],
                         attrs("/configurations/4")["primary-ip"])
        self.assertEqual(call("GET", "/configuration_interfaces")[0], 404)   # nested only
        shown = get("/configurations/4?include=configuration_interfaces")
        iface = get("/configurations/4/relationships/configuration_interfaces")["data"]
        self.assertEqual(shown["data"]["relationships"], {"configuration-interfaces": {"data": [
            {"id": i["id"], "type": "configuration-interfaces"} for i in iface]}})
        self.assertEqual(shown["included"], iface)
        self.assertEqual(iface[0]["attributes"]["id"], int(iface[0]["id"]))
        self.assertNotIn("included", get("/configurations/4?include=passwords"))
        status, doc = call("POST", "/configurations/1/relationships/configuration_interfaces",
                           body("configuration_interfaces", name="mgmt", ip_address="10.9.9.9"))
        self.assertEqual(status, 201)
        new = int(doc["data"]["id"])
        self.assertEqual(doc["data"]["attributes"], {
            "id": new, "ip-address": "10.9.9.9", "mac-address": None, "name": "mgmt",
            "notes": None, "primary": False, "created-at": "2026-01-01T00:00:00.000Z",
            "updated-at": "2026-01-01T00:00:00.000Z"})
        self.assertEqual(ids("/configurations/1/relationships/configuration_interfaces"), [new])
        self.assertEqual(ids("/configurations/1/relationships/configuration_interfaces"
                             "?filter[ip_address]=10.9.9.9"), [new])
        self.assertEqual(call("DELETE", "/configurations/1/relationships/configuration_interfaces/%d"
                              % new), (204, b""))
        self.assertEqual(ids("/configurations/1/relationships/configuration_interfaces"), [])
        # the primary IP address of a synced configuration's interface is locked
        synced = [i for i in get("/configurations?filter[rmm_integration_type]=automate,"
                                 "ninja-rmm,kaseya-vsa,syncro&page[size]=1000")["data"]
                  if i["attributes"]["configuration-type-id"] in (1, 3)][0]
        iface = get("/configurations/%s/relationships/configuration_interfaces" % synced["id"]
                    )["data"][0]["id"]
        self.assertEqual(call("PATCH", "/configuration_interfaces/%s" % iface,
                              body("configuration_interfaces", ip_address="10.0.0.1")),
                         (422, error(422, "ip-address is synced with an external system and "
                                     "cannot be changed", "/data/attributes/ip-address")))
        self.assertEqual(call("PATCH", "/configuration_interfaces/%s" % iface,
                              body("configuration_interfaces", notes="ok"))[0], 200)

    def test_filters_by_kind(self):
        self.assertEqual(ids("/configurations?filter[id]=1,3"), [1, 3])
        self.assertEqual(ids("/configurations?filter[serial_number]=W9MZK8S026"), [1])
        self.assertEqual(ids("/configurations?filter[asset_tag]=AT-00001,AT-00002"), [1, 2])
        archived = ids("/configurations?filter[archived]=true&page[size]=1000")
        self.assertTrue(archived)
        self.assertTrue(all(attrs("/configurations/%d" % i)["archived"] for i in archived[:5]))
        self.assertEqual(ids("/configurations?filter[archived]=1&page[size]=1000"), archived)
        self.assertEqual(ids("/contacts?filter[first_name]=Michael&filter[organization_id]=2"), [1])
        self.assertEqual(ids("/contacts?filter[important]=true&filter[organization_id]=2"), [1])
        self.assertEqual(ids("/passwords?filter[password_category_id]=2&filter[organization_id]=2"),
                         [2])
        self.assertEqual(ids("/expirations?filter[expiration_date]=2028-06-12"), [1])
        self.assertEqual(ids("/expirations?filter[range][expiration_date]=2028-06-12,2028-06-12"
                             "&filter[resource_type_name]=Domain"), [1])
        self.assertEqual(ids("/expirations?filter[resource_id]=1&filter[resource_type_name]=Domain"),
                         [1])
        self.assertEqual(call("GET", "/expirations?filter[range][expiration_date]=soon")[0], 422)
        self.assertEqual(ids("/contacts?filter[primary_email]="
                             "michael.taylor@kubreynoldsandgibson.example.com"), [1])
        self.assertEqual(ids("/configurations?filter[contact_id]=3"), [5, 6])
        self.assertEqual(ids("/passwords?filter[cached_resource_name]=KRAG-PRN01"), [2])
        self.assertEqual(attrs("/passwords/2?show_password=false")["resource-type"],
                         "Configuration")
        self.assertEqual(call("GET", "/configurations?filter[archived]=maybe")[0], 422)

    def test_psa_and_rmm_filters(self):
        psa = get("/configurations?filter[psa_integration_type]=manage&page[size]=1000")["data"]
        self.assertTrue(psa)
        self.assertEqual(call("GET", "/configurations?filter[psa_id]=1001-1"), (422, {"errors": [{
            "status": 422, "title": "psa_integration_type filter is required with psa_id",
            "source": {"parameter": "filter[psa_id]"}}]}))
        rmm = ids("/configurations?filter[rmm_integration_type]=automate,ninja-rmm,kaseya-vsa"
                  "&page[size]=1000")
        self.assertTrue(rmm)
        self.assertEqual(call("GET", "/configurations?filter[rmm_integration_type]=nope")[0], 422)

    def test_nested_filters_option(self):
        every = ids("/organizations/2/relationships/configurations")
        self.assertEqual(ids("/organizations/2/relationships/configurations?filter[id]=1"), every)
        self.config(nested_filters="apply")
        self.assertEqual(ids("/organizations/2/relationships/configurations?filter[id]=1"), [1])

    def test_sorts(self):
        self.assertEqual(ids("/locations?filter[organization_id]=2&sort=-primary"),
                         ids("/locations?filter[organization_id]=2"))
        names = [d["attributes"]["username"] for d in
                 get("/passwords?sort=-username&page[size]=5")["data"]]
        self.assertEqual(names, sorted(names, reverse=True))
        self.assertEqual(call("GET", "/domains?sort=name"), (422, error(
            422, "sort field 'name' is not supported", parameter="sort")))
        self.assertEqual(call("GET", "/expirations?sort=-expiration_date")[0], 200)

    def test_create_top_level_and_nested(self):
        status, doc = call("POST", "/contacts", body("contacts", first_name="Zed",
                                                     last_name="Zulu", organization_id=5,
                                                     contact_type_id=2))
        self.assertEqual(status, 201)
        self.assertEqual(doc["data"]["attributes"]["organization-name"], "Smith [Holdings] Ltd")
        self.assertEqual(doc["data"]["attributes"]["contact-type-name"], "Billing")
        self.assertEqual(doc["data"]["attributes"]["created-at"], "2026-01-01T00:00:00.000Z")
        self.assertEqual((doc["data"]["attributes"]["contact-emails"],
                          doc["data"]["attributes"]["contact-phones"]), ([], []))
        status, doc = call("POST", "/organizations/5/relationships/locations",
                           {"data": [{"type": "locations", "attributes": {"name": "A"}},
                                     {"type": "locations", "attributes": {"name": "B"}}]})
        self.assertEqual(status, 201)
        self.assertEqual([d["attributes"]["organization-id"] for d in doc["data"]], [5, 5])
        # a data array only on a nested route
        self.assertEqual(call("POST", "/locations", {"data": [{"type": "locations"}]}), (
            400, {"errors": [{"status": 400, "title": "Bad Request",
                              "detail": "data must be an object"}]}))

    def test_create_validation(self):
        self.assertEqual(call("POST", "/configurations", body("configurations", name="x",
                                                              organization_id=2)),
                         (422, error(422, "can't be blank",
                                     "/data/attributes/configuration-type-id")))
        self.assertEqual(call("POST", "/configurations", body(
            "configurations", name="x", organization_id=2, configuration_type_id="abc")),
            (422, error(422, "is not a number", "/data/attributes/configuration-type-id")))
        self.assertEqual(call("POST", "/configurations", body(
            "configurations", name="x", organization_id=999999, configuration_type_id=1)),
            (422, error(422, "must exist", "/data/attributes/organization-id")))
        self.assertEqual(call("POST", "/contacts", body("contacts", organization_id=2,
                                                        important="yes")),
                         (422, error(422, "is not a boolean", "/data/attributes/important")))
        self.assertEqual(call("POST", "/contacts", body("contacts", first_name="A")),
                         (422, error(422, "can't be blank", "/data/attributes/organization-id")))
        self.assertEqual(call("POST", "/contacts", body("contacts", organization_id=2),
                              ctype="application/json")[0], 415)

    def test_read_only_attributes_follow_the_write_mode(self):
        status, doc = call("POST", "/contacts", body("contacts", organization_id=2,
                                                     first_name="A", organization_name="X"))
        self.assertEqual((status, doc["data"]["attributes"]["organization-name"]),
                         (201, "Kub, Reynolds and Gibson"))
        self.config(undocumented_write="reject")
        self.assertEqual(call("POST", "/contacts", body("contacts", organization_id=2,
                                                        organization_name="X")),
                         (422, error(422, "organization_name is not a permitted attribute",
                                     "/data/attributes/organization_name")))

    def test_patch_is_partial_and_psa_locks(self):
        status, doc = call("PATCH", "/configurations/1", body("configurations", notes="hi"))
        self.assertEqual(status, 200)
        self.assertEqual(doc["data"]["attributes"]["notes"], "hi")
        self.assertEqual(doc["data"]["attributes"]["name"], "KRAG-PRN01")
        self.assertEqual(doc["data"]["attributes"]["updated-at"], "2026-01-01T00:00:00.000Z")
        synced = ids("/configurations?filter[psa_integration_type]=manage")[0]
        self.assertEqual(call("PATCH", "/configurations/%d" % synced,
                              body("configurations", name="renamed")),
                         (422, error(422, "name is synced with an external system and cannot be "
                                     "changed", "/data/attributes/name")))
        self.assertEqual(call("PATCH", "/configurations/%d" % synced,
                              body("configurations", asset_tag="T-1", notes="n"))[0], 200)
        contact = ids("/contacts?filter[psa_integration_type]=manage")[0]
        self.assertEqual(call("PATCH", "/contacts/%d" % contact,
                              body("contacts", notes="n"))[0], 422)
        self.assertEqual(call("PATCH", "/configurations/1", {"data": {
            "type": "configurations", "attributes": {"notes": "x"},
            "relationships": {"configuration_interfaces": {"data": []}}}}),
            (422, error(422, "relationships are not permitted in PATCH", "/data/relationships")))
        self.assertEqual(call("PATCH", "/organizations/3/relationships/configurations/1",
                              body("configurations", notes="x"))[0], 404)

    def test_bulk_update_and_destroy(self):
        a, b = ids("/contacts?filter[organization_id]=5,6,8,10")[:2]     # not PSA-synced
        status, doc = call("PATCH", "/contacts", bulk("contacts", {"id": a, "title": "CEO"},
                                                      {"id": b, "title": "CFO"}))
        self.assertEqual(status, 200)
        self.assertEqual([(d["id"], d["attributes"]["title"]) for d in doc["data"]],
                         [(str(a), "CEO"), (str(b), "CFO")])
        # all or nothing
        self.assertEqual(call("PATCH", "/contacts", bulk("contacts", {"id": a, "title": "X"},
                                                         {"id": 99999, "title": "Y"})),
                         (404, {"errors": [{"status": "404", "title": "Not Found",
                                            "detail": "Record not found: id 99999"}]}))
        self.assertEqual(attrs("/contacts/%d" % a)["title"], "CEO")
        self.assertEqual(call("PATCH", "/contacts", bulk("contacts", {"title": "X"})),
                         (422, error(422, "can't be blank", "/data/0/attributes/id")))
        status, doc = call("DELETE", "/locations", bulk("locations", {"id": 1}, {"id": 2}))
        self.assertEqual((status, [d["id"] for d in doc["data"]]), (200, ["1", "2"]))
        self.assertEqual(call("GET", "/locations/1")[0], 404)
        self.assertEqual(call("DELETE", "/organizations/2/relationships/configurations",
                              bulk("configurations", {"id": 3}))[0], 404)   # org 3's record
        self.assertEqual(call("DELETE", "/configurations?filter[id]=1",
                              bulk("configurations", {"id": 1})),
                         (422, error(422, "data cannot be used in combination with filter",
                                     "/data")))
        self.assertEqual(call("DELETE", "/configurations"),
                         (422, error(422, "a body or a filter is required", parameter="filter")))
        status, doc = call("DELETE", "/configurations?filter[organization_id]=2")
        self.assertEqual(status, 200)
        self.assertEqual(ids("/configurations?filter[organization_id]=2"), [])
        self.assertIn('DELETE /configurations?filter[organization_id]=2', log_text())

    def test_documents_only_patch(self):
        self.assertEqual(call("GET", "/documents")[0], 404)
        self.assertEqual(call("GET", "/documents/1")[0], 404)
        self.assertEqual(call("POST", "/documents", body("documents", name="x"))[0], 404)
        doc_id, org = 1, None
        status, doc = call("PATCH", "/documents/%d" % doc_id, body("documents", name="Runbook",
                                                                   public=True))
        self.assertEqual(status, 200)
        org = doc["data"]["attributes"]["organization-id"]
        self.assertEqual((doc["data"]["type"], doc["data"]["attributes"]["name"],
                          doc["data"]["attributes"]["public"]), ("documents", "Runbook", True))
        self.assertEqual(call("PATCH", "/organizations/%d/relationships/documents/1" % org,
                              body("documents", archived=True))[0], 200)
        self.assertEqual(call("PATCH", "/organizations/%d/relationships/documents/1" % (org + 1),
                              body("documents", archived=True))[0], 404)
        status, doc = call("PATCH", "/documents", bulk("documents", {"id": 1, "name": "A"},
                                                       {"id": 2, "name": "B"}))
        self.assertEqual((status, [d["attributes"]["name"] for d in doc["data"]]),
                         (200, ["A", "B"]))

    def test_logs_metrics_exports(self):
        self.assertEqual(get("/logs?page[size]=1")["meta"]["total-count"], 300)
        self.assertEqual(call("GET", "/logs?page[number]=6"), (422, error(
            422, "page[number] must be at most 5 for logs", parameter="page[number]")))
        self.assertEqual(ids("/logs?filter[created_at]=2025-12-01T00:00:00Z,2025-12-01T03:00:00Z"),
                         [1, 2])
        self.assertEqual(ids("/user_metrics?filter[user_id]=2&filter[date]=2025-12-01,2025-12-02"),
                         [2, 7, 12])
        self.config(date_range_cap_days=7)
        self.assertEqual(call("GET", "/user_metrics?filter[date]=2025-01-01,2025-12-01")[0], 422)
        status, doc = call("POST", "/exports", body("exports", organization_id=3,
                                                    zip_password="z"))
        self.assertEqual(status, 201)
        self.assertEqual({k: doc["data"]["attributes"][k] for k in
                          ("organization-id", "export-all", "download-url", "include-logs")},
                         {"organization-id": 3, "export-all": False, "download-url": None,
                          "include-logs": False})
        self.assertNotIn("zip-password", doc["data"]["attributes"])
        self.assertEqual(call("DELETE", "/exports/%s" % doc["data"]["id"]), (204, b""))


# ---------------------------------------------------------------------------
class PasswordTests(ResourceTestCase):
    def test_show_carries_the_value_by_default(self):
        self.assertEqual(attrs("/passwords/2")["password"], "pw-2-garnet")
        self.assertNotIn("password", attrs("/passwords/2?show_password=false"))
        self.assertEqual(get("/organizations/2/relationships/passwords/2")["data"][
            "attributes"]["password"], "pw-2-garnet")

    def test_list_value_option(self):
        self.assertFalse(any("password" in d["attributes"] for d in get("/passwords")["data"]))
        self.config(password_in_list="present")
        self.assertTrue(all("password" in d["attributes"] for d in get("/passwords")["data"]))
        self.config(password_in_list="example")
        self.assertEqual([d["id"] for d in get("/passwords?page[size]=8")["data"]
                          if "password" in d["attributes"]], ["1", "5"])

    def test_key_without_password_access(self):
        forbidden = (403, {"errors": [{"status": 403, "title": "Forbidden", "detail":
                                       "This API key does not have Password Access"}]})
        self.assertEqual(call("GET", "/passwords/2", key=NO_PW_KEY), forbidden)
        self.assertNotIn("password", get("/passwords/2?show_password=false", key=NO_PW_KEY)[
            "data"]["attributes"])
        self.config(password_in_list="present")
        self.assertFalse(any("password" in d["attributes"]
                             for d in get("/passwords", key=NO_PW_KEY)["data"]))
        self.config(password_access=False)          # the main key loses it too
        self.assertEqual(call("GET", "/passwords/2"), forbidden)
        self.assertNotIn("admin-password", attrs("/flexible_assets/1")["traits"])
        # the request log never shows either key, and counts the restricted one as valid
        entries = control("GET", "/_sim/log")[1]
        self.assertNotIn(NO_PW_KEY, json.dumps(entries))
        self.assertNotIn(KEY, json.dumps(entries))
        self.assertEqual({e["key"] for e in entries}, {"valid"})

    def test_writes_answer_without_the_value_unless_asked(self):
        status, doc = call("POST", "/organizations/3/relationships/passwords",
                           body("passwords", name="VPN", password="hunter2", username="u"))
        self.assertEqual(status, 201)
        self.assertNotIn("password", doc["data"]["attributes"])
        pid = doc["data"]["id"]
        self.assertEqual(attrs("/passwords/%s" % pid)["password"], "hunter2")
        status, doc = call("PATCH", "/passwords/%s?show_password=true" % pid,
                           body("passwords", password="hunter3"))
        self.assertEqual((status, doc["data"]["attributes"]["password"]), (200, "hunter3"))
        self.assertEqual(call("POST", "/passwords", body("passwords", name="x", organization_id=2)),
                         (422, error(422, "can't be blank", "/data/attributes/password")))
        self.assertEqual(call("POST", "/passwords", body(
            "passwords", name="x", password="p", organization_id=2, resource_id=1)),
            (422, error(422, "must be given together with resource_id",
                        "/data/attributes/resource-type")))
        self.assertEqual(call("DELETE", "/passwords/%s" % pid), (204, b""))
        self.assertEqual(call("DELETE", "/organizations/2/relationships/passwords/2")[0], 200)
        self.assertEqual(call("GET", "/passwords/2")[0], 404)


# ---------------------------------------------------------------------------
class FlexibleAssetTests(ResourceTestCase):
    def test_type_filter_is_required(self):
        self.assertEqual(call("GET", "/flexible_assets"), (422, {"errors": [{
            "status": 422, "title": "flexible-asset-type-id filter is required",
            "detail": "filter[flexible-asset-type-id] is required",
            "source": {"parameter": "filter[flexible-asset-type-id]"}}]}))
        every = ids("/flexible_assets?filter[flexible-asset-type-id]=1&page[size]=1000")
        self.assertEqual(ids("/flexible_assets?filter[flexible-asset-type-id]=1"
                             "&filter[organization-id]=2"), [1])
        self.assertTrue(set(every) > {1})
        self.assertEqual(ids("/flexible_assets?filter[flexible-asset-type-id]=1&filter[name]="
                             "kubreynoldsandgi.example.com"), [1])
        self.assertEqual(call("GET", "/flexible_assets?filter[flexible-asset-type-id]=1"
                              "&sort=id")[0], 422)

    def test_fields_of_every_kind(self):
        kinds = [d["attributes"]["kind"] for d in
                 get("/flexible_asset_types/1/relationships/flexible_asset_fields")["data"]]
        self.assertEqual(sorted(set(kinds)), ["Checkbox", "Date", "Header", "Number", "Password",
                                              "Percent", "Select", "Tag", "Text", "Textbox",
                                              "Upload"])
        self.assertEqual(call("GET", "/flexible_asset_fields")[0], 404)    # nested only
        doc = get("/flexible_asset_types/2?include=flexible_asset_fields")
        self.assertEqual(doc["data"]["relationships"], {"flexible-asset-fields": {"data": [
            {"id": "14", "type": "flexible-asset-fields"},
            {"id": "15", "type": "flexible-asset-fields"},
            {"id": "16", "type": "flexible-asset-fields"}]}})
        self.assertEqual([f["attributes"]["name-key"] for f in doc["included"]],
                         ["ssid", "security", "location"])

    def test_traits_in_the_documented_response_form(self):
        self.assertEqual(attrs("/flexible_assets/1"), {
            "organization-id": 2, "organization-name": "Kub, Reynolds and Gibson",
            "flexible-asset-type-id": 1, "flexible-asset-type-name": "Email",
            "name": "kubreynoldsandgi.example.com",
            "traits": {
                "domain-name": "kubreynoldsandgi.example.com", "type": "Office 365",
                "domains": {"type": "Domains", "values": [
                    {"id": 1, "name": "kubreynoldsandgi.example.com",
                     "organization-name": "Kub, Reynolds and Gibson"},
                    {"id": 2, "name": "kubreynoldsandgi-2.example.net",
                     "organization-name": "Kub, Reynolds and Gibson"}]},
                "email-servers": {"type": "Configurations", "values": [
                    {"id": 1, "name": "KRAG-PRN01", "organization-name": "Kub, Reynolds and Gibson",
                     "hostname": "krag-prn01", "configuration-type-name": "Printer"}]},
                "mailboxes": 222, "quota-used": 35.8, "renewal": "2026-07-01",
                "inbound-filtering": True, "notes": "Line one\nLine two",
                "contacts": {"type": "Contacts", "values": [
                    {"id": 1, "name": "Michael Taylor",
                     "organization-name": "Kub, Reynolds and Gibson"}]},
                "diagram": [{"id": 111, "file-name": "diagram-2.png",
                             "url": "https://happyfrog.itglue.example/uploads/1/diagram-2.png"}],
                "admin-password": "fa-secret-2"},
            "restricted": False, "my-glue": False, "archived": False,
            "created-at": "2023-04-27T20:37:08.000Z", "updated-at": "2023-04-27T20:37:08.000Z",
            "resource-url": "https://happyfrog.itglue.example/2/flexible_assets/1"})
        self.config(trait_scalars="strings")
        traits = attrs("/flexible_assets/1")["traits"]
        self.assertEqual((traits["mailboxes"], traits["quota-used"], traits["inbound-filtering"]),
                         ("222", "35.8", "true"))

    def test_create_takes_tag_ids_and_uploads(self):
        status, doc = call("POST", "/flexible_assets", body(
            "flexible_assets", organization_id=3, flexible_asset_type_id=1,
            traits={"domain-name": "smith.example", "domains": 3, "email-servers": [4],
                    "mailboxes": 5, "inbound-filtering": False,
                    "diagram": {"content": "aGVsbG8=", "file_name": "d.png"}}))
        self.assertEqual(status, 201, doc)
        self.assertEqual(doc["data"]["type"], "flexible-assets")
        traits = doc["data"]["attributes"]["traits"]
        self.assertEqual(traits["domains"]["values"][0]["id"], 3)
        self.assertEqual(traits["email-servers"]["values"][0]["id"], 4)
        self.assertEqual(traits["diagram"][0]["file-name"], "d.png")
        self.assertEqual(doc["data"]["attributes"]["name"], "smith.example")
        bad = lambda traits: call("POST", "/flexible_assets", body(
            "flexible_assets", organization_id=3, flexible_asset_type_id=1, traits=traits))
        self.assertEqual(bad({"domains": 3}), (422, error(
            422, "can't be blank", "/data/attributes/traits/domain-name")))
        self.assertEqual(bad({"domain-name": "x", "nope": 1}), (422, error(
            422, "nope is not a field of this flexible asset type",
            "/data/attributes/traits/nope")))
        self.assertEqual(bad({"domain-name": "x", "domains": 999999}), (422, error(
            422, "record 999999 does not exist", "/data/attributes/traits/domains")))
        self.assertEqual(bad({"domain-name": "x", "type": "Lotus"}), (422, error(
            422, "is not included in the list", "/data/attributes/traits/type")))
        self.assertEqual(bad({"domain-name": "x", "diagram": "file.png"}), (422, error(
            422, "an upload is {content: base64, file_name}", "/data/attributes/traits/diagram")))
        self.assertEqual(bad({"domain-name": "x", "renewal": "next year"}), (422, error(
            422, "is not a date", "/data/attributes/traits/renewal")))
        self.assertEqual(bad({"domain-name": "x", "overview": "text"}), (422, error(
            422, "a Header field takes no value", "/data/attributes/traits/overview")))
        self.assertEqual(call("POST", "/flexible_assets", body(
            "flexible_assets", organization_id=3, flexible_asset_type_id=1)),
            (422, error(422, "can't be blank", "/data/attributes/traits")))

    def test_patch_replaces_traits_whole(self):
        before = attrs("/flexible_assets/1")
        status, doc = call("PATCH", "/flexible_assets/1", body(
            "flexible_assets", traits={"domain-name": "new.example", "domains": [2],
                                       "notes": None}))
        self.assertEqual(status, 200)
        after = doc["data"]["attributes"]
        self.assertEqual(after["traits"], {
            "domain-name": "new.example", "domains": {"type": "Domains", "values": [
                {"id": 2, "name": "kubreynoldsandgi-2.example.net",
                 "organization-name": "Kub, Reynolds and Gibson"}]}})
        self.assertEqual(after["name"], "new.example")
        self.assertEqual(after["restricted"], before["restricted"])
        # other attributes stay partial: no traits key, traits unchanged
        status, doc = call("PATCH", "/flexible_assets/1", body("flexible_assets", archived=True))
        self.assertEqual((status, doc["data"]["attributes"]["traits"]), (200, after["traits"]))
        self.assertTrue(doc["data"]["attributes"]["archived"])
        self.assertIn('"traits": {"domain-name": "new.example", "domains": [2], "notes": null}',
                      log_text())

    def test_bulk_patch_replaces_traits_and_bulk_delete(self):
        status, doc = call("PATCH", "/flexible_assets", bulk(
            "flexible_assets", {"id": 1, "traits": {"domain-name": "a.example"}},
            {"id": 2, "restricted": True}))
        self.assertEqual(status, 200)
        self.assertEqual(doc["data"][0]["attributes"]["traits"], {"domain-name": "a.example"})
        self.assertTrue(doc["data"][1]["attributes"]["restricted"])
        self.assertNotEqual(doc["data"][1]["attributes"]["traits"], {})
        status, doc = call("DELETE", "/flexible_assets", bulk("flexible_assets", {"id": 1}))
        self.assertEqual((status, [d["id"] for d in doc["data"]]), (200, ["1"]))
        self.assertEqual(call("DELETE", "/flexible_assets/2"), (204, b""))
        self.assertEqual(call("GET", "/flexible_assets/2")[0], 404)

    def test_nested_bulk_create(self):
        before = ids("/flexible_assets?filter[flexible-asset-type-id]=2&filter[organization-id]=7")
        status, doc = call("POST", "/organizations/7/relationships/flexible_assets", {"data": [
            {"type": "flexible-assets", "attributes": {"flexible_asset_type_id": 2,
                                                       "traits": {"ssid": "a"}}},
            {"type": "flexible-assets", "attributes": {"flexible_asset_type_id": 2,
                                                       "traits": {"ssid": "b"}}}]})
        self.assertEqual(status, 201)
        self.assertEqual([d["attributes"]["name"] for d in doc["data"]], ["a", "b"])
        self.assertEqual(ids("/flexible_assets?filter[flexible-asset-type-id]=2"
                             "&filter[organization-id]=7"),
                         before + [int(d["id"]) for d in doc["data"]])

    def test_types_and_fields_writes(self):
        status, doc = call("POST", "/flexible_asset_types", body(
            "flexible_asset_types", name="Backups", icon="save",
            fields=[{"type": "flexible_asset_fields", "attributes": {
                "name": "Job Name", "kind": "Text", "use_for_title": True, "required": True}},
                {"type": "flexible_asset_fields", "attributes": {
                    "name": "Retention", "kind": "Number", "use_for_title": True}}]))
        self.assertEqual(status, 422)    # a Number field needs decimals
        status, doc = call("POST", "/flexible_asset_types", body(
            "flexible_asset_types", name="Backups", icon="save",
            fields=[{"type": "flexible_asset_fields", "attributes": {
                "name": "Job Name", "kind": "Text", "use_for_title": True, "required": True}},
                {"type": "flexible_asset_fields", "attributes": {
                    "name": "Retention", "kind": "Number", "decimals": 0,
                    "use_for_title": True}}]))
        self.assertEqual(status, 201, doc)
        tid = int(doc["data"]["id"])
        fields = get("/flexible_asset_types/%d/relationships/flexible_asset_fields" % tid)["data"]
        self.assertEqual([(f["attributes"]["name-key"], f["attributes"]["use-for-title"])
                          for f in fields], [("job-name", True), ("retention", False)])
        # a Tag field of another flexible asset type tags its assets
        status, doc = call("POST", "/flexible_asset_types/%d/relationships/flexible_asset_fields"
                           % tid, body("flexible_asset_fields", name="Mail", kind="Tag",
                                       order=3, tag_type="FlexibleAssetType: 1"))
        self.assertEqual(status, 201, doc)
        status, doc = call("POST", "/flexible_assets", body(
            "flexible_assets", organization_id=2, flexible_asset_type_id=tid,
            traits={"job-name": "nightly", "mail": [1]}))
        self.assertEqual((status, doc["data"]["attributes"]["traits"]["mail"]), (201, {
            "type": "FlexibleAssetType: 1", "values": [{
                "id": 1, "name": "kubreynoldsandgi.example.com",
                "organization-name": "Kub, Reynolds and Gibson"}]}))
        self.assertEqual(call("POST", "/flexible_asset_types", body(
            "flexible_asset_types", name="No Fields")),
            (422, error(422, "can't be blank", "/data/attributes/fields")))
        # the kind of a field in use cannot change
        self.assertEqual(call("PATCH", "/flexible_asset_fields/2", body(
            "flexible_asset_fields", kind="Textbox")), (422, error(
                422, "cannot be changed once there are traits for the field",
                "/data/attributes/kind")))
        self.assertEqual(call("PATCH", "/flexible_asset_types/%d/relationships/flexible_asset_fields"
                              "/%d" % (tid, int(fields[1]["id"])),
                              body("flexible_asset_fields", kind="Text"))[0], 200)
        self.assertEqual(call("DELETE", "/flexible_asset_fields/%s" % fields[1]["id"]),
                         (204, b""))
        # a field in use: deleting it loses its traits
        self.assertIn("mailboxes", attrs("/flexible_assets/1")["traits"])
        self.assertEqual(call("DELETE", "/flexible_asset_fields/6"), (204, b""))
        self.assertNotIn("mailboxes", attrs("/flexible_assets/1")["traits"])


# ---------------------------------------------------------------------------
class AttachmentAndRelatedItemTests(ResourceTestCase):
    def test_attachments_on_any_documented_parent(self):
        status, doc = call("POST", "/configurations/1/relationships/attachments", body(
            "attachments", attachment={"content": "aGVsbG8gd29ybGQ=", "file_name": "notes.txt"}))
        self.assertEqual((status, doc), (201, {"data": {
            "id": "1", "type": "attachments", "attributes": {
                "attachment-content-type": "text/plain", "attachment-file-name": "notes.txt",
                "attachment-file-size": 11, "download-url":
                    "https://happyfrog.itglue.example/attachments/1/notes.txt",
                "ext": "txt", "name": "notes.txt", "viewable": False,
                "created-at": "2026-01-01T00:00:00.000Z",
                "updated-at": "2026-01-01T00:00:00.000Z"}}}))
        shown = get("/configurations/1?include=attachments")
        self.assertEqual(shown["data"]["relationships"],
                         {"attachments": {"data": [{"id": "1", "type": "attachments"}]}})
        self.assertEqual(shown["included"], [doc["data"]])
        other = get("/configurations/2?include=attachments")
        self.assertEqual((other["data"]["relationships"], other["included"]),
                         ({"attachments": {"data": []}}, []))
        status, doc = call("PATCH", "/configurations/1/relationships/attachments/1",
                           body("attachments", id=1, name="Read me"))
        self.assertEqual((status, doc["data"]["attributes"]["name"]), (200, "Read me"))
        self.assertEqual(call("PATCH", "/configurations/2/relationships/attachments/1",
                              body("attachments", id=1, name="x"))[0], 404)
        self.assertEqual(call("PATCH", "/configurations/1/relationships/attachments/1",
                              body("attachments", id=1)),
                         (422, error(422, "can't be blank", "/data/attributes/name")))
        self.assertEqual(call("POST", "/configurations/1/relationships/attachments", body(
            "attachments", attachment={"content": "not base64!", "file_name": "a"})),
            (422, error(422, "content is not base64", "/data/attributes/attachment")))
        self.assertEqual(call("POST", "/tickets/1/relationships/attachments", body(
            "attachments", attachment={"content": "", "file_name": "a"}))[0], 404)
        self.assertEqual(call("POST", "/widgets/1/relationships/attachments", body(
            "attachments", attachment={"content": "", "file_name": "a"}))[0], 404)
        status, doc = call("DELETE", "/configurations/1/relationships/attachments",
                           bulk("attachments", {"id": 1}))
        self.assertEqual((status, [d["id"] for d in doc["data"]]), (200, ["1"]))
        self.assertEqual(get("/configurations/1?include=attachments")["included"], [])

    def test_related_items(self):
        status, doc = call("POST", "/passwords/2/relationships/related_items", body(
            "related_items", destination_type="Configuration", destination_id="1",
            notes="runs on", via_copilot=True))
        self.assertEqual(status, 201, doc)
        self.assertEqual(doc["data"]["attributes"]["destination-id"], "1")
        self.assertEqual(get("/passwords/2?include=related_items&show_password=false")[
            "included"], [doc["data"]])
        self.assertEqual(call("POST", "/passwords/2/relationships/related_items", body(
            "related_items", destination_type="Configuration", destination_id="999999")),
            (422, error(422, "must exist", "/data/attributes/destination-id")))
        self.assertEqual(call("POST", "/passwords/2/relationships/related_items", body(
            "related_items", destination_type="Spaceship", destination_id="1")),
            (422, error(422, "is not included in the list", "/data/attributes/destination-type")))
        status, doc = call("PATCH", "/passwords/2/relationships/related_items/1",
                           body("related_items", id=1, notes="changed"))
        self.assertEqual((status, doc["data"]["attributes"]["notes"]), (200, "changed"))


# ---------------------------------------------------------------------------
import itglue_spec  # noqa: E402

SPEC = itglue_spec.Spec()
_TYPE_WORDS = re.compile(r"datetime-string|date-string|string|number|boolean|null|array|object")
_CHECKS = {
    "datetime-string": lambda v: isinstance(v, str) and re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", v),
    "date-string": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", v),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
# Documented as one type in the single example, null where the kind of the
# record does not use them (a Text field has no decimals or tag type).
NULL_WHERE_UNUSED = {"flexible_asset_fields": {"decimals", "default-value", "tag-type"},
                     "configurations": {"organization-short-name"},     # org without one
                     "groups": {"my-glue-account-id"}}                  # not a MyGlue group


class DocumentedAttributesTests(ResourceTestCase):
    def test_every_record_has_the_documented_attributes_and_types(self):
        """Spec-driven: each record of each served resource carries every
        attribute of the documented response examples, with a JSON type the
        documentation shows for it."""
        checked = 0
        for res, doc in SPEC.resources.items():
            if res.startswith("organization"):
                continue                                # test_sim.py covers these
            paths = {a: p for r in doc["routes"] if r["method"] == "GET"
                     for a, p in [(r["action"], r["paths"][0])]}
            if not paths:
                continue
            answers = []
            for rid in range(1, 6):
                if "show" in paths:
                    status, answer = call("GET", paths["show"].replace(
                        ":flexible_asset_type_id", "1").replace(":id", str(rid)))
                    if status != 404:
                        answers.append(answer["data"]["attributes"])
            if "show" not in paths:        # domains, logs, user metrics: index only
                answers = [d["attributes"] for d in get(paths["index"] + "?page[size]=5")["data"]]
            self.assertTrue(answers, res)
            for got in answers:
                for key in doc.get("response_attributes", {}):
                    self.assertIn(key, got, res)
                    kinds = set(_TYPE_WORDS.findall(doc["response_attributes"][key]))
                    if kinds == {"null"}:
                        continue            # the example shows null: no type documented
                    if key in NULL_WHERE_UNUSED.get(res, ()):
                        kinds.add("null")
                    self.assertTrue(any(_CHECKS[k](got[key]) for k in kinds),
                                    (res, key, got[key], kinds))
                checked += 1
        self.assertGreaterEqual(checked, 60)


class DataAgainstSpecTests(unittest.TestCase):
    def test_enum_filters_find_every_value_the_data_holds(self):
        """Every value of an enum-filtered attribute is one the documentation
        lists, so a filter on it can be sent at all."""
        sim = itglue_sim.Simulator(orgs=2500, seed=42)
        checked = 0
        for res, table in sim.state.tables.items():
            for key, f in SPEC.filters(res).items():
                if f["kind"] != "enum":
                    continue
                attr = key[len("filter["):-1].replace("_", "-")
                for rec in table.values():
                    value = rec["attrs"].get(attr, rec["hidden"].get(attr))
                    if value is not None:
                        self.assertIn(value, f["values"], (res, key))
                        checked += 1
        self.assertGreater(checked, 100)


class SeedTests(unittest.TestCase):
    def test_fixture_orgs_records_do_not_depend_on_seed_or_size(self):
        def fixture_records(sim):
            return {res: {rid: rec for rid, rec in table.items()
                          if rec["attrs"].get("organization-id") in range(1, 41)}
                    for res, table in sim.state.tables.items()
                    if res not in ("logs", "user_metrics")}      # seeded activity
        a = fixture_records(itglue_sim.Simulator(orgs=2500, seed=42))
        b = fixture_records(itglue_sim.Simulator(orgs=300, seed=7))
        self.assertEqual(a, b)
        self.assertGreater(sum(len(t) for t in a.values()), 300)

    def test_related_orgs_sets_how_many_organizations_have_records(self):
        tables = itglue_sim.Simulator(orgs=300, seed=7, related_orgs=10).state.tables
        for res in ("configurations", "contacts", "locations", "passwords", "domains",
                    "expirations", "flexible_assets"):
            orgs = {r["attrs"]["organization-id"] for r in tables[res].values()}
            self.assertTrue(orgs and max(orgs) <= 10, res)


class DocumentedModeTests(ResourceTestCase):
    def test_only_documented_attributes(self):
        self.config(attributes="documented")
        self.assertNotIn("contact-id", attrs("/configurations/1"))
        self.assertNotIn("archived", attrs("/passwords/2"))
        self.assertIn("configuration-type-kind", attrs("/configurations/1"))

    def test_log_keeps_bodies(self):
        call("PATCH", "/contacts/1", body("contacts", title="Boss"))
        self.assertEqual(log_text(), 'PATCH /contacts/1 {"data": {"type": "contacts", '
                                     '"attributes": {"title": "Boss"}}}\n')


if __name__ == "__main__":
    unittest.main()
