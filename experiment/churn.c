// SPDX-License-Identifier: GPL-2.0
/*
 * churn: the user-space half of the fragmentation experiment's workload
 * (experiment/workload.sh runs three of them in the guest).  Built static on
 * the host, since the guest has busybox and no libc.
 *
 *   churn anon  SEED SECONDS MAX_MB    a heap that grows and shrinks:
 *       chunks of 16 KiB-2 MiB (log-uniform), each touched page by page,
 *       toward a target drawn uniformly in [MAX_MB/2, MAX_MB] every 2 s;
 *       above the target a random chunk is freed
 *   churn files DIR SEED SECONDS MAX_MB  page cache: files of 4 KiB-1 MiB
 *       (log-uniform) written into DIR (tmpfs) toward a target drawn the
 *       same way; above it a random file is deleted
 *   churn small DIR SEED SECONDS MAX_FILES  unmovable kernel memory: files
 *       (three in four empty, the others 1-256 bytes) created and deleted
 *       at random toward a target count drawn uniformly in [0, MAX_FILES]
 *       every 2 s, so that dentries and inodes are allocated and freed all
 *       over their slabs
 *
 * One operation every 1-4 ms (small: 20 per pause), so the churn
 * competes with the driver for CPU time but does not starve it; anon and
 * files do not pause below half their target, so memory fills in the
 * first seconds even under TCG.  The same
 * seed gives the same sequence of requests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_ITEMS 65536

static unsigned long long rng;

static unsigned long long rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

/* Log-uniform in [lo, hi) for power-of-two ratios hi/lo, 1/256 steps. */
static size_t logu(size_t lo, size_t hi)
{
	unsigned int k = 0, r;
	size_t v;

	while ((lo << k) < hi)
		k++;
	r = rnd() % (k * 256);
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
	unsigned int ms = lo + rnd() % (hi - lo + 1);
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

static int anon(double end, size_t max)
{
	size_t total = 0, target = 0;
	double next = 0;

	while (now() < end) {
		if (now() >= next) {
			target = max ? max / 2 + rnd() % (max / 2 + 1) : 0;
			next = now() + 2;
		}
		if (total < target && nitems < MAX_ITEMS) {
			size_t sz = logu(16384, 2 << 20);
			char *p = malloc(sz);

			if (p) {
				for (size_t o = 0; o < sz; o += 4096)
					p[o] = (char)o;
				items[nitems].p = p;
				items[nitems++].size = sz;
				total += sz;
			}
			if (total < target / 2)
				continue;
		} else if (nitems) {
			size_t i = rnd() % nitems;

			total -= items[i].size;
			free(items[i].p);
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
	while (now() < end) {
		if (now() >= next) {
			target = max ? max / 2 + rnd() % (max / 2 + 1) : 0;
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
			size_t i = rnd() % nitems;

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
	while (now() < end) {
		if (now() >= next) {
			target = rnd() % (max + 1);
			next = now() + 2;
		}
		for (int k = 0; k < 20; k++) {
			/* mostly toward the target, some noise either way */
			int add = nitems < target ? rnd() % 4 != 0
						  : rnd() % 4 == 0;

			if (add && nitems < MAX_ITEMS) {
				size_t len = rnd() % 4 ? 0 : 1 + rnd() % 256;
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
				size_t i = rnd() % nitems;

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

int main(int argc, char **argv)
{
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
	rng = strtoull(argv[a], NULL, 0) * 0x9E3779B97F4A7C15ULL + argv[1][0];
	if (!rng)
		rng = 1;
	end = now() + atof(argv[a + 1]);
	if (!strcmp(argv[1], "anon"))
		return anon(end, strtoull(argv[a + 2], NULL, 0) << 20);
	if (!strcmp(argv[1], "files"))
		return files(dir, end, strtoull(argv[a + 2], NULL, 0) << 20);
	if (!strcmp(argv[1], "small"))
		return small(dir, end, strtoull(argv[a + 2], NULL, 0));
	bad_usage();
	return 2;
}
