#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Telemetry transports side by side on the same link: kernel UDP and DPDK
# (net_af_packet and net_af_xdp on the same veth of two emulated hosts;
# net_memif between two local processes), at a few record rates.  For each: records/s,
# frames/s, one-way latency p50/p99 (sender timestamp -> aggregated),
# CPU per million records, loss; and the freshness of the receiver's view
# (the oldest "newest sample" age seen while hosts send at 10 Hz).  First,
# the codec and aggregator alone (no transport), for scale.
#
#   sh bench/transport/run.sh            (root; bench/run.sh calls it)
#   PALM_BUILD=build QUICK=1 sh bench/transport/run.sh   # shorter runs
#
# Writes bench/results/transport/results.json (one object per run, with
# the exact tel_node command lines) and a timestamped copy beside it, and
# prints a table.
set -eu

BUILD=${PALM_BUILD:-build}
NODE=$BUILD/core/tel/tel_node
OUT=bench/results/transport
QUICK=${QUICK:-0}
# net_af_packet ring: 4096 frames per direction rather than 512, to absorb bursts
AFP_ARGS=${AFP_ARGS:-,framecnt=4096}
KINDS=${KINDS:-udp dpdk_af_packet dpdk_af_xdp dpdk_memif}
TB=palmbench-tel
PORT=47100
TMP=$(mktemp -d /tmp/palm-bench-tel.XXXXXX)

die()
{
	echo "bench/transport: $*" >&2
	exit 1
}

[ -x "$NODE" ] || die "$NODE not built (make)"
[ "$(id -u)" -eq 0 ] || { echo "bench/transport: skipped: needs root (namespaces)"; exit 0; }

cleanup()
{
	sh scripts/testbed.sh down "$TB" --kill >/dev/null 2>&1 || true
	rm -rf "$TMP"
	rmdir /var/run/dpdk/palmbench* 2>/dev/null || true
}
trap cleanup EXIT INT TERM

sh scripts/testbed.sh up "$TB" 2 >/dev/null || die "cannot bring up the testbed"
A1=$(sh scripts/testbed.sh addr "$TB" 1)
A2=$(sh scripts/testbed.sh addr "$TB" 2)
M1=$(ip -n "$TB-h1" link show eth0 | awk '/link\/ether/ { print $2 }')

have_dpdk=0
if grep -q '^CONFIG_PALM_DPDK=y' .config 2>/dev/null; then
	have_dpdk=1
fi

# The EAL pins its main thread to the first CPU it may use: without -l
# the receiver and the sender would both sit on CPU 0.  Receiver on the
# last CPU, sender on the one before (or the same, on a single CPU).
NCPU=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
RX_LCORE=$((NCPU - 1))
TX_LCORE=$((NCPU > 1 ? NCPU - 2 : 0))

eal()
{
	# $1 file prefix, $2 vdev, $3 lcore
	echo "--no-huge --no-pci -m 256 --no-shconf --no-telemetry --log-level=*:error -l $3 --file-prefix=$1 --vdev=$2"
}

# json FILE: the last JSON line tel_node printed, or {}
json()
{
	line=$(grep '^{' "$1" | tail -1)
	echo "${line:-{\}}"
}

# field JSON NAME: a top-level number of a tel_node result
field()
{
	printf '%s' "$1" | grep -o "\"$2\":[-0-9.e+]*" | head -1 | cut -d: -f2
}

mkdir -p "$OUT"
RES=$OUT/results.json
echo "[" >"$RES"
first=1

# run TRANSPORT LOAD RECORDS RATE BURST FRAMES
run()
{
	kind=$1 load=$2 recs=$3 rate=$4 burst=$5 frames=$6
	ready=$TMP/ready.$kind.$load
	rm -f "$ready"
	common_r="--host-id=1 --port=$PORT --burst=32 --duration-ms=120000 --idle-ms=700 --stale-ms=300 --ready-file=$ready"
	common_s="--host-id=2 --port=$((PORT + 1)) --records=$recs --rate=$rate --burst=$burst --frames=$frames --linger-ms=200"
	case $kind in
	udp)
		rcmd="$NODE recv --transport=udp --local=$A1 --rcvbuf=8388608 $common_r"
		scmd="$NODE send --transport=udp --local=$A2 --peer=$A1:$PORT $common_s"
		rwrap="ip netns exec $TB-h1" swrap="ip netns exec $TB-h2"
		;;
	dpdk_af_packet)
		rcmd="$NODE recv --transport=dpdk --local=$A1 $common_r"
		scmd="$NODE send --transport=dpdk --local=$A2 --peer=$A1:$PORT@$M1 $common_s"
		real="$(eal palmbench_r net_af_packet0,iface=eth0$AFP_ARGS $RX_LCORE)"
		seal="$(eal palmbench_s net_af_packet0,iface=eth0$AFP_ARGS $TX_LCORE)"
		rwrap="ip netns exec $TB-h1" swrap="ip netns exec $TB-h2"
		;;
	dpdk_af_xdp)
		# one AF_XDP socket per veth queue: one DPDK process per host,
		# which is all this benchmark runs; the sender has the
		# receiver's MAC, so no ARP (which the XDP program would take)
		rcmd="$NODE recv --transport=dpdk --local=$A1 $common_r"
		scmd="$NODE send --transport=dpdk --local=$A2 --peer=$A1:$PORT@$M1 $common_s"
		real="$(eal palmbench_r net_af_xdp0,iface=eth0 $RX_LCORE)"
		seal="$(eal palmbench_s net_af_xdp0,iface=eth0 $TX_LCORE)"
		rwrap="ip netns exec $TB-h1" swrap="ip netns exec $TB-h2"
		;;
	dpdk_memif)
		sock=$TMP/memif.$load.sock
		rcmd="$NODE recv --transport=dpdk --local=10.213.254.1 $common_r"
		scmd="$NODE send --transport=dpdk --local=10.213.254.2 --peer=10.213.254.1:$PORT@02:00:00:00:00:01 $common_s"
		real="$(eal palmbench_r net_memif0,role=server,socket=$sock $RX_LCORE)"
		seal="$(eal palmbench_s net_memif0,role=client,socket=$sock $TX_LCORE)"
		rwrap="" swrap=""
		;;
	esac
	if [ "$kind" = udp ]; then
		$rwrap $rcmd >"$TMP/r.out" 2>"$TMP/r.err" &
	else
		$rwrap $rcmd --eal="$real" >"$TMP/r.out" 2>"$TMP/r.err" &
	fi
	rpid=$!
	i=0
	while [ ! -e "$ready" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -e "$ready" ]; then
		kill "$rpid" 2>/dev/null || true
		wait "$rpid" 2>/dev/null || true
		echo "  $kind $load: receiver did not start: $(tail -1 "$TMP/r.err")"
		return 0
	fi
	if [ "$kind" = udp ]; then
		$swrap $scmd >"$TMP/s.out" 2>"$TMP/s.err" || true
	else
		$swrap $scmd --eal="$seal" >"$TMP/s.out" 2>"$TMP/s.err" || true
	fi
	wait "$rpid" || true
	r=$(json "$TMP/r.out")
	s=$(json "$TMP/s.out")
	[ $first = 1 ] || echo "," >>"$RES"
	first=0
	if [ "$kind" = udp ]; then
		rc="$rwrap $rcmd" sc="$swrap $scmd"
	else
		rc="$rwrap $rcmd --eal='$real'" sc="$swrap $scmd --eal='$seal'"
	fi
	rc=$(printf '%s' "$rc" | sed 's/"/\\"/g')
	sc=$(printf '%s' "$sc" | sed 's/"/\\"/g')
	printf '{"transport":"%s","load":"%s","records_per_frame":%s,"rate_fps":%s,"burst":%s,"frames":%s,\n "recv_cmd":"%s",\n "send_cmd":"%s",\n "recv":%s,\n "send":%s}\n' \
		"$kind" "$load" "$recs" "$rate" "$burst" "$frames" "$rc" "$sc" "$r" "$s" >>"$RES"
	rps=$(field "$r" records_per_s)
	fps=$(field "$r" frames_per_s)
	p50=$(field "$r" lat_p50_us)
	p99=$(field "$r" lat_p99_us)
	cpu=$(field "$r" cpu_active_s)
	recs_got=$(field "$r" records)
	lost=$(field "$r" lost)
	age=$(field "$r" max_fresh_age_ms)
	scpu=$(field "$s" cpu_s)
	awk -v k="$kind" -v l="$load" -v rps="${rps:-0}" -v fps="${fps:-0}" \
	    -v p50="${p50:-0}" -v p99="${p99:-0}" -v cpu="${cpu:-0}" \
	    -v n="${recs_got:-0}" -v lost="${lost:-0}" -v age="${age:-0}" \
	    -v scpu="${scpu:-0}" 'BEGIN {
		rcpm = n > 0 ? cpu / (n / 1e6) : 0;
		scpm = n > 0 ? scpu / (n / 1e6) : 0;
		printf "  %-15s %-9s %10.0f rec/s %8.0f fr/s  p50 %8.1f us  p99 %8.1f us  rx %.3f / tx %.3f cpu-s per M rec  lost %d  fresh %.1f ms\n",
		       k, l, rps, fps, p50, p99, rcpm, scpm, lost, age }'
}

if [ "$QUICK" = 1 ]; then
	scale=5
else
	scale=1
fi

# codec RECORDS: the frame codec and the aggregator alone, in memory
codec()
{
	frames=$((200000 / scale))
	cmd="$NODE codec --frames=$frames --records=$1"
	c=$($cmd 2>/dev/null | grep '^{' | tail -1)
	[ -n "$c" ] || c="{}"
	[ $first = 1 ] || echo "," >>"$RES"
	first=0
	printf '{"transport":"none","load":"codec_%s","cmd":"%s",\n "codec":%s}\n' \
		"$1" "$cmd" "$c" >>"$RES"
	awk -v r="$1" -v e="$(field "$c" encode_ns_per_record)" \
	    -v d="$(field "$c" decode_aggregate_ns_per_record)" 'BEGIN {
		per_core = (d > 0) ? 1000 / d : 0;
		printf "  %-15s %-9s encode %.1f ns/record, decode+aggregate %.1f ns/record (%.1f M records/s per core)\n",
		       "codec", r " rec", e, d, per_core }'
}

echo "transport benchmark ($NODE; results in $RES)"
codec 10
codec 44
for kind in $KINDS; do
	case $kind in
	dpdk_*) [ $have_dpdk = 1 ] || { echo "  $kind: skipped (CONFIG_PALM_DPDK off)"; continue; } ;;
	esac
	# load     records rate   burst frames
	run $kind moderate 10 5000 1 $((10000 / scale))
	run $kind high 40 25000 16 $((50000 / scale))
	run $kind max 44 0 32 $((300000 / scale))
	run $kind fresh_10hz 5 10 1 $((30 / scale + 5))
done
echo "]" >>"$RES"
# keep every run: the figures on two shared vCPUs vary from run to run
STAMPED=$OUT/results-$(date -u +%Y%m%dT%H%M%SZ).json
cp "$RES" "$STAMPED"
echo "  saved as $STAMPED"
