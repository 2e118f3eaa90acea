#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/migration/run.sh: the live-migration controller benchmark.  A grid
# of real migrations of palm's test guest between two emulated hosts
# (network namespaces, tc tbf links), each cell once per controller
# (palm, qemu, nova, autoconverge), then RESULTS.md, the fitted model
# coefficients (model.coef) and plots.  Called by bench/run.sh
# (make bench); needs root, QEMU, jq, and gnuplot for the plots.
#
#   MIG_GRID=small (default: 12 cells x 4 controllers, 6 min here) | full
#   MIG_WS, MIG_RATES, MIG_PATTERNS, MIG_LINKS, MIG_CTLS: override a dimension
#   MIG_BUDGET  seconds per migration (default 15)
#   MIG_ACCEL   QEMU accelerator (default: KVM with a dirty ring when
#               /dev/kvm opens, so palm measures with eBPF; else tcg)
#   MIG_PAUSE   palm's pause target in ms (default 300)
#   MIG_FILL    test guest fill=: percent of each page that compresses
#               (default 50; 0 = incompressible pages)
#   MIG_DELTA   test guest delta=: percent of a page each rewrite changes
#               (default 100: whole pages; below, xbzrle has a case)
#   MIG_OUT     results directory (default bench/results/migration; another
#               directory gets its own RESULTS.md there and no refit)
#
# Full grid (240 migrations):
#   MIG_GRID=full sh bench/migration/run.sh
# The controllers through libvirt (two real libvirtd): sh bench/migration/libvirt.sh
set -eu
cd "$(dirname "$0")/../.."
here=bench/migration
out=${MIG_OUT:-bench/results/migration}
build=${PALM_BUILD:-build}
# run_cell_and_say
# shellcheck source=bench/migration/lib.sh
. "$here/lib.sh"

case ${MIG_GRID:-small} in
small)
	ws=${MIG_WS:-16M}
	rates=${MIG_RATES:-0 3 max}
	patterns=${MIG_PATTERNS:-uniform hotcold}
	links=${MIG_LINKS:-100mbit 1gbit}
	;;
full)
	ws=${MIG_WS:-16M 48M}
	rates=${MIG_RATES:-0 1 3 10 max}
	patterns=${MIG_PATTERNS:-uniform hotcold}
	links=${MIG_LINKS:-100mbit 1gbit off}
	;;
*)
	echo "MIG_GRID is small or full" >&2
	exit 2
	;;
esac
ctls=${MIG_CTLS:-palm qemu nova autoconverge}
budget=${MIG_BUDGET:-15}
pause=${MIG_PAUSE:-300}
mem=${MIG_MEM:-128M}
fill=${MIG_FILL:-50}
delta=${MIG_DELTA:-100}
if [ -z "${MIG_ACCEL:-}" ]; then
	MIG_ACCEL=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		MIG_ACCEL=kvm,dirty-ring-size=4096
	fi
fi
export MIG_MEM=$mem MIG_ACCEL MIG_FILL=$fill MIG_DELTA=$delta PALM_BUILD="$build"

[ "$(id -u)" = 0 ] || { echo "bench/migration: needs root (network namespaces); skipped"; exit 0; }
command -v qemu-system-x86_64 >/dev/null || { echo "bench/migration: no QEMU; skipped"; exit 0; }
command -v jq >/dev/null || { echo "bench/migration: needs jq" >&2; exit 1; }

# Nova's delays scaled by one factor so that its whole schedule (800 s
# per GiB of a 2 GiB floor = 1600 s) fits the budget.
nova_scale=$(awk -v b="$budget" 'BEGIN { printf "%.6f", b / 1600 }')

mkdir -p "$out"
# a rerun of some controllers keeps the others' results
for c in $ctls; do
	rm -f "$out"/*-"$c".json "$out"/*-"$c".err
done
model=""
[ -f "$here/model.coef" ] && model="--model $here/model.coef"

# tc rate to bytes/s for palm's --link-rate; unshaped: palm learns it
# palm is told the link's rate but nothing about the guest: it samples
# the non-zero RAM and measures the dirtying itself
for w in $ws; do
	for r in $rates; do
		for p in $patterns; do
			for l in $links; do
				for c in $ctls; do
					name="ws$w-r$r-$p-$l-$c"
					set -- --budget "${budget}s"
					case $c in
					palm)
						set -- "$@" --max-time "${budget}s" --max-pause "$pause" \
							--allow-postcopy --allow-compress $model
						[ "$l" = off ] || set -- "$@" --link-rate "$l"
						;;
					nova)
						set -- "$@" --nova-scale "$nova_scale"
						;;
					esac
					run_cell_and_say "$name" "$out" \
						nice sh "$here/cell.sh" "$out/$name.json" "$c" "$w" "$r" "$p" "$l" "$@"
				done
			done
		done
	done
done

cmd="MIG_GRID=${MIG_GRID:-small} MIG_ACCEL=$MIG_ACCEL MIG_BUDGET=$budget MIG_PAUSE=$pause MIG_FILL=$fill MIG_DELTA=$delta${MIG_CTLS:+ MIG_CTLS=\"$MIG_CTLS\"}${MIG_OUT:+ MIG_OUT=$MIG_OUT} sh bench/migration/run.sh"
if [ "$out" = bench/results/migration ]; then
	sh "$here/summarize.sh" "$out" "$cmd" "$here/RESULTS.md"
	sh "$here/calibrate.sh" "$out" >"$here/model.coef.new" && mv "$here/model.coef.new" "$here/model.coef"
	echo "bench/migration: $here/RESULTS.md, $here/model.coef, plots in $out/"
else
	sh "$here/summarize.sh" "$out" "$cmd" "$out/RESULTS.md"
	echo "bench/migration: $out/RESULTS.md, plots in $out/"
fi
