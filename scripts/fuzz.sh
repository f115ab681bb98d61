#!/usr/bin/env bash
# fuzz.sh runs every Go fuzz target in the repository for a short time each
# and fails when one finds a crash. The targets are found by grep, so a new
# Fuzz function is picked up without editing this file. Their committed seed
# corpora (testdata/fuzz) run first, as with go test.
#
#   bash scripts/fuzz.sh                 # 5 s per target
#   FUZZTIME=1m bash scripts/fuzz.sh     # longer
#   ONLY=orders bash scripts/fuzz.sh     # only packages whose path contains "orders"
#
# A crash leaves its input in the package's testdata/fuzz/<Target>/ (commit
# it with the fix: it becomes a regression seed) and the run exits 1 after
# trying every target. FUZZ_PARALLEL sets the fuzzing workers per target
# (default: go's, one per CPU).
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME=${FUZZTIME:-5s}
ONLY=${ONLY:-}
parallel=()
[[ -n ${FUZZ_PARALLEL:-} ]] && parallel=(-parallel "$FUZZ_PARALLEL")

# "dir target" pairs, sorted, from every test file with a Fuzz function.
mapfile -t targets < <(grep -rE --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]*\(' . |
	sed -E 's#^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\($#\1 \2#' | sort -u)
if ((${#targets[@]} == 0)); then
	echo "fuzz: no Fuzz targets found" >&2
	exit 1
fi

failed=()
ran=0
for t in "${targets[@]}"; do
	dir=${t% *}
	name=${t#* }
	[[ -n $ONLY && $dir != *"$ONLY"* ]] && continue
	ran=$((ran + 1))
	echo "=== fuzz $dir $name ($FUZZTIME)"
	if ! go test "$dir" -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "${parallel[@]}"; then
		failed+=("$dir $name")
	fi
done
echo
if ((${#failed[@]} > 0)); then
	echo "fuzz: ${#failed[@]} of $ran targets failed:" >&2
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz: $ran targets ran for $FUZZTIME each without a crash"
