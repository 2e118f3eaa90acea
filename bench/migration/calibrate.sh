#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# calibrate.sh DIR: fits palm's migration-model coefficients
# (qmp/qmp_model.h) to the measured runs in DIR and prints them in the
# format qmp_model_coef_load reads.  Each coefficient is a median over
# the runs that show it; one with no runs keeps its default (omitted).
set -eu
dir=$1
jq -s -r '
def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def linkbps: if .cell.link == "off" then null else (.cell.link | capture("(?<n>[0-9]+)(?<u>[a-z]+)") | (.n | tonumber) * (if .u == "gbit" then 1e9 elif .u == "mbit" then 1e6 elif .u == "kbit" then 1e3 else 1 end)) end;
[.[] | select(.cell != null and .status == "completed")] as $ok |
# goodput: baseline runs (QEMU not capped below the link) over shaped
# links, long enough (> 3 s) that the tbf burst and the socket buffers do
# not count, completed or not
([.[] | select(.cell != null and .cell.controller != "palm" and linkbps != null and .total_time_ms > 3000)] |
	map(.bytes_transferred * 8 / (.total_time_ms / 1000) / linkbps) | median) as $eff |
($ok | map(select(.cell.controller == "palm" and .cell.rate == "0" and (.postcopy | not))) ) as $idle |
($idle | map(.downtime_ms) | median) as $dfix |
($idle | map(select(.guest.pause_ms != null) | .guest.pause_ms - .downtime_ms) | median) as $pfix |
($ok | map(.setup_time_ms / 1000) | median) as $setup |
($ok | map(select(.cell.controller == "palm" and (.postcopy | not) and .cell.rate != "0" and .guest.pause_ms != null and linkbps != null)) |
	map((.guest.pause_ms - .downtime_ms - ($pfix // 0)) / 1000 * linkbps / 8) | median) as $infl |
($ok | map(select(.postcopy and .guest.pause_ms != null)) | map(.guest.pause_ms) | median) as $pc |
"# palm migration model coefficients (qmp/qmp_model.h), fitted by",
"# bench/migration/calibrate.sh from \($ok | length) completed runs",
(if $eff then "link_efficiency = \($eff * 1000 | round / 1000)" else empty end),
(if $setup then "setup_s = \($setup * 1000 | round / 1000)" else empty end),
(if $dfix then "downtime_fixed_ms = \($dfix)" else empty end),
(if $pfix then "pause_fixed_ms = \([$pfix, 0] | max | . * 10 | round / 10)" else empty end),
(if $infl then "inflight_bytes = \([$infl, 0] | max | round)" else empty end),
(if $pc then "postcopy_pause_ms = \($pc | round)" else empty end)
' "$dir"/ws*.json
