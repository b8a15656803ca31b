/*
 * The cgroups an action joins. The TypeScript side creates them and writes
 * their limits (memory, pids, cpu); the helper only moves the action in before
 * it execs, and uses cgroup.kill (cgroup v2) to kill them all on timeout.
 *
 * Joining is done the cheap way for each kind of hierarchy, because the
 * obvious way, writing to cgroup.procs, takes the kernel's global
 * cgroup_threadgroup_rwsem for writing, whose percpu_down_write waits a full
 * RCU grace period whenever no other writer came by during the last one:
 * 10 to 20 ms on a 250 Hz kernel, per action (measured: bench/RESULTS.md).
 * - cgroup v1 (a `tasks` file beside cgroup.procs): the action writes "0" to
 *   `tasks`, which moves the calling thread only and so skips the global
 *   lock (cgroup_procs_write_start: "If we migrate a single thread, we don't
 *   care about threadgroup stability ... we can skip the global lock"). The
 *   action is single-threaded when it writes, so the whole process moves,
 *   and everything it forks later is born in the cgroup.
 * - cgroup v2 (no `tasks`): the action is created directly inside the
 *   cgroup by clone3(CLONE_INTO_CGROUP) (Linux 5.7), which migrates
 *   nothing. Where clone3 cannot do that (an older kernel, a second v2
 *   path), the action writes "0" to cgroup.procs after all.
 */
#ifndef ACTIOND_SANDBOX_CGROUPS_H_
#define ACTIOND_SANDBOX_CGROUPS_H_

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "options.h"

struct cgroups {
  const char *const *procs_paths; /* the --cgroup-procs paths, for messages */
  /* One per --cgroup-procs: the fd to write "0" to (v1: tasks; v2:
   * cgroup.procs), or -1 for the v2 cgroup the action is cloned into. */
  int *join_fds;
  int *kill_fds;  /* the cgroup.kill files found beside them (v2 only) */
  size_t n_procs, n_kill;
  /* The v2 cgroup's directory for clone3(CLONE_INTO_CGROUP), or -1; and
   * the index of its --cgroup-procs, whose cgroup.procs fd is kept as the
   * fallback. */
  int clone_into_fd;
  size_t clone_into_index;
  int clone_into_procs_fd;
};

/* Opens every --cgroup-procs file (so a missing cgroup is reported by the
 * path given), and beside each the v1 `tasks` file or, for the first v2
 * cgroup, its directory; and the cgroup.kill beside each where one exists.
 * All while the host's /sys/fs/cgroup is still visible to us. */
void cgroups_open(const struct options *opt, struct cgroups *cg);

/* Creates the action's process like fork(): directly inside the v2 cgroup
 * when there is one and the kernel can (clone3 with CLONE_INTO_CGROUP),
 * else as a plain child; `*cloned_into` says which. Returns as fork()
 * does. */
pid_t cgroups_fork_into(const struct cgroups *cg, bool *cloned_into);

/* In the new process: joins every cgroup it was not created in, by writing
 * "0" (the writer itself: a pid written from inside the sandbox's PID
 * namespace would be looked up in that namespace) to `tasks` (v1) or
 * cgroup.procs (v2), and closes the fds. `cloned_into` is what
 * cgroups_fork_into said. */
void cgroups_join(const struct cgroups *cg, bool cloned_into);

/* Writes "1" to every cgroup.kill: SIGKILL to every process in the cgroup.
 * Errors are ignored; the caller is already killing the sandbox's PID 1. */
void cgroups_kill(const struct cgroups *cg);

#endif
