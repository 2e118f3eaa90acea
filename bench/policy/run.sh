#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Policy benchmark (called by bench/run.sh, or directly from the repo root):
#   1. predictor precision / recall / lead time on the held-out days
#   2. train the DQN on the training days, one policy per training seed
#   3. evaluate every policy on the held-out days x evaluation seeds
#   4. the same on a scenario under pressure (bench/policy/pressure.scn),
#      and how the migrations a host may start per step bound every policy
#   5. decision latency from 64 to 10 000 hosts
#   6. plots (gnuplot, if installed) and bench/policy/RESULTS.md
# Results: bench/results/policy/*.json, *.csv, *.dat, *.png.
#
# Knobs (environment): PALM_BUILD, PALM_TRACES, POL_TRAIN_DAYS, POL_TEST_DAYS,
# POL_SEEDS (training seeds), POL_EVAL_SEEDS, POL_EPISODES, POL_VAL_SEEDS
# (validation runs per training day for checkpoint selection), POL_MODEL (the
# migration controller's coefficients, default bench/migration/model.coef).
set -eu

BUILD=${PALM_BUILD:-build}
OUT=bench/results/policy
TRACES=${PALM_TRACES:-../shared/traces/planetlab}
TRAIN_DAYS=${POL_TRAIN_DAYS:-20110303,20110306,20110309}
TEST_DAYS=${POL_TEST_DAYS:-20110322,20110325,20110409}
SEEDS=${POL_SEEDS:-3}
EVAL_SEEDS=${POL_EVAL_SEEDS:-10}
EPISODES=${POL_EPISODES:-40}
VAL_SEEDS=${POL_VAL_SEEDS:-2}
# migrations cost what the controller's fitted model says
MODEL=${POL_MODEL:-bench/migration/model.coef}

if [ ! -r "$TRACES/20110303.csv" ]; then
	echo "bench/policy: no PlanetLab traces in $TRACES (set PALM_TRACES); skipped"
	exit 0
fi
if [ ! -f "$BUILD/libpalm.a" ]; then
	echo "bench/policy: $BUILD/libpalm.a missing; run make first" >&2
	exit 1
fi
export PALM_TRACES="$TRACES"
mkdir -p "$OUT" "$BUILD/bench/policy"
BIN=$BUILD/bench/policy/palm-policy
# the same code palmctl runs (pol_cli_main), as a stand-alone program
${CC:-gcc} -std=gnu11 -O2 -D_GNU_SOURCE -I. -I"$BUILD/include" \
	-o "$BIN" bench/policy/palm_policy.c "$BUILD/libpalm.a" \
	$(pkg-config --libs jansson 2>/dev/null || echo -ljansson) -lm

run() {
	echo "+ $*" | sed "s|$BIN|palmctl policy|" >>"$OUT/commands.txt"
	nice -n 10 "$@"
}
: >"$OUT/commands.txt"

echo "bench/policy: predictor on $TEST_DAYS"
run "$BIN" predict --days "$TEST_DAYS" --seeds "$EVAL_SEEDS" \
	--json "$OUT/predictor.json" | tee "$OUT/predictor.txt"

files=""
for s in $(seq 1 "$SEEDS"); do
	echo "bench/policy: training seed $s on $TRAIN_DAYS ($EPISODES episodes)"
	run "$BIN" train --model "$MODEL" --train-days "$TRAIN_DAYS" --episodes "$EPISODES" \
		--val-seeds "$VAL_SEEDS" \
		--seed "$s" --out "$OUT/dqn-seed$s.pol" \
		--curve "$OUT/curve-seed$s.csv" 2>"$OUT/train-seed$s.log"
	files="$files${files:+,}$OUT/dqn-seed$s.pol"
done

# model selection on training data only: the seed whose best checkpoint
# had the highest validation reward (training days, fixed seeds); $1 is
# the training logs' prefix
select_seed() {
	for s in $(seq 1 "$SEEDS"); do
		grep '(best, checkpoint)' "$OUT/$1$s.log" | tail -1 |
			sed 's/.*val_reward \([-0-9.]*\).*/\1/' | tr '\n' ' '
		echo "$s"
	done | sort -k1,1 -g -r | head -1 | cut -d' ' -f2
}
best_seed=$(select_seed train-seed)
echo "bench/policy: selected training seed $best_seed (best validation reward)"
echo "$best_seed" >"$OUT/selected-seed.txt"

echo "bench/policy: evaluation on $TEST_DAYS x $EVAL_SEEDS seeds"
run "$BIN" eval --model "$MODEL" --days "$TEST_DAYS" --seeds "$EVAL_SEEDS" --policy "$files" \
	--json "$OUT/eval.json" --out "$OUT/eval.md" --curve "$OUT/eval.dat" |
	tee "$OUT/eval.txt"

run "$BIN" eval --model "$MODEL" --days "$TEST_DAYS" --seeds "$EVAL_SEEDS" --policies dqn \
	--policy "$OUT/dqn-seed$best_seed.pol" --json "$OUT/eval-selected.json" \
	--out "$OUT/eval-selected.md" | tee "$OUT/eval-selected.txt"

echo "bench/policy: same policies, scenario with every fault announced"
run "$BIN" eval --model "$MODEL" --scenario bench/policy/announced.scn --days "$TEST_DAYS" \
	--seeds "$EVAL_SEEDS" --policy "$files" --json "$OUT/eval-announced.json" \
	--out "$OUT/eval-announced.md" | tee "$OUT/eval-announced.txt"

# A denser cluster with twice the failures and short warnings, where the
# heuristics miss a fifth of the predictable failures: the policies'
# differences there are larger than the runs' noise.  The DQN is trained
# on it as on the built-in scenario.
PRESSURE=bench/policy/pressure.scn
echo "bench/policy: scenario under pressure ($PRESSURE): training and evaluation"
pfiles=""
for s in $(seq 1 "$SEEDS"); do
	run "$BIN" train --model "$MODEL" --scenario "$PRESSURE" --train-days "$TRAIN_DAYS" \
		--episodes "$EPISODES" --val-seeds "$VAL_SEEDS" --seed "$s" \
		--out "$OUT/pressure-dqn-seed$s.pol" --curve "$OUT/pressure-curve-seed$s.csv" \
		2>"$OUT/pressure-train-seed$s.log"
	pfiles="$pfiles${pfiles:+,}$OUT/pressure-dqn-seed$s.pol"
done
pbest=$(select_seed pressure-train-seed)
echo "$pbest" >"$OUT/pressure-selected-seed.txt"
run "$BIN" eval --model "$MODEL" --scenario "$PRESSURE" --days "$TEST_DAYS" \
	--seeds "$EVAL_SEEDS" --policy "$pfiles" --json "$OUT/eval-pressure.json" \
	--out "$OUT/eval-pressure.md" | tee "$OUT/eval-pressure.txt"
run "$BIN" eval --model "$MODEL" --scenario "$PRESSURE" --days "$TEST_DAYS" \
	--seeds "$EVAL_SEEDS" --policies random,bestfit,dqn \
	--policy "$OUT/pressure-dqn-seed$pbest.pol" --json "$OUT/eval-pressure-selected.json" \
	--out "$OUT/eval-pressure-selected.md" | tee "$OUT/eval-pressure-selected.txt"

# How fast a host can be emptied bounds every policy: the same scenario
# with 2 to 16 migrations per source host and step.
for m in 2 4 8 16; do
	echo "+ sed 's/^max_mig_per_host .*/max_mig_per_host $m/' $PRESSURE >$OUT/pressure-mig$m.scn" >>"$OUT/commands.txt"
	sed "s/^max_mig_per_host .*/max_mig_per_host $m/" "$PRESSURE" >"$OUT/pressure-mig$m.scn"
	run "$BIN" eval --model "$MODEL" --scenario "$OUT/pressure-mig$m.scn" --days "$TEST_DAYS" \
		--seeds "$EVAL_SEEDS" --policies random,bestfit,oracle \
		--out "$OUT/pressure-mig$m.md" >/dev/null
done

echo "bench/policy: decision latency"
run "$BIN" latency --model "$MODEL" --policy "$OUT/dqn-seed1.pol" --reps 1000 \
	--json "$OUT/latency.json" | tee "$OUT/latency.txt"

if command -v gnuplot >/dev/null 2>&1; then
	plot=""
	for s in $(seq 1 "$SEEDS"); do
		plot="$plot${plot:+, }'$OUT/curve-seed$s.csv' using 1:6 with linespoints title 'seed $s'"
	done
	gnuplot <<GP
set terminal pngcairo size 800,500 noenhanced
set datafile separator ','
set datafile missing 'nan'
set output '$OUT/learning_curve.png'
set title 'DQN learning curve: greedy validation reward (training days, fixed seeds)\n-2 = untrained, -1 = after bestfit demonstrations'
set xlabel 'episode'
set ylabel '-(avoidable VM-steps violated) - 0.05/migration'
set key bottom right
plot $plot
GP
	gnuplot <<GP
set terminal pngcairo size 900,500 noenhanced
set output '$OUT/sla_bars.png'
set title 'SLA violation share of VM-time (held-out days; error bars: sd)'
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6
set logscale y
set yrange [1e-7:*]
set ylabel 'share (log)'
plot '$OUT/eval.dat' using 2:3:xtic(1) title 'all failures', \
     '' using 4:5 title 'avoidable (no unannounced faults)'
GP
	gnuplot <<GP
set terminal pngcairo size 900,500 noenhanced
set output '$OUT/migration_bars.png'
set title 'Migrations per day and VMs caught by failures (held-out days)'
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6
plot '$OUT/eval.dat' using 6:7:xtic(1) title 'migrations', \
     '' using 8:9 title 'VMs caught'
GP
else
	echo "bench/policy: gnuplot not installed (package gnuplot-nox): no plots"
fi

{
	echo "# Policy benchmark results"
	echo
	echo "Generated by \`sh bench/policy/run.sh\` on $(date -u +%Y-%m-%d) ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))."
	echo "Training days: $TRAIN_DAYS; held-out days: $TEST_DAYS; $SEEDS training seeds x $EPISODES episodes (checkpoints validated on $VAL_SEEDS runs per training day);"
	echo "evaluation: every held-out day x $EVAL_SEEDS simulation seeds, 100 hosts / 1000 VMs (built-in scenario)."
	echo
	echo "## Policies (mean ± sd over runs; dqn = all training seeds pooled)"
	echo
	cat "$OUT/eval.md"
	echo
	echo "## DQN selected by validation on the training days (seed $(cat "$OUT/selected-seed.txt"))"
	echo
	cat "$OUT/eval-selected.md"
	echo
	echo "## Same policies, every fault announced (bench/policy/announced.scn)"
	echo
	cat "$OUT/eval-announced.md"
	echo
	echo "## Scenario under pressure (bench/policy/pressure.scn; DQN trained on it, seed $(cat "$OUT/pressure-selected-seed.txt") selected by validation)"
	echo
	cat "$OUT/eval-pressure.md"
	echo
	echo '```'
	sed -n '/^paired/,$p' "$OUT/eval-pressure-selected.txt"
	echo '```'
	echo
	echo "## What a policy that cannot see unannounced faults can remove"
	echo
	echo "The best heuristic's violation, the part on hosts killed by unannounced faults"
	echo "(which nothing without foresight moves VMs away from), and so the largest"
	echo "reduction any such policy could reach by removing all the rest (\`bench/policy/bound.jq\`):"
	echo
	echo "| scenario | best heuristic | SLA violation share | on hosts killed unannounced | largest reduction possible | oracle |"
	echo "|---|---|---|---|---|---|"
	jq -r --arg scn built-in -f bench/policy/bound.jq "$OUT/eval.json"
	jq -r --arg scn "every fault announced" -f bench/policy/bound.jq "$OUT/eval-announced.json"
	jq -r --arg scn "under pressure" -f bench/policy/bound.jq "$OUT/eval-pressure.json"
	echo
	echo "VMs caught per day by announced hardware faults under pressure, by cause: no"
	echo "alarm before the strike; the alarm too late to move them at max_mig_per_host"
	echo "per step (given the VMs the host held at the alarm); or left by the policy"
	echo "(\`bench/policy/fault-catches.jq\`):"
	echo
	echo "| policy | no alarm | too late | left by the policy |"
	echo "|---|---|---|---|"
	jq -r -f bench/policy/fault-catches.jq "$OUT/eval-pressure.json"
	echo
	echo "## Same scenario, migrations a source host may start per step"
	echo
	for m in 2 4 8 16; do
		echo "max_mig_per_host $m:"
		echo
		cat "$OUT/pressure-mig$m.md"
		echo
	done
	echo "## Predictor (held-out days, no migrations)"
	echo
	echo '```'
	cat "$OUT/predictor.txt"
	echo '```'
	echo
	echo "## Decision latency (synthetic clusters, one failing host, 10 VMs per host; wall clock on a shared machine)"
	echo
	echo '```'
	cat "$OUT/latency.txt"
	echo '```'
	echo
	echo "## Simulator speed (wall clock per simulated day, 100 hosts / 1000 VMs, 288 steps; from eval.json)"
	echo
	echo '```'
	jq -r '.policies | to_entries[] |
		"\(.key)\t\(.value.wall_s.mean * 1e4 | round / 10) ms +- \(.value.wall_s.sd * 1e4 | round / 10) ms (\(.value.runs) runs)"' \
		"$OUT/eval.json" | expand -t 12
	echo '```'
	echo
	echo "## Commands"
	echo
	echo '```'
	cat "$OUT/commands.txt"
	echo '```'
} >"$OUT/RESULTS.md"
echo "bench/policy: wrote $OUT/RESULTS.md (bench/policy/RESULTS.md is the curated copy with the analysis)"
