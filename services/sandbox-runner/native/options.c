/* See options.h for the command line this parses. */
#include "options.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

enum flag_id {
  FLAG_ROOT,
  FLAG_WORKDIR,
  FLAG_UID,
  FLAG_GID,
  FLAG_RO_BIND,
  FLAG_RW_BIND,
  FLAG_TMPFS,
  FLAG_PROC,
  FLAG_DEV,
  FLAG_SYMLINK,
  FLAG_ETC_HOSTS,
  FLAG_ENV,
  FLAG_HOSTNAME,
  FLAG_NETWORK,
  FLAG_NETNS_FD,
  FLAG_MNTNS_FD,
  FLAG_CGROUP_PROCS,
  FLAG_TIMEOUT_MS,
  FLAG_KILL_DELAY_MS,
  FLAG_STATUS_FD,
  FLAG_STDOUT,
  FLAG_STDERR,
};

struct flag {
  const char *name;
  int nargs;
  enum flag_id id;
};

static const struct flag flags[] = {
    {"--root", 1, FLAG_ROOT},
    {"--workdir", 1, FLAG_WORKDIR},
    {"--uid", 1, FLAG_UID},
    {"--gid", 1, FLAG_GID},
    {"--ro-bind", 2, FLAG_RO_BIND},
    {"--rw-bind", 2, FLAG_RW_BIND},
    {"--tmpfs", 1, FLAG_TMPFS},
    {"--proc", 1, FLAG_PROC},
    {"--dev", 1, FLAG_DEV},
    {"--symlink", 2, FLAG_SYMLINK},
    {"--etc-hosts", 1, FLAG_ETC_HOSTS},
    {"--env", 1, FLAG_ENV},
    {"--hostname", 1, FLAG_HOSTNAME},
    {"--network", 0, FLAG_NETWORK},
    {"--netns-fd", 1, FLAG_NETNS_FD},
    {"--mntns-fd", 1, FLAG_MNTNS_FD},
    {"--cgroup-procs", 1, FLAG_CGROUP_PROCS},
    {"--timeout-ms", 1, FLAG_TIMEOUT_MS},
    {"--kill-delay-ms", 1, FLAG_KILL_DELAY_MS},
    {"--status-fd", 1, FLAG_STATUS_FD},
    {"--stdout", 1, FLAG_STDOUT},
    {"--stderr", 1, FLAG_STDERR},
};

/* Largest millisecond count accepted: about 35 years, far from overflowing
 * the nanosecond arithmetic of the supervisor. */
#define MAX_MS ((uint64_t)1 << 40)

/* Largest uid/gid: (uid_t)-1 means "unchanged" to setresuid, so it is out. */
#define MAX_ID ((uint64_t)UINT32_MAX - 1)

static const struct flag *find_flag(const char *arg) {
  for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
    if (strcmp(arg, flags[i].name) == 0) return &flags[i];
  }
  return NULL;
}

static uint64_t parse_u64(const char *flag, const char *text, uint64_t max) {
  if (text[0] < '0' || text[0] > '9') {
    FAIL("%s: '%s' is not a decimal number", flag, text);
  }
  char *end = NULL;
  errno = 0;
  unsigned long long value = strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0') {
    FAIL("%s: '%s' is not a decimal number", flag, text);
  }
  if (value > max) {
    FAIL("%s: %s is larger than %llu", flag, text, (unsigned long long)max);
  }
  return value;
}

static void check_host_path(const char *flag, const char *path) {
  if (path[0] != '/') FAIL("%s: host path '%s' is not absolute", flag, path);
  if (strlen(path) >= PATH_MAX) FAIL("%s: host path is too long", flag);
}

/* Sandbox paths are compared and joined as strings, so they must be in one
 * canonical form: absolute, no empty, "." or ".." components, no trailing
 * slash. "/" itself is allowed only where allow_root says so. */
static void check_sandbox_path(const char *flag, const char *path,
                               bool allow_root) {
  if (path[0] != '/') FAIL("%s: '%s' is not an absolute path", flag, path);
  if (strlen(path) >= PATH_MAX / 2) FAIL("%s: path is too long", flag);
  if (strcmp(path, "/") == 0) {
    if (allow_root) return;
    FAIL("%s: '/' cannot be a target; the root is --root", flag);
  }
  for (const char *c = path; *c != '\0';) {
    /* c points at a '/'; the component runs to the next '/' or the end. */
    const char *start = c + 1;
    const char *end = strchrnul(start, '/');
    size_t len = (size_t)(end - start);
    if (len == 0 || (len == 1 && start[0] == '.') ||
        (len == 2 && start[0] == '.' && start[1] == '.')) {
      FAIL("%s: '%s' is not a normalized path (empty, '.' or '..' component)",
           flag, path);
    }
    c = end;
  }
}

static void check_env_entry(char *const *env, size_t n, const char *entry) {
  const char *eq = strchr(entry, '=');
  if (eq == NULL) FAIL("--env: '%s' is not KEY=VALUE", entry);
  size_t key_len = (size_t)(eq - entry);
  if (key_len == 0) FAIL("--env: '%s' has an empty name", entry);
  for (size_t i = 0; i < n; i++) {
    if (strncmp(env[i], entry, key_len + 1) == 0) {
      FAIL("--env: %.*s is given twice", (int)key_len, entry);
    }
  }
}

/* The status fd must be checked before anything else can fail, so that the
 * failure reaches it. Scans the options for it, honouring each flag's arity so
 * that "--env --status-fd" is read as an --env value. */
static void find_status_fd(int argc, char **argv, struct options *opt) {
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0;) {
    const struct flag *f = find_flag(argv[i]);
    if (f == NULL || i + f->nargs >= argc) return; /* reported later */
    if (f->id == FLAG_STATUS_FD) {
      uint64_t fd = parse_u64("--status-fd", argv[i + 1], INT_MAX);
      if (fd <= 2) FAIL("--status-fd: %d is stdin, stdout or stderr", (int)fd);
      if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0) {
        DIE("--status-fd: fcntl(%d, F_SETFD, FD_CLOEXEC)", (int)fd);
      }
      opt->status_fd = (int)fd;
      die_report_to(opt->status_fd, "setup-error ");
      return;
    }
    i += 1 + f->nargs;
  }
}

static void add_mount(struct options *opt, enum mount_kind kind,
                      const char *flag, const char *source,
                      const char *target) {
  check_sandbox_path(flag, target, false);
  if (kind == MOUNT_RO_BIND || kind == MOUNT_RW_BIND) {
    check_host_path(flag, source);
  }
  if (kind == MOUNT_SYMLINK && source[0] == '\0') {
    FAIL("%s: the link text for %s is empty", flag, target);
  }
  for (size_t i = 0; i < opt->n_mounts; i++) {
    if (strcmp(opt->mounts[i].target, target) == 0) {
      FAIL("%s: %s is already the target of an earlier step", flag, target);
    }
  }
  opt->mounts[opt->n_mounts++] =
      (struct mount_step){.kind = kind, .source = source, .target = target};
}

void options_parse(int argc, char **argv, struct options *opt) {
  *opt = (struct options){.status_fd = -1, .netns_fd = -1, .mntns_fd = -1, .hostname = "localhost"};
  find_status_fd(argc, argv, opt);

  /* Each step and each variable takes at least one argument, so argc bounds
   * every list. */
  size_t cap = (size_t)argc + 1;
  opt->mounts = calloc(cap, sizeof(*opt->mounts));
  opt->cgroup_procs = calloc(cap, sizeof(*opt->cgroup_procs));
  opt->env = calloc(cap, sizeof(*opt->env));
  if (opt->mounts == NULL || opt->cgroup_procs == NULL || opt->env == NULL) {
    DIE("calloc");
  }
  size_t n_env = 0;
  bool have_uid = false, have_gid = false;

  int i = 1;
  for (; i < argc; ) {
    const char *arg = argv[i];
    if (strcmp(arg, "--") == 0) break;
    const struct flag *f = find_flag(arg);
    if (f == NULL) FAIL("unknown option '%s' (the action's argv follows --)", arg);
    if (i + f->nargs >= argc) {
      FAIL("%s needs %d argument%s", f->name, f->nargs, f->nargs == 1 ? "" : "s");
    }
    char *a = argv[i + 1], *b = f->nargs > 1 ? argv[i + 2] : NULL;
    switch (f->id) {
      case FLAG_ROOT:
        check_host_path(f->name, a);
        if (strcmp(a, "/") == 0) FAIL("--root: the host's / cannot be the root");
        opt->root = a;
        break;
      case FLAG_WORKDIR:
        check_sandbox_path(f->name, a, true);
        opt->workdir = a;
        break;
      case FLAG_UID:
        opt->uid = (uid_t)parse_u64(f->name, a, MAX_ID);
        if (opt->uid == 0) FAIL("--uid: 0 is refused; actions run unprivileged");
        have_uid = true;
        break;
      case FLAG_GID:
        opt->gid = (gid_t)parse_u64(f->name, a, MAX_ID);
        if (opt->gid == 0) FAIL("--gid: 0 is refused; actions run unprivileged");
        have_gid = true;
        break;
      case FLAG_RO_BIND: add_mount(opt, MOUNT_RO_BIND, f->name, a, b); break;
      case FLAG_RW_BIND: add_mount(opt, MOUNT_RW_BIND, f->name, a, b); break;
      case FLAG_TMPFS: add_mount(opt, MOUNT_TMPFS, f->name, NULL, a); break;
      case FLAG_PROC: add_mount(opt, MOUNT_PROC, f->name, NULL, a); break;
      case FLAG_DEV: add_mount(opt, MOUNT_DEV, f->name, NULL, a); break;
      case FLAG_SYMLINK: add_mount(opt, MOUNT_SYMLINK, f->name, a, b); break;
      case FLAG_ETC_HOSTS: add_mount(opt, MOUNT_ETC_HOSTS, f->name, NULL, a); break;
      case FLAG_ENV:
        check_env_entry(opt->env, n_env, a);
        opt->env[n_env++] = a;
        break;
      case FLAG_HOSTNAME:
        /* HOST_NAME_MAX; sethostname would say EINVAL, less helpfully. */
        if (a[0] == '\0' || strlen(a) > 64) {
          FAIL("--hostname: '%s' is not 1 to 64 characters", a);
        }
        opt->hostname = a;
        break;
      case FLAG_NETWORK: opt->network = true; break;
      case FLAG_NETNS_FD: {
        uint64_t fd = parse_u64(f->name, a, INT_MAX);
        if (fd <= 2) FAIL("--netns-fd: %d is stdin, stdout or stderr", (int)fd);
        /* The action must not inherit it. */
        if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0) {
          DIE("--netns-fd: fcntl(%d, F_SETFD, FD_CLOEXEC)", (int)fd);
        }
        opt->netns_fd = (int)fd;
        break;
      }
      case FLAG_MNTNS_FD: {
        uint64_t fd = parse_u64(f->name, a, INT_MAX);
        if (fd <= 2) FAIL("--mntns-fd: %d is stdin, stdout or stderr", (int)fd);
        /* The action must not inherit it. */
        if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0) {
          DIE("--mntns-fd: fcntl(%d, F_SETFD, FD_CLOEXEC)", (int)fd);
        }
        opt->mntns_fd = (int)fd;
        break;
      }
      case FLAG_CGROUP_PROCS: {
        check_host_path(f->name, a);
        const char *base = strrchr(a, '/') + 1;
        if (strcmp(base, "cgroup.procs") != 0) {
          FAIL("--cgroup-procs: '%s' is not a cgroup.procs file", a);
        }
        opt->cgroup_procs[opt->n_cgroup_procs++] = a;
        break;
      }
      case FLAG_TIMEOUT_MS: opt->timeout_ms = parse_u64(f->name, a, MAX_MS); break;
      case FLAG_KILL_DELAY_MS:
        opt->kill_delay_ms = parse_u64(f->name, a, MAX_MS);
        break;
      case FLAG_STATUS_FD: break; /* handled by find_status_fd */
      case FLAG_STDOUT: check_host_path(f->name, a); opt->stdout_path = a; break;
      case FLAG_STDERR: check_host_path(f->name, a); opt->stderr_path = a; break;
    }
    i += 1 + f->nargs;
  }

  if (i >= argc) FAIL("missing '--' before the action's argv");
  opt->argv = &argv[i + 1]; /* argv[argc] is NULL, so this is terminated */
  if (opt->argv[0] == NULL) FAIL("no action argv after '--'");
  if (opt->argv[0][0] == '\0') FAIL("the action's argv[0] is empty");
  if (opt->root == NULL) FAIL("--root is required");
  if (opt->workdir == NULL) FAIL("--workdir is required");
  if (!have_uid) FAIL("--uid is required");
  if (!have_gid) FAIL("--gid is required");
  if (opt->netns_fd >= 0 && opt->netns_fd == opt->status_fd) {
    FAIL("--netns-fd: %d is also the --status-fd", opt->netns_fd);
  }
  if (opt->mntns_fd >= 0 &&
      (opt->mntns_fd == opt->status_fd || opt->mntns_fd == opt->netns_fd)) {
    FAIL("--mntns-fd: %d is also the --status-fd or --netns-fd", opt->mntns_fd);
  }
  if (opt->netns_fd >= 0 && opt->network) {
    /* A spare the launcher handed over; the host's namespace was asked for. */
    if (close(opt->netns_fd) < 0) DIE("close(--netns-fd %d)", opt->netns_fd);
    opt->netns_fd = -1;
  }
}
