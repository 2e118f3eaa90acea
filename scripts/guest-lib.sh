# shellcheck shell=sh
# Waiting on palm's test guest from a script; sourced, not run.

# wait_guest_log FILE PATTERN [TRIES [PID]]: until a line of FILE matches
# the grep PATTERN, looking every 0.1 s at most TRIES times (default 300,
# 30 s); returns 1 if it never does, at once if process PID (the guest's
# QEMU) has exited.
wait_guest_log()
{
	_tries=0
	until grep -q "$2" "$1" 2>/dev/null; do
		if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
			return 1
		fi
		_tries=$((_tries + 1))
		[ "$_tries" -lt "${3:-300}" ] || return 1
		sleep 0.1
	done
}
