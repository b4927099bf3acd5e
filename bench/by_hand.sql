-- by_hand(): what an analyst would write without the FDW: page through
-- /organizations with urllib.request + json in PL/Python and return the rows
-- with the same columns (and the same values) as the imported foreign table,
-- so `SELECT sum(length(x::text)) FROM by_hand() x` can be checked against
-- the FDW's sum.  psql variables: sim_url, api_key.
CREATE OR REPLACE FUNCTION by_hand(base_url text DEFAULT :'sim_url',
                                   api_key text DEFAULT :'api_key',
                                   page_size int DEFAULT 1000)
RETURNS SETOF organizations
LANGUAGE plpython3u AS $$
import json
import urllib.request

page = 1
while True:
    req = urllib.request.Request(
        "%s/organizations?page[number]=%d&page[size]=%d&sort=id" % (base_url, page, page_size),
        headers={"x-api-key": api_key, "Accept": "application/vnd.api+json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        doc = json.load(resp)
    for rec in doc["data"]:
        a = rec["attributes"]
        yield (int(rec["id"]), a["name"], a["description"], a["quick-notes"],
               a["short-name"], a["alert"],
               a["organization-type-id"], a["organization-type-name"],
               a["organization-status-id"], a["organization-status-name"],
               a["parent-id"],
               json.loads(a["ancestor-ids"]) if a["ancestor-ids"] is not None else None,
               a["primary-contact-id"], a["primary-location-id"],
               a["psa-id"], a["psa-integration-type"], a["my-glue-account-id"],
               a["primary"], a["logo"], a["created-at"], a["updated-at"],
               json.dumps(a))
    if doc["meta"].get("next-page") is None:
        break
    page += 1
$$;
