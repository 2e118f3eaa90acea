# One Markdown row per policy: VMs caught by announced hardware faults per
# day, by cause (policy/pol_sim.h): no alarm before the strike, the alarm
# too late to move them at max_mig_per_host per step, or left there by the
# policy.  Input: a `palmctl policy eval --json` file.
def r1: . * 10 | round / 10;
.policies | to_entries[]
| select(.key != "none")
| "| \(.key) | \(.value.fault_caught_unalarmed.mean | r1) | "
  + "\(.value.fault_caught_rate_bound.mean | r1) | "
  + "\(.value.fault_caught_after_alarm.mean | r1) |"
