# One Markdown row per scenario: the best heuristic's SLA violation (the
# lowest among the baselines that cannot see the future), the part of it
# on hosts killed by unannounced faults, and so the largest reduction a
# policy without foresight could reach by removing everything else.
# Input: a `palmctl policy eval --json` file; $scn names the scenario.
def r6: . * 1e6 | round / 1e6;
.policies as $p
| ["random", "bestfit", "lrmmt", "watcher"]
| map(select($p[.]) | {name: ., v: $p[.]})
| min_by(.v.sla_violation_share.mean)
| .v.sla_violation_share.mean as $total
| .v.avoidable_sla_share.mean as $avoidable
| "| \($scn) | \(.name) | \($total | r6) | \($total - $avoidable | r6) | "
  + "\(if $total > 0 then $avoidable / $total * 1000 | round / 10 else 0 end) % | "
  + "\($p.oracle.sla_violation_share.mean | r6) |"
