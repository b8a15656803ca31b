/* See cgroups.h. */
#include "cgroups.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

void cgroups_open(const struct options *opt, struct cgroups *cg) {
  size_t n = opt->n_cgroup_procs;
  *cg = (struct cgroups){.procs_paths = opt->cgroup_procs,
                         .procs_fds = calloc(n + 1, sizeof(int)),
                         .kill_fds = calloc(n + 1, sizeof(int))};
  if (cg->procs_fds == NULL || cg->kill_fds == NULL) DIE("calloc");
  for (size_t i = 0; i < n; i++) {
    const char *procs = opt->cgroup_procs[i];
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0) DIE("--cgroup-procs: open(%s)", procs);
    cg->procs_fds[cg->n_procs++] = fd;

    char kill_path[PATH_MAX];
    size_t dir_len = (size_t)(strrchr(procs, '/') - procs);
    snprintf(kill_path, sizeof(kill_path), "%.*s/cgroup.kill", (int)dir_len,
             procs);
    int kill_fd = open(kill_path, O_WRONLY | O_CLOEXEC);
    if (kill_fd >= 0) {
      cg->kill_fds[cg->n_kill++] = kill_fd;
    } else if (errno != ENOENT) {
      /* ENOENT: a v1 hierarchy, or v2 before Linux 5.14. */
      DIE("--cgroup-procs: open(%s)", kill_path);
    }
  }
}

void cgroups_join(const struct cgroups *cg) {
  for (size_t i = 0; i < cg->n_procs; i++) {
    if (write_all(cg->procs_fds[i], "0\n", 2) < 0) {
      DIE("--cgroup-procs: join %s (write 0)", cg->procs_paths[i]);
    }
    if (close(cg->procs_fds[i]) < 0) DIE("close");
  }
}

void cgroups_kill(const struct cgroups *cg) {
  for (size_t i = 0; i < cg->n_kill; i++) {
    (void)write_all(cg->kill_fds[i], "1\n", 2);
  }
}
