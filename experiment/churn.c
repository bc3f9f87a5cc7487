// SPDX-License-Identifier: GPL-2.0
/*
 * churn: the user-space half of the fragmentation experiment's workload
 * (experiment/workload.sh runs three of them in the guest).  Built static on
 * the host, since the guest has busybox and no libc.
 *
 *   churn anon  SEED SECONDS MAX_MB    anonymous memory that grows and
 *       shrinks: chunks of 16 KiB-2 MiB (log-uniform), each its own
 *       mmap() touched page by page and given back with munmap() (malloc
 *       would keep freed chunks in its heap once its dynamic mmap threshold
 *       rises), toward a target drawn uniformly in [MAX_MB/2, MAX_MB]
 *       every 2 s; above the target a random chunk is freed; a failed
 *       mmap() backs off for 20-50 ms
 *   churn files DIR SEED SECONDS MAX_MB  page cache: files of 4 KiB-1 MiB
 *       (log-uniform) written into DIR (tmpfs) toward a target drawn the
 *       same way; above it a random file is deleted
 *   churn small DIR SEED SECONDS MAX_FILES  kernel slab memory (dentries
 *       and inodes: reclaimable slabs, which still pin their pages): files
 *       (three in four empty, the others 1-256 bytes) created and deleted
 *       at random toward a target count drawn uniformly in [0, MAX_FILES]
 *       every 2 s, so that dentries and inodes are allocated and freed all
 *       over their slabs
 *
 * One operation every 1-4 ms (small: 20 per pause), so the churn
 * competes with the driver for CPU time but does not starve it; anon and
 * files do not pause below half their target, so memory fills in the
 * first seconds even under TCG.  Three generators per process: targets,
 * requests (sizes) and choices (which item to free, pauses), so the same
 * seed gives the same sequence of targets and of requested sizes however
 * the timing differs; which items are live at once depends on timing.
 * SIGTERM ends the run cleanly (exit 0); SIGSTOP freezes it with its
 * memory and files kept, for the end-of-run test.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MAX_ITEMS 65536

/* target, request and choice generators */
static unsigned long long g_tgt, g_req, g_pick;
/* Set by the signal handler; a lock-free atomic is async-signal-safe. */
static int stop_flag;

static int stop_requested(void)
{
	return __atomic_load_n(&stop_flag, __ATOMIC_RELAXED);
}

static unsigned long long rnd(unsigned long long *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void on_term(int sig)
{
	(void)sig;
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
}

/* Log-uniform in [lo, hi) for power-of-two ratios hi/lo, 1/256 steps. */
static size_t logu(size_t lo, size_t hi)
{
	unsigned int k = 0, r;
	size_t v;

	while ((lo << k) < hi)
		k++;
	r = rnd(&g_req) % (k * 256);
	v = lo << (r / 256);
	return v + v * (r % 256) / 256;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pause_ms(unsigned int lo, unsigned int hi)
{
	unsigned int ms = lo + rnd(&g_pick) % (hi - lo + 1);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

struct item {
	void *p;
	size_t size;
};

static struct item items[MAX_ITEMS];
static size_t nitems;

static void drop(size_t i)
{
	items[i] = items[--nitems];
}

static size_t draw_target(size_t max)
{
	return max ? max / 2 + rnd(&g_tgt) % (max / 2 + 1) : 0;
}

static int anon(double end, size_t max)
{
	size_t total = 0, target = 0;
	double next = 0;

	while (!stop_requested() && now() < end) {
		if (now() >= next) {
			target = draw_target(max);
			next = now() + 2;
		}
		if (total < target && nitems < MAX_ITEMS) {
			size_t sz = logu(16384, 2 << 20) & ~(size_t)4095;
			char *p = mmap(NULL, sz, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED) {
				pause_ms(20, 50);
				continue;
			}
			for (size_t o = 0; o < sz; o += 4096)
				p[o] = (char)o;
			items[nitems].p = p;
			items[nitems++].size = sz;
			total += sz;
			if (total < target / 2)
				continue;
		} else if (nitems) {
			size_t i = rnd(&g_pick) % nitems;

			total -= items[i].size;
			munmap(items[i].p, items[i].size);
			drop(i);
		}
		pause_ms(1, 4);
	}
	return 0;
}

static int files(const char *dir, double end, size_t max)
{
	static char buf[1 << 16];
	size_t total = 0, target = 0;
	unsigned long id = 0;
	char name[4096];
	double next = 0;

	memset(buf, 0x5a, sizeof(buf));
	while (!stop_requested() && now() < end) {
		if (now() >= next) {
			target = draw_target(max);
			next = now() + 2;
		}
		if (total < target && nitems < MAX_ITEMS) {
			size_t sz = logu(4096, 1 << 20), left = sz;
			int fd;

			snprintf(name, sizeof(name), "%s/f%lu", dir, id);
			fd = open(name, O_CREAT | O_TRUNC | O_WRONLY, 0600);
			if (fd < 0)
				return perror(name), 1;
			while (left) {
				size_t n = left < sizeof(buf) ? left : sizeof(buf);
				ssize_t w = write(fd, buf, n);

				if (w <= 0)
					break;
				left -= w;
			}
			close(fd);
			items[nitems].p = (void *)id++;
			items[nitems++].size = sz - left;
			total += sz - left;
			if (total < target / 2)
				continue;
		} else if (nitems) {
			size_t i = rnd(&g_pick) % nitems;

			snprintf(name, sizeof(name), "%s/f%lu", dir,
				 (unsigned long)items[i].p);
			unlink(name);
			total -= items[i].size;
			drop(i);
		}
		pause_ms(1, 4);
	}
	return 0;
}

static int small(const char *dir, double end, size_t max)
{
	static const char data[256] = "small";
	size_t target = 0;
	unsigned long id = 0;
	char name[4096];
	double next = 0;

	if (max > MAX_ITEMS)
		max = MAX_ITEMS;
	while (!stop_requested() && now() < end) {
		if (now() >= next) {
			target = rnd(&g_tgt) % (max + 1);
			next = now() + 2;
		}
		for (int k = 0; k < 20; k++) {
			/* mostly toward the target, some noise either way */
			int add = nitems < target ? rnd(&g_pick) % 4 != 0
						  : rnd(&g_pick) % 4 == 0;

			if (add && nitems < MAX_ITEMS) {
				unsigned long long r = rnd(&g_req);
				size_t len = r % 4 ? 0 : 1 + (r >> 8) % 256;
				int fd;

				snprintf(name, sizeof(name), "%s/s%lu", dir, id);
				fd = open(name, O_CREAT | O_WRONLY, 0600);
				if (fd < 0)
					return perror(name), 1;
				if (len && write(fd, data, len) < 0)
					perror(name);
				close(fd);
				items[nitems++].p = (void *)id++;
			} else if (nitems) {
				size_t i = rnd(&g_pick) % nitems;

				snprintf(name, sizeof(name), "%s/s%lu", dir,
					 (unsigned long)items[i].p);
				unlink(name);
				drop(i);
			}
		}
		pause_ms(1, 4);
	}
	return 0;
}

static void bad_usage(void)
{
	fprintf(stderr, "usage: churn anon SEED SECONDS MAX_MB\n"
		"       churn files|small DIR SEED SECONDS MAX\n");
	exit(2);
}

static unsigned long long num(const char *s)
{
	char *e;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &e, 10);
	if (errno || e == s || *e || *s == '-' || *s == '+')
		bad_usage();
	return v;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	unsigned long long seed;
	int a = 2;
	const char *dir = NULL;
	double end;

	if (argc < 5)
		bad_usage();
	if (strcmp(argv[1], "anon")) {
		if (argc != 6)
			bad_usage();
		dir = argv[a++];
	} else if (argc != 5) {
		bad_usage();
	}
	seed = num(argv[a]) * 0x9E3779B97F4A7C15ULL + argv[1][0];
	/* xorshift must not start at zero */
	g_tgt = seed | 1;
	g_req = (seed ^ 0xD1B54A32D192ED03ULL) | 1;
	g_pick = (seed ^ 0x5851F42D4C957F2DULL) | 1;
	sigaction(SIGTERM, &sa, NULL);
	end = now() + num(argv[a + 1]);
	if (!strcmp(argv[1], "anon"))
		return anon(end, num(argv[a + 2]) << 20);
	if (!strcmp(argv[1], "files"))
		return files(dir, end, num(argv[a + 2]) << 20);
	if (!strcmp(argv[1], "small"))
		return small(dir, end, num(argv[a + 2]));
	bad_usage();
	return 2;
}
