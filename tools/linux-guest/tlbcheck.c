/*
 * tlbcheck: does a remote TLB flush reach every CPU?  A stale-read test through the real Linux MM.
 *
 * Reader threads, one pinned to every allowed CPU but the main thread's, read one shared virtual page
 * (the "target") in a loop. The main thread (pinned to the first allowed CPU) remaps the target between
 * the two pages of a memfd, round after round:
 *
 *   round e: write tag e into the page not mapped now (through a second, permanent mapping of the memfd),
 *            map that page at the target address (mmap MAP_FIXED, or munmap then mmap with -m unmap),
 *            publish epoch e, wait until every reader has acknowledged e.
 *
 * Replacing the mapping makes the kernel flush the old translation on every CPU in the mm's CPU mask
 * (mm/mmap.c unmap_region -> tlb_finish_mmu -> arch/x86/mm/tlb.c flush_tlb_mm_range -> flush_tlb_multi;
 * under Hyper-V, arch/x86/hyperv/mmu.c hyperv_flush_tlb_multi makes that one flush hypercall), so each
 * round is one remote flush. A reader that sees epoch e reads the target a few times ("checked reads")
 * and only then acknowledges e; since the main thread remaps only after every acknowledgement, every
 * checked read happens after the remap for e completed and before the next one, and must return tag e.
 * Anything older is the old page seen through a translation the flush should have removed: a stale read.
 * While waiting for the next epoch the readers keep reading the target unchecked, so the old
 * translation is in their TLB when the next remap comes.
 *
 * The same program is the shootdown-heavy workload of a benchmark: it always prints the elapsed time.
 *
 * Output, one "tlbcheck:" line each (parsed by tests/Vmm.Host.Tests/LinuxFlushTests.cs):
 *   tlbcheck: mode=fixed cpus=N readers=R rounds=N checked=K
 *   tlbcheck: cpu=C reads=... stale=... first_stale_epoch=... stale_tag=... faults=... checked_faults=...
 *                                                                    (one per reader)
 *   tlbcheck: rounds=N stale=S elapsed_us=... us_per_round=...
 *   tlbcheck: rusage utime_us=... stime_us=...     (the whole process, all threads, over the timed rounds only)
 *   tlbcheck: verdict=pass|stale|error
 * Exit status: 0 no stale read, 1 stale reads, 2 usage or system error, 3 time limit.
 *
 * Build: gcc -static -O2 -pthread -o tlbcheck tlbcheck.c (tools/linux-guest/build.sh does).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_READERS 256

struct reader {
    _Alignas(64) atomic_long acked;   /* last epoch this reader acknowledged */
    int cpu;
    pthread_t thread;
    long reads;                       /* checked reads */
    long stale;                       /* checked reads that returned an older tag */
    long first_stale_epoch;
    long stale_tag;                   /* the tag the first stale read returned */
    long faults;                      /* SIGSEGV while waiting (munmap mode: the target was briefly unmapped) */
    long checked_faults;              /* SIGSEGV during checked reads: never expected */
    atomic_int warm;                  /* set once the reader has read the target */
};

static struct reader readers[MAX_READERS];
static int nreaders;
static _Alignas(64) atomic_long epoch;        /* published after each remap; -1 ends the run */
static volatile long *target;                 /* the remapped virtual page */
static long page;
static int memfd;
static int checked = 16;
static int unmap_mode;

static __thread sigjmp_buf fault_jump;
static __thread volatile int in_checked;

static void die(const char *what)
{
    printf("tlbcheck: error %s: %s\n", what, strerror(errno));
    printf("tlbcheck: verdict=error\n");
    fflush(stdout);
    exit(2);
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "tlbcheck: time limit reached (a reader never acknowledged)\ntlbcheck: verdict=error\n";
    ssize_t r = write(1, msg, sizeof msg - 1);
    (void)r;
    _exit(3);
}

/* munmap mode: a reader's unchecked read can hit the moment the target is unmapped; it retries. */
static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(fault_jump, 1);
}

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        die("sched_setaffinity");
}

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    pin(r->cpu);
    volatile long seen = 0;   /* volatile: it must survive a siglongjmp */
    if (sigsetjmp(fault_jump, 1)) {
        if (in_checked)
            r->checked_faults++;
        else
            r->faults++;
        in_checked = 0;
    }
    if (!atomic_load(&r->warm)) {
        (void)*target;
        atomic_store(&r->warm, 1);
    }
    for (;;) {
        long e = atomic_load_explicit(&epoch, memory_order_acquire);
        if (e < 0)
            return NULL;
        if (e == seen) {
            (void)*target;    /* keep the translation warm for the next remap */
            __builtin_ia32_pause();
            continue;
        }
        in_checked = 1;
        for (int i = 0; i < checked; i++) {
            long tag = *target;
            r->reads++;
            if (tag != e) {
                if (r->stale++ == 0) {
                    r->first_stale_epoch = e;
                    r->stale_tag = tag;
                }
            }
        }
        in_checked = 0;
        seen = e;
        atomic_store_explicit(&r->acked, e, memory_order_release);
    }
}

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [-r rounds] [-k checked_reads] [-m fixed|unmap] [-l seconds]\n"
            "  -r  remaps (rounds), default 1000\n"
            "  -k  checked reads per reader per round, default 16\n"
            "  -m  fixed: mmap MAP_FIXED over the old mapping (default); unmap: munmap, then mmap\n"
            "  -l  time limit in seconds (exit 3), default 300\n",
            argv0);
    exit(2);
}

static long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

static long tv_us(const struct timeval *tv)
{
    return tv->tv_sec * 1000000L + tv->tv_usec;
}

int main(int argc, char **argv)
{
    long rounds = 1000;
    int limit = 300;
    int opt;
    while ((opt = getopt(argc, argv, "r:k:m:l:")) != -1) {
        switch (opt) {
        case 'r': rounds = atol(optarg); break;
        case 'k': checked = atoi(optarg); break;
        case 'l': limit = atoi(optarg); break;
        case 'm':
            if (strcmp(optarg, "fixed") == 0) unmap_mode = 0;
            else if (strcmp(optarg, "unmap") == 0) unmap_mode = 1;
            else usage(argv[0]);
            break;
        default: usage(argv[0]);
        }
    }
    if (rounds < 1 || checked < 1 || limit < 1)
        usage(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);

    signal(SIGALRM, on_alarm);
    alarm(limit);
    struct sigaction sa = { .sa_handler = on_segv, .sa_flags = SA_NODEFER };
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, NULL) != 0)
        die("sigaction");

    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        die("sched_getaffinity");
    int main_cpu = -1;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &allowed))
            continue;
        if (main_cpu < 0) {
            main_cpu = c;
        } else if (nreaders < MAX_READERS) {
            readers[nreaders].cpu = c;
            nreaders++;
        }
    }
    pin(main_cpu);

    page = sysconf(_SC_PAGESIZE);
    memfd = memfd_create("tlbcheck", 0);
    if (memfd < 0)
        die("memfd_create");
    if (ftruncate(memfd, 2 * page) != 0)
        die("ftruncate");
    /* The permanent view of both pages: the main thread writes each round's tag through it. */
    volatile long *view = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    if (view == MAP_FAILED)
        die("mmap view");
    view[0] = 0;
    target = mmap(NULL, page, PROT_READ, MAP_SHARED, memfd, 0);
    if (target == MAP_FAILED)
        die("mmap target");
    atomic_store(&epoch, 0);

    printf("tlbcheck: mode=%s cpus=%d readers=%d rounds=%ld checked=%d\n",
           unmap_mode ? "unmap" : "fixed", nreaders + 1, nreaders, rounds, checked);
    for (int i = 0; i < nreaders; i++) {
        atomic_store(&readers[i].acked, 0);
        if (pthread_create(&readers[i].thread, NULL, reader_main, &readers[i]) != 0)
            die("pthread_create");
    }
    /* Every reader has the target mapped in its TLB before the first remap. */
    for (int i = 0; i < nreaders; i++)
        while (!atomic_load(&readers[i].warm))
            __builtin_ia32_pause();

    /* CPU time of the timed rounds (getrusage(2) RUSAGE_SELF: every thread of the process). The kernel time is the
     * benchmark's "guest sys time": the remaps and, above all, the remote flush each one waits for (the IPI sender
     * spinning in smp_call_function_many_cond, or the vCPU stopped in the flush hypercall while the guest clock runs). */
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    long start = now_us();
    for (long e = 1; e <= rounds; e++) {
        int p = (int)(e & 1);
        view[p * page / sizeof(long)] = e;
        void *want = (void *)target;
        if (unmap_mode && munmap(want, page) != 0)
            die("munmap");
        void *got = mmap(want, page, PROT_READ, MAP_SHARED | MAP_FIXED, memfd, p * page);
        if (got != want)
            die("mmap MAP_FIXED");
        atomic_store_explicit(&epoch, e, memory_order_release);
        for (int i = 0; i < nreaders; i++)
            while (atomic_load_explicit(&readers[i].acked, memory_order_acquire) != e)
                __builtin_ia32_pause();
    }
    long elapsed = now_us() - start;
    getrusage(RUSAGE_SELF, &ru1);
    atomic_store(&epoch, -1);
    for (int i = 0; i < nreaders; i++)
        pthread_join(readers[i].thread, NULL);

    long stale = 0, bad_faults = 0;
    for (int i = 0; i < nreaders; i++) {
        struct reader *r = &readers[i];
        printf("tlbcheck: cpu=%d reads=%ld stale=%ld first_stale_epoch=%ld stale_tag=%ld faults=%ld checked_faults=%ld\n",
               r->cpu, r->reads, r->stale, r->first_stale_epoch, r->stale_tag, r->faults, r->checked_faults);
        stale += r->stale;
        bad_faults += r->checked_faults;
    }
    printf("tlbcheck: rounds=%ld stale=%ld elapsed_us=%ld us_per_round=%.1f\n", rounds, stale, elapsed, (double)elapsed / rounds);
    printf("tlbcheck: rusage utime_us=%ld stime_us=%ld\n", tv_us(&ru1.ru_utime) - tv_us(&ru0.ru_utime), tv_us(&ru1.ru_stime) - tv_us(&ru0.ru_stime));
    if (bad_faults) {
        printf("tlbcheck: %ld faults during checked reads\n", bad_faults);
        printf("tlbcheck: verdict=error\n");
        return 2;
    }
    printf("tlbcheck: verdict=%s\n", stale ? "stale" : "pass");
    return stale ? 1 : 0;
}
