/*
 * A very small unit-test harness.  Each test binary defines TESTS via
 * T_RUN(name) calls in main(); every check that fails prints
 * "FAIL name: file:line: expr" and the test is counted failed.  The binary
 * prints one "PASS name" / "FAIL name" line per test (tests/run counts them)
 * and exits 1 if any failed.
 */
#ifndef KHYVE_TESTS_T_H
#define KHYVE_TESTS_T_H

#include <stdio.h>
#include <string.h>

static int t_failed_checks;
static int t_npass, t_nfail;
static const char *t_current;

#define T_CHECK(expr) do {						\
	if (!(expr)) {							\
		printf("  %s: %s:%d: %s\n", t_current, __FILE__, __LINE__, #expr); \
		t_failed_checks++;					\
	}								\
} while (0)

#define T_STREQ(a, b) do {						\
	const char *t_a = (a), *t_b = (b);				\
	if (t_a == NULL || t_b == NULL || strcmp(t_a, t_b) != 0) {	\
		printf("  %s: %s:%d: %s == %s (\"%s\" vs \"%s\")\n", t_current, \
		    __FILE__, __LINE__, #a, #b, t_a ? t_a : "(null)",	\
		    t_b ? t_b : "(null)");				\
		t_failed_checks++;					\
	}								\
} while (0)

#define T_RUN(fn) do {							\
	int t_before = t_failed_checks;					\
	t_current = #fn;						\
	fn();								\
	if (t_failed_checks == t_before) {				\
		printf("PASS %s\n", #fn);				\
		t_npass++;						\
	} else {							\
		printf("FAIL %s\n", #fn);				\
		t_nfail++;						\
	}								\
	fflush(stdout);							\
} while (0)

#define T_DONE() (t_nfail != 0)

#endif
