#!/usr/bin/env bash
# test/dist-test.sh — `make dist` gives the archive PGXN takes, and every
# place that states the version agrees.
#
# Checks the zip (one top directory it_glue_fdw-VERSION/ with META.json,
# the control file, the Makefile, the README and the script META.json
# names), META.json against the required fields of PGXN's meta spec 1.0.0,
# and that META.json, it_glue_fdw.control, ITG_VERSION and debian/changelog
# name the same version; and that src/compat.h alone tests PG_VERSION_NUM.
# Ends with "dist: N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$root/it_glue_fdw.control")
if ! make -s -C "$root" dist >"$tmp/make.log" 2>&1; then
	cat "$tmp/make.log"
	echo "FAILED: make dist"
	echo "dist: 0 passed, 1 failed"
	exit 1
fi
mv "$root/it_glue_fdw-$version.zip" "$tmp/" 2>/dev/null

python3 - "$root" "$tmp/it_glue_fdw-$version.zip" "$version" <<'PY'
import json, re, sys, zipfile

root, archive, version = sys.argv[1:4]
passed = failed = 0

def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok:", what)
    else:
        failed += 1
        print("FAILED:", what, detail)

semver = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+)?$")
top = "it_glue_fdw-%s/" % version
try:
    names = zipfile.ZipFile(archive).namelist()
except (OSError, zipfile.BadZipFile) as e:
    names = []
    check("make dist wrote %s" % archive.rsplit("/", 1)[-1], False, str(e))
else:
    check("make dist wrote it_glue_fdw-%s.zip" % version, True)
check("every entry is under %s" % top, names and all(n.startswith(top) for n in names))
meta = json.load(open(root + "/META.json"))
for f in ("META.json", "it_glue_fdw.control", "Makefile", "README.md",
          meta.get("provides", {}).get("it_glue_fdw", {}).get("file", "?")):
    check("the archive holds %s" % f, top + f in names)

# PGXN meta spec 1.0.0: the required keys and their forms.
for key in ("name", "version", "abstract", "maintainer", "license", "provides", "meta-spec"):
    check("META.json has %s" % key, key in meta)
check("name is a PGXN name", re.match(r"^[A-Za-z0-9][A-Za-z0-9_-]+$", meta.get("name", "")) is not None)
check("version is semantic", semver.match(meta.get("version", "")) is not None)
check("meta-spec is 1.0.0", meta.get("meta-spec", {}).get("version") == "1.0.0")
check("license is a spec name", meta.get("license") in ("postgresql", "bsd", "mit", "gpl_3", "apache_2_0"))
for ext, p in meta.get("provides", {}).items():
    check("provides %s: file and semantic version" % ext,
          "file" in p and semver.match(p.get("version", "")) is not None)

# One version everywhere.
itg = re.search(r'#define ITG_VERSION "([^"]+)"', open(root + "/src/it_glue_fdw.h").read())
deb = re.match(r"\S+ \(([^)-]+)", open(root + "/debian/changelog").readline())
check("META.json version is the control file's %s" % version, meta.get("version") == version)
check("provides version is %s" % version, meta["provides"]["it_glue_fdw"].get("version") == version)
check("ITG_VERSION is %s" % version, itg is not None and itg.group(1) == version)
check("debian/changelog is at %s" % version, deb is not None and deb.group(1) == version)
check("sql/it_glue_fdw--%s.sql exists" % version,
      meta["provides"]["it_glue_fdw"].get("file") == "sql/it_glue_fdw--%s.sql" % version)
# Version differences are handled in one place.
import glob
outside = [f for f in glob.glob(root + "/src/*.[ch]")
           if not f.endswith("/compat.h") and "PG_VERSION_NUM" in open(f).read()]
check("PG_VERSION_NUM is tested only in src/compat.h", not outside, " ".join(outside))
print("dist: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
