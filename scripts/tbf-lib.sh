# shellcheck shell=sh
# tc tbf arguments from a rate, for scripts/testbed.sh and
# tests/testbed/libvirt-pair.sh (sourced, not run).  tbf_args calls the
# sourcing script's usage_error on bad input.

# Print a tc rate as bytes per second; fail on what we cannot parse.
rate_bytes()
{
	num=${1%%[!0-9]*}
	unit=${1#"$num"}
	if [ -z "$num" ] || [ "${#num}" -gt 12 ]; then
		return 1
	fi
	case $unit in
	'' | bit) echo $((num / 8)) ;;
	kbit) echo $((num * 1000 / 8)) ;;
	mbit) echo $((num * 1000000 / 8)) ;;
	gbit) echo $((num * 1000000000 / 8)) ;;
	bps) echo "$num" ;;
	kbps) echo $((num * 1000)) ;;
	mbps) echo $((num * 1000000)) ;;
	gbps) echo $((num * 1000000000)) ;;
	*) return 1 ;;
	esac
}

# is_size WORD, is_time WORD: an integer with a unit tc accepts.
is_size()
{
	num=${1%%[!0-9]*}
	[ -n "$num" ] || return 1
	case ${1#"$num"} in
	'' | b | k | kb | kbit | m | mb | mbit | g | gb | gbit) return 0 ;;
	esac
	return 1
}

is_time()
{
	num=${1%%[!0-9]*}
	[ -n "$num" ] || return 1
	case ${1#"$num"} in
	'' | s | sec | secs | ms | msec | msecs | us | usec | usecs) return 0 ;;
	esac
	return 1
}

# tbf_args RATE BURST LATENCY: the tc arguments after "tbf".
tbf_args()
{
	bytes=$(rate_bytes "$1") || usage_error "bad rate '$1' (e.g. 20mbit, 1gbit, 500kbit)"
	[ "$bytes" -gt 0 ] || usage_error "rate '$1' is zero"
	burst=$2
	if [ -n "$burst" ] && ! is_size "$burst"; then
		usage_error "bad burst '$burst' (e.g. 32kb, 64k, 1mb, 20000b)"
	fi
	if [ -n "$3" ] && ! is_time "$3"; then
		usage_error "bad latency '$3' (e.g. 50ms, 1s, 400us)"
	fi
	if [ -z "$burst" ]; then
		burst=$((bytes / 100))
		[ "$burst" -ge 16384 ] || burst=16384
		burst=${burst}b
	fi
	echo "rate $1 burst $burst latency ${3:-50ms}"
}

