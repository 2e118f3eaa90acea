# SPDX-License-Identifier: GPL-2.0
# Shell helpers shared by run.sh and libvirt.sh (sourced).

# run_cell_and_say NAME OUT CMD...: runs CMD (which writes OUT/NAME.json)
# with its stderr in OUT/NAME.err, and prints one line of how it went.
run_cell_and_say()
{
	_name=$1 _out=$2
	shift 2
	printf '  %-40s ' "$_name"
	if "$@" 2>"$_out/$_name.err"; then
		jq -r '"\(.status) total \(.total_time_ms) ms, downtime \(.downtime_ms) ms, pause \(.guest.pause_ms // "-") ms"' "$_out/$_name.json"
		rm -f "$_out/$_name.err"
	else
		echo "cell failed (see $_out/$_name.err)"
	fi
}
