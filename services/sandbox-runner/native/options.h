/*
 * Command line of actiond-sandbox. The TypeScript side builds it in exactly one
 * place (src/sandbox-helper-args.ts); README.md beside this file describes the
 * same contract for people.
 *
 *   actiond-sandbox --root DIR --workdir DIR --uid N --gid N
 *                   [mount steps...] [other options...] -- ARGV...
 *
 * Mount steps, applied in the order given, each target a normalized absolute
 * path inside the new root ("/usr", never "usr", "/usr/", "/a/../b" or "/"):
 *   --ro-bind SRC DST   bind host path SRC at DST read-only, nosuid, nodev
 *   --rw-bind SRC DST   bind host path SRC at DST writable, nosuid, nodev
 *   --tmpfs DST         a fresh private tmpfs (mode 1777) at DST
 *   --proc DST          a fresh procfs of the sandbox's PID namespace at DST
 *   --dev DST           a minimal /dev at DST: null, zero, full, random,
 *                       urandom bound from the host, a tmpfs shm/, and fd,
 *                       stdin, stdout, stderr symlinks into /proc/self/fd
 *   --symlink TEXT DST  a symlink at DST whose contents are TEXT
 *   --etc-hosts DST     a file at DST mapping localhost to 127.0.0.1 and ::1
 * Missing parent directories and mount points are created on the sandbox's
 * root tmpfs (or inside an earlier bind, which changes the host directory).
 * No component of a target may be a symlink.
 *
 * Required:
 *   --root DIR          host directory, normally empty, that becomes "/": a
 *                       tmpfs is mounted on it inside the sandbox's mount
 *                       namespace, so nothing is created on the host disk
 *   --workdir DIR       the action's working directory, inside the new root
 *   --uid N, --gid N    unprivileged ids the action runs as (0 is refused)
 *   -- ARGV...          the action; ARGV[0] without a slash is looked up in
 *                       the PATH of the action's environment (not ours)
 *
 * Optional:
 *   --env KEY=VALUE     one variable of the action's environment, which is
 *                       exactly the set given (repeat; duplicate keys refused)
 *   --hostname NAME     hostname in the sandbox's UTS namespace (localhost)
 *   --network           keep the host's network namespace; without it the
 *                       action gets a new one with only loopback, brought up
 *   --netns-fd N        an open fd (>= 3) of a network namespace made for this
 *                       run alone, loopback already up, to enter instead of
 *                       creating one (the launcher passes its spares this
 *                       way; launcher.h); closed unused with --network
 *   --mntns-fd N        an open fd (>= 3) of a mount namespace made by the
 *                       launcher (mounts_make_template): an empty read-only
 *                       tmpfs as its root and nothing else; the sandbox's
 *                       mount namespace is copied from it instead of from the
 *                       host's (mounts.h)
 *   --cgroup-procs PATH a cgroup.procs file the action joins before exec
 *                       (repeat: one per cgroup v1 hierarchy, or one on v2;
 *                       how it joins: cgroups.h); a cgroup.kill beside it is
 *                       used to kill on timeout
 *   --timeout-ms N      kill the sandbox after N ms of wall time (0: never)
 *   --kill-delay-ms N   on timeout or SIGTERM/SIGINT/SIGHUP, send SIGTERM into
 *                       the sandbox and SIGKILL only N ms later (default 0:
 *                       SIGKILL at once)
 *   --status-fd N       write the one-line outcome to this open fd (>= 3)
 *   --stdout PATH, --stderr PATH
 *                       host files (created or truncated, mode 0644) for the
 *                       action's stdout and stderr; default: inherited
 * stdin is always /dev/null. All host paths must be absolute.
 */
#ifndef ACTIOND_SANDBOX_OPTIONS_H_
#define ACTIOND_SANDBOX_OPTIONS_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum mount_kind {
  MOUNT_RO_BIND,
  MOUNT_RW_BIND,
  MOUNT_TMPFS,
  MOUNT_PROC,
  MOUNT_DEV,
  MOUNT_SYMLINK,
  MOUNT_ETC_HOSTS,
};

/* One step of the mount plan. */
struct mount_step {
  enum mount_kind kind;
  const char *source; /* host path (binds) or link text (symlink), else NULL */
  const char *target; /* normalized absolute path inside the new root */
};

struct options {
  const char *root;
  const char *workdir;
  uid_t uid;
  gid_t gid;
  const char *hostname;
  bool network;
  int netns_fd; /* -1: none; else entered instead of a new namespace */
  int mntns_fd; /* -1: none; else the template mount namespace (mounts.h) */
  struct mount_step *mounts;
  size_t n_mounts;
  const char **cgroup_procs;
  size_t n_cgroup_procs;
  uint64_t timeout_ms;    /* 0: no timeout */
  uint64_t kill_delay_ms; /* 0: SIGKILL at once */
  int status_fd;          /* -1: none */
  const char *stdout_path; /* NULL: inherit */
  const char *stderr_path; /* NULL: inherit */
  char **env;  /* NULL-terminated; exactly the action's environment */
  char **argv; /* NULL-terminated; at least one element */
};

/* Parses and validates argv into opt, or FAILs with a message naming the
 * offending flag and value. The --status-fd is found and checked first, so
 * every later usage error is also reported on it. The strings in opt point
 * into argv. */
void options_parse(int argc, char **argv, struct options *opt);

#endif
