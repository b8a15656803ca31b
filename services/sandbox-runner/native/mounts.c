/* See mounts.h. */
#include "mounts.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"

/* The devices a --dev step binds from the host. A bind of a host device node
 * keeps working on a nodev tmpfs: MNT_NODEV is checked on the mount that holds
 * the inode, and each device is its own bind mount. */
static const char *const dev_nodes[] = {"null", "zero", "full", "random",
                                        "urandom"};

static const char *const dev_links[][2] = {
    {"fd", "/proc/self/fd"},
    {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"},
};

static const char etc_hosts[] = "127.0.0.1 localhost\n::1 localhost\n";

/* Mounts made writable while the plan is applied and read-only after it:
 * O_PATH fds of their roots. */
struct readonly_list {
  int *fds;
  size_t n;
};

void mounts_make_private(void) {
  /* Without this, a clone of the host's mounts stays in the host's shared
   * peer groups: our mounts would appear on the host, and pivot_root refuses
   * to work under a shared parent mount (EINVAL). */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    DIE("mount(/, MS_REC | MS_PRIVATE)");
  }
}

/* Opens (creating it if missing) directory name in dir, for target. */
static int enter_dir(int dir, const char *name, const char *target) {
  if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST) {
    DIE("%s: mkdir(%s)", target, name);
  }
  /* O_NOFOLLOW with O_PATH alone would open a symlink itself; O_DIRECTORY
   * turns that into ENOTDIR. */
  int fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && (errno == ENOTDIR || errno == ELOOP)) {
    FAIL("%s: '%s' is a symlink or not a directory", target, name);
  }
  if (fd < 0) DIE("%s: open(%s)", target, name);
  return fd;
}

/* Walks target (absolute, normalized) from root_fd, creating missing
 * directories and following no symlink, up to its last component. Returns an
 * fd of the parent directory and points *last at the last component in
 * buf. Paths resolved naively from the host side would follow an absolute
 * symlink inside a bind (an action input, say) out to the host's own files. */
static int open_parent(int root_fd, const char *target, char buf[PATH_MAX],
                       const char **last) {
  snprintf(buf, PATH_MAX, "%s", target + 1);
  int dir = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  if (dir < 0) DIE("fcntl(F_DUPFD_CLOEXEC)");
  char *name = buf;
  for (char *slash; (slash = strchr(name, '/')) != NULL; name = slash + 1) {
    *slash = '\0';
    int next = enter_dir(dir, name, target);
    if (close(dir) < 0) DIE("close");
    dir = next;
  }
  *last = name;
  return dir;
}

/* Creates the mount point for target, a directory or an empty file, and
 * returns an O_PATH fd to it. */
static int make_mount_point(int root_fd, const char *target, bool is_dir) {
  char buf[PATH_MAX];
  const char *name;
  int dir = open_parent(root_fd, target, buf, &name);
  int fd;
  if (is_dir) {
    fd = enter_dir(dir, name, target);
  } else {
    fd = openat(dir, name, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
                               O_NOCTTY | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ELOOP) FAIL("%s: is a symlink", target);
    if (fd < 0) DIE("%s: create mount point file", target);
  }
  if (close(dir) < 0) DIE("close");
  return fd;
}

/* Adds per-mount flags (MOUNT_ATTR_*) to the mount whose root fd refers to,
 * attached or not, and makes it private (a detached copy of a shared host
 * mount would otherwise stay in its peer group: mounts made under it in the
 * sandbox would appear on the host, and the host's under it in the
 * sandbox). mount_setattr (Linux 5.12) with only attr_set changes nothing
 * else, so a restriction the mount already has (a noexec or read-only host
 * mount) stays, and so do its atime flags. Unlike a MS_REMOUNT | MS_BIND,
 * which replaces every flag it does not name and so needed the current ones
 * read back with statvfs, this takes no path: no lookup through the (long)
 * host path of the root. */
static void restrict_mount(int fd, unsigned long long attrs, const char *what) {
  struct mount_attr attr = {.attr_set = attrs, .propagation = MS_PRIVATE};
  if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
    DIE("%s: mount_setattr(flags 0x%llx)", what, attrs);
  }
}

/* Attaches the detached mount tree (from open_tree or fsmount) on the mount
 * point fd refers to: exactly that inode, found by the O_NOFOLLOW walk. */
static void attach(int tree, int mount_point, const char *what) {
  if (move_mount(tree, "", mount_point, "",
                 MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
    DIE("%s: move_mount", what);
  }
}

/* A detached private copy of the mount at host path source (open_tree with
 * OPEN_TREE_CLONE: what MS_BIND attaches, and like it not recursive), with
 * attrs added. */
static int clone_source(const char *source, unsigned long long attrs,
                        const char *flag) {
  int tree = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0) DIE("%s: open_tree(%s)", flag, source);
  restrict_mount(tree, attrs, source);
  return tree;
}

void mounts_open_sources(const struct options *opt, struct mount_sources *src) {
  size_t n_dev = sizeof(dev_nodes) / sizeof(dev_nodes[0]);
  *src = (struct mount_sources){.fds = calloc(opt->n_mounts * n_dev + 1, sizeof(int))};
  if (src->fds == NULL) DIE("calloc");
  for (size_t i = 0; i < opt->n_mounts; i++) {
    const struct mount_step *step = &opt->mounts[i];
    if (step->kind == MOUNT_RO_BIND || step->kind == MOUNT_RW_BIND) {
      /* Not recursive: flags are set on one mount, so submounts of a
       * recursive bind would keep their own (possibly writable) flags. A
       * plan binds each mount it needs instead. Restricted while still
       * detached, so it is never attached writable or with suid and
       * devices. */
      src->fds[src->n++] = clone_source(
          step->source,
          MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
              (step->kind == MOUNT_RO_BIND ? MOUNT_ATTR_RDONLY : 0),
          step->kind == MOUNT_RO_BIND ? "--ro-bind" : "--rw-bind");
    } else if (step->kind == MOUNT_DEV) {
      char host[32];
      for (size_t d = 0; d < n_dev; d++) {
        snprintf(host, sizeof(host), "/dev/%s", dev_nodes[d]);
        src->fds[src->n++] = clone_source(host, 0, "--dev");
      }
    }
  }
}

void mounts_close_sources(struct mount_sources *src) {
  for (size_t i = 0; i < src->n; i++) {
    if (close(src->fds[i]) < 0) DIE("close");
  }
  free(src->fds);
  *src = (struct mount_sources){0};
}

/* A new filesystem (fsopen, fsmount: no path, so no /proc, which the
 * template has not), detached, with attrs and, if not NULL, a mode. */
static int new_fs(const char *type, unsigned int attrs, const char *mode,
                  const char *what) {
  int fs = fsopen(type, FSOPEN_CLOEXEC);
  if (fs < 0) DIE("%s: fsopen(%s)", what, type);
  /* The source mountinfo shows ("none" if not set), as mount(type, ...)
   * named it. */
  if (fsconfig(fs, FSCONFIG_SET_STRING, "source", type, 0) < 0) {
    DIE("%s: fsconfig(%s, source)", what, type);
  }
  if (mode != NULL && fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode, 0) < 0) {
    DIE("%s: fsconfig(%s, mode=%s)", what, type, mode);
  }
  if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
    DIE("%s: fsconfig(%s, FSCONFIG_CMD_CREATE)", what, type);
  }
  int tree = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
  if (tree < 0) DIE("%s: fsmount(%s)", what, type);
  if (close(fs) < 0) DIE("close");
  return tree;
}

static void bind_mount(int root_fd, const struct mount_step *step, int tree) {
  struct stat st;
  if (fstat(tree, &st) < 0) DIE("fstat(%s)", step->source);
  int fd = make_mount_point(root_fd, step->target, S_ISDIR(st.st_mode));
  attach(tree, fd, step->target);
  if (close(fd) < 0) DIE("close");
}

/* Mounts a new filesystem at the step's target; returns an O_PATH fd of its
 * root if keep, else -1. */
static int mount_fs(int root_fd, const struct mount_step *step,
                    const char *type, unsigned int attrs, const char *mode,
                    bool keep) {
  int fd = make_mount_point(root_fd, step->target, true);
  int tree = new_fs(type, attrs, mode, step->target);
  attach(tree, fd, step->target);
  if (close(fd) < 0) DIE("close");
  if (keep) return tree; /* a mount fd's path is the root of that mount */
  if (close(tree) < 0) DIE("close");
  return -1;
}

static void mount_dev(int root_fd, const struct mount_step *step,
                      const int *devices, struct readonly_list *readonly) {
  int dev_fd = mount_fs(root_fd, step, "tmpfs",
                        MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                        "0755", true);
  /* Made read-only with the root, after the plan. */
  readonly->fds[readonly->n++] = dev_fd;
  char name[32];
  for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
    snprintf(name, sizeof(name), "/%s", dev_nodes[i]);
    int fd = make_mount_point(dev_fd, name, false);
    attach(devices[i], fd, step->target);
    if (close(fd) < 0) DIE("close");
  }
  struct mount_step shm = {.kind = MOUNT_TMPFS, .target = "/shm"};
  mount_fs(dev_fd, &shm, "tmpfs",
           MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, NULL, false);
  for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++) {
    if (symlinkat(dev_links[i][1], dev_fd, dev_links[i][0]) < 0) {
      DIE("--dev: symlink(%s/%s)", step->target, dev_links[i][0]);
    }
  }
}

static void make_symlink(int root_fd, const struct mount_step *step) {
  char buf[PATH_MAX];
  const char *name;
  int dir = open_parent(root_fd, step->target, buf, &name);
  if (symlinkat(step->source, dir, name) < 0) {
    DIE("--symlink: symlink(%s -> %s)", step->target, step->source);
  }
  if (close(dir) < 0) DIE("close");
}

static void write_etc_hosts(int root_fd, const struct mount_step *step) {
  char buf[PATH_MAX];
  const char *name;
  int dir = open_parent(root_fd, step->target, buf, &name);
  int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                                 O_CLOEXEC, 0644);
  if (fd < 0) DIE("--etc-hosts: create %s", step->target);
  if (write_all(fd, etc_hosts, sizeof(etc_hosts) - 1) < 0) {
    DIE("--etc-hosts: write %s", step->target);
  }
  if (close(fd) < 0) DIE("--etc-hosts: close %s", step->target);
  if (close(dir) < 0) DIE("close");
}

/* Where the root tmpfs is mounted: on the template's directory, or on the
 * host's --root directory in a copy of the host's namespace. */
static const char *root_mount_point(const struct options *opt) {
  return opt->mntns_fd >= 0 ? MOUNTS_TEMPLATE_ROOT : opt->root;
}

/* A --mntns-fd that is not the launcher's template (its / an empty
 * read-only tmpfs) is refused before anything is mounted in it: the root
 * would be built on whatever its MOUNTS_TEMPLATE_ROOT is, and its other
 * mounts would stay beneath the sandbox's root. */
static void check_template(void) {
  struct statfs st;
  if (statfs("/", &st) < 0) DIE("--mntns-fd: statfs(/)");
  if (st.f_type != TMPFS_MAGIC || (st.f_flags & ST_RDONLY) == 0) {
    FAIL("--mntns-fd: not the launcher's template: its / is not a read-only tmpfs");
  }
}

void mounts_build_root(const struct options *opt, const struct mount_sources *src) {
  if (opt->mntns_fd >= 0) check_template();
  struct readonly_list readonly = {
      .fds = calloc(opt->n_mounts + 1, sizeof(int)), .n = 0};
  if (readonly.fds == NULL) DIE("calloc");

  /* The root is a tmpfs of its own, not the host directory: mount points and
   * files made for the plan vanish with the mount namespace instead of
   * piling up on the host, and pivot_root needs new_root to be a mount. */
  const char *root = root_mount_point(opt);
  if (mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0) {
    DIE("--root: mount(tmpfs on %s)", root);
  }
  int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) DIE("open(%s)", root);
  readonly.fds[readonly.n++] = root_fd;

  size_t next_source = 0;
  for (size_t i = 0; i < opt->n_mounts; i++) {
    const struct mount_step *step = &opt->mounts[i];
    switch (step->kind) {
      case MOUNT_RO_BIND:
      case MOUNT_RW_BIND:
        bind_mount(root_fd, step, src->fds[next_source++]);
        break;
      case MOUNT_TMPFS:
        mount_fs(root_fd, step, "tmpfs", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                 NULL, false);
        break;
      case MOUNT_PROC:
        /* A new procfs shows the PID namespace of the process that creates
         * it: ours, so the action sees only the sandbox's processes. */
        mount_fs(root_fd, step, "proc",
                 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, NULL,
                 false);
        break;
      case MOUNT_DEV:
        mount_dev(root_fd, step, &src->fds[next_source], &readonly);
        next_source += sizeof(dev_nodes) / sizeof(dev_nodes[0]);
        break;
      case MOUNT_SYMLINK:
        make_symlink(root_fd, step);
        break;
      case MOUNT_ETC_HOSTS:
        write_etc_hosts(root_fd, step);
        break;
    }
  }

  for (size_t i = 0; i < readonly.n; i++) {
    restrict_mount(readonly.fds[i],
                   MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                   i == 0 ? "--root" : "--dev");
    if (close(readonly.fds[i]) < 0) DIE("close");
  }
  free(readonly.fds);
}

void mounts_enter_root(const struct options *opt) {
  if (opt->mntns_fd >= 0) {
    /* The template's only other mount is its own empty read-only root:
     * there is no host tree to drop, so no pivot_root (which walks every
     * thread of the system, chroot_fs_refs) and no umount of the old root
     * (a synchronize_rcu_expedited). The new root is moved onto / (as
     * switch_root does) and we chroot into it: the template's root stays
     * beneath, empty, out of reach (a chroot is left only with
     * CAP_SYS_CHROOT, which the action never has) and out of
     * /proc/self/mountinfo, which lists only mounts under the reader's
     * root. */
    if (chdir(MOUNTS_TEMPLATE_ROOT) < 0) DIE("chdir(%s)", MOUNTS_TEMPLATE_ROOT);
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) DIE("mount(the root on /, MS_MOVE)");
    if (chroot(".") < 0) DIE("chroot(the root)");
  } else {
    if (chdir(opt->root) < 0) DIE("chdir(%s)", opt->root);
    /* pivot_root(".", ".") stacks the old root on top of the new one, so no
     * put_old directory is needed (our root is read-only by now); unmounting
     * "." then drops the old root (pivot_root(2), NOTES). MNT_DETACH because
     * the host's mounts are still busy elsewhere. Unlike chroot, nothing of
     * the host's tree stays reachable through "..". pivot_root fails with
     * EINVAL when the current root is the initramfs rootfs, which cannot be
     * unmounted; such a system must switch_root to a real root first. */
    if (syscall(SYS_pivot_root, ".", ".") < 0) {
      DIE("pivot_root(%s)%s", opt->root,
          errno == EINVAL ? " (is / the initramfs rootfs?)" : "");
    }
    if (umount2(".", MNT_DETACH) < 0) DIE("umount2(old root, MNT_DETACH)");
  }
  if (chdir("/") < 0) DIE("chdir(/)");
  if (chdir(opt->workdir) < 0) DIE("--workdir: chdir(%s)", opt->workdir);
}

/* The child of mounts_make_template: builds the template in a namespace of
 * its own, says so on ready, and waits to be killed. Exit status 1 and the
 * errno on ready (as an int) if something failed. */
static __attribute__((noreturn)) void make_template(int ready) {
  int err = 0;
  int fs = -1, tree = -1;
  if (unshare(CLONE_NEWNS) < 0 ||
      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
      (fs = fsopen("tmpfs", FSOPEN_CLOEXEC)) < 0 ||
      fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
      fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
      (tree = fsmount(fs, FSMOUNT_CLOEXEC,
                      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)) < 0 ||
      mkdirat(tree, MOUNTS_TEMPLATE_ROOT + 1, 0755) < 0 ||
      mount_setattr(tree, "", AT_EMPTY_PATH,
                    &(struct mount_attr){.attr_set = MOUNT_ATTR_RDONLY},
                    sizeof(struct mount_attr)) < 0 ||
      /* Attached anywhere (/proc exists everywhere this runs), then made
       * the root, and the copy of the host's tree dropped. */
      move_mount(tree, "", AT_FDCWD, "/proc", MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
      chdir("/proc") < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
      umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
    err = errno;
  }
  (void)write_all(ready, (const char *)&err, sizeof(err));
  if (err != 0) _exit(1);
  for (;;) pause();
}

int mounts_make_template(void) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) {
    int saved = errno;
    (void)close(ready[0]);
    (void)close(ready[1]);
    errno = saved;
    return -1;
  }
  if (pid == 0) {
    (void)close(ready[0]);
    make_template(ready[1]);
  }
  (void)close(ready[1]);
  int err = 0, fd = -1;
  ssize_t n;
  do {
    n = read(ready[0], &err, sizeof(err));
  } while (n < 0 && errno == EINTR);
  if (n != sizeof(err)) {
    err = n < 0 ? errno : EIO;
  } else if (err == 0) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) err = errno;
  }
  (void)close(ready[0]);
  (void)kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
  }
  errno = err;
  return fd;
}
