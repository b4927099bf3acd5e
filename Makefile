# it_glue_fdw — PGXS build.  `make && make install`, then `make installcheck`
# against a running server (test/run-tests.sh does all of it).

MODULE_big = it_glue_fdw
OBJS = \
	src/it_glue_fdw.o \
	src/scan.o \
	src/analyze.o \
	src/option.o \
	src/planner.o \
	src/lookup.o \
	src/resource.o \
	src/deparse.o \
	src/convert.o \
	src/absent.o \
	src/import.o \
	src/modify.o \
	src/writecheck.o \
	src/xact.o \
	src/client.o \
	src/http.o \
	src/pacing.o \
	src/usage.o \
	src/reccache.o \
	src/redact.o \
	src/jsonapi.o \
	src/jsonscan.o \
	src/recshape.o \
	$(patsubst %.c,%.o,$(sort $(wildcard src/resources/*.c)))

EXTENSION = it_glue_fdw
DATA = $(wildcard sql/it_glue_fdw--*.sql)
PGFILEDESC = "it_glue_fdw - foreign-data wrapper for the IT Glue API"

# One regression file per feature; they run in this order.
# Regression inputs are sql/<test>.sql beside the extension scripts, with
# expected/<test>.out; test/run-tests.sh starts what they need.
REGRESS = setup options import select types numbers errors redact limits pushdown parts planner psa writes copy outcomes views cancel tls reccache mirror pacing
REGRESS_OPTS = --load-extension=it_glue_fdw

CURL_CONFIG ?= curl-config
PKG_CONFIG ?= pkg-config

PG_CPPFLAGS = -Isrc $(shell $(CURL_CONFIG) --cflags) $(shell $(PKG_CONFIG) --cflags json-c)
SHLIB_LINK = $(shell $(CURL_CONFIG) --libs) $(shell $(PKG_CONFIG) --libs json-c)
# -Wextra minus unused-parameter, which PostgreSQL's own headers trigger.
# Warnings fail the build only when asked (ITG_WERROR=1: the test suite and
# CI), so a newer compiler or PostgreSQL never stops a user's `make`.
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter
ifneq ($(filter-out 0,$(ITG_WERROR)),)
PG_CFLAGS += -Werror
endif

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# `make dist`: the archive PGXN takes (a zip of the committed tree under
# it_glue_fdw-VERSION/, META.json at its top).
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)
dist:
	git archive --format zip --prefix=$(EXTENSION)-$(EXTVERSION)/ \
		-o $(EXTENSION)-$(EXTVERSION).zip HEAD
.PHONY: dist

# Every object depends on the private headers (PGXS does not track them).
$(OBJS): src/it_glue_fdw.h src/compat.h src/jsonapi.h src/jsonscan.h src/recshape.h
