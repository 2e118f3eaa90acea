#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/migration/libvirt.sh: the controllers driven through libvirt
# (palmctl migrate --libvirt) between two real libvirtd on this machine
# (tests/testbed/libvirt-pair.sh, one pair per link rate), each cell once
# per controller; reports shaped like cell.sh's, then RESULTS.md and plots
# in the results directory (summarize.sh).  Needs root, QEMU, libvirt's
# daemon and jq; `make check`'s install-deps.sh installs them.
#
#   LV_WS        working sets (default "16M 48M")
#   LV_RATES     test guest rate= values (default "0 3 max")
#   LV_PATTERNS  (default uniform)
#   LV_LINKS     tc rates or "off" (default "100mbit 1gbit")
#   LV_CTLS      controllers (default "palm nova")
#   MIG_BUDGET, MIG_PAUSE, MIG_FILL as in run.sh (15, 300, 50)
#   LV_OUT       results (default bench/results/migration-libvirt)
#   LV_PAIR_LIBVIRT  a newer libvirt to run the daemons with
#                (tests/testbed/libvirt-pair.sh; e.g. /opt/palm/libvirt-backports)
# palm plans with bench/migration/model-libvirt.coef (model.coef until
# there is one); a run into the default LV_OUT refits it on its results,
# starting from model.coef for what this grid cannot tell.
set -eu
cd "$(dirname "$0")/../.."
src_dir=$(pwd)
build=${PALM_BUILD:-build}
case $build in /*) ;; *) build=$src_dir/$build ;; esac
pair=tests/testbed/libvirt-pair.sh
out=${LV_OUT:-bench/results/migration-libvirt}
ws_list=${LV_WS:-16M 48M}
rates=${LV_RATES:-0 3 max}
patterns=${LV_PATTERNS:-uniform}
links=${LV_LINKS:-100mbit 1gbit}
ctls=${LV_CTLS:-palm nova}
budget=${MIG_BUDGET:-15}
pause=${MIG_PAUSE:-300}
fill=${MIG_FILL:-50}
base_s=2
# run_cell_and_say
# shellcheck source=bench/migration/lib.sh
. bench/migration/lib.sh
# wait_guest_log
# shellcheck source=scripts/guest-lib.sh
. scripts/guest-lib.sh

[ "$(id -u)" = 0 ] || { echo "bench/migration/libvirt: needs root; skipped"; exit 0; }
if ! why=$(sh "$pair" check 2>&1); then
	echo "bench/migration/libvirt: skipped: $why"
	exit 0
fi
command -v jq >/dev/null || { echo "bench/migration/libvirt: needs jq" >&2; exit 1; }

type=qemu accel=tcg
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	type=kvm accel=kvm,dirty-ring-size=4096
fi
kernel=$(realpath "$build/tests/guest/palm-guest.elf")
nova_scale=$(awk -v b="$budget" 'BEGIN { printf "%.6f", b / 1600 }')
coef=bench/migration/model-libvirt.coef
[ -f "$coef" ] || coef=bench/migration/model.coef
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.err

dir=""
cleanup()
{
	status=$?
	set +e
	[ -n "$dir" ] && sh "$pair" down "$dir" >/dev/null 2>&1 && rm -rf "$dir"
	exit $status
}
trap cleanup EXIT INT TERM

# the guest's page writes per second over the last base_s of heartbeats
base_rate()
{
	awk '/^hb /{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		n++; t[n] = v["t_ms"]; w[n] = v["work"] }
		END { for (k = n; k > 1 && t[n] - t[k] < '"$base_s"' * 1000; k--) ;
		      if (n > 1 && t[n] > t[k]) printf "%.6f", (w[n] - w[k]) / ((t[n] - t[k]) / 1000); else print 0 }' "$1"
}

# one migration; its report in $1
run_cell()
{
	res=$1 ctl=$2 w=$3 r=$4 p=$5 l=$6
	name=palm-bench-$$-$(basename "$res" .json)
	cdir=$dir/cells/$name
	mkdir -p "$cdir"
	sed -e "s|@NAME@|$name|" -e "s|@TYPE@|$type|" -e "s|@KERNEL@|$kernel|" \
	    -e "s|@CMDLINE@|ws=$w rate=$r pattern=$p period=10 fill=$fill|" \
	    -e "s|@SERIAL@|$cdir/src.log|" tests/testbed/libvirt-guest.xml.in >"$cdir/src.xml"
	# KVM's dirty ring, as in the QMP grid
	[ $type = kvm ] &&
		sed -i "s|</os>|</os><features><kvm><dirty-ring state='on' size='4096'/></kvm></features>|" "$cdir/src.xml"
	# (errexit does not hold inside `if run_cell`: every step checks)
	virsh -q -c "$LV_SRC_URI" create "$cdir/src.xml" >/dev/null || return 1
	virsh -q -c "$LV_SRC_URI" dumpxml --migratable "$name" >"$cdir/dom.xml" || return 1
	sed "s|<source path='$cdir/src.log'/>|<source path='$cdir/dst.log' append='on'/>|" \
		"$cdir/dom.xml" >"$cdir/dst.xml"
	grep -q "$cdir/dst.log' append='on'" "$cdir/dst.xml" || return 1
	: >"$cdir/dst.log"
	wait_guest_log "$cdir/src.log" '^hb seq=100 ' ||
		{ echo "guest not ready" >&2; return 1; }
	sleep $base_s
	base=$(base_rate "$cdir/src.log")
	set -- --budget "${budget}s"
	case $ctl in
	palm)
		set -- "$@" --max-time "${budget}s" --max-pause "$pause" --allow-postcopy \
			--allow-compress --model "$coef"
		[ "$l" = off ] || set -- "$@" --link-rate "$l"
		;;
	nova)
		set -- "$@" --nova-scale "$nova_scale"
		;;
	esac
	tx0=$(ip netns exec "$LV_SRC_NS" cat /sys/class/net/eth0/statistics/tx_bytes)
	set +e
	"$build/core/palmctl" migrate --libvirt --src "$LV_SRC_URI" --dst "$LV_DST_URI" \
		--domain "$name" --dest-xml "$cdir/dst.xml" --uri "tcp://$LV_DST_ADDR" \
		--json --quiet --controller "$ctl" \
		--guest-log-src "$cdir/src.log" --guest-log-dst "$cdir/dst.log" \
		"$@" >"$cdir/report.json" 2>"$cdir/palmctl.err"
	rc=$?
	set -e
	tx1=$(ip netns exec "$LV_SRC_NS" cat /sys/class/net/eth0/statistics/tx_bytes)
	virsh -q -c "$LV_SRC_URI" destroy "$name" >/dev/null 2>&1 || :
	virsh -q -c "$LV_DST_URI" destroy "$name" >/dev/null 2>&1 || :
	if ! jq -e . "$cdir/report.json" >/dev/null 2>&1; then
		echo "palmctl gave no report (rc $rc):" >&2
		cat "$cdir/palmctl.err" >&2
		return 1
	fi
	jq --arg ctl "$ctl" --arg ws "$w" --arg rate "$r" --arg pattern "$p" \
		--arg link "$l" --arg mem 128M --arg accel "$accel" --arg backend libvirt \
		--arg libvirt "$LV_VERSION" \
		--argjson fill "$fill" --argjson delta 100 --argjson base "$base" --argjson rc "$rc" \
		--argjson wire "$((tx1 - tx0))" -f bench/migration/cell-report.jq \
		"$cdir/report.json" >"$res"
	rm -rf "$cdir"
}

for l in $links; do
	dir=$(mktemp -d /tmp/palm-lvbench.XXXXXX)
	chmod 755 "$dir"
	if [ "$l" = off ]; then
		sh "$pair" up "$dir" >"$dir/up.log" 2>&1
	else
		sh "$pair" up "$dir" "$l" >"$dir/up.log" 2>&1
	fi
	. "$dir/env"
	for w in $ws_list; do
		for r in $rates; do
			for p in $patterns; do
				for c in $ctls; do
					name="ws$w-r$r-$p-$l-$c"
					run_cell_and_say "$name" "$out" \
						run_cell "$out/$name.json" "$c" "$w" "$r" "$p" "$l"
				done
			done
		done
	done
	sh "$pair" down "$dir" >/dev/null 2>&1
	rm -rf "$dir"
	dir=""
done

cmd="${LV_PAIR_LIBVIRT:+LV_PAIR_LIBVIRT=$LV_PAIR_LIBVIRT }MIG_FILL=$fill${LV_OUT:+ LV_OUT=$LV_OUT} sh bench/migration/libvirt.sh"
MIG_COEF=$coef sh bench/migration/summarize.sh "$out" "$cmd" "$out/RESULTS.md"
if [ "$out" = bench/results/migration-libvirt ]; then
	sh bench/migration/calibrate.sh "$out" >bench/migration/model-libvirt.coef.new &&
		mv bench/migration/model-libvirt.coef.new bench/migration/model-libvirt.coef
	echo "bench/migration/libvirt: $out/RESULTS.md, bench/migration/model-libvirt.coef"
else
	echo "bench/migration/libvirt: $out/RESULTS.md"
fi
