#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# summarize.sh DIR "COMMAND" [OUT]: OUT (default bench/migration/RESULTS.md) and plots from
# the per-run JSON reports in DIR (written by cell.sh).  With
# $PALM_BUILD/bench/migration/mig_model built, it also re-predicts palm's
# runs with the current model: with MIG_COEF (default model.coef; in
# sample once calibrate.sh has fitted it on these runs) and
# leave-one-cell-out (out of sample).
set -eu
dir=$1 cmd=$2
here=$(dirname "$0")
coef=${MIG_COEF:-$here/model.coef}
tool=${PALM_BUILD:-build}/bench/migration/mig_model
res=${3:-$here/RESULTS.md}
all=$dir/all.json
# when the guest runs on the destination (see the table's header)
E2E='def e2e_ms: if .status != "completed" then null
	elif .postcopy then .total_time_ms
	elif .guest.pause_ms == null then null
	else .total_time_ms - .downtime_ms + .guest.pause_ms end;'
jq -s '[.[] | select(.cell != null)]' "$dir"/ws*.json >"$all"

{
	echo "# Live-migration controllers: measured"
	echo
	echo "Produced by \`$cmd\` on $(uname -n), $(date -u +%Y-%m-%d), QEMU $(qemu-system-x86_64 --version | head -1 | sed 's/.*version //')."
	echo "Guest: palm's test guest, $(jq -r '.[0].cell.mem' "$all") RAM, accel $(jq -r '.[0].cell.accel' "$all"), fill=$(jq -r '.[0].cell.fill // 0' "$all") (the percent of each page that compresses), delta=$(jq -r '.[0].cell.delta // 100' "$all") (the percent of a page each rewrite changes);"
	echo "links: tc tbf between two network namespaces.  palm's target: pause <= $(jq -r '[.[] | select(.cell.controller == "palm") | .target.max_pause_ms][0] // "-"' "$all") ms"
	echo "(as the guest sees it), total <= budget, post-copy allowed$(jq -r '[.[] | select(.cell.controller == "palm")] as $p |
		(if any($p[]; .target.allow_compress // (.cell.backend != "libvirt")) then " and compression allowed" else "" end) +
		(if any(.[]; .cell.backend == "libvirt") then
			" (through libvirt " + ([.[] | .cell.libvirt // "9.0.0"] | unique | join(", ")) +
			"; multifd zstd needs libvirt 9.4, before it palm compresses with xbzrle only)"
		 else "" end)' "$all"), no throttling."
	echo "MB sent is QEMU's count (multifd pages uncompressed as QEMU 7.2 counts them, compressed as QEMU 10 does;"
	echo "the prediction's bytes are pages, compared with the pages QEMU sent where it counts fewer bytes);"
	echo "wire MB is what left the source host's interface (IP and TCP headers included)."
	echo "Pause = the guest's largest heartbeat gap; work lost = page writes the guest"
	echo "did not do versus its unmigrated rate over the same time."
	echo "Total s is QEMU's total-time: it stops when the source has written the last"
	echo "byte, ahead of the wire by what its socket and the link queue hold.  To dest. s"
	echo "is when the guest runs on the destination: QEMU's total-time minus its"
	echo "downtime plus the guest's pause (post-copy: QEMU's total-time, the guest"
	echo "already runs there)."
	echo
	echo "| cell (ws-rate-pattern-link) | controller | result | total s | to dest. s | QEMU downtime ms | guest pause ms | MB sent | wire MB | work lost (pages) |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	jq -r "$E2E"' sort_by(.cell.ws, .cell.rate, .cell.pattern, .cell.link, .cell.controller)[] |
		"| \(.cell.ws)-\(.cell.rate)-\(.cell.pattern)-\(.cell.link) | \(.cell.controller) | \(.status)\(if .postcopy then " (post-copy)" else "" end)\(if .prediction.compress == true then " (zstd)" else "" end) | \(if .status == "completed" then (.total_time_ms / 1000 * 100 | round / 100) else "-" end) | \(e2e_ms | if . == null then "-" else (. / 1000 * 100 | round / 100) end) | \(if .status == "completed" then .downtime_ms else "-" end) | \(if .status == "completed" and .guest.pause_ms != null then (.guest.pause_ms | round) else "-" end) | \((.bytes_transferred / 1e6 * 10 | round) / 10) | \(if .wire_bytes != null then (.wire_bytes / 1e6 * 10 | round) / 10 else "-" end) | \(.guest_work_lost_pages // "-" | if type == "number" then round else . end) |"' "$all"
	echo
	echo "## Against the targets"
	echo
	jq -r "$E2E"'
	def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	def key: "\(.cell.ws)-\(.cell.rate)-\(.cell.pattern)-\(.cell.link)";
	def r2: . * 100 | round / 100;
	# qmp_counts_sent_bytes (qmp/qmp_commands.c): did QEMU count multifd as sent?
	def stream_bytes: (.page_bytes_sent // 0) as $p | if $p >= 1048576 and $p > 1.2 * .bytes_transferred then $p else .bytes_transferred end;
	(map(select(.cell.controller == "palm"))) as $palm |
	($palm | map(select(.status != "infeasible"))) as $feasible |
	($feasible | map(select(.status == "completed"))) as $done |
	($done | map(select(.guest.pause_ms != null and .guest.pause_ms <= .target.max_pause_ms))) as $inpause |
	(map(select(.cell.controller == "nova" and .status == "completed")) | map({key: key, value: .total_time_ms}) | from_entries) as $nova |
	($done | map(select($nova[key] != null)) | map({p: .total_time_ms, n: $nova[key], r: (.total_time_ms / $nova[key]), idle: (.cell.rate == "0")})) as $both |
	(map(select(.cell.controller == "nova" and e2e_ms != null)) | map({key: key, value: e2e_ms}) | from_entries) as $nova_e2e |
	($done | map(select(e2e_ms != null and $nova_e2e[key] != null)) | map({r: (e2e_ms / $nova_e2e[key]), idle: (.cell.rate == "0")})) as $both_e2e |
	(map(select(.cell.controller == "nova" and .status == "completed" and .wire_bytes != null)) | map({key: key, value: .wire_bytes}) | from_entries) as $novawire |
	(map(select(.cell.controller == "autoconverge") | {key: key, value: .guest_work_lost_pages}) | from_entries) as $ac |
	($palm | map(select(.guest_work_lost_pages != null and $ac[key] != null)) | map({p: .guest_work_lost_pages, a: $ac[key]})) as $lost |
	($done | map(select(.prediction != null))) as $pred |
	# libvirt counts the downtime of a post-copy run to its end
	($pred | map(select(.cell.backend != "libvirt" or (.postcopy | not)))) as $dpred |
	($pred | length - ($dpred | length)) as $lvpost |
	"- palm: plan found for \($feasible | length) of \($palm | length) cells (the rest reported infeasible before the start); completed \($done | length) of those; guest pause within the target in \($inpause | length) of \($done | length) completed (\(if ($done | length) > 0 then ($inpause | length) * 100 / ($done | length) | round else "-" end) %; target >= 95 %).",
	"- Failed to complete, per controller: \(group_by(.cell.controller) | map("\(.[0].cell.controller) \(map(select(.status != "completed")) | length)/\(length)") | join(", ")).",
	(if ($both | length) > 0 then "- Total time on the \($both | length) cells palm and Nova both completed: median of the per-cell ratio palm/Nova \($both | map(.r) | median // 0 | r2) (target <= 0.7; range \($both | map(.r) | min // 0 | r2) to \($both | map(.r) | max // 0 | r2)); medians palm \($both | map(.p) | median // 0 | . / 1000 | r2) s, Nova \($both | map(.n) | median // 0 | . / 1000 | r2) s (cells differ by 10x in size, so the ratio of medians says little). Split: median ratio \($both | map(select(.idle)) | map(.r) | median // 0 | r2) on the \($both | map(select(.idle)) | length) idle cells (every controller sends the same pages once), \($both | map(select(.idle | not)) | map(.r) | median // 0 | r2) on the \($both | map(select(.idle | not)) | length) cells where the guest writes." else "- No run of Nova on the cells palm completed here: no total-time ratio." end),
	(if ($both_e2e | length) > 0 then "- Until the guest runs on the destination (to dest.), on the \($both_e2e | length) cells both completed with a pause measured: median ratio palm/Nova \($both_e2e | map(.r) | median // 0 | r2) (range \($both_e2e | map(.r) | min // 0 | r2) to \($both_e2e | map(.r) | max // 0 | r2)); \($both_e2e | map(select(.idle)) | map(.r) | median // 0 | r2) on the idle cells, \($both_e2e | map(select(.idle | not)) | map(.r) | median // 0 | r2) where the guest writes.  palm caps its bandwidth at the link, so its source clock does not run ahead of the wire." else "- No run of Nova with a guest pause here: no ratio until the guest runs on the destination." end),
	"- palm planned xbzrle for \($done | map(select(.prediction.xbzrle == true)) | length) of its completed runs; multifd zstd for \($done | map(select(.prediction.compress == true)) | length) of its \($done | length) completed runs (from the RAM sample: ratio \($done | map(select(.prediction.compress == true) | .prediction.input.compress_ratio) | if length > 0 then "\(min * 100 | round / 100)x to \(max * 100 | round / 100)x" else "-" end)); bytes on the wire over the cells palm and Nova both completed: palm \($done | map(select($novawire[key] != null) | .wire_bytes) | add // 0 | . / 1e6 | round) MB, Nova \($done | map(select($novawire[key] != null) | $novawire[key]) | add // 0 | . / 1e6 | round) MB.",
	(if ($lost | length) > 0 then "- Guest work lost (sum over \($lost | length) cells): palm \($lost | map(.p) | add // 0 | round) pages, auto-converge \($lost | map(.a) | add // 0 | round) pages, ratio \(if ($lost | map(.a) | add // 0) > 0 then (($lost | map(.p) | add) / ($lost | map(.a) | add) | r2) else "-" end) (target <= 0.5)." else "- No run of auto-converge here: no work-lost ratio." end),
	"- Prediction at the start vs measured (\($pred | length) completed palm runs with a prediction): total time MAPE \($pred | map(((.prediction.total_s * 1000 - .total_time_ms) | fabs) / .total_time_ms) | if length > 0 then add / length * 100 | round else "-" end) % (target 15 %), bytes MAPE \($pred | map(stream_bytes as $b | ((.prediction.bytes - $b) | fabs) / $b) | if length > 0 then add / length * 100 | round else "-" end) % (target 15 %), QEMU downtime within 20 % or 30 ms in \($dpred | map(select(((.prediction.downtime_ms - .downtime_ms) | fabs) <= ([30, .downtime_ms * 0.2] | max))) | length) of \($dpred | length) (mean absolute error \($dpred | map((.prediction.downtime_ms - .downtime_ms) | fabs) | if length > 0 then add / length | round else "-" end) ms\(if $lvpost > 0 then "; \($lvpost) post-copy runs through libvirt left out: the job statistics of libvirt count their downtime to the end of post-copy" else "" end)); guest pause within 20 % or 30 ms in \($pred | map(select(.guest.pause_ms != null and ((.prediction.pause_ms - .guest.pause_ms) | fabs) <= ([30, .guest.pause_ms * 0.2] | max))) | length) of \($pred | length)."
	' "$all"
	if [ -x "$tool" ]; then
		echo "- The model as built now, on the same runs' recorded inputs (\`$tool predict|cv\`):"
		echo "  $("$tool" predict -q "$coef" "$dir"/ws*.json | sed "s/^re-predicted with the given coefficients/with $(basename "$coef") (in sample if fitted on these runs)/")."
		echo "  $("$tool" cv -q --base "$here/model.coef" "$dir"/ws*.json)."
	fi
	echo
	echo "Per-run JSON: \`$dir/\`; plots: \`$dir/downtime.png\`, \`$dir/total_time.png\`."
} >"$res"

# plots: one bar group per cell, one bar per controller
if command -v gnuplot >/dev/null; then
	jq -r 'sort_by(.cell.ws, .cell.rate, .cell.pattern, .cell.link) | group_by("\(.cell.ws)-\(.cell.rate)-\(.cell.pattern)-\(.cell.link)")[] |
		(map({key: .cell.controller, value: .}) | from_entries) as $c |
		"\(.[0].cell.ws)-\(.[0].cell.rate)-\(.[0].cell.pattern)-\(.[0].cell.link)" + ([ "palm", "qemu", "nova", "autoconverge" ] | map(. as $k |
			if $c[$k] != null and $c[$k].status == "completed" then " \($c[$k].guest.pause_ms // $c[$k].downtime_ms) \($c[$k].total_time_ms / 1000)" else " NaN NaN" end) | join(""))' \
		"$all" | awk '{ $1 = $1; print }' | tr ' ' '\t' >"$dir/plot.tsv"
	for what in downtime total_time; do
		if [ $what = downtime ]; then col=0 ylabel="guest pause (ms)"; else col=1 ylabel="total time (s)"; fi
		gnuplot <<GP
set terminal pngcairo size 1400,600
set output "$dir/$what.png"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -45 font ",8"
set ylabel "$ylabel"
set key top left
set datafile missing "NaN"
set title "Completed migrations only (missing bar = not completed)"
plot "$dir/plot.tsv" using $((2 + col)):xtic(1) title "palm", \
     "" using $((4 + col)) title "qemu", "" using $((6 + col)) title "nova", \
     "" using $((8 + col)) title "autoconverge"
GP
	done
fi
