# SPDX-License-Identifier: GPL-2.0
# palmctl's JSON report plus the cell's parameters and the guest's work
# lost against its unmigrated rate; shared by cell.sh and libvirt.sh.
# Arguments: ctl ws rate pattern link mem accel backend (strings),
# fill delta base rc wire (numbers); libvirt (the daemons' version) if
# given.
. + { cell: { controller: $ctl, ws: $ws, rate: $rate, pattern: $pattern,
	      link: $link, mem: $mem, accel: $accel, fill: $fill, delta: $delta,
	      backend: $backend, libvirt: ($ARGS.named.libvirt // null) },
      palmctl_rc: $rc,
      wire_bytes: $wire,
      guest_base_pages_per_s: $base,
      guest_work_lost_pages:
	(if (.guest.work_window_s // null) == null then null
	 else ([0, $base * .guest.work_window_s - .guest.work_pages] | max) end) }
