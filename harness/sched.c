/*
 * Scheduler; see sched.h. One child process per work unit gives each
 * probe a private address space: a crash or a hang in one parser costs
 * that unit only, the deadline can be enforced with SIGKILL, and probes
 * need no cancellation points. The child sends its facts back as one
 * JSON document on a pipe; the parent polls all pipes with the nearest
 * deadline as timeout.
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
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
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
static void finish(struct slot *s, struct work *w, bool timed_out)
{
	struct work *u = &w[s->idx];
	struct probe_run *run = u->run;
	int st = 0;
	while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
		;
	run->duration_ms = time_mono_ms() - s->start;
	if (timed_out) {
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

size_t sched_run(struct work *w, size_t n, int jobs, bool progress)
{
	if (jobs < 1)
		jobs = 1;
	if (jobs > SCHED_MAX_JOBS)
		jobs = SCHED_MAX_JOBS;
	struct slot *slots = xcalloc((size_t)jobs, sizeof(*slots));
	struct pollfd *pfd = xcalloc((size_t)jobs, sizeof(*pfd));
	size_t next = 0, done = 0, failed = 0;
	int running = 0;
	double t0 = time_mono_ms();
	char buf[65536];

	while (done < n) {
		for (int i = 0; i < jobs && next < n; i++) {
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
				finish(s, w, late);
				if (strcmp(w[s->idx].run->status, "ok") != 0)
					failed++;
				running--;
				done++;
			}
		}
	}
	if (progress) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
	free(slots);
	free(pfd);
	return failed;
}
