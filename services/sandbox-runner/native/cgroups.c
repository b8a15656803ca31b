/* See cgroups.h. */
#include "cgroups.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "die.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* Opens `<dir of procs>/<name>` with `flags`; -1 with errno on failure. */
static int open_beside(const char *procs, const char *name, int flags) {
  char path[PATH_MAX];
  size_t dir_len = (size_t)(strrchr(procs, '/') - procs);
  int n = snprintf(path, sizeof(path), "%.*s/%s", (int)dir_len, procs, name);
  if (n < 0 || (size_t)n >= sizeof(path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return open(path, flags | O_CLOEXEC);
}

void cgroups_open(const struct options *opt, struct cgroups *cg) {
  size_t n = opt->n_cgroup_procs;
  *cg = (struct cgroups){.procs_paths = opt->cgroup_procs,
                         .join_fds = calloc(n + 1, sizeof(int)),
                         .kill_fds = calloc(n + 1, sizeof(int)),
                         .clone_into_fd = -1,
                         .clone_into_procs_fd = -1};
  if (cg->join_fds == NULL || cg->kill_fds == NULL) DIE("calloc");
  for (size_t i = 0; i < n; i++) {
    const char *procs = opt->cgroup_procs[i];
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0) DIE("--cgroup-procs: open(%s)", procs);

    int tasks_fd = open_beside(procs, "tasks", O_WRONLY);
    if (tasks_fd >= 0) {
      /* cgroup v1: join through `tasks`, see cgroups.h. */
      if (close(fd) < 0) DIE("close");
      fd = tasks_fd;
    } else if (errno != ENOENT) {
      DIE("--cgroup-procs: open(tasks beside %s)", procs);
    } else if (cg->clone_into_fd < 0) {
      /* cgroup v2: be cloned into it; keep cgroup.procs for a kernel that
       * cannot. */
      int dir_fd = open_beside(procs, ".", O_RDONLY | O_DIRECTORY);
      if (dir_fd < 0) DIE("--cgroup-procs: open(the directory of %s)", procs);
      cg->clone_into_fd = dir_fd;
      cg->clone_into_index = i;
      cg->clone_into_procs_fd = fd;
      fd = -1;
    }
    cg->join_fds[cg->n_procs++] = fd;

    int kill_fd = open_beside(procs, "cgroup.kill", O_WRONLY);
    if (kill_fd >= 0) {
      cg->kill_fds[cg->n_kill++] = kill_fd;
    } else if (errno != ENOENT) {
      /* ENOENT: a v1 hierarchy, or v2 before Linux 5.14. */
      DIE("--cgroup-procs: open(cgroup.kill beside %s)", procs);
    }
  }
}

pid_t cgroups_fork_into(const struct cgroups *cg, bool *cloned_into) {
  *cloned_into = false;
  if (cg->clone_into_fd >= 0) {
    /* No stack: like fork(), the child runs on a copy-on-write copy of
     * ours (clone(2): "If stack is NULL ... the child uses the same stack
     * area as the parent"; clone3 likewise with stack 0). */
    struct clone_args args = {.flags = CLONE_INTO_CGROUP,
                              .exit_signal = SIGCHLD,
                              .cgroup = (uint64_t)cg->clone_into_fd};
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
    if (pid >= 0) {
      *cloned_into = true;
      return pid;
    }
    /* ENOSYS: no clone3 (before 5.3); E2BIG/EINVAL: no CLONE_INTO_CGROUP
     * (before 5.7): fall back to joining through cgroup.procs. Anything
     * else (the cgroup refuses members, say) the fallback would only
     * repeat less clearly. */
    if (errno != ENOSYS && errno != E2BIG && errno != EINVAL) {
      DIE("--cgroup-procs: clone3(CLONE_INTO_CGROUP) into the cgroup of %s",
          cg->procs_paths[cg->clone_into_index]);
    }
  }
  return fork();
}

void cgroups_join(const struct cgroups *cg, bool cloned_into) {
  for (size_t i = 0; i < cg->n_procs; i++) {
    int fd = cg->join_fds[i];
    if (fd < 0) {
      /* The v2 cgroup: joined by being cloned into it, or else now. */
      if (cloned_into) continue;
      fd = cg->clone_into_procs_fd;
    }
    if (write_all(fd, "0\n", 2) < 0) {
      DIE("--cgroup-procs: join %s (write 0)", cg->procs_paths[i]);
    }
    if (close(fd) < 0) DIE("close");
  }
}

void cgroups_kill(const struct cgroups *cg) {
  for (size_t i = 0; i < cg->n_kill; i++) {
    (void)write_all(cg->kill_fds[i], "1\n", 2);
  }
}
