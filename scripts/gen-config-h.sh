#!/bin/sh
# Turn .config into a header in which every Kconfig symbol is defined:
# bools as 0/1, ints and strings as their value.  Code then writes
# if (IS_ENABLED(CONFIG_X)) and the compiler checks both branches.
# usage: gen-config-h.sh KCONFIG DOTCONFIG OUT
set -eu
kconfig=$1 dotconfig=$2 out=$3
tmp="$out.tmp"

[ -f "$dotconfig" ] || { echo "gen-config-h: no $dotconfig: run 'make deps' then 'make defconfig'" >&2; exit 1; }

{
	echo "/* Generated from $dotconfig by scripts/gen-config-h.sh; do not edit. */"
	echo "#ifndef PALM_CONFIG_H"
	echo "#define PALM_CONFIG_H"
	echo "#define IS_ENABLED(option) (option)"
	# Every symbol declared in Kconfig gets a line, set or not.
	awk '/^[ \t]*(menu)?config[ \t]+[A-Z0-9_]+/ { print $2 }' "$kconfig" | sort -u |
	while read -r sym; do
		line=$(grep -E "^CONFIG_${sym}=" "$dotconfig" || true)
		val=${line#*=}
		case "$val" in
		n) val=0 ;;
		y) val=1 ;;
		"")
			# A bool hidden by its dependencies is off; a value-typed
			# option must be in .config, or its default would be lost.
			if awk -v s="$sym" '$1 ~ /^(menu)?config$/ { cur = $2 }
			    cur == s && $1 ~ /^(int|hex|string)$/ { found = 1 }
			    END { exit !found }' "$kconfig"; then
				echo "gen-config-h: CONFIG_$sym is missing from $dotconfig: run 'make olddefconfig'" >&2
				rm -f "$tmp"
				exit 1
			fi
			val=0 ;;
		esac
		echo "#define CONFIG_${sym} ${val}"
	done
	echo "#endif"
} >"$tmp"
mv "$tmp" "$out"
