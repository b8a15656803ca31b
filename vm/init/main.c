/*
 * actiond-init: PID 1 of the actiond VM guest.
 *
 * Runs from the initramfs. It moves / onto a tmpfs, mounts the kernel filesystems, reads the
 * actiond.* parameters from the kernel command line, mounts the CAS disk
 * (ext4, read-write), the runtimes disk (squashfs, read-only, optional) and
 * the system disk (squashfs, read-only), then runs /system/bin/actiond-guest
 * and stays PID 1 until it ends (see supervise.h). Any failure prints one
 * "actiond-init: FATAL" line and powers the VM off (see die.h).
 *
 * vm/README.md describes the boot protocol.
 */
#include "cmdline.h"
#include "die.h"
#include "disk.h"
#include "supervise.h"

#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long to wait for a disk named on the command line to show up. */
#define DISK_TIMEOUT_MS 5000

#define GUEST_PATH "/system/bin/actiond-guest"

static void mount_fs(const char *source, const char *dir, const char *type, unsigned long flags,
                     const char *data) {
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) DIE("mkdir %s", dir);
  if (mount(source, dir, type, flags, data) != 0) DIE("mount %s on %s", type, dir);
}

/*
 * Moves / from the initramfs (rootfs) to a fresh tmpfs, as switch_root does.
 * pivot_root(2) fails with EINVAL while the current root is rootfs, in every
 * mount namespace, and the action sandbox pivots into each action's root.
 * rootfs itself cannot be unmounted, so a tmpfs is moved over it and
 * becomes the root everything else runs in. Only /init stays behind on
 * rootfs, running from memory it already holds.
 */
static void move_to_tmpfs_root(void) {
  mount_fs("root", "/newroot", "tmpfs", 0, "mode=0755");
  static const char *const dirs[] = {"/newroot/cas", "/newroot/dev", "/newroot/proc", "/newroot/run",
                                     "/newroot/runtimes", "/newroot/sys", "/newroot/system"};
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
    if (mkdir(dirs[i], 0755) != 0) DIE("mkdir %s", dirs[i]);
  if (mkdir("/newroot/tmp", 01777) != 0 || chmod("/newroot/tmp", 01777) != 0) DIE("mkdir /newroot/tmp");
  if (chdir("/newroot") != 0) DIE("chdir /newroot");
  if (mount(".", "/", NULL, MS_MOVE, NULL) != 0) DIE("move the tmpfs root over /");
  if (chroot(".") != 0) DIE("chroot into the tmpfs root");
  if (chdir("/") != 0) DIE("chdir /");
}

static void mount_kernel_filesystems(void) {
  mount_fs("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  mount_fs("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  /* DEVTMPFS_MOUNT only acts when the kernel mounts a real root, never for an initramfs. */
  mount_fs("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
  mount_fs("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666");
  mount_fs("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  mount_fs("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "nsdelegate");
  mount_fs("run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
  mount_fs("tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  /* devtmpfs has device nodes only; programs and shells expect these links too. */
  static const char *const links[][2] = {{"/proc/self/fd", "/dev/fd"},
                                         {"/proc/self/fd/0", "/dev/stdin"},
                                         {"/proc/self/fd/1", "/dev/stdout"},
                                         {"/proc/self/fd/2", "/dev/stderr"}};
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (symlink(links[i][0], links[i][1]) != 0 && errno != EEXIST) DIE("symlink %s", links[i][1]);
  log_line("mounted /proc /sys /dev /dev/pts /dev/shm /sys/fs/cgroup /run /tmp");
}

static void read_params(struct params *params) {
  char cmdline[4096];
  int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd < 0) DIE("open /proc/cmdline");
  ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
  if (n < 0) DIE("read /proc/cmdline");
  close(fd);
  cmdline[n] = '\0';
  char err[256];
  if (parse_cmdline(cmdline, params, err, sizeof err) != 0) FAIL("%s", err);
}

/* Brings up the loopback interface, which the kernel leaves down. */
static void bring_up_loopback(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) DIE("socket for loopback setup");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) DIE("SIOCGIFFLAGS lo");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) DIE("SIOCSIFFLAGS lo");
  close(s);
}

static void mount_disks(const struct params *p) {
  char dev[128];
  resolve_disk("CAS", p->cas, DISK_TIMEOUT_MS, dev, sizeof dev);
  mount_ext4_disk("CAS", dev, "/cas");
  if (p->runtimes[0] != '\0') {
    resolve_disk("runtimes", p->runtimes, DISK_TIMEOUT_MS, dev, sizeof dev);
    mount_squashfs_disk("runtimes", dev, "/runtimes");
  }
  resolve_disk("system", p->system, DISK_TIMEOUT_MS, dev, sizeof dev);
  mount_squashfs_disk("system", dev, "/system");
}

int main(void) {
  if (getpid() != 1) FAIL("must run as PID 1 (it mounts filesystems and powers the machine off)");
  log_line("starting");
  move_to_tmpfs_root();
  mount_kernel_filesystems();
  struct params params;
  read_params(&params);
  bring_up_loopback();
  if (sethostname("actiond-vm", strlen("actiond-vm")) != 0) DIE("sethostname");
  mount_disks(&params);

  struct stat st;
  if (stat(GUEST_PATH, &st) != 0)
    FAIL("the system disk has no bin/actiond-guest (%s: %s)", GUEST_PATH, strerror(errno));
  if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0)
    FAIL("%s is not an executable file", GUEST_PATH);

  char port_env[PARAM_VALUE_MAX + 16];
  snprintf(port_env, sizeof port_env, "ACTIOND_PORT=%s", params.port);
  char *envp[] = {"PATH=/system/bin:/usr/bin:/bin",
                  "HOME=/tmp",
                  "LANG=C.UTF-8",
                  "ACTIOND_CAS_DIR=/cas",
                  "ACTIOND_SYSTEM_DIR=/system",
                  params.runtimes[0] ? "ACTIOND_RUNTIMES_DIR=/runtimes" : "ACTIOND_RUNTIMES_DIR=",
                  port_env,
                  NULL};
  supervise_guest(GUEST_PATH, envp);
}
