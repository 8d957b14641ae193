#!/bin/sh
# scripts/deps.sh - install the Debian packages the build needs, when absent.
# Checks each tool and header first, so a machine that has them is not
# touched.  Installing needs root and apt-get (Debian 12 or later).
set -e
missing=""
command -v flex  >/dev/null 2>&1 || missing="$missing flex"
command -v bison >/dev/null 2>&1 || missing="$missing bison"
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
command -v groff >/dev/null 2>&1 || missing="$missing groff-base"
# The CI formats' tests: xmllint validates JUnit XML against a schema,
# Perl's TAP::Parser reads TAP as prove does.
command -v xmllint >/dev/null 2>&1 || missing="$missing libxml2-utils"
perl -MTAP::Parser -e 1 >/dev/null 2>&1 || missing="$missing perl"
# tally doc's HTML is checked with HTML Tidy.
command -v tidy >/dev/null 2>&1 || missing="$missing tidy"
# local_date() reads Europe/London from the time-zone database at run time.
[ -f "${TZDIR:-/usr/share/zoneinfo}/Europe/London" ] || missing="$missing tzdata"
for pair in cmocka.h:libcmocka-dev yajl/yajl_parse.h:libyajl-dev csv.h:libcsv-dev gmp.h:libgmp-dev \
            ffi.h:libffi-dev; do
    h=${pair%%:*}; p=${pair#*:}
    if ! echo "#include <$h>" | ${CC:-cc} -E -x c - >/dev/null 2>&1; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: missing$missing; install them with apt-get as root" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq $missing >/dev/null
