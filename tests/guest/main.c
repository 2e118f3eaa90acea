// SPDX-License-Identifier: GPL-2.0
/*
 * palm-guest: a controllable dirty-page workload for live-migration tests.
 * Boot, parse the command line, calibrate the TSC, fill the working set,
 * then loop: heartbeats on schedule, paced page writes, verification on
 * schedule or on request. See README.md for the serial protocol.
 */
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "dirty.h"
#include "input.h"
#include "io.h"
#include "line.h"
#include "memmap.h"
#include "multiboot.h"
#include "serial.h"
#include "timer.h"
#include "workset.h"

void guest_main(uint32_t magic, uint32_t mbi_addr);

static struct config cfg;
static struct workset ws;
static struct dirtier dirt;
static uint64_t boot_tsc;
static uint32_t tsc_khz;

static __attribute__((noreturn)) void fail(const char *msg)
{
	send_error(msg);
	halt_forever();
}

static void send_header(void)
{
	struct line l;

	line_start(&l);
	line_str(&l, "palm-guest v1");
	line_kv(&l, "ws_pages", cfg.ws_pages);
	if (cfg.rate_max)
		line_kvs(&l, "rate", "max");
	else
		line_kv(&l, "rate", cfg.rate);
	line_kvs(&l, "pattern", pattern_name(cfg.pattern));
	line_kv(&l, "hot", cfg.hot);
	line_kv(&l, "hotw", cfg.hotw);
	line_kv(&l, "on", cfg.on_ms);
	line_kv(&l, "off", cfg.off_ms);
	line_kv(&l, "period_ms", cfg.period_ms);
	line_kv(&l, "seed", cfg.seed);
	line_kv(&l, "fill", cfg.fill);
	line_kv(&l, "tsc_khz", tsc_khz);
	line_kv(&l, "delta", cfg.delta);
	line_send(&l);
}

static void send_heartbeat(uint32_t seq, uint64_t now)
{
	uint64_t t_ms = (now - boot_tsc) / tsc_khz;
	struct line l;

	line_start(&l);
	line_str(&l, "hb");
	line_kv(&l, "seq", seq);
	line_kv(&l, "t_ms", t_ms);
	line_kv(&l, "work", ws.writes);
	line_kv(&l, "gen", ws.max_gen);
	line_send(&l);
}

static void run_verify(uint32_t seq)
{
	struct verify_result res;
	bool sum_ok;
	struct line l;

	workset_verify(&ws, &res);
	sum_ok = res.gen_sum == ws.writes;
	if (!sum_ok) {
		line_start(&l);
		line_str(&l, "error: verify: generations sum to ");
		line_u64(&l, res.gen_sum);
		line_str(&l, " but ");
		line_u64(&l, ws.writes);
		line_str(&l, " page writes were counted");
		line_send(&l);
	}

	line_start(&l);
	line_str(&l, "verify");
	line_kv(&l, "seq", seq);
	line_kv(&l, "pages", ws.nr_pages);
	line_kv(&l, "bad", res.bad);
	if (res.first_bad < 0)
		line_kvs(&l, "first_bad", "-1");
	else
		line_kv(&l, "first_bad", (uint64_t)res.first_bad);
	line_kvs(&l, "result", res.bad || !sum_ok ? "FAIL" : "ok");
	line_send(&l);
}

/*
 * Settings that parse on their own but not together.  A partial rewrite
 * would leave the repeated block (copies of the sequence's first words)
 * at an older generation than the words it copies.
 */
static void check_config(void)
{
	struct line l;

	if (cfg.delta < 100 && cfg.fill) {
		line_start(&l);
		line_str(&l, "error: delta=");
		line_u64(&l, cfg.delta);
		line_str(&l, " needs fill=0, got fill=");
		line_u64(&l, cfg.fill);
		line_send(&l);
		halt_forever();
	}
}

static void setup_memory(const struct mb_info *mbi)
{
	uint64_t need = workset_bytes(cfg.ws_pages);
	uint32_t base, avail;
	struct line l;

	if (memmap_find(mbi, &base, &avail))
		fail("no usable memory map from the boot loader");
	if (need > avail) {
		line_start(&l);
		line_str(&l, "error: ws=");
		line_u64(&l, (uint64_t)cfg.ws_pages * PAGE_SIZE);
		line_str(&l, " does not fit: needs ");
		line_u64(&l, need);
		line_str(&l, " bytes with gen[], ");
		line_u64(&l, avail);
		line_str(&l, " bytes free above the image");
		line_send(&l);
		halt_forever();
	}
	if (cfg.corrupt_set && cfg.corrupt >= cfg.ws_pages) {
		line_start(&l);
		line_str(&l, "error: corrupt=");
		line_u64(&l, cfg.corrupt);
		line_str(&l, " is outside the working set of ");
		line_u64(&l, cfg.ws_pages);
		line_str(&l, " pages");
		line_send(&l);
		halt_forever();
	}
	workset_init(&ws, base, cfg.ws_pages, cfg.fill, cfg.delta);
}

static __attribute__((noreturn)) void main_loop(void)
{
	uint64_t period_ticks = (uint64_t)cfg.period_ms * tsc_khz;
	uint64_t poll_ticks = tsc_khz;	/* input is polled once per ms */
	uint64_t now = rdtsc();
	uint64_t next_hb = now, next_poll = now;
	uint32_t seq = 0, last_seq = 0, since_verify = 0;

	dirtier_init(&dirt, &ws, &cfg, tsc_khz, now);
	for (;;) {
		now = rdtsc();
		if (now >= next_hb) {
			send_heartbeat(seq, now);
			last_seq = seq++;
			/* One late heartbeat, then a fresh schedule: no catch-up. */
			next_hb += period_ticks;
			if (next_hb <= now)
				next_hb = now + period_ticks;
			if (cfg.verify_every && ++since_verify == cfg.verify_every) {
				since_verify = 0;
				run_verify(last_seq);
			}
			continue;
		}
		/* Port reads are VM exits under KVM: poll on a timer. */
		if (now >= next_poll) {
			next_poll = now + poll_ticks;
			if (input_poll_verify())
				run_verify(last_seq);
			continue;
		}
		if (!dirtier_step(&dirt, now))
			cpu_relax();
	}
}

/* Entered in ring 3 from boot.S with the loader's EAX and EBX. */
void guest_main(uint32_t magic, uint32_t mbi_addr)
{
	const struct mb_info *mbi = phys_ptr(mbi_addr);
	const char *cmdline = "";
	struct line l;

	boot_tsc = rdtsc();
	serial_init();
	if (magic != MB_BOOT_MAGIC)
		fail("not started by a multiboot loader");
	if (mbi->flags & MB_INFO_CMDLINE)
		cmdline = phys_ptr(mbi->cmdline);
	if (config_parse(&cfg, cmdline))
		halt_forever();
	check_config();

	tsc_khz = tsc_calibrate_khz();
	if (!tsc_khz)
		fail("TSC calibration against the PIT failed");

	setup_memory(mbi);
	send_header();

	workset_fill(&ws);
	line_start(&l);
	line_str(&l, "ready");
	line_kv(&l, "ws_pages", ws.nr_pages);
	line_send(&l);

	if (cfg.corrupt_set)
		workset_corrupt(&ws, cfg.corrupt);
	main_loop();
}
