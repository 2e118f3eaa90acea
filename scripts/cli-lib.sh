# shellcheck shell=sh
# How palm's command scripts (scripts/testbed.sh,
# tests/testbed/libvirt-pair.sh) report errors; sourced, not run.  The
# sourcing script sets $prog, and `prog help` prints its usage.

EX_USAGE=2
# shellcheck disable=SC2154 # prog: set by the sourcing script
: "${prog:?}"

# die CODE MESSAGE...: the message on stderr, exit CODE
die()
{
	code=$1
	shift
	echo "$prog: $*" >&2
	exit "$code"
}

# usage_error MESSAGE...: bad arguments, exit EX_USAGE
usage_error()
{
	echo "$prog: $*" >&2
	echo "try '$prog help'" >&2
	exit "$EX_USAGE"
}
