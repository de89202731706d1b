#!/bin/sh
# Installs Debian's OpenSSH client (ssh, ssh-keygen) for the SSH tests
# (tui/remote/openssh_test.go, and e2e/, which logs in to the station
# over SSH). Idempotent: does nothing when both are there. CI runs as
# root; elsewhere sudo is used when present.
set -eu
if command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1; then
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "openssh.sh: ssh and ssh-keygen are needed by tui/remote and e2e/ and there is no apt-get here; install the OpenSSH client" >&2
	exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends openssh-client >/dev/null
command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1
