#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs the host unit tests and a time-bounded libFuzzer run; prints TAP
# ("ok N - name" / "not ok N - name", then the plan "1..N").  Exit status 0
# only when everything passed.
#
#   run.sh BUILD_DIR FUZZ_SECONDS [fuzz-only]
#
# stderr of the unit tests (including the expected corruption reports of
# check_detects_corruption) is kept in BUILD_DIR/unit.log and shown only on
# failure; the libFuzzer log is BUILD_DIR/fuzz.log, crash inputs are
# BUILD_DIR/crash-*, the corpus grows in BUILD_DIR/corpus.

B=${1:?build dir}
SECS=${2:-60}
MODE=${3:-all}
failed=0
n=0

if [ "$MODE" != fuzz-only ]; then
	{ "$B/extent_test" 2>"$B/unit.log"; echo $? >"$B/unit.rc"; } |
		tee "$B/unit.tap"
	n=$(grep -c -E '^(not )?ok [0-9]+' "$B/unit.tap")
	if [ "$(cat "$B/unit.rc")" != 0 ] || [ "$n" -eq 0 ]; then
		failed=1
		echo "# unit tests failed (exit $(cat "$B/unit.rc")); stderr:"
		tail -n 40 "$B/unit.log" | sed 's/^/# /'
	fi
fi

n=$((n + 1))
name="fuzz_extent_map_vs_model_${SECS}s"
if [ "$SECS" -le 0 ] 2>/dev/null; then
	echo "ok $n - $name # SKIP FUZZ_SECONDS=0"
else
	mkdir -p "$B/corpus"
	"$B/extent_fuzz" -max_total_time="$SECS" -timeout=10 -max_len=4096 \
		-rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$B/" "$B/corpus" >"$B/fuzz.log" 2>&1
	rc=$?
	runs=$(grep -E '^Done [0-9]+ runs' "$B/fuzz.log" | tail -n 1)
	if [ $rc -eq 0 ] && [ -n "$runs" ]; then
		echo "ok $n - $name"
		echo "# fuzz: $runs"
		grep -E '^stat::(number_of_executed_units|peak_rss_mb)' \
			"$B/fuzz.log" | sed 's/^/# /'
	else
		failed=1
		echo "not ok $n - $name"
		echo "# libFuzzer exit $rc; log $B/fuzz.log:"
		tail -n 40 "$B/fuzz.log" | sed 's/^/# /'
	fi
fi

echo "1..$n"
exit $failed
