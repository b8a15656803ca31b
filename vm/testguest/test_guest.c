/*
 * Stand-in for actiond-guest in the VM boot smoke test (tools/src/vm/vm-boot.test.ts).
 *
 * Installed as bin/actiond-guest in a tiny system squashfs. It prints what the
 * test asserts on, one "test-guest:" line each: the kernel release, the
 * mounts, the ACTIOND_* environment init passed, the virtio-serial ports,
 * whether the sandbox's kernel features work (all namespaces, pivot_root,
 * seccomp filters, cgroup v2 controllers), and the marker it finds in
 * /cas from the previous boot (proving the CAS disk was not reformatted).
 * Then it writes a new marker and ends the way testguest.mode= on the kernel
 * command line asks:
 *   poweroff (default): sync and reboot(RB_POWER_OFF) itself;
 *   exit:N: exit with status N, leaving shutdown to init.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/utsname.h>
#include <unistd.h>

static void die(const char *what) {
  printf("test-guest: FAILED %s: %s\n", what, strerror(errno));
  fflush(stdout);
  exit(70);
}

static void print_file(const char *label, const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    printf("test-guest: %s <none>\n", label);
    return;
  }
  char line[512];
  while (fgets(line, sizeof line, f) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    printf("test-guest: %s %s\n", label, line);
  }
  fclose(f);
}

/* One line per virtio-serial port: its device name and the name the host gave it. */
static void print_virtio_ports(void) {
  DIR *d = opendir("/sys/class/virtio-ports");
  if (d == NULL) {
    printf("test-guest: virtio-ports <none>\n");
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[300], name[128] = "";
    snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", e->d_name);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
      if (fgets(name, sizeof name, f) == NULL) name[0] = '\0';
      fclose(f);
    }
    name[strcspn(name, "\n")] = '\0';
    char dev[300];
    snprintf(dev, sizeof dev, "/dev/%s", e->d_name);
    printf("test-guest: virtio-port %s %s %s\n", e->d_name, name, access(dev, R_OK | W_OK) == 0 ? "rw" : "missing");
  }
  closedir(d);
}

/* Runs check() in a child process and prints "test-guest: <label> ok" or the errno it failed with. */
static void in_child(const char *label, int (*check)(void)) {
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) _exit(check() == 0 ? 0 : (errno & 0xff) + 1);
  int status;
  if (waitpid(pid, &status, 0) != pid) die("waitpid");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    printf("test-guest: %s ok\n", label);
  else if (WIFEXITED(status))
    printf("test-guest: %s failed: %s\n", label, strerror(WEXITSTATUS(status) - 1));
  else
    printf("test-guest: %s failed: signal %d\n", label, WTERMSIG(status));
}

/* Every namespace the action sandbox uses, in one unshare. */
static int unshare_namespaces(void) {
  return unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID |
                 CLONE_NEWCGROUP);
}

/* What the sandbox does to enter an action's root; fails while / is the initramfs. */
static int pivot_into_tmpfs(void) {
  if (unshare(CLONE_NEWNS) != 0) return -1;
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return -1;
  if (mkdir("/tmp/pivot", 0755) != 0 && errno != EEXIST) return -1;
  if (mount("pivot", "/tmp/pivot", "tmpfs", 0, NULL) != 0) return -1;
  if (chdir("/tmp/pivot") != 0) return -1;
  if (syscall(SYS_pivot_root, ".", ".") != 0) return -1;
  return umount2(".", MNT_DETACH);
}

/* seccomp filter mode is available when the kernel knows its actions. */
static int seccomp_filter_available(void) {
  unsigned int action = SECCOMP_RET_ERRNO;
  return (int)syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
}

/* Returns the value of word key=VALUE in /proc/cmdline, or def. */
static const char *cmdline_value(const char *key, const char *def) {
  static char buf[4096];
  int fd = open("/proc/cmdline", O_RDONLY);
  if (fd < 0) die("open /proc/cmdline");
  ssize_t n = read(fd, buf, sizeof buf - 1);
  if (n < 0) die("read /proc/cmdline");
  close(fd);
  buf[n] = '\0';
  size_t klen = strlen(key);
  for (char *w = strtok(buf, " \n"); w != NULL; w = strtok(NULL, " \n"))
    if (strncmp(w, key, klen) == 0 && w[klen] == '=') return w + klen + 1;
  return def;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct utsname u;
  if (uname(&u) != 0) die("uname");
  printf("test-guest: uname-r %s\n", u.release);
  printf("test-guest: uname-m %s\n", u.machine);
  printf("test-guest: pid %d\n", (int)getpid());
  print_file("mount", "/proc/mounts");
  const char *env[] = {"ACTIOND_CAS_DIR", "ACTIOND_SYSTEM_DIR", "ACTIOND_RUNTIMES_DIR",
                       "ACTIOND_PORT"};
  for (size_t i = 0; i < sizeof env / sizeof env[0]; i++) {
    const char *v = getenv(env[i]);
    printf("test-guest: env %s=%s\n", env[i], v ? v : "<unset>");
  }
  print_virtio_ports();
  print_file("cgroup-controllers", "/sys/fs/cgroup/cgroup.controllers");
  in_child("unshare-all-namespaces", unshare_namespaces);
  in_child("pivot-root", pivot_into_tmpfs);
  in_child("seccomp-filter", seccomp_filter_available);
  print_file("previous-marker", "/cas/test-guest-marker");

  /* The boot number in the marker grows by one per boot on the same CAS image. */
  int boot = 1;
  FILE *m = fopen("/cas/test-guest-marker", "r");
  if (m != NULL) {
    if (fscanf(m, "boot %d", &boot) == 1) boot++;
    fclose(m);
  }
  m = fopen("/cas/test-guest-marker", "w");
  if (m == NULL) die("open /cas/test-guest-marker for writing");
  fprintf(m, "boot %d\n", boot);
  if (fclose(m) != 0) die("close /cas/test-guest-marker");
  printf("test-guest: wrote-marker boot %d\n", boot);

  const char *mode = cmdline_value("testguest.mode", "poweroff");
  if (strncmp(mode, "exit:", 5) == 0) {
    int code = atoi(mode + 5);
    printf("test-guest: exiting with status %d\n", code);
    return code;
  }
  printf("test-guest: powering off\n");
  sync();
  reboot(RB_POWER_OFF);
  die("reboot(RB_POWER_OFF)");
}
