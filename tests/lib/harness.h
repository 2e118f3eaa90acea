/* SPDX-License-Identifier: GPL-2.0 */
/*
 * palm's test harness, in the style of the kernel's kselftest_harness.h.
 *
 * Tests register themselves at load time (constructors), each runs in a
 * forked child in its own process group with a timeout, and results are
 * printed as TAP 13 for prove.  A skipped test prints "ok N name # SKIP
 * reason", so a file whose tests all skip still passes prove.
 *
 *	TEST(name) { ASSERT_EQ(1, 1); }
 *	FIXTURE(f) { int fd; };
 *	FIXTURE_VARIANT(f) { int size; };
 *	FIXTURE_VARIANT_ADD(f, small) { .size = 1 };
 *	FIXTURE_SETUP(f) { self->fd = open(...); }
 *	FIXTURE_TEARDOWN(f) { close(self->fd); }
 *	TEST_F(f, reads) { ASSERT_GE(read(self->fd, ...), 0); }
 *
 * ASSERT_* ends the test (teardown still runs); EXPECT_* records the
 * failure and continues.  SKIP(statement, fmt, ...) marks the test
 * skipped with a reason, then runs statement (usually "return").
 */
#ifndef PALM_TEST_HARNESS_H
#define PALM_TEST_HARNESS_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define TH_DEFAULT_TIMEOUT_S 30

struct th_fixture;
struct th_variant;

/* Per-run state of one test, shared between the body and the asserts. */
struct th_run {
	const struct th_case *test;
	const struct th_variant *variant;
	bool failed;
	bool skipped;
	bool in_body;		/* a bail from setup skips the body */
	sigjmp_buf bail;
};

struct th_case {
	const char *name;
	struct th_fixture *fixture;	/* NULL for plain TEST() */
	void (*fn)(struct th_run *run, void *self, const void *variant);
	unsigned int timeout_s;
	struct th_case *next;
};

struct th_variant {
	const char *name;
	const void *data;
	struct th_variant *next;
};

struct th_fixture {
	const char *name;
	size_t self_size;
	void (*setup)(struct th_run *run, void *self, const void *variant);
	void (*teardown)(struct th_run *run, void *self, const void *variant);
	struct th_variant *variants;
	struct th_variant **variants_tail;
	struct th_fixture *next;
};

void th_register_case(struct th_case *tc);
void th_register_fixture(struct th_fixture *f);
void th_register_variant(struct th_fixture *f, struct th_variant *v);
void th_skip(struct th_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void th_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A shell command the runner runs if this test is killed (its timeout,
 * a signal), when its teardown cannot: for what outlives the test's
 * process group, such as daemons started under setsid.  0 or -errno.
 */
int th_cleanup_on_kill(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void th_fail(struct th_run *run, bool fatal, const char *file, int line,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Seconds scaled by PALM_TEST_TIMEOUT_SCALE, for sanitizer or slow runs. */
double th_timeout_scale(void);

/*
 * A file of palm's source tree by its path there (e.g. "scripts/x.sh"):
 * under $PALM_SRC if set, else the working directory, else a parent of
 * the test executable.  The absolute path goes to path; 0 or -ENOENT.
 */
int th_src_path(const char *rel, char *path, size_t len);

#define TH_LOG(fmt, ...) th_log(fmt, ##__VA_ARGS__)

#define SKIP(statement, fmt, ...)                                      \
	do {                                                           \
		th_skip(_run, fmt, ##__VA_ARGS__);                     \
		statement;                                             \
	} while (0)

#define TEST(test_name) TEST_TIMEOUT(test_name, TH_DEFAULT_TIMEOUT_S)

#define TEST_TIMEOUT(test_name, secs)                                       \
	static void test_name(struct th_run *_run);                         \
	static void th_wrap_##test_name(struct th_run *_run, void *s,       \
				   const void *v)                      \
	{                                                              \
		(void)s;                                               \
		(void)v;                                               \
		test_name(_run);                                            \
	}                                                              \
	static struct th_case th_case_##test_name = {                       \
		.name = #test_name,                                         \
		.fn = th_wrap_##test_name,                                  \
		.timeout_s = (secs),                                   \
	};                                                             \
	__attribute__((constructor(103))) static void                  \
	th_reg_##test_name(void)                                       \
	{                                                              \
		th_register_case(&th_case_##test_name);                     \
	}                                                              \
	static void test_name(struct th_run *_run __attribute__((unused)))

#define FIXTURE(fname)                                                 \
	struct th_fixture_##fname;                                     \
	struct th_variant_##fname;                                     \
	static void th_setup_##fname(struct th_run *,                  \
				     struct th_fixture_##fname *,      \
				     const struct th_variant_##fname *); \
	static void th_teardown_##fname(struct th_run *,               \
					struct th_fixture_##fname *,   \
					const struct th_variant_##fname *); \
	static void th_setup_any_##fname(struct th_run *r, void *s,    \
					 const void *v)                \
	{                                                              \
		th_setup_##fname(r, s, v);                             \
	}                                                              \
	static void th_teardown_any_##fname(struct th_run *r, void *s, \
					    const void *v)             \
	{                                                              \
		th_teardown_##fname(r, s, v);                          \
	}                                                              \
	static struct th_fixture th_fixture_##fname = {                \
		.name = #fname,                                        \
		.setup = th_setup_any_##fname,                         \
		.teardown = th_teardown_any_##fname,                   \
	};                                                             \
	__attribute__((constructor(101))) static void                  \
	th_reg_fixture_##fname(void)                                   \
	{                                                              \
		th_register_fixture(&th_fixture_##fname);              \
	}                                                              \
	struct th_fixture_##fname

/* The fixture's type, for helpers that take `self`. */
#define FIXTURE_DATA(fname) struct th_fixture_##fname

/* Optional; without it a fixture has one unnamed variant. */
#define FIXTURE_VARIANT(fname) struct th_variant_##fname

#define FIXTURE_VARIANT_ADD(fname, vname)                              \
	static const struct th_variant_##fname th_vdata_##fname##_##vname; \
	static struct th_variant th_variant_##fname##_##vname = {       \
		.name = #vname,                                        \
		.data = &th_vdata_##fname##_##vname,                   \
	};                                                             \
	__attribute__((constructor(102))) static void                  \
	th_reg_variant_##fname##_##vname(void)                         \
	{                                                              \
		th_register_variant(&th_fixture_##fname,               \
				    &th_variant_##fname##_##vname);    \
	}                                                              \
	static const struct th_variant_##fname th_vdata_##fname##_##vname =

#define FIXTURE_SETUP(fname)                                           \
	static void th_setup_##fname(                                  \
		struct th_run *_run __attribute__((unused)),           \
		struct th_fixture_##fname *self __attribute__((unused)), \
		const struct th_variant_##fname *variant               \
		__attribute__((unused)))

#define FIXTURE_TEARDOWN(fname)                                        \
	static void th_teardown_##fname(                               \
		struct th_run *_run __attribute__((unused)),           \
		struct th_fixture_##fname *self __attribute__((unused)), \
		const struct th_variant_##fname *variant               \
		__attribute__((unused)))

#define TEST_F(fname, tname) TEST_F_TIMEOUT(fname, tname, TH_DEFAULT_TIMEOUT_S)

#define TEST_F_TIMEOUT(fname, tname, secs)                             \
	static void th_body_##fname##_##tname(                         \
		struct th_run *, struct th_fixture_##fname *,          \
		const struct th_variant_##fname *);                    \
	static void th_wrap_##fname##_##tname(struct th_run *r, void *s, \
					      const void *v)           \
	{                                                              \
		th_body_##fname##_##tname(r, s, v);                    \
	}                                                              \
	static struct th_case th_case_##fname##_##tname = {            \
		.name = #tname,                                        \
		.fixture = &th_fixture_##fname,                        \
		.fn = th_wrap_##fname##_##tname,                       \
		.timeout_s = (secs),                                   \
	};                                                             \
	__attribute__((constructor(103))) static void                  \
	th_reg_##fname##_##tname(void)                                 \
	{                                                              \
		/* the fixture struct is complete only from here on */ \
		th_fixture_##fname.self_size =                         \
			sizeof(struct th_fixture_##fname);             \
		th_register_case(&th_case_##fname##_##tname);          \
	}                                                              \
	static void th_body_##fname##_##tname(                         \
		struct th_run *_run __attribute__((unused)),           \
		struct th_fixture_##fname *self __attribute__((unused)), \
		const struct th_variant_##fname *variant               \
		__attribute__((unused)))

/*
 * Comparisons of integers and floating-point values.  Operands are
 * evaluated once and compared by value whatever their types, so that
 * ASSERT_EQ(3, some_uint64) neither warns nor lies about -1 vs UINT_MAX.
 */
#define TH_IS_FLOAT(x) (__builtin_classify_type(x) == 8)
#define TH_IS_SIGNED(x) ((__typeof__(x))-1 < (__typeof__(x))1)
#define TH_AS_ULL(x) \
	__builtin_choose_expr(TH_IS_FLOAT(x), 0ULL, (unsigned long long)(x))

struct th_value {
	bool is_float;
	bool is_signed;
	unsigned long long bits;
	long double real;
};

#define TH_VALUE(x)                                                    \
	((struct th_value){ .is_float = TH_IS_FLOAT(x),                \
			    .is_signed = TH_IS_SIGNED(x),              \
			    .bits = TH_AS_ULL(x),                      \
			    .real = (long double)(x) })

/* -1, 0 or 1 as a is below, equal to or above b, by value. */
int th_compare(struct th_value a, struct th_value b);
void th_fail_cmp(struct th_run *run, bool fatal, const char *file, int line,
		 const char *expected, const char *op, const char *seen,
		 struct th_value a, struct th_value b);

#define TH_CMP(fatal, expected, seen, op)                              \
	do {                                                           \
		__typeof__(expected) _exp = (expected);                \
		__typeof__(seen) _seen = (seen);                       \
		struct th_value _va = TH_VALUE(_exp);                  \
		struct th_value _vb = TH_VALUE(_seen);                 \
		if (!(th_compare(_va, _vb) op 0))                      \
			th_fail_cmp(_run, fatal, __FILE__, __LINE__,   \
				    #expected, #op, #seen, _va, _vb);  \
	} while (0)

#define TH_BOOL(fatal, cond, want)                                     \
	do {                                                           \
		if ((bool)(cond) != (want))                                \
			th_fail(_run, fatal, __FILE__, __LINE__,       \
				"Expected %s to be %s", #cond,         \
				(want) ? "true" : "false");            \
	} while (0)

#define TH_STR(fatal, expected, seen, equal)                           \
	do {                                                           \
		const char *_e = (expected), *_s = (seen);             \
		if (!_e || !_s || (strcmp(_e, _s) == 0) != (equal))    \
			th_fail(_run, fatal, __FILE__, __LINE__,       \
				"Expected %s \"%s\" %s %s \"%s\"",     \
				#expected, _e ? _e : "(null)",         \
				(equal) ? "==" : "!=", #seen,          \
				_s ? _s : "(null)");                   \
	} while (0)

#define ASSERT_EQ(e, s) TH_CMP(true, e, s, ==)
#define ASSERT_NE(e, s) TH_CMP(true, e, s, !=)
#define ASSERT_LT(e, s) TH_CMP(true, e, s, <)
#define ASSERT_LE(e, s) TH_CMP(true, e, s, <=)
#define ASSERT_GT(e, s) TH_CMP(true, e, s, >)
#define ASSERT_GE(e, s) TH_CMP(true, e, s, >=)
#define ASSERT_TRUE(c) TH_BOOL(true, c, true)
#define ASSERT_FALSE(c) TH_BOOL(true, c, false)
#define ASSERT_NULL(p) TH_BOOL(true, (p) == NULL, true)
#define ASSERT_NE_NULL(p) TH_BOOL(true, (p) != NULL, true)
#define ASSERT_STREQ(e, s) TH_STR(true, e, s, true)
#define ASSERT_STRNE(e, s) TH_STR(true, e, s, false)

#define EXPECT_EQ(e, s) TH_CMP(false, e, s, ==)
#define EXPECT_NE(e, s) TH_CMP(false, e, s, !=)
#define EXPECT_LT(e, s) TH_CMP(false, e, s, <)
#define EXPECT_LE(e, s) TH_CMP(false, e, s, <=)
#define EXPECT_GT(e, s) TH_CMP(false, e, s, >)
#define EXPECT_GE(e, s) TH_CMP(false, e, s, >=)
#define EXPECT_TRUE(c) TH_BOOL(false, c, true)
#define EXPECT_FALSE(c) TH_BOOL(false, c, false)
#define EXPECT_NULL(p) TH_BOOL(false, (p) == NULL, true)
#define EXPECT_NE_NULL(p) TH_BOOL(false, (p) != NULL, true)
#define EXPECT_STREQ(e, s) TH_STR(false, e, s, true)
#define EXPECT_STRNE(e, s) TH_STR(false, e, s, false)

#endif /* PALM_TEST_HARNESS_H */
