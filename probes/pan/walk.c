/*
 * The file tree of the probe's inputs, walked on the calling thread while
 * worker threads scan the files it queues (pan.c).
 *
 * Choices an auditor would expect, and why:
 * - Symbolic links are followed (a log directory is often a link), with
 *   every directory and file (device, inode) visited once: a link back to
 *   an ancestor is a loop and is skipped with that reason, a second way to
 *   the same file is not scanned twice.
 * - Directory entries are read in name order, so runs are reproducible.
 * - FIFOs, sockets and devices are skipped with their reason: reading a
 *   FIFO could block forever and a device could be endless.
 * - Pseudo filesystems (proc, sysfs, cgroup, debugfs ...) are not entered:
 *   their files are not data at rest and some never end.
 * - `files.exclude` globs match a path's last component or the whole path
 *   (fnmatch without FNM_PATHNAME, so `*` crosses '/'); an input named
 *   explicitly is always scanned.
 * - An unreadable file or directory is an error of the run (the scan
 *   cannot say what is in it); a skip is not.
 */
#include "probes/pan/pan_int.h"
#include "lib/util.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#define WALK_DEPTH_MAX 256

/* Set of (device, inode) pairs: open addressing, grows by doubling. */
struct devino_set {
	struct devino {
		dev_t dev;
		ino_t ino;
		bool used;
	} * v;
	size_t n, cap;
};

static size_t devino_hash(dev_t d, ino_t i, size_t cap)
{
	uint64_t h = (uint64_t)i * 0x9E3779B97F4A7C15ull ^ (uint64_t)d * 0xC2B2AE3D27D4EB4Full;
	return (size_t)(h >> 17) & (cap - 1);
}

/* Add; false when it was there. */
static bool devino_add(struct devino_set *s, dev_t d, ino_t i)
{
	if ((s->n + 1) * 2 > s->cap) {
		struct devino_set g = {xcalloc(s->cap ? s->cap * 2 : 256, sizeof(*s->v)), 0,
		                       s->cap ? s->cap * 2 : 256};
		for (size_t k = 0; k < s->cap; k++)
			if (s->v[k].used)
				devino_add(&g, s->v[k].dev, s->v[k].ino);
		free(s->v);
		*s = g;
	}
	for (size_t h = devino_hash(d, i, s->cap);; h = (h + 1) & (s->cap - 1)) {
		if (!s->v[h].used) {
			s->v[h] = (struct devino){d, i, true};
			s->n++;
			return true;
		}
		if (s->v[h].dev == d && s->v[h].ino == i)
			return false;
	}
}

struct walk {
	struct pan_run *r;
	struct devino_set dirs, files;
	struct devino anc[WALK_DEPTH_MAX];
	int depth;
	void (*queue)(struct pan_run *r, char *path, uint64_t size);
};

bool pan_excluded(const struct pan_run *r, const char *path)
{
	const char *bang = strrchr(path, '!');
	const char *base = strrchr(bang ? bang : path, '/');
	if (!base && bang)
		base = bang;
	base = base && base[1] ? base + 1 : path;
	for (size_t i = 0; i < r->nexcludes; i++)
		if (fnmatch(r->excludes[i], base, 0) == 0 || fnmatch(r->excludes[i], path, 0) == 0)
			return true;
	return false;
}

static const char *special_kind(mode_t m)
{
	return S_ISFIFO(m)   ? "a FIFO"
	       : S_ISSOCK(m) ? "a socket"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
	                     : "not a regular file";
}

/* proc, sysfs, cgroup, cgroup2, debugfs, tracefs, securityfs, devpts, pstore, bpf */
static bool pseudo_fs(const char *path)
{
	static const unsigned long magic[] = {0x9fa0,     0x62656572, 0x27e0eb,   0x63677270,
	                                      0x64626720, 0x74726163, 0x73636673, 0x1cd1,
	                                      0x6165676c, 0xcafe4a11};
	struct statfs fs;
	if (statfs(path, &fs) < 0)
		return false;
	for (size_t i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if ((unsigned long)fs.f_type == magic[i])
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_path(struct walk *k, char *path, bool top, dev_t parent_dev);

static void walk_dir(struct walk *k, const char *path, const struct stat *st)
{
	struct pan_run *r = k->r;
	if (k->depth >= WALK_DEPTH_MAX) {
		pan_error(r, "%s: directories nested deeper than %d, not entered", path,
		          WALK_DEPTH_MAX);
		return;
	}
	DIR *d = opendir(path);
	if (!d) {
		pan_error(r, "%s: cannot open the directory: %s", path, strerror(errno));
		return;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		*ARRAY_PUSH(names, n, cap) = xstrdup(de->d_name);
	}
	if (errno)
		pan_error(r, "%s: cannot read the directory: %s", path, strerror(errno));
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);

	k->anc[k->depth++] = (struct devino){st->st_dev, st->st_ino, true};
	bool slash = path[strlen(path) - 1] == '/';
	for (size_t i = 0; i < n; i++) {
		char *child = xasprintf("%s%s%s", path, slash ? "" : "/", names[i]);
		free(names[i]);
		if (pan_deadline(r) || pan_excluded(r, child))
			free(child);
		else
			walk_path(k, child, false, st->st_dev);
	}
	k->depth--;
	free(names);
}

/* Takes path (frees it or hands it to the queue). */
static void walk_path(struct walk *k, char *path, bool top, dev_t parent_dev)
{
	struct pan_run *r = k->r;
	struct stat st;
	if (stat(path, &st) < 0) {
		int e = errno;
		struct stat lst;
		if (e == ELOOP) {
			pan_skip(r, "%s: symbolic link loop", path);
		} else if (e == ENOENT && !top && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
			pan_skip(r, "%s: dangling symbolic link", path);
		} else {
			pan_error(r, "%s: %s", path, strerror(e));
		}
		free(path);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		for (int i = 0; i < k->depth; i++)
			if (k->anc[i].dev == st.st_dev && k->anc[i].ino == st.st_ino) {
				pan_skip(r, "%s: symbolic link loop (back to a parent directory)",
				         path);
				free(path);
				return;
			}
		if (!devino_add(&k->dirs, st.st_dev, st.st_ino)) {
			free(path); /* reached another way already */
			return;
		}
		if ((top || st.st_dev != parent_dev) && pseudo_fs(path)) {
			pan_skip(r, "%s: a pseudo filesystem, not entered", path);
		} else {
			walk_dir(k, path, &st);
		}
		free(path);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		pan_skip(r, "%s: %s, not read", path, special_kind(st.st_mode));
		free(path);
		return;
	}
	if (!devino_add(&k->files, st.st_dev, st.st_ino)) {
		free(path);
		return;
	}
	if (r->max_file_size && (uint64_t)st.st_size > r->max_file_size) {
		pan_skip(r, "%s: %lld bytes, larger than the %llu-byte limit", path,
		         (long long)st.st_size, (unsigned long long)r->max_file_size);
		free(path);
		return;
	}
	k->queue(r, path, (uint64_t)st.st_size);
}

int pan_walk_inputs(struct pan_run *r, const char *const *inputs, size_t n,
                    void (*queue)(struct pan_run *r, char *path, uint64_t size))
{
	struct walk *k = xcalloc(1, sizeof(*k));
	k->r = r;
	k->queue = queue;
	for (size_t i = 0; i < n && !pan_deadline(r); i++)
		walk_path(k, xstrdup(inputs[i]), true, 0);
	free(k->dirs.v);
	free(k->files.v);
	free(k);
	return 0;
}
