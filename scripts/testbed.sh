#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# testbed.sh: a testbed of emulated hosts, each in its own network
# namespace, joined by a Linux bridge in a namespace of its own.
#
#   NAME-br   holds bridge br0 and ports p1..pN
#   NAME-hI   holds lo and eth0 = 10.213.K.I/24, the peer of pI
#
# Nothing is created in, routed to or changed in the root namespace, so
# the hosts can reach each other and nothing else.  Different testbeds
# never share a bridge, so their subnets may coincide without harm.
#
# Exit codes: 0 ok, 1 failure, 2 bad arguments, 3 not root,
# 4 namespaces, veth, bridge or tbf unavailable here.
set -u

PATH=$PATH:/usr/sbin:/sbin
prog=${0##*/}
# die, usage_error, EX_USAGE
# shellcheck source=scripts/cli-lib.sh
. "$(dirname "$0")/cli-lib.sh"
# rate_bytes, is_size, is_time, tbf_args (shared with libvirt-pair.sh)
# shellcheck source=scripts/tbf-lib.sh
. "$(dirname "$0")/tbf-lib.sh"

EX_FAIL=1
EX_PERM=3
EX_NOSUPPORT=4

MAX_HOSTS=250
MAX_NAME=40

usage()
{
	cat <<EOF
usage: $prog up NAME N [--rate RATE] [--burst B] [--latency L] [--subnet K]
       $prog down NAME [--kill]
       $prog exec NAME I CMD [ARG...]
       $prog addr NAME I
       $prog shape NAME I RATE|off [--burst B] [--latency L]
       $prog list

  up      create hosts NAME-h1..NAME-hN (1 <= N <= $MAX_HOSTS) on a bridge in
          NAME-br; host I has eth0 = 10.213.K.I/24, K from --subnet (1-254)
          or derived from NAME.  A stale testbed NAME is removed first.
          Prints "NAMESPACE ADDRESS" per host.
  down    remove every namespace of NAME (idempotent); --kill first
          terminates the processes still running inside them
  exec    run CMD inside host I (ip netns exec)
  addr    print host I's IPv4 address
  shape   set host I's link rate in both directions (tc tbf), or remove
          the limit with "off"
  list    print "NAME HOSTS" for each testbed present

  RATE    tc units, integer: 20mbit, 1gbit, 500kbit, 10mbps (bytes/s) ...
  B       tbf burst, tc size units (default: 10 ms at RATE, at least 16kb)
  L       tbf latency, tc time units (default: 50ms)

exit: 0 ok, 1 failure, 2 bad arguments, 3 not root, 4 unsupported here
EOF
}

check_name()
{
	case $1 in
	'' | -* | *[!A-Za-z0-9_.-]*)
		usage_error "bad testbed name '$1' (letters, digits, '_', '.', '-'; not starting with '-')"
		;;
	esac
	[ "${#1}" -le "$MAX_NAME" ] ||
		usage_error "testbed name '$1' longer than $MAX_NAME characters"
}

# check_number VALUE MIN MAX WHAT
check_number()
{
	case $1 in
	'' | *[!0-9]*) usage_error "$4 must be a number, not '$1'" ;;
	esac
	# strip leading zeros so that the shell does not read octal
	v=$(printf '%s' "$1" | sed 's/^0*//')
	[ -n "$v" ] || v=0
	if [ "${#v}" -gt 6 ] || [ "$v" -lt "$2" ] || [ "$v" -gt "$3" ]; then
		usage_error "$4 must be between $2 and $3, not '$1'"
	fi
}

need_root()
{
	[ "$(id -u)" -eq 0 ] ||
		die "$EX_PERM" "must run as root (network namespaces need CAP_SYS_ADMIN)"
}

need_tools()
{
	for t in ip tc; do
		command -v "$t" >/dev/null 2>&1 ||
			die "$EX_NOSUPPORT" "'$t' not found (Debian package iproute2)"
	done
	[ -e /proc/self/ns/net ] ||
		die "$EX_NOSUPPORT" "kernel without network namespaces (no /proc/self/ns/net)"
}

# Names of all named network namespaces, one per line.
netns_names()
{
	ip netns list 2>/dev/null | awk '{ print $1 }'
}

# Is $1 a namespace of testbed $2?
is_member()
{
	case $1 in
	"$2-br") return 0 ;;
	"$2"-h*)
		case ${1#"$2"-h} in
		'' | *[!0-9]*) return 1 ;;
		*) return 0 ;;
		esac
		;;
	esac
	return 1
}

host_ns()
{
	ns=$1-h$2
	[ -e "/var/run/netns/$ns" ] || die "$EX_FAIL" "no host $2 in testbed $1 (no namespace $ns)"
}

# kill_in NS SIG: signal every process whose network namespace is NS.
kill_in()
{
	pids=$(ip netns pids "$1" 2>/dev/null) || return 0
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086 # one word per pid
	kill -s "$2" $pids 2>/dev/null
	return 0
}

do_down()
{
	name=$1
	kill=$2
	members=""
	for ns in $(netns_names); do
		is_member "$ns" "$name" && members="$members $ns"
	done
	[ -n "$members" ] || return 0
	if [ "$kill" = 1 ]; then
		for ns in $members; do
			kill_in "$ns" TERM
		done
		sleep 1
		for ns in $members; do
			kill_in "$ns" KILL
		done
	fi
	rc=0
	# hosts first, so that no veth outlives its bridge namespace by much
	for ns in $members; do
		[ "$ns" = "$name-br" ] && continue
		out=$(ip netns del "$ns" 2>&1) ||
			{ echo "$prog: cannot remove $ns: $out" >&2; rc=$EX_FAIL; }
	done
	if [ -e "/var/run/netns/$name-br" ]; then
		out=$(ip netns del "$name-br" 2>&1) ||
			{ echo "$prog: cannot remove $name-br: $out" >&2; rc=$EX_FAIL; }
	fi
	return "$rc"
}

# State of the `up` in progress, for fail_up and the signal trap.
up_name=""

fail_up()
{
	code=$1
	shift
	trap - INT TERM HUP
	[ -n "$up_name" ] && do_down "$up_name" 0 >/dev/null 2>&1
	die "$code" "up $up_name: $*"
}

# try CODE WHAT CMD...: run CMD, or undo the testbed and exit with CODE.
try()
{
	code=$1
	what=$2
	shift 2
	if ! out=$("$@" 2>&1); then
		fail_up "$code" "$what: ${out:-failed}"
	fi
}


do_up()
{
	[ $# -ge 2 ] || usage_error "up needs NAME and N"
	name=$1
	n=$2
	shift 2
	check_name "$name"
	check_number "$n" 1 "$MAX_HOSTS" "the number of hosts"
	n=$v
	rate="" burst="" latency="" subnet=""
	while [ $# -gt 0 ]; do
		case $1 in
		--rate | --burst | --latency | --subnet) ;;
		*) usage_error "unknown option '$1' for up" ;;
		esac
		[ $# -ge 2 ] || usage_error "option '$1' needs a value"
		case $1 in
		--rate) rate=$2 ;;
		--burst) burst=$2 ;;
		--latency) latency=$2 ;;
		--subnet) subnet=$2 ;;
		esac
		shift 2
	done
	if [ -n "$subnet" ]; then
		check_number "$subnet" 1 254 "--subnet"
		subnet=$v
	else
		sum=$(printf '%s' "$name" | cksum | awk '{ print $1 }')
		subnet=$((sum % 254 + 1))
	fi
	tbf=""
	if [ -n "$rate" ]; then
		tbf=$(tbf_args "$rate" "$burst" "$latency") || exit
	elif [ -n "$burst$latency" ]; then
		usage_error "--burst and --latency need --rate"
	fi
	need_root
	need_tools

	do_down "$name" 0 || die "$EX_FAIL" "cannot remove stale testbed $name"
	up_name=$name
	trap 'fail_up $EX_FAIL "interrupted"' INT TERM HUP

	br=$name-br
	try "$EX_NOSUPPORT" "cannot create network namespace $br" ip netns add "$br"
	try "$EX_FAIL" "$br: lo up" ip -n "$br" link set lo up
	try "$EX_NOSUPPORT" "cannot create a bridge in $br" \
		ip -n "$br" link add br0 type bridge
	try "$EX_FAIL" "$br: br0 up" ip -n "$br" link set br0 up

	i=1
	while [ "$i" -le "$n" ]; do
		h=$name-h$i
		addr=10.213.$subnet.$i
		try "$EX_NOSUPPORT" "cannot create network namespace $h" ip netns add "$h"
		try "$EX_FAIL" "$h: lo up" ip -n "$h" link set lo up
		try "$EX_NOSUPPORT" "cannot create a veth pair for $h" \
			ip -n "$br" link add "p$i" type veth peer name eth0 netns "$h"
		try "$EX_FAIL" "$br: p$i on br0" \
			ip -n "$br" link set "p$i" master br0 up
		try "$EX_FAIL" "$h: address $addr" \
			ip -n "$h" addr add "$addr/24" dev eth0
		try "$EX_FAIL" "$h: eth0 up" ip -n "$h" link set eth0 up
		if [ -n "$tbf" ]; then
			# shellcheck disable=SC2086 # tbf holds several words
			try "$EX_NOSUPPORT" "cannot shape $h eth0 (tbf)" \
				tc -n "$h" qdisc replace dev eth0 root tbf $tbf
			# shellcheck disable=SC2086
			try "$EX_NOSUPPORT" "cannot shape $br p$i (tbf)" \
				tc -n "$br" qdisc replace dev "p$i" root tbf $tbf
		fi
		echo "$h $addr"
		i=$((i + 1))
	done
	trap - INT TERM HUP
}

# shape_dev NS DEV TBF_ARGS: replace DEV's root qdisc, or remove it.
shape_dev()
{
	if [ -z "$3" ]; then
		# "off" on an unshaped link is not an error
		tc -n "$1" qdisc del dev "$2" root 2>/dev/null
		return 0
	fi
	# shellcheck disable=SC2086 # TBF_ARGS holds several words
	out=$(tc -n "$1" qdisc replace dev "$2" root tbf $3 2>&1) ||
		die "$EX_FAIL" "cannot shape $1 $2: $out"
}

do_shape()
{
	[ $# -ge 3 ] || usage_error "shape needs NAME, I and RATE"
	name=$1
	check_name "$name"
	check_number "$2" 1 "$MAX_HOSTS" "the host number"
	i=$v
	rate=$3
	shift 3
	burst="" latency=""
	while [ $# -gt 0 ]; do
		case $1 in
		--burst | --latency) ;;
		*) usage_error "unknown option '$1' for shape" ;;
		esac
		[ $# -ge 2 ] || usage_error "option '$1' needs a value"
		case $1 in
		--burst) burst=$2 ;;
		--latency) latency=$2 ;;
		esac
		shift 2
	done
	tbf=""
	case $rate in
	off | none) ;;
	*) tbf=$(tbf_args "$rate" "$burst" "$latency") || exit ;;
	esac
	need_root
	need_tools
	host_ns "$name" "$i"
	shape_dev "$name-h$i" eth0 "$tbf"
	shape_dev "$name-br" "p$i" "$tbf"
}

do_list()
{
	need_root
	need_tools
	all=$(netns_names)
	for ns in $all; do
		case $ns in
		*-br) ;;
		*) continue ;;
		esac
		name=${ns%-br}
		count=0
		for h in $all; do
			[ "$h" != "$ns" ] && is_member "$h" "$name" && count=$((count + 1))
		done
		echo "$name $count"
	done | sort
}

[ $# -ge 1 ] || { usage >&2; exit "$EX_USAGE"; }
cmd=$1
shift
case $cmd in
up)
	do_up "$@"
	;;
down)
	if [ $# -lt 1 ] || [ $# -gt 2 ]; then
		usage_error "down needs NAME and optionally --kill"
	fi
	check_name "$1"
	kill=0
	if [ $# -eq 2 ]; then
		[ "$2" = --kill ] || usage_error "unknown option '$2' for down"
		kill=1
	fi
	need_root
	need_tools
	do_down "$1" "$kill"
	;;
exec)
	[ $# -ge 3 ] || usage_error "exec needs NAME, I and CMD"
	check_name "$1"
	check_number "$2" 1 "$MAX_HOSTS" "the host number"
	need_root
	need_tools
	host_ns "$1" "$v"
	name=$1
	shift 2
	exec ip netns exec "$name-h$v" "$@"
	;;
addr)
	[ $# -eq 2 ] || usage_error "addr needs NAME and I"
	check_name "$1"
	check_number "$2" 1 "$MAX_HOSTS" "the host number"
	need_root
	need_tools
	host_ns "$1" "$v"
	a=$(ip -n "$1-h$v" -4 -o addr show dev eth0 2>/dev/null |
		awk '$3 == "inet" { sub("/.*", "", $4); print $4; exit }')
	[ -n "$a" ] || die "$EX_FAIL" "host $v of $1 has no IPv4 address on eth0"
	echo "$a"
	;;
shape)
	do_shape "$@"
	;;
list)
	[ $# -eq 0 ] || usage_error "list takes no arguments"
	do_list
	;;
help | -h | --help)
	usage
	;;
*)
	usage_error "unknown command '$cmd'"
	;;
esac
