/*
 * The exec probe: the door for every check assay does not ship
 * (DESIGN.md, "The probe interface"). Each input of the target is a shell
 * command line; the probe runs it with `/bin/sh -c`, reads its standard
 * output as JSON lines and turns each line into a fact, a finding or an
 * error in the target's fact store. The protocol, the fact keys and the
 * bounds are documented in probes/exec/README.md, which is the contract
 * with plug-in authors and rule sets.
 *
 * Why it is written the way it is:
 * - Probes run in several threads at once, so there is no global state and
 *   no signal handler: the child is watched with poll() on its two pipes and
 *   waitid(WNOHANG | WNOWAIT), and the wait is bounded by the probe's
 *   deadline (o->timeout_s for the whole run, 120 s by default).
 * - The child leads a process group of its own, and the leader is not
 *   reaped until the whole group has been sent SIGKILL: the zombie leader
 *   keeps the group id from being reused, so kill(-pgid) can never hit a
 *   stranger.
 * - Everything the command prints is hostile: a line is bounded (1 MiB), the
 *   output is bounded (64 MiB), the facts and findings are bounded (100000
 *   per command) and so are the messages about bad lines (100 per command).
 * - Card data is radioactive: every string reaches the store through
 *   mask_text(), and excerpts of bad lines are masked before they are cut,
 *   so a cut can never leave a partial card number unmasked.
 */
#include "probes/probe.h"
#include "lib/err.h"
#include "lib/mask.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXEC_DEFAULT_TIMEOUT_S 120.0
#define EXEC_LINE_MAX          (1u << 20)  /* one JSON line */
#define EXEC_OUTPUT_MAX        (64u << 20) /* all of one command's stdout */
#define EXEC_ITEMS_MAX         100000      /* facts + findings per command */
#define EXEC_MESSAGES_MAX      100         /* bad or {"error"} lines reported per command */
#define EXEC_STDERR_KEEP       4096        /* tail of stderr kept for messages */
#define EXEC_TERM_GRACE_MS     1000.0      /* SIGTERM -> SIGKILL */
#define EXEC_LINGER_MS         1000.0      /* pipes held open after the command exited */
#define EXEC_POLL_MAX_MS       100.0       /* how late a held-open pipe notices an exit */
#define EXEC_SHOW_CMD          80
#define EXEC_SHOW_EXCERPT      60
#define EXEC_SHOW_TEXT         300

enum exec_stop {
	EXEC_STOP_NONE,
	EXEC_STOP_TIMEOUT, /* the probe's deadline passed */
	EXEC_STOP_OUTPUT,  /* stdout over EXEC_OUTPUT_MAX */
	EXEC_STOP_LINGER,  /* the command exited, something else held its pipes */
	EXEC_STOP_IO,      /* poll() failed */
};

/* One command being run: its stdout parser and its stderr tail. */
struct exec_cmd {
	const char *shown; /* masked, cut command line for messages */
	struct facts *out;
	struct strbuf line; /* the line being read */
	size_t lineno;      /* lines completed so far */
	bool skipping;      /* inside a line longer than EXEC_LINE_MAX */
	size_t total;       /* stdout bytes read */
	size_t items;       /* facts and findings stored */
	size_t messages;    /* bad and {"error"} lines seen */
	bool items_full;
	bool failed; /* something about this command was reported */
	char errtail[EXEC_STDERR_KEEP + 1];
	size_t errlen;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A copy of n bytes of s fit for a one-line message: control bytes become
 * '?', card numbers are masked, and then the text is cut to max bytes (not
 * inside a UTF-8 sequence) with "..." appended. Masking comes first so the
 * cut cannot split a card number out of the masker's sight; bytes beyond
 * the first 4 KiB are never looked at, and a digit run reaching that window
 * edge is dropped for the same reason. The caller frees.
 */
static char *exec_clip(const char *s, size_t n, size_t max)
{
	size_t w = n < 4096 ? n : 4096;
	char *raw = xmalloc(w + 1);
	for (size_t i = 0; i < w; i++) {
		unsigned char c = (unsigned char)s[i];
		raw[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (w < n)
		while (w > 0 && (is_digit(raw[w - 1]) || raw[w - 1] == ' ' || raw[w - 1] == '-'))
			w--;
	raw[w] = '\0';
	bool cut = w < n;
	char *m = mask_text(raw);
	free(raw);
	size_t len = strlen(m);
	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)m[len] & 0xC0) == 0x80)
			len--;
		cut = true;
	}
	m[len] = '\0';
	if (!cut)
		return m;
	char *r = xasprintf("%s...", m);
	free(m);
	return r;
}

static char *exec_clips(const char *s, size_t max)
{
	return exec_clip(s, strlen(s), max);
}

/* strerror() is not thread-safe; probes run in several threads. */
static const char *exec_strerror(int e, char *buf, size_t len)
{
	return strerror_r(e, buf, len);
}

/*
 * Report a bad line; bounded per command. When s is given, a short masked
 * excerpt of the line (n bytes) follows the message.
 */
static void exec_line_error(struct exec_cmd *c, size_t lineno, const char *s, size_t n,
                            const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void exec_line_error(struct exec_cmd *c, size_t lineno, const char *s, size_t n,
                            const char *fmt, ...)
{
	c->failed = true;
	if (++c->messages > EXEC_MESSAGES_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *ex = s ? exec_clip(s, n, EXEC_SHOW_EXCERPT) : NULL;
	facts_error(c->out, "command '%s': line %zu: %s%s%s", c->shown, lineno, msg, ex ? ": " : "",
	            ex ? ex : "");
	free(ex);
	free(msg);
}

/* The line being judged, for excerpts in messages. */
struct exec_line {
	size_t no;
	const char *s;
	size_t n;
};

/* The first member of o not in allowed (NULL-terminated), or NULL. */
static const char *exec_unknown_member(const json_t *o, const char *const *allowed)
{
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)o, key, val)
	{
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strcmp(key, allowed[i]) == 0;
		if (!ok)
			return key;
	}
	return NULL;
}

static bool exec_take_item(struct exec_cmd *c, size_t lineno)
{
	if (c->items < EXEC_ITEMS_MAX) {
		c->items++;
		return true;
	}
	if (!c->items_full) {
		c->items_full = true;
		c->failed = true;
		facts_error(c->out,
		            "command '%s': line %zu: more than %d facts and findings; the rest are "
		            "ignored",
		            c->shown, lineno, EXEC_ITEMS_MAX);
	}
	return false;
}

/* {"fact": "key", "value": V}; the key gets "exec." in front unless it has it. */
static void exec_line_fact(struct exec_cmd *c, const struct exec_line *l, const json_t *j)
{
	static const char *const allowed[] = {"fact", "value", NULL};
	const json_t *k = json_object_get(j, "fact");
	const json_t *v = json_object_get(j, "value");
	const char *extra = exec_unknown_member(j, allowed);
	if (!json_is_string(k)) {
		exec_line_error(c, l->no, l->s, l->n, "\"fact\" must be a string");
		return;
	}
	if (extra) {
		char *e = exec_clips(extra, EXEC_SHOW_EXCERPT);
		exec_line_error(c, l->no, l->s, l->n, "unexpected member '%s' in a fact", e);
		free(e);
		return;
	}
	const char *name = json_string_value(k);
	char *key = str_starts(name, "exec.") ? xstrdup(name) : xasprintf("exec.%s", name);
	char *shown = exec_clips(key, EXEC_SHOW_EXCERPT);
	struct fact_value fv;
	if (!facts_key_valid(key)) {
		exec_line_error(c, l->no, NULL, 0,
		                "invalid fact key '%s' (expected dotted [a-z0-9_] names)", shown);
	} else if (strcmp(key, "exec.exit_code") == 0 || strcmp(key, "exec.commands") == 0) {
		exec_line_error(c, l->no, NULL, 0, "fact key '%s' is set by the probe itself",
		                shown);
	} else if (!v) {
		exec_line_error(c, l->no, NULL, 0, "fact '%s' has no \"value\"", shown);
	} else if (fact_value_from_json(&fv, v) < 0) {
		exec_line_error(c, l->no, NULL, 0, "fact '%s': %s", shown, err_msg());
	} else {
		if (exec_take_item(c, l->no) && facts_add_value(c->out, key, &fv) < 0)
			exec_line_error(c, l->no, NULL, 0, "%s", err_msg());
		fact_value_free(&fv);
	}
	free(shown);
	free(key);
}

/* {"finding": {...}}; location members nested in "location" or at the top. */
static void exec_line_finding(struct exec_cmd *c, const struct exec_line *l, const json_t *j)
{
	static const char *const allowed[] = {"finding", NULL};
	static const char *const members[] = {
	    "kind", "severity", "message", "excerpt",  "location", "file",
	    "line", "column",   "offset",  "endpoint", "stream",   NULL,
	};
	const json_t *fo = json_object_get(j, "finding");
	const char *extra = exec_unknown_member(j, allowed);
	if (!json_is_object(fo)) {
		exec_line_error(c, l->no, l->s, l->n, "\"finding\" must be an object");
		return;
	}
	if (!extra)
		extra = exec_unknown_member(fo, members);
	if (extra) {
		char *e = exec_clips(extra, EXEC_SHOW_EXCERPT);
		exec_line_error(c, l->no, l->s, l->n, "unexpected member '%s' in a finding", e);
		free(e);
		return;
	}
	struct finding fd;
	if (finding_from_json(&fd, fo) < 0) {
		exec_line_error(c, l->no, NULL, 0, "finding: %s", err_msg());
		return;
	}
	if (exec_take_item(c, l->no))
		facts_add_finding(c->out, &fd);
	finding_free(&fd);
}

/* {"error": "message"}: the check itself could not decide. */
static void exec_line_reported(struct exec_cmd *c, const struct exec_line *l, const json_t *j)
{
	static const char *const allowed[] = {"error", NULL};
	const json_t *e = json_object_get(j, "error");
	if (!json_is_string(e) || exec_unknown_member(j, allowed)) {
		exec_line_error(c, l->no, l->s, l->n, "an error line is {\"error\": \"message\"}");
		return;
	}
	c->failed = true;
	if (++c->messages > EXEC_MESSAGES_MAX)
		return;
	char *msg = exec_clips(json_string_value(e), EXEC_SHOW_TEXT);
	facts_error(c->out, "command '%s': %s", c->shown, msg);
	free(msg);
}

/* One complete line of stdout (without its '\n'); may hold any bytes. */
static void exec_line(struct exec_cmd *c, size_t lineno, const char *s, size_t n)
{
	const struct exec_line l = {.no = lineno, .s = s, .n = n};
	size_t i = 0;
	while (i < n && is_space(s[i]))
		i++;
	if (i == n)
		return;
	json_error_t jerr;
	json_t *j = json_loadb(s, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		char *why = exec_clips(jerr.text, EXEC_SHOW_EXCERPT);
		exec_line_error(c, lineno, s, n, "not JSON (%s, column %d)", why, jerr.column);
		free(why);
		return;
	}
	if (!json_is_object(j)) {
		exec_line_error(c, lineno, s, n, "not a JSON object");
	} else {
		int kinds = (json_object_get(j, "fact") != NULL) +
		            (json_object_get(j, "finding") != NULL) +
		            (json_object_get(j, "error") != NULL);
		if (kinds != 1)
			exec_line_error(
			    c, lineno, s, n,
			    "expected exactly one of \"fact\", \"finding\" or \"error\"");
		else if (json_object_get(j, "fact"))
			exec_line_fact(c, &l, j);
		else if (json_object_get(j, "finding"))
			exec_line_finding(c, &l, j);
		else
			exec_line_reported(c, &l, j);
	}
	json_decref(j);
}

/* Split stdout into lines, bounding each one. */
static void exec_feed(struct exec_cmd *c, const char *p, size_t n)
{
	c->total += n;
	if (c->total > EXEC_OUTPUT_MAX)
		return;
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		if (!c->skipping) {
			if (c->line.len + take > EXEC_LINE_MAX) {
				c->skipping = true;
				sb_reset(&c->line);
				exec_line_error(c, c->lineno + 1, NULL, 0,
				                "longer than %u MiB; skipped", EXEC_LINE_MAX >> 20);
			} else {
				sb_add(&c->line, p, take);
			}
		}
		if (nl) {
			c->lineno++;
			if (!c->skipping)
				exec_line(c, c->lineno, c->line.buf, c->line.len);
			c->skipping = false;
			sb_reset(&c->line);
			take++;
		}
		p += take;
		n -= take;
	}
}

/* Keep the last EXEC_STDERR_KEEP bytes of stderr. */
static void exec_tail(struct exec_cmd *c, const char *p, size_t n)
{
	if (n >= EXEC_STDERR_KEEP) {
		memcpy(c->errtail, p + n - EXEC_STDERR_KEEP, EXEC_STDERR_KEEP);
		c->errlen = EXEC_STDERR_KEEP;
		return;
	}
	if (c->errlen + n > EXEC_STDERR_KEEP) {
		size_t drop = c->errlen + n - EXEC_STDERR_KEEP;
		memmove(c->errtail, c->errtail + drop, c->errlen - drop);
		c->errlen -= drop;
	}
	memcpy(c->errtail + c->errlen, p, n);
	c->errlen += n;
}

/* ": <last non-empty stderr line>", or "" when there is none; caller frees. */
static char *exec_stderr_suffix(const struct exec_cmd *c)
{
	size_t end = c->errlen;
	while (end > 0 && is_space(c->errtail[end - 1]))
		end--;
	if (end == 0)
		return xstrdup("");
	size_t start = end;
	while (start > 0 && c->errtail[start - 1] != '\n')
		start--;
	char *line = exec_clip(c->errtail + start, end - start, EXEC_SHOW_TEXT);
	char *r = xasprintf(": %s", line);
	free(line);
	return r;
}

/* Move fd above 2 so that the child's dup2() onto 0, 1, 2 cannot clobber it. */
static int exec_fd_high(int *fd)
{
	if (*fd > 2)
		return 0;
	int n = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (n < 0)
		return -1;
	close(*fd);
	*fd = n;
	return 0;
}

static void exec_close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

static void exec_child_fail(const char *what)
{
	/* Only async-signal-safe calls here: the parent may have other threads. */
	static const char pre[] = "assay exec: cannot ";
	ssize_t r = write(2, pre, sizeof(pre) - 1);
	r = write(2, what, strlen(what));
	r = write(2, "\n", 1);
	(void)r;
	_exit(127);
}

/*
 * Start `/bin/sh -c cmd` in a process group of its own, stdin from
 * /dev/null, stdout and stderr on two pipes (non-blocking, close-on-exec in
 * the parent). 0, or -1 with err_set().
 */
static int exec_spawn(pid_t *pid, int *outfd, int *errfd, const char *cmd, const char *cwd)
{
	int po[2] = {-1, -1}, pe[2] = {-1, -1};
	char eb[128];
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0 || exec_fd_high(&po[0]) < 0 ||
	    exec_fd_high(&po[1]) < 0 || exec_fd_high(&pe[0]) < 0 || exec_fd_high(&pe[1]) < 0) {
		int e = errno;
		exec_close_pair(po);
		exec_close_pair(pe);
		return err_set("cannot create a pipe: %s", exec_strerror(e, eb, sizeof(eb)));
	}
	char *const argv[] = {"sh", "-c", (char *)cmd, NULL};
	pid_t parent = getpid();
	pid_t p = fork();
	if (p < 0) {
		int e = errno;
		exec_close_pair(po);
		exec_close_pair(pe);
		return err_set("cannot fork: %s", exec_strerror(e, eb, sizeof(eb)));
	}
	if (p == 0) {
		setpgid(0, 0);
		/* Its own group keeps the scheduler's kill of the probe from reaching
		 * it: die with the probe instead (an interrupted run, a probe killed at
		 * its deadline). The signal is kept across execve. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		int nul = open("/dev/null", O_RDONLY);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0)
			_exit(127);
		if (nul > 2)
			close(nul);
		/* Ignored signals survive exec; the command gets the defaults. */
		static const int sigs[] = {SIGPIPE, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGCHLD};
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			sigaction(sigs[i], &sa, NULL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (cwd && chdir(cwd) < 0)
			exec_child_fail("change to the working directory");
		execv("/bin/sh", argv);
		exec_child_fail("run /bin/sh");
	}
	/* Also here, so the group exists before we might signal it. */
	setpgid(p, p);
	close(po[1]);
	close(pe[1]);
	fcntl(po[0], F_SETFL, fcntl(po[0], F_GETFL) | O_NONBLOCK);
	fcntl(pe[0], F_SETFL, fcntl(pe[0], F_GETFL) | O_NONBLOCK);
	*pid = p;
	*outfd = po[0];
	*errfd = pe[0];
	return 0;
}

/* Whether the group leader has exited, without reaping it. */
static bool exec_leader_exited(pid_t pid)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == ECHILD; /* reaped behind our back (SIGCHLD ignored) */
	return si.si_pid == pid;
}

/* Read what is ready on *fd; closes it and sets -1 at end of file. */
static void exec_drain(struct exec_cmd *c, int *fd, bool is_stdout, bool discard)
{
	char buf[65536];
	for (int rounds = 0; rounds < 16; rounds++) {
		ssize_t n = read(*fd, buf, sizeof(buf));
		if (n > 0) {
			if (!is_stdout)
				exec_tail(c, buf, (size_t)n);
			else if (!discard)
				exec_feed(c, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		close(*fd);
		*fd = -1;
		return;
	}
}

/*
 * Watch the running command until its pipes close and it has exited, the
 * deadline passes, or its output is too large; then make sure the whole
 * group is gone and reap the leader. Returns why it was stopped; *status is
 * the wait status, or -1 if it could not be read.
 */
static enum exec_stop exec_watch(struct exec_cmd *c, int *status, pid_t pid, int outfd, int errfd,
                                 double deadline)
{
	enum exec_stop stop = EXEC_STOP_NONE;
	bool exited = false;
	double exit_ms = 0, term_ms = -1, tick = 1;

	for (;;) {
		double now = time_mono_ms();
		if (!exited && exec_leader_exited(pid)) {
			exited = true;
			exit_ms = now;
		}
		if (exited && outfd < 0 && errfd < 0)
			break;
		if (term_ms >= 0) {
			if (now >= term_ms + EXEC_TERM_GRACE_MS)
				break;
		} else {
			if (c->total > EXEC_OUTPUT_MAX)
				stop = EXEC_STOP_OUTPUT;
			else if (now >= deadline)
				stop = EXEC_STOP_TIMEOUT;
			else if (exited && now >= exit_ms + EXEC_LINGER_MS)
				stop = EXEC_STOP_LINGER;
			if (stop != EXEC_STOP_NONE) {
				kill(-pid, SIGTERM);
				term_ms = now;
				continue;
			}
		}

		double limit = term_ms >= 0 ? term_ms + EXEC_TERM_GRACE_MS : deadline;
		if (exited && term_ms < 0 && exit_ms + EXEC_LINGER_MS < limit)
			limit = exit_ms + EXEC_LINGER_MS;
		double wait = limit - now;
		if (!exited) {
			/* Nothing wakes us when the leader exits while its pipes stay open. */
			double cap = (outfd >= 0 || errfd >= 0) ? EXEC_POLL_MAX_MS : tick;
			tick = tick < 50 ? tick * 2 : 50;
			if (wait > cap)
				wait = cap;
		}
		int ms = wait <= 0 ? 0 : (int)ceil(wait);
		struct pollfd pf[2];
		nfds_t npf = 0;
		if (outfd >= 0)
			pf[npf++] = (struct pollfd){.fd = outfd, .events = POLLIN};
		if (errfd >= 0)
			pf[npf++] = (struct pollfd){.fd = errfd, .events = POLLIN};
		int r = poll(npf ? pf : NULL, npf, ms);
		if (r < 0 && errno != EINTR) {
			char eb[128];
			facts_error(c->out, "command '%s': poll failed: %s", c->shown,
			            exec_strerror(errno, eb, sizeof(eb)));
			c->failed = true;
			stop = EXEC_STOP_IO;
			break;
		}
		for (nfds_t i = 0; r > 0 && i < npf; i++) {
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
				continue;
			if (pf[i].fd == outfd)
				exec_drain(c, &outfd, true, stop == EXEC_STOP_OUTPUT);
			else
				exec_drain(c, &errfd, false, false);
		}
	}

	/* Stragglers of the group; the unreaped leader keeps its id ours. */
	kill(-pid, SIGKILL);
	if (outfd >= 0)
		close(outfd);
	if (errfd >= 0)
		close(errfd);
	int st = 0;
	pid_t w;
	do
		w = waitpid(pid, &st, 0);
	while (w < 0 && errno == EINTR);
	*status = w == pid ? st : -1;
	return stop;
}

/*
 * Run one command and read its output into out. *code is its exit code
 * (128 + signal when killed), or -1 when it did not run or its status is
 * unknown. 0 when it exited 0 and every line was good; -1 with facts_error().
 */
static int exec_one(int *code, bool *started, struct facts *out, const char *cmd, const char *cwd,
                    double deadline, double budget_s)
{
	struct exec_cmd c;
	memset(&c, 0, sizeof(c));
	c.out = out;
	char *shown = exec_clips(cmd, EXEC_SHOW_CMD);
	c.shown = shown;
	*code = -1;
	*started = false;

	pid_t pid = -1;
	int outfd = -1, errfd = -1;
	if (exec_spawn(&pid, &outfd, &errfd, cmd, cwd) < 0) {
		facts_error(out, "command '%s': %s", shown, err_msg());
		free(shown);
		return -1;
	}
	*started = true;
	int st;
	enum exec_stop stop = exec_watch(&c, &st, pid, outfd, errfd, deadline);

	/* A last line without '\n' counts, unless the command was cut short. */
	if (stop == EXEC_STOP_NONE && !c.skipping && c.line.len > 0)
		exec_line(&c, c.lineno + 1, c.line.buf, c.line.len);
	if (c.messages > EXEC_MESSAGES_MAX)
		facts_error(out, "command '%s': %zu more bad or error lines not shown", shown,
		            c.messages - EXEC_MESSAGES_MAX);

	char *why = exec_stderr_suffix(&c);
	if (st != -1)
		*code = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
	switch (stop) {
	case EXEC_STOP_TIMEOUT:
		facts_error(out, "command '%s' timed out after %g s", shown, budget_s);
		c.failed = true;
		break;
	case EXEC_STOP_OUTPUT:
		facts_error(out, "command '%s': output over %u MiB; stopped", shown,
		            EXEC_OUTPUT_MAX >> 20);
		c.failed = true;
		break;
	case EXEC_STOP_IO:
		break;
	case EXEC_STOP_NONE:
	case EXEC_STOP_LINGER:
		/* The leader ended on its own: its status is the command's. */
		if (st == -1) {
			facts_error(out, "command '%s': cannot read its exit status", shown);
			c.failed = true;
		} else if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
			facts_error(out, "command '%s' exited with status %d%s", shown,
			            WEXITSTATUS(st), why);
			c.failed = true;
		} else if (WIFSIGNALED(st)) {
			facts_error(out, "command '%s' killed by signal %d%s", shown, WTERMSIG(st),
			            why);
			c.failed = true;
		}
		break;
	}
	free(why);
	sb_free(&c.line);
	free(shown);
	return c.failed ? -1 : 0;
}

static int exec_run(const struct target *t, const struct probe_opts *o, struct facts *out)
{
	double budget_s =
	    o && isfinite(o->timeout_s) && o->timeout_s > 0 ? o->timeout_s : EXEC_DEFAULT_TIMEOUT_S;
	double deadline = time_mono_ms() + budget_s * 1000.0;
	const char *cwd = target_option(t, "exec.cwd");
	int rc = 0;
	int64_t ncmds = 0, code = 0;
	bool have_code = false;

	if (t->ninputs == 0) {
		facts_error(out, "no command to run (expected 'exec = COMMAND')");
		return -1;
	}
	if (cwd) {
		struct stat sb;
		char eb[128];
		char *shown = exec_clips(cwd, EXEC_SHOW_CMD);
		int bad = stat(cwd, &sb) < 0 ? errno : S_ISDIR(sb.st_mode) ? 0 : ENOTDIR;
		if (bad) {
			facts_error(out, "exec.cwd '%s': %s", shown,
			            exec_strerror(bad, eb, sizeof(eb)));
			free(shown);
			facts_add_int(out, "exec.commands", 0);
			return -1;
		}
		free(shown);
	}

	for (size_t i = 0; i < t->ninputs; i++) {
		const char *cmd = t->inputs[i].value;
		const char *p = cmd ? cmd : "";
		while (*p && is_space(*p))
			p++;
		if (!*p) {
			facts_error(out, "input %zu: empty command", i + 1);
			rc = -1;
			continue;
		}
		if (time_mono_ms() >= deadline) {
			char *shown = exec_clips(cmd, EXEC_SHOW_CMD);
			facts_error(out, "command '%s' not run: the probe's %g s deadline passed",
			            shown, budget_s);
			free(shown);
			rc = -1;
			continue;
		}
		int c;
		bool started;
		if (exec_one(&c, &started, out, cmd, cwd, deadline, budget_s) < 0)
			rc = -1;
		if (started)
			ncmds++;
		if (c >= 0) {
			have_code = true;
			if (c != 0)
				code = c;
		}
	}
	facts_add_int(out, "exec.commands", ncmds);
	if (have_code)
		facts_add_int(out, "exec.exit_code", code);
	return rc;
}

static const char *const exec_keys[] = {"exec", NULL};
static const struct probe_option exec_options[] = {
    {"cwd", "working directory for the command"},
    {NULL, NULL},
};

const struct probe probe_exec = {
    .name = "exec",
    .summary = "run an external command and read facts from its JSON lines",
    .keys = exec_keys,
    .options = exec_options,
    .run = exec_run,
};
