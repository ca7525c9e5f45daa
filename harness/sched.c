/*
 * Scheduler; see sched.h. One child process per work unit gives each
 * probe a private address space: a crash or a hang in one parser costs
 * that unit only, the deadline can be enforced with SIGKILL, and probes
 * need no cancellation points. The child sends its facts back as one
 * JSON document on a pipe; the parent polls all pipes with the nearest
 * deadline as timeout.
 *
 * Each child leads a process group of its own (so a deadline kills what
 * it started too), which also keeps a terminal's Ctrl-C from reaching it:
 * the parent catches SIGINT, SIGTERM and SIGHUP while it runs units,
 * kills every group still running and marks what did not finish, so the
 * caller can write what it has. A child dies with the parent in any case
 * (PR_SET_PDEATHSIG), so a killed assay leaves no probe behind. What a
 * stopped probe started in a group of its own (the exec probe's commands)
 * is handed to the parent, a subreaper from the interrupt on, which kills
 * those groups too.
 */
#include "harness/sched.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCHED_MAX_OUTPUT (256u << 20)
#define SCHED_MAX_JOBS   256

struct slot {
	pid_t pid;
	int fd;
	size_t idx;
	double start, deadline;
	struct strbuf out;
	bool eof, overflow;
};

/* Why finish() is called. */
enum end { END_EXITED, END_LATE, END_INTERRUPTED };

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
static volatile sig_atomic_t stop_sig; /* the first stop signal of this run */
static struct slot *volatile live;     /* the running slots, for a second signal */
static volatile int nlive;

static void on_stop(int sig)
{
	if (!stop_sig) {
		stop_sig = sig; /* poll() returns EINTR; the loop stops the units */
		return;
	}
	/* a second signal: do not wait for the cleanup */
	for (int i = 0; i < nlive; i++)
		if (live[i].pid > 0)
			kill(-live[i].pid, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

int sched_interrupted(void)
{
	return stop_sig;
}

void sched_reraise(bool quiet)
{
	int sig = stop_sig;
	if (!sig)
		return;
	if (!quiet)
		fprintf(stderr, "assay: interrupted (%s): what had not finished is marked error\n",
		        strsignal(sig));
	fflush(stdout);
	fflush(stderr);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* In the child: run the probe, send {"rc":..,"facts":..,...} back, exit. */
static void child_main(const struct work *w, int fd)
{
	struct facts f;
	facts_init(&f);
	struct probe_opts o = {
	    .timeout_s = w->timeout_s, .progress = w->progress, .part = w->part, .parts = w->parts};
	int rc = w->probe->run(&w->target, &o, &f);
	if (rc < 0 && f.nerrors == 0)
		facts_error(&f, "probe %s failed without saying why", w->probe->name);
	json_t *j = json_object();
	json_object_set_new(j, "rc", json_integer(rc));
	facts_to_json(&f, j);
	char *s = json_dumps(j, JSON_COMPACT);
	if (s)
		write_all(fd, s, strlen(s));
	_exit(s ? 0 : 70);
}

static int spawn(struct slot *s, struct work *w, size_t idx)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
			signal(stop_signals[i], SIG_DFL);
		/* killed with the parent; if it is already gone, stop here */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(70);
		signal(SIGPIPE, SIG_DFL);
		close(p[0]);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			close(devnull);
		}
		child_main(&w[idx], p[1]);
	}
	setpgid(pid, pid); /* both sides, so the group exists before any kill */
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->fd = p[0];
	s->idx = idx;
	s->start = time_mono_ms();
	s->deadline = s->start + (w[idx].timeout_s + SCHED_GRACE_S) * 1000.0;
	return 0;
}

static void set_status(struct probe_run *run, const char *status)
{
	free(run->status);
	run->status = xstrdup(status);
}

/* The child is gone (or killed): turn what it sent into the run record. */
static void finish(struct slot *s, struct work *w, enum end why)
{
	struct work *u = &w[s->idx];
	struct probe_run *run = u->run;
	int st = 0;
	while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
		;
	run->duration_ms = time_mono_ms() - s->start;
	if (why == END_INTERRUPTED) {
		set_status(run, "error");
		facts_error(&run->facts,
		            "probe %s on %s was stopped after %.0f s: assay was "
		            "interrupted (%s)",
		            u->probe->name, u->target.name, run->duration_ms / 1000.0,
		            strsignal(stop_sig));
	} else if (why == END_LATE) {
		set_status(run, "timeout");
		facts_error(&run->facts, "probe %s on %s timed out after %.0f s and was stopped",
		            u->probe->name, u->target.name, u->timeout_s);
	} else if (WIFSIGNALED(st)) {
		set_status(run, "crashed");
		facts_error(&run->facts, "probe %s on %s crashed (signal %d, %s)", u->probe->name,
		            u->target.name, WTERMSIG(st), strsignal(WTERMSIG(st)));
	} else if (s->overflow) {
		set_status(run, "error");
		facts_error(&run->facts, "probe %s sent more than %u MiB of facts", u->probe->name,
		            SCHED_MAX_OUTPUT >> 20);
	} else {
		json_error_t je;
		json_t *j = s->out.len ? json_loadb(s->out.buf, s->out.len, 0, &je) : NULL;
		const json_t *rc = j ? json_object_get(j, "rc") : NULL;
		if (!j || !json_is_integer(rc) || facts_from_json(&run->facts, j) < 0) {
			/* A child that died without a word (a sanitizer's exit, abort
			 * caught by a handler) crashed; one that sent garbage erred. */
			set_status(run, s->out.len == 0 ? "crashed" : "error");
			facts_error(
			    &run->facts, "probe %s on %s exited (status %d) without valid results",
			    u->probe->name, u->target.name, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		} else {
			set_status(run, json_integer_value(rc) < 0 ? "error" : "ok");
		}
		json_decref(j);
	}
	sb_free(&s->out);
	close(s->fd);
	s->pid = 0;
}

static void progress_line(struct work *w, size_t done, size_t n, struct slot *slots, int nslots,
                          double t0)
{
	const struct work *cur = NULL;
	for (int i = 0; i < nslots && !cur; i++)
		if (slots[i].pid)
			cur = &w[slots[i].idx];
	fprintf(stderr, "\r\033[K[%zu/%zu] %s%s%s  %.1fs", done, n, cur ? cur->target.name : "",
	        cur ? ": " : "", cur ? cur->probe->name : "", (time_mono_ms() - t0) / 1000.0);
	fflush(stderr);
}

/*
 * After an interrupt: the stopped probes' own children (in groups of their
 * own) were handed to this process, a subreaper since the interrupt; kill
 * each one's group and reap it, a few rounds for grandchildren handed on
 * in turn. Best effort: without /proc/self/task/N/children nothing is done.
 */
static void stop_orphans(void)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	for (int round = 0; round < 16; round++) {
		FILE *f = fopen(path, "r");
		if (!f)
			return;
		int pid, found = 0;
		while (fscanf(f, "%d", &pid) == 1 && pid > 1) {
			pid_t g = getpgid(pid);
			if (g > 1 && g != getpgrp())
				kill(-g, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			found++;
		}
		fclose(f);
		if (!found)
			return;
	}
}

size_t sched_run(struct work *w, size_t n, int jobs, bool progress)
{
	if (jobs < 1)
		jobs = 1;
	if (jobs > SCHED_MAX_JOBS)
		jobs = SCHED_MAX_JOBS;
	struct slot *slots = xcalloc((size_t)jobs, sizeof(*slots));
	struct pollfd *pfd = xcalloc((size_t)jobs, sizeof(*pfd));
	struct sigaction stop = {.sa_handler = on_stop}, old[3];
	sigemptyset(&stop.sa_mask);
	stop_sig = 0;
	live = slots;
	nlive = jobs;
	for (int i = 0; i < 3; i++)
		sigaction(stop_signals[i], &stop, &old[i]);
	size_t next = 0, done = 0, failed = 0;
	int running = 0;
	double t0 = time_mono_ms();
	char buf[65536];

	while (done < n && !stop_sig) {
		for (int i = 0; i < jobs && next < n && !stop_sig; i++) {
			if (slots[i].pid)
				continue;
			if (spawn(&slots[i], w, next) < 0) {
				struct probe_run *run = w[next].run;
				set_status(run, "error");
				facts_error(&run->facts, "cannot start probe %s: %s",
				            w[next].probe->name, strerror(errno));
				done++;
				failed++;
			} else {
				running++;
			}
			next++;
		}
		if (progress)
			progress_line(w, done, n, slots, jobs, t0);
		if (running == 0)
			continue;

		double now = time_mono_ms(), wait = 1e9;
		for (int i = 0; i < jobs; i++) {
			pfd[i].fd = -1;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
			if (!slots[i].pid)
				continue;
			pfd[i].fd = slots[i].fd;
			if (slots[i].deadline - now < wait)
				wait = slots[i].deadline - now;
		}
		if (progress && wait > 250)
			wait = 250;
		int ms = wait < 0 ? 0 : (int)wait + 1;
		if (poll(pfd, (nfds_t)jobs, ms) < 0 && errno != EINTR)
			break;

		now = time_mono_ms();
		for (int i = 0; i < jobs; i++) {
			struct slot *s = &slots[i];
			if (!s->pid)
				continue;
			if (pfd[i].revents) {
				for (;;) {
					ssize_t r = read(s->fd, buf, sizeof(buf));
					if (r > 0) {
						if (s->out.len + (size_t)r > SCHED_MAX_OUTPUT) {
							s->overflow = true;
							kill(-s->pid, SIGKILL);
							s->eof = true;
							break;
						}
						sb_add(&s->out, buf, (size_t)r);
						continue;
					}
					if (r == 0)
						s->eof = true;
					break;
				}
			}
			bool late = !s->eof && now >= s->deadline;
			if (late) {
				kill(-s->pid, SIGKILL);
				kill(s->pid, SIGKILL);
			}
			if (s->eof || late) {
				finish(s, w, late ? END_LATE : END_EXITED);
				if (strcmp(w[s->idx].run->status, "ok") != 0)
					failed++;
				running--;
				done++;
			}
		}
	}
	if (stop_sig) {
		/* interrupted: stop what runs (and what it started), say what did not run */
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		for (int i = 0; i < jobs; i++) {
			struct slot *s = &slots[i];
			if (!s->pid)
				continue;
			kill(-s->pid, SIGKILL);
			kill(s->pid, SIGKILL);
			finish(s, w, END_INTERRUPTED);
			failed++;
		}
		stop_orphans();
		prctl(PR_SET_CHILD_SUBREAPER, 0);
		for (; next < n; next++) {
			set_status(w[next].run, "error");
			facts_error(&w[next].run->facts,
			            "probe %s on %s did not run: assay was interrupted (%s)",
			            w[next].probe->name, w[next].target.name, strsignal(stop_sig));
			failed++;
		}
	}
	for (int i = 0; i < 3; i++)
		sigaction(stop_signals[i], &old[i], NULL);
	live = NULL;
	nlive = 0;
	if (progress) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
	free(slots);
	free(pfd);
	return failed;
}
