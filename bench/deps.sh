#!/bin/sh
# bench/deps.sh - install the optional contenders of `make bench` (Lua 5.4
# with lua-cjson) when absent.  Never fails the benchmark: without root or
# apt-get, or offline, run.py simply skips the Lua contender.
if command -v lua5.4 >/dev/null 2>&1 && lua5.4 -e "require 'cjson'" 2>/dev/null; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "bench: lua5.4 and lua-cjson absent; the Lua contender is skipped" >&2
    exit 0
fi
echo "bench: installing lua5.4 lua-cjson" >&2
export DEBIAN_FRONTEND=noninteractive
{ apt-get update -qq && apt-get install -y -qq lua5.4 lua-cjson; } >/dev/null 2>&1 ||
    echo "bench: could not install lua5.4 lua-cjson; the Lua contender is skipped" >&2
exit 0
