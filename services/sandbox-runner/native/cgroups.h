/*
 * The cgroups an action joins. The TypeScript side creates them and writes
 * their limits (memory, pids, cpu); the helper only moves the action in before
 * it execs, and uses cgroup.kill (cgroup v2) to kill them all on timeout.
 */
#ifndef ACTIOND_SANDBOX_CGROUPS_H_
#define ACTIOND_SANDBOX_CGROUPS_H_

#include <stddef.h>

#include "options.h"

struct cgroups {
  const char *const *procs_paths; /* the --cgroup-procs paths, for messages */
  int *procs_fds;                 /* one per --cgroup-procs */
  int *kill_fds;  /* the cgroup.kill files found beside them (v2 only) */
  size_t n_procs, n_kill;
};

/* Opens every --cgroup-procs file, and the cgroup.kill beside each where one
 * exists, while the host's /sys/fs/cgroup is still visible to us. */
void cgroups_open(const struct options *opt, struct cgroups *cg);

/* Moves the calling process into every cgroup and closes the fds. Writing 0
 * to cgroup.procs moves the writer itself (cgroup_procs_write_start in
 * kernel/cgroup/cgroup.c, both v1 and v2), which matters here: a pid
 * written from inside the sandbox's PID namespace would be looked up in that
 * namespace by the kernel, while "0" needs no pid at all. */
void cgroups_join(const struct cgroups *cg);

/* Writes "1" to every cgroup.kill: SIGKILL to every process in the cgroup.
 * Errors are ignored; the caller is already killing the sandbox's PID 1. */
void cgroups_kill(const struct cgroups *cg);

#endif
