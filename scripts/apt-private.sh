# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by the scripts that fetch from a newer Debian suite than the
# machine's: apt_private DIR SUITE points apt at SUITE through lists and a
# cache of its own under DIR, sets the array aptopts for apt-get and
# apt-cache, and refreshes the lists.  The system's apt sources and state
# are never touched.
apt_private() {
	local dir=$1 suite=$2
	aptopts=(-o "Dir::Etc::sourcelist=$dir/etc/sources.list"
		 -o "Dir::Etc::sourceparts=$dir/etc/sources.list.d"
		 -o "Dir::State::Lists=$dir/lists"
		 -o "Dir::Cache=$dir/cache"
		 -o "APT::Architecture=amd64")
	mkdir -p "$dir/etc/sources.list.d" "$dir/lists/partial" \
		 "$dir/cache/archives/partial"
	echo "deb ${PGCLUSTER_DEBIAN_MIRROR:-http://deb.debian.org/debian} $suite main" \
		>"$dir/etc/sources.list"
	if declare -F say >/dev/null; then
		say "refreshing private apt lists for Debian $suite (system sources untouched)"
	else
		echo "refreshing private apt lists for Debian $suite (system sources untouched)" >&2
	fi
	apt-get "${aptopts[@]}" -qq update >&2
}
