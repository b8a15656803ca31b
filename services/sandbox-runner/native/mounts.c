/* See mounts.h. */
#include "mounts.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

/* "/proc/self/fd/N": mounting there mounts on exactly the inode fd refers to,
 * so nothing can swap a symlink in between checking a path and mounting on
 * it. The host's /proc is still visible here; we have not pivoted yet. */
static const char *fd_path(int fd, char buf[32]) {
  snprintf(buf, 32, "/proc/self/fd/%d", fd);
  return buf;
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
 * attached or not: mount_setattr (Linux 5.12) with only attr_set changes
 * nothing else, so a restriction the mount already has (a noexec or
 * read-only host mount) stays, and so do its atime flags. Unlike a
 * MS_REMOUNT | MS_BIND, which replaces every flag it does not name and so
 * needed the current ones read back with statvfs, this takes no path: no
 * lookup through the (long) host path of the root. */
static void restrict_mount(int fd, unsigned long long attrs, const char *what) {
  struct mount_attr attr = {.attr_set = attrs};
  if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
    DIE("%s: mount_setattr(flags 0x%llx)", what, attrs);
  }
}

/* Attaches the detached mount tree (from open_tree) on the mount point fd
 * refers to, exactly that inode, as mounting on /proc/self/fd/N would, but
 * without a lookup through /proc. */
static void attach(int tree, int mount_point, const char *what) {
  if (move_mount(tree, "", mount_point, "",
                 MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
    DIE("%s: move_mount", what);
  }
}

/* A detached copy of the mount at host path source (open_tree with
 * OPEN_TREE_CLONE: what MS_BIND attaches, and like it not recursive). */
static int clone_source(const char *source, const char *flag) {
  int tree = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0) DIE("%s: open_tree(%s)", flag, source);
  return tree;
}

static void bind_mount(int root_fd, const struct mount_step *step) {
  const char *flag = step->kind == MOUNT_RO_BIND ? "--ro-bind" : "--rw-bind";
  /* Not recursive: flags are set on one mount, so submounts of a recursive
   * bind would keep their own (possibly writable) flags. A plan binds each
   * mount it needs instead. */
  int tree = clone_source(step->source, flag);
  struct stat st;
  if (fstat(tree, &st) < 0) DIE("%s: fstat(%s)", flag, step->source);
  /* Restricted while still detached, so it is never attached writable or
   * with suid and devices: a bind made with mount(MS_BIND) ignores these
   * flags and needs a second, remount call (mount(2), "Creating a bind
   * mount"). */
  restrict_mount(tree,
                 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                     (step->kind == MOUNT_RO_BIND ? MOUNT_ATTR_RDONLY : 0),
                 step->target);
  int fd = make_mount_point(root_fd, step->target, S_ISDIR(st.st_mode));
  attach(tree, fd, step->target);
  if (close(fd) < 0 || close(tree) < 0) DIE("close");
}

static void mount_fs(int root_fd, const struct mount_step *step,
                     const char *type, unsigned long flags, const char *data) {
  int fd = make_mount_point(root_fd, step->target, true);
  char proc_path[32];
  if (mount(type, fd_path(fd, proc_path), type, flags, data) < 0) {
    DIE("mount(%s on %s)", type, step->target);
  }
  if (close(fd) < 0) DIE("close");
}

static void mount_dev(int root_fd, const struct mount_step *step,
                      struct readonly_list *readonly) {
  mount_fs(root_fd, step, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
           "mode=0755");
  /* The tmpfs just mounted there, its root reached through the mount point
   * (which exists now); made read-only with the root, after the plan. */
  int dev_fd = make_mount_point(root_fd, step->target, true);
  readonly->fds[readonly->n++] = dev_fd;

  char host[32], name[32];
  for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
    snprintf(host, sizeof(host), "/dev/%s", dev_nodes[i]);
    snprintf(name, sizeof(name), "/%s", dev_nodes[i]);
    int tree = clone_source(host, "--dev");
    int fd = make_mount_point(dev_fd, name, false);
    attach(tree, fd, host);
    if (close(fd) < 0 || close(tree) < 0) DIE("close");
  }
  int shm = make_mount_point(dev_fd, "/shm", true);
  char proc_path[32];
  if (mount("tmpfs", fd_path(shm, proc_path), "tmpfs",
            MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
    DIE("--dev: mount(tmpfs on %s/shm)", step->target);
  }
  if (close(shm) < 0) DIE("close");
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

void mounts_build_root(const struct options *opt) {
  struct readonly_list readonly = {
      .fds = calloc(opt->n_mounts + 1, sizeof(int)), .n = 0};
  if (readonly.fds == NULL) DIE("calloc");

  /* The root is a tmpfs of its own, not the host directory: mount points and
   * files made for the plan vanish with the mount namespace instead of
   * piling up on the host, and pivot_root needs new_root to be a mount. */
  if (mount("tmpfs", opt->root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") <
      0) {
    DIE("--root: mount(tmpfs on %s)", opt->root);
  }
  int root_fd = open(opt->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) DIE("open(%s)", opt->root);
  readonly.fds[readonly.n++] = root_fd;

  for (size_t i = 0; i < opt->n_mounts; i++) {
    const struct mount_step *step = &opt->mounts[i];
    switch (step->kind) {
      case MOUNT_RO_BIND:
      case MOUNT_RW_BIND:
        bind_mount(root_fd, step);
        break;
      case MOUNT_TMPFS:
        mount_fs(root_fd, step, "tmpfs", MS_NOSUID | MS_NODEV, NULL);
        break;
      case MOUNT_PROC:
        /* A new procfs shows the PID namespace of the mounting process:
         * ours, so the action sees only the sandbox's processes. */
        mount_fs(root_fd, step, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        break;
      case MOUNT_DEV:
        mount_dev(root_fd, step, &readonly);
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
  if (chdir(opt->root) < 0) DIE("chdir(%s)", opt->root);
  /* pivot_root(".", ".") stacks the old root on top of the new one, so no
   * put_old directory is needed (our root is read-only by now); unmounting
   * "." then drops the old root (pivot_root(2), NOTES). MNT_DETACH because
   * the host's mounts are still busy elsewhere. Unlike chroot, nothing of the
   * host's tree stays reachable through "..". pivot_root fails with EINVAL
   * when the current root is the initramfs rootfs, which cannot be
   * unmounted; such a system must switch_root to a real root first. */
  if (syscall(SYS_pivot_root, ".", ".") < 0) {
    DIE("pivot_root(%s)%s", opt->root,
        errno == EINVAL ? " (is / the initramfs rootfs?)" : "");
  }
  if (umount2(".", MNT_DETACH) < 0) DIE("umount2(old root, MNT_DETACH)");
  if (chdir("/") < 0) DIE("chdir(/)");
  if (chdir(opt->workdir) < 0) DIE("--workdir: chdir(%s)", opt->workdir);
}
