-- by_hand(): what an analyst would write without the FDW: page through
-- /organizations with urllib.request + json in PL/Python and return the rows
-- as the imported foreign table's row type, so that
-- `SELECT sum(length(x::text)) FROM by_hand() x` can be checked against the
-- FDW.  With refetch_truncated => true it also does what the FDW does by
-- default: a record whose quick-notes reach 250 characters (where list pages
-- cut them) is fetched again from /organizations/:id for the whole text.
-- psql variables: sim_url, api_key.

-- Whether IMPORT gave the table an "attributes" jsonb column (the whole
-- attributes object); only then does by_hand() build one.
SELECT EXISTS (SELECT 1 FROM pg_attribute
                WHERE attrelid = 'organizations'::regclass
                  AND attname = 'attributes' AND NOT attisdropped) AS has_attributes \gset

CREATE OR REPLACE FUNCTION by_hand(base_url text DEFAULT :'sim_url',
                                   api_key text DEFAULT :'api_key',
                                   page_size int DEFAULT 1000,
                                   with_attributes boolean DEFAULT :'has_attributes',
                                   refetch_truncated boolean DEFAULT false)
RETURNS SETOF organizations
LANGUAGE plpython3u AS $$
import json
import urllib.request

def get(path):
    req = urllib.request.Request(
        base_url + path,
        headers={"x-api-key": api_key, "Accept": "application/vnd.api+json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.load(resp)

page = 1
while True:
    doc = get("/organizations?page[number]=%d&page[size]=%d&sort=id" % (page, page_size))
    for rec in doc["data"]:
        a = rec["attributes"]
        notes = a.get("quick-notes")
        if refetch_truncated and isinstance(notes, str) and len(notes) >= 250:
            a["quick-notes"] = get("/organizations/%s" % rec["id"])["data"]["attributes"]["quick-notes"]
        row = {k.replace("-", "_"): v for k, v in a.items()}
        row["id"] = int(rec["id"])
        row["is_primary"] = a["primary"]
        if a["ancestor-ids"] is not None:
            row["ancestor_ids"] = json.loads(a["ancestor-ids"])
        if with_attributes:
            row["attributes"] = json.dumps(a)
        yield row
    if doc["meta"].get("next-page") is None:
        break
    page += 1
$$;
