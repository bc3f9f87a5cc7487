// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs_badinput: write malformed, out-of-range, overflowing, negative,
 * empty and over-long input to every writable pgcluster debugfs file and
 * check that each write fails with EINVAL or ERANGE and that reading the
 * file's state back afterwards gives exactly what it gave before.
 *
 * Files that only exist in some configurations (inject/ needs
 * allow_inject=1) are tested when present; the test knobs are tested under
 * testing/ and under their old top-level names.  A bad input that is accepted is reported, and the
 * state read before it is written back to undo it.  When pgcluster is not
 * loaded, $PGC_MODDIR/pgcluster.ko (default /pgcluster) is loaded with
 * allow_inject=1 for the run and unloaded afterwards.
 *
 * Output is TAP 13, one test per file.  Exit 0: all passed, 1: a failure,
 * 4: skipped (no pgcluster debugfs).  Build it static: the guest has no libc.
 *
 *   debugfs_badinput [DEBUGFS_DIR]     default /sys/kernel/debug/pgcluster
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "tap.h"

#define STATE_MAX	65536

struct input {
	const char *buf;
	size_t len;		/* 0 with buf NULL: a zero-length write */
};

#define S(str)	{ (str), sizeof(str) - 1 }
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Invalid for every file: no file takes these as a value. */
static const struct input generic[] = {
	S("\n"), S(" "), S("\x20\n"), S("  "), S("\t"), S("\t\n"), S("\r\n"),
	S("\r"), S("\v"), S("\f"), S("\n\n"), S("\x20\t\x20\n"),
	S("abc"), S("abc\n"), S("x"), S("-"), S("--"), S("--1"), S("-1"),
	S("-1\n"), S("-0x1"), S("-2147483648"), S("-4294967296"),
	S("-9223372036854775808"), S("-18446744073709551616"),
	S("-99999999999999999999"),
	S("18446744073709551616"), S("18446744073709551616\n"),
	S("99999999999999999999999999999"),
	S("340282366920938463463374607431768211456"),
	S("0x"), S("0x\n"), S("0xg"), S("0x-1"), S("0x10000000000000000"),
	S("0xffffffffffffffffff"), S("0X"), S("0b101"), S("0o7"),
	S("12abc"), S("1 2"), S("1  2"), S(" 1"), S("1 "), S("1\t"),
	S("\t1"), S("1\n\n"), S("\n1"), S("1\n2"), S("1\r"),
	S("1.5"), S(".5"), S("1e3"), S("1,000"), S("1_000"), S("5."),
	S("\0"), S("\0\n"), S("1\0"), S("1\0\n"), S("5\0 5"), S("\0abc"),
	S("\x01"), S("1\x7f"), S("\x1b[0m"), S("\x7f"), S("\x08"),
	S("\xff"), S("1\xc3\xa9"), S("\342\200\2131"), S("\xc0\x80"),
	S("?"), S("%"), S("*"), S("$"), S("\\"), S("\"1\""), S("'1'"),
	S("(1)"), S("[1]"), S("{}"), S("#1"), S("=1"), S(":"), S("::"),
	S("garbage"), S("garbage\n"), S("xyz"), S("null"), S("NaN"),
	S("inf"), S("-inf"), S("\357\273\2771"),
};

static const struct input s_map_start[] = {
	S("18446744073709551615"), S("0xffffffffffffffff"),
	S("0xfffffffffffff"), S("0x10000000000000"), S("4503599627370496"),
	S("0x8000000000000000"),
};

static const struct input s_map_pages[] = {
	S("0"), S("0\n"), S("0x0"), S("00"), S("268435457"), S("0x10000001"),
	S("4294967296"), S("18446744073709551615"), S("0xffffffff"),
};

static const struct input s_map_scale[] = {
	S("21"), S("22"), S("32"), S("63"), S("64"), S("99"), S("255"),
	S("256"), S("4294967296"), S("0x15"), S("18446744073709551615"),
};

static const struct input s_probe[] = {
	S("11"), S("12"), S("31"), S("64"), S("100"), S("0xb"), S("0x10"),
	S("4294967296"), S("4294967297"), S("18446744073709551615"),
	S("3 3"), S("3K"), S("order-3"),
	/* sealed: malformed */
	S("sealed"), S("sealed 3"), S("3 sealed sealed"), S("3  sealed"),
	S("3 sealed "), S("3 SEALED"), S("3 seal"), S("3\tsealed"),
	S("3sealed"), S("11 sealed"), S("3 sealed\n\n"), S(" sealed"),
	S("3 sealed\0"), S("-1 sealed"),
	/* sealed: well formed, but refused while nothing is pinned (idle) */
	S("1 sealed"), S("5 sealed\n"),
};

static const struct input s_probe_pgcluster[] = {
	S("0"), S("0K"), S("0M"), S("0\n"), S("2097153"), S("3M"), S("4G"),
	S("2049K"), S("1T"), S("1P"), S("36KB"), S("36KiB"), S("36 K"),
	S("36K virtok virtok"), S("36K hold hold"), S("36K foo"),
	S("36K virtok hold extra"), S("virtok"), S("hold"), S("virtok 36K"),
	S("36K  virtok"), S("36K virtok "), S(" 36K"), S("36K,virtok"),
	S("36K VIRTOK"), S("36K virt"), S("release now"), S("Release"),
	S("RELEASE"), S("release "), S("-36K"), S("99999999999999999999K"),
	S("18446744073709551615"), S("17179869184G"), S("0x9000"),
	S("36k virtok\n\n"), S("36K\tvirtok"), S("36K\0virtok"),
	/* sealed: malformed */
	S("36K sealed sealed"), S("sealed"), S("sealed 36K"), S("36K SEALED"),
	S("36K seal"), S("36K sealed extra"), S("36K  sealed"),
	S("36K virtok sealed hold hold"), S("0 sealed"), S("3M sealed"),
	/* sealed: well formed, but refused while nothing is pinned (idle) */
	S("36K sealed"), S("9000 virtok sealed"), S("128K hold sealed"),
};

static const struct input s_pattern[] = {
	S("stride:0"), S("stride:1"), S("stride:"), S("stride"),
	S("stride:1025"), S("stride:4096"), S("stride:-2"), S("stride:2x"),
	S("stride:2:3"), S("stride :2"), S("stride: 2"), S("STRIDE:2"),
	S("stride:18446744073709551616"), S("blocks:10"), S("blocks:11"),
	S("blocks:64"), S("blocks:"), S("blocks:-1"), S("blocks"),
	S("random:0"), S("random:100"), S("random:101"), S("random:"),
	S("random:50%"), S("random:-1"), S("random"), S("checkerboardx"),
	S("Checkerboard"), S("CHECKERBOARD"), S("checker"),
	S("checkerboard:1"), S("checkerboard "), S(" checkerboard"),
	S("checkerboard\n\n"), S("checkerboard\0"), S("checker board"),
	S("stripes"), S("random:4294967296"), S("blocks:4294967296"),
};

static const struct input s_amount[] = {
	S("0%"), S("101%"), S("1000%"), S("%"), S("%%"), S("90%%"), S("-5%"),
	S("1.5%"), S("90 %"), S("50%x"), S("0x10%"), S("1M%"), S("%90"),
	S("18446744073709551616%"), S("4294967297%"),
	S("0"), S("0K"), S("0M"), S("0G"), S("1"), S("4095"), S("1T"),
	S("99999999999G"), S("18446744073709551615"), S("17179869184G"),
	S("0x100000"), S("512MB"), S("512 M"), S("512MiB"), S("1.5G"),
	S("-512M"), S("512M "), S("all"),
};

static const struct input s_control[] = {
	S("stop"), S("Start"), S("START"), S("start now"), S("starts"),
	S("releases"), S("restart"), S("start\0"), S("release\x01"),
	S("st"), S("go"), S("start "), S(" start"), S("start\n\n"),
	S("release\n\n"), S("release all"), S("start;release"), S("1"),
	S("0"),
	/* seal: malformed or out of range */
	S("seal:"), S("seal:0"), S("seal:00"), S("seal:10001"), S("seal:-1"),
	S("seal:+5"), S("seal:1x"), S("seal:5ms"), S("seal:1.5"),
	S("seal:0x10"), S("seal: 5"), S("seal :5"), S("seal 5"),
	S("seal:5 "), S("seal:5:5"), S("seal;5"), S("seal=5"), S("seal:5\n\n"),
	S("seal:5\0"), S("seal\0:5"), S("seal:4294967297"),
	S("seal:18446744073709551615"), S("seal:18446744073709551616"),
	S("seal:99999999999999999999999"), S("Seal"), S("SEAL"), S("seals"),
	S("sea"), S("unseal:1"), S("unseal:"), S("unseal "),
	S("unsealx"), S("Unseal"), S("un seal"), S("unseal\n\n"),
	/* sweep: malformed */
	S("Sweep"), S("SWEEP"), S("sweeps"), S("swee"), S("sweep "),
	S(" sweep"), S("sweep:1"), S("sweep 1"), S("sweep\n\n"), S("sweep\0"),
	/* well formed, but refused while nothing is pinned (idle) */
	S("seal"), S("seal\n"), S("seal:1"), S("seal:100"), S("seal:10000"),
	S("sweep"), S("sweep\n"),
};

/* Well formed elsewhere, refused by the strict parser (input.c). */
static const struct input s_number[] = {
	S("010"), S("+5"), S("00"), S("4294967296"), S("0x100000000"),
	S("5 junk"),
};

static const struct input s_bool[] = {
	S("2"), S("01"), S("yes"), S("no"), S("true"), S("Y1"), S("onn"),
	S("+1"),
};

static const struct input s_pool_grow[] = {
	S("buddy"), S("buddy 0 junk"), S("buddy 00"), S("buddy +0"),
	S("buddy 0x0"), S("buddy -1"), S("buddy 99999"), S("nosuch 0"),
	S("BUDDY 0"), S("0 buddy"), S("buddy\n0"), S("buddy 2147483648"),
};

static const struct input s_callers[] = {
	S("On"), S("ON"), S("OFF"), S("Reset"), S("RESET"), S("o"), S("of"),
	S("onn"), S("offf"), S("resets"), S("on off"), S("on "), S(" on"),
	S("on\n\n"), S("off\n\n"), S("reset now"), S("on\0"), S("on\r\n"),
	S("\0on"), S("on\ton"), S("1"), S("0"), S("y"), S("n"), S("enable"),
	S("disable"), S("clear"), S("on,reset"), S("on;off"), S("+on"),
};

struct file_case {
	const char *name;		/* relative to the debugfs dir */
	const char *state[2];		/* files read back, NULL-terminated */
	const struct input *specific;
	size_t nr_specific;
};

static const struct file_case files[] = {
	{ "map_start", { "map_start" },
	  s_map_start, ARRAY_SIZE(s_map_start) },
	{ "map_pages", { "map_pages", "map_scale" },
	  s_map_pages, ARRAY_SIZE(s_map_pages) },
	{ "map_scale", { "map_scale", "map_pages" },
	  s_map_scale, ARRAY_SIZE(s_map_scale) },
	{ "probe", { "probe" }, s_probe, ARRAY_SIZE(s_probe) },
	{ "probe_pgcluster", { "probe_pgcluster" },
	  s_probe_pgcluster, ARRAY_SIZE(s_probe_pgcluster) },
	{ "inject/pattern", { "inject/pattern", "inject/status" },
	  s_pattern, ARRAY_SIZE(s_pattern) },
	{ "inject/amount", { "inject/amount", "inject/status" },
	  s_amount, ARRAY_SIZE(s_amount) },
	{ "inject/control", { "inject/control", "inject/status" },
	  s_control, ARRAY_SIZE(s_control) },
	{ "callers", { "callers" }, s_callers, ARRAY_SIZE(s_callers) },
	{ "emerg_fail_pages", { "emerg_fail_pages" }, NULL, 0 },
	{ "force_virtual", { "force_virtual" }, NULL, 0 },
	{ "testing/pool_grow", { NULL }, s_pool_grow, ARRAY_SIZE(s_pool_grow) },
	{ "testing/grow_stall_ms", { "testing/grow_stall_ms" },
	  s_number, ARRAY_SIZE(s_number) },
	{ "testing/emerg_fail_pages", { "testing/emerg_fail_pages" },
	  s_number, ARRAY_SIZE(s_number) },
	{ "testing/force_virtual", { "testing/force_virtual" },
	  s_bool, ARRAY_SIZE(s_bool) },
	{ "testing/refill_hold", { "testing/refill_hold" },
	  s_bool, ARRAY_SIZE(s_bool) },
};

static const char *dir = "/sys/kernel/debug/pgcluster";
static char over_digits[70000], over_alpha[5000];

static int path_of(char *out, size_t size, const char *name)
{
	return snprintf(out, size, "%s/%s", dir, name) >= (int)size ? -1 : 0;
}

/* Read a whole file; returns its length or -errno. */
static long read_state(const char *name, char *buf, size_t size)
{
	char path[512];
	long n = 0, r;
	int fd;

	if (path_of(path, sizeof(path), name))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while ((size_t)n < size - 1) {
		r = read(fd, buf + n, size - 1 - n);
		if (r < 0) {
			r = -errno;
			close(fd);
			return r;
		}
		if (!r)
			break;
		n += r;
	}
	buf[n] = '\0';
	close(fd);
	return n;
}

/* One write on a fresh descriptor; returns bytes written or -errno. */
static long write_once(const char *name, const char *buf, size_t len)
{
	char path[512];
	long r;
	int fd;

	if (path_of(path, sizeof(path), name))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	r = write(fd, buf, len);
	if (r < 0)
		r = -errno;
	close(fd);
	return r;
}

static void show(const char *buf, size_t len, char *out, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 8 < size; i++) {
		unsigned char c = buf[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			out[o++] = c;
		else
			o += snprintf(out + o, size - o, "\\x%02x", c);
		if (i == 40 && len > 48) {
			o += snprintf(out + o, size - o, "...(%zu bytes)", len);
			break;
		}
	}
	out[o] = '\0';
}

/* State read once per file and again after each change, not per input. */
static char before[2][STATE_MAX], after[2][STATE_MAX];

static void read_state_into(const struct file_case *fc, int i)
{
	if (read_state(fc->state[i], before[i], STATE_MAX) < 0)
		before[i][0] = '\0';
}

/* Returns the number of failures for this input. */
static int try_input(const struct file_case *fc, const struct input *in)
{
	char shown[400];
	long r;
	int i, fails = 0;

	r = write_once(fc->name, in->buf ? in->buf : "", in->len);
	show(in->buf ? in->buf : "", in->len, shown, sizeof(shown));
	if (in->len == 0) {
		if (r != 0 && r != -EINVAL) {
			printf("# %s: zero-length write returned %ld\n",
			       fc->name, r);
			fails++;
		}
	} else if (r >= 0) {
		printf("# %s: \"%s\" was accepted (returned %ld)\n", fc->name,
		       shown, r);
		fails++;
	} else if (r != -EINVAL && r != -ERANGE) {
		printf("# %s: \"%s\" failed with %s, not EINVAL/ERANGE\n",
		       fc->name, shown, strerror(-r));
		fails++;
	}
	for (i = 0; i < 2 && fc->state[i]; i++) {
		if (read_state(fc->state[i], after[i], STATE_MAX) < 0)
			after[i][0] = '\0';
		if (strcmp(before[i], after[i])) {
			printf("# %s: \"%s\" changed %s\n", fc->name, shown,
			       fc->state[i]);
			fails++;
			/* undo: write the old value back (first line only) */
			if (!strcmp(fc->state[i], fc->name)) {
				char *nl = strchr(before[i], '\n');

				if (nl)
					nl[1] = '\0';
				write_once(fc->name, before[i],
					   strlen(before[i]));
			}
			read_state_into(fc, i);
		}
	}
	return fails;
}

/* Load pgcluster.ko with the injector enabled; 1 when loaded. */
static int load_module(void)
{
	const char *moddir = getenv("PGC_MODDIR");
	char path[512];
	int fd, r;

	snprintf(path, sizeof(path), "%s/pgcluster.ko",
		 moddir ? moddir : "/pgcluster");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	r = syscall(SYS_finit_module, fd, "allow_inject=1 pool_mb=4", 0);
	close(fd);
	if (r)
		return 0;
	printf("# loaded %s allow_inject=1 pool_mb=4\n", path);
	return 1;
}

static int file_exists(const char *name)
{
	char path[512];
	struct stat st;

	return !path_of(path, sizeof(path), name) && !stat(path, &st);
}

int main(int argc, char **argv)
{
	struct input longs[4];
	struct input zero = { NULL, 0 };
	char msg[256];
	size_t f, i;
	int loaded = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1)
		dir = argv[1];
	tap_header(0);
	if (!file_exists("probe") && argc < 2)
		loaded = load_module();
	if (!file_exists("probe")) {
		snprintf(msg, sizeof(msg), "%s not found (pgcluster not loaded?)",
			 dir);
		return tap_skip_all(msg);
	}
	memset(over_digits, '1', sizeof(over_digits));
	memset(over_alpha, 'a', sizeof(over_alpha));
	longs[0] = (struct input){ over_digits, 65 };
	longs[1] = (struct input){ over_digits, 4096 };
	longs[2] = (struct input){ over_digits, sizeof(over_digits) };
	longs[3] = (struct input){ over_alpha, sizeof(over_alpha) };

	for (f = 0; f < ARRAY_SIZE(files); f++) {
		const struct file_case *fc = &files[f];
		int fails = 0, count = 0;

		if (!file_exists(fc->name)) {
			tap_skip_result(fc->name, "not present");
			continue;
		}
		for (i = 0; i < 2 && fc->state[i]; i++)
			read_state_into(fc, i);
		fails += try_input(fc, &zero);
		count++;
		for (i = 0; i < ARRAY_SIZE(generic); i++) {
			fails += try_input(fc, &generic[i]);
			count++;
		}
		for (i = 0; i < 4; i++) {
			fails += try_input(fc, &longs[i]);
			count++;
		}
		for (i = 0; i < fc->nr_specific; i++) {
			fails += try_input(fc, &fc->specific[i]);
			count++;
		}
		if (fails)
			snprintf(msg, sizeof(msg), "%s: %d problems in %d bad inputs",
				 fc->name, fails, count);
		else
			snprintf(msg, sizeof(msg),
				 "%s: %d bad inputs rejected, state unchanged",
				 fc->name, count);
		tap_result(!fails, msg);
	}
	if (loaded && syscall(SYS_delete_module, "pgcluster", O_NONBLOCK))
		tap_diag("could not unload pgcluster: %s", strerror(errno));
	return tap_finish();
}
