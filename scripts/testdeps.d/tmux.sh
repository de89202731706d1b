#!/bin/sh
# Installs Debian's tmux for the station's end-to-end test (e2e/), which
# runs the TUI in tmux and reads it back with capture-pane. Idempotent:
# does nothing when tmux is there. CI runs as root; elsewhere sudo is used
# when present.
set -eu
if command -v tmux >/dev/null 2>&1; then
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "tmux.sh: tmux is needed by e2e/ and there is no apt-get here; install tmux" >&2
	exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends tmux >/dev/null
command -v tmux >/dev/null 2>&1
