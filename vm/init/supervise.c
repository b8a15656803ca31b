#include "supervise.h"

#include "die.h"

#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

/* Mount points unmounted at shutdown, writable CAS first. */
static const char *const SHUTDOWN_UNMOUNTS[] = {"/cas", "/runtimes", "/system"};

static void report(pid_t pid, int status) {
  if (WIFEXITED(status))
    log_line("guest (pid %d) exited with status %d", (int)pid, WEXITSTATUS(status));
  else if (WIFSIGNALED(status))
    log_line("guest (pid %d) was killed by signal %d (%s)", (int)pid, WTERMSIG(status),
             strsignal(WTERMSIG(status)));
}

static void shut_down(void) {
  /* Whatever the guest left behind would keep the disks busy. */
  if (kill(-1, SIGKILL) != 0 && errno != ESRCH) log_line("kill(-1, SIGKILL): %s", strerror(errno));
  while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {
  }
  sync();
  for (size_t i = 0; i < sizeof SHUTDOWN_UNMOUNTS / sizeof SHUTDOWN_UNMOUNTS[0]; i++) {
    const char *dir = SHUTDOWN_UNMOUNTS[i];
    if (umount2(dir, 0) == 0)
      log_line("unmounted %s", dir);
    else if (errno != EINVAL && errno != ENOENT) /* EINVAL: not a mount point */
      log_line("umount %s: %s", dir, strerror(errno));
  }
  log_line("powering off");
  power_off();
}

void supervise_guest(const char *path, char *const envp[]) {
  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGCHLD);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGINT);
  sigaddset(&handled, SIGPWR);
  /* Blocked signals stay pending for sigwaitinfo below: no handler, no race with fork. */
  if (sigprocmask(SIG_BLOCK, &handled, NULL) != 0) DIE("sigprocmask");
  /* Ctrl-Alt-Del becomes SIGINT to init instead of an immediate reboot. */
  if (reboot(RB_DISABLE_CAD) != 0) DIE("reboot(RB_DISABLE_CAD)");

  pid_t guest = fork();
  if (guest < 0) DIE("fork");
  if (guest == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (setsid() < 0) DIE("setsid");
    char *const argv[] = {(char *)path, NULL};
    execve(path, argv, envp);
    DIE("execve %s", path);
  }
  log_line("started guest %s (pid %d)", path, (int)guest);

  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&handled, &info);
    if (sig < 0) {
      if (errno == EINTR) continue;
      DIE("sigwaitinfo");
    }
    if (sig != SIGCHLD) {
      log_line("got signal %d (%s); sending SIGTERM to the guest", sig, strsignal(sig));
      if (kill(guest, SIGTERM) != 0 && errno != ESRCH) log_line("kill guest: %s", strerror(errno));
      continue;
    }
    /* SIGCHLD coalesces: reap every child that has ended, the guest among them or not. */
    for (;;) {
      int status;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid == guest) {
        report(pid, status);
        shut_down();
      }
    }
  }
}
