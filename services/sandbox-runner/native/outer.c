/* See outer.h. */
#include "outer.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "mounts.h"
#include "pid1.h"

#define NO_DEADLINE UINT64_MAX

static uint64_t now_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) DIE("clock_gettime");
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Creates PID 1 in new namespaces; returns its pid and the read end of the
 * report pipe. */
static pid_t start_pid1(const struct options *opt, const struct cgroups *cg,
                        int *report_fd) {
  /* The binds' sources are host paths: looked up here, in the host's
   * namespace, before PID 1's namespace (maybe a copy of the template)
   * exists. */
  struct mount_sources src;
  mounts_open_sources(opt, &src);
  if (opt->mntns_fd >= 0 && setns(opt->mntns_fd, CLONE_NEWNS) < 0) {
    DIE("--mntns-fd: setns(%d, CLONE_NEWNS)", opt->mntns_fd);
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) < 0) DIE("pipe2");
  unsigned long flags =
      CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
  if (opt->netns_fd >= 0) {
    /* A namespace made ahead for this run (--netns-fd): entered here, so
     * that PID 1 is born in it. This process needs no network of its own. */
    if (setns(opt->netns_fd, CLONE_NEWNET) < 0) {
      DIE("--netns-fd: setns(%d, CLONE_NEWNET)", opt->netns_fd);
    }
  } else if (!opt->network) {
    flags |= CLONE_NEWNET;
  }
  /* The raw system call with a NULL stack behaves like fork(): the child
   * continues on a copy-on-write copy of our stack (clone(2), "C library/
   * kernel differences"), so no separate stack is needed. Every
   * architecture takes the flags first, and the other arguments are unused
   * without CLONE_*SETTID or CLONE_SETTLS. */
  pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
  if (pid < 0) DIE("clone(CLONE_NEWNS | CLONE_NEWPID | ..., flags 0x%lx)", flags);
  if (pid == 0) {
    (void)close(pipe_fds[0]);
    pid1_main(opt, cg, &src, pipe_fds[1]);
  }
  if (close(pipe_fds[1]) < 0) DIE("close");
  mounts_close_sources(&src);
  if (opt->mntns_fd >= 0 && close(opt->mntns_fd) < 0) DIE("close(--mntns-fd)");
  if (opt->netns_fd >= 0 && close(opt->netns_fd) < 0) DIE("close(--netns-fd)");
  if (fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK) < 0) DIE("fcntl(O_NONBLOCK)");
  *report_fd = pipe_fds[0];
  return pid;
}

enum phase { RUNNING, TERMINATING, KILLED };

struct supervision {
  pid_t pid1;
  enum phase phase;
  uint64_t deadline; /* of the timeout, or of the kill delay */
  bool timed_out;
  bool killed; /* we SIGKILLed PID 1 */
  int status;  /* PID 1's wait status */
  struct rusage usage;
};

static void kill_now(struct supervision *s, const struct cgroups *cg) {
  /* SIGKILL reaches PID 1 from the parent namespace even though PID 1 has
   * no handler for it; its death kills the rest of the namespace. The
   * cgroups are killed too, in case a process of them lives elsewhere. */
  if (kill(s->pid1, SIGKILL) < 0) DIE("kill(PID 1, SIGKILL)");
  cgroups_kill(cg);
  s->phase = KILLED;
  s->killed = true;
  s->deadline = NO_DEADLINE;
}

/* Starts stopping the sandbox: SIGTERM-like sig now (PID 1 forwards it to
 * everyone), SIGKILL after the kill delay; or SIGKILL at once. */
static void stop(struct supervision *s, const struct options *opt,
                 const struct cgroups *cg, int sig) {
  if (s->phase == KILLED) return;
  if (s->phase == TERMINATING || opt->kill_delay_ms == 0) {
    kill_now(s, cg);
    return;
  }
  if (kill(s->pid1, sig) < 0) DIE("kill(PID 1, %d)", sig);
  s->phase = TERMINATING;
  s->deadline = now_ns() + opt->kill_delay_ms * 1000000u;
}

/* Waits for PID 1 to end, enforcing the timeout and forwarding termination
 * signals meanwhile. */
static void supervise(struct supervision *s, const struct options *opt,
                      const struct cgroups *cg) {
  sigset_t set;
  pid1_signals(&set);
  for (;;) {
    siginfo_t info;
    int sig;
    if (s->deadline == NO_DEADLINE) {
      sig = sigwaitinfo(&set, &info);
    } else {
      uint64_t now = now_ns();
      if (now >= s->deadline) {
        sig = 0;
      } else {
        uint64_t left = s->deadline - now;
        struct timespec ts = {.tv_sec = (time_t)(left / 1000000000u),
                              .tv_nsec = (long)(left % 1000000000u)};
        sig = sigtimedwait(&set, &info, &ts);
        if (sig < 0 && errno == EAGAIN) sig = 0;
      }
    }
    if (sig < 0) {
      if (errno == EINTR) continue;
      DIE("sigtimedwait");
    }
    if (sig == SIGCHLD) {
      pid_t pid = wait4(s->pid1, &s->status, WNOHANG, &s->usage);
      if (pid < 0 && errno != EINTR) DIE("wait4(PID 1)");
      if (pid == s->pid1) return;
    } else if (sig == 0) {
      if (s->phase == RUNNING) {
        s->timed_out = true;
        stop(s, opt, cg, SIGTERM);
      } else {
        kill_now(s, cg);
      }
    } else {
      stop(s, opt, cg, sig);
    }
  }
}

static void decide(const struct supervision *s, const struct pid1_report *r,
                   char *message, struct outcome *out) {
  if (r->setup_failed) {
    out->kind = OUTCOME_SETUP_ERROR;
    out->setup_error = r->setup_error;
  } else if (s->timed_out) {
    out->kind = OUTCOME_TIMEOUT;
  } else if (r->action_ended && WIFEXITED(r->action_status)) {
    out->kind = OUTCOME_EXITED;
    out->code = WEXITSTATUS(r->action_status);
  } else if (r->action_ended && WIFSIGNALED(r->action_status)) {
    out->kind = OUTCOME_SIGNALED;
    out->code = WTERMSIG(r->action_status);
  } else if (s->killed) {
    /* Stopped at our caller's request before PID 1 could report: the action
     * died of the SIGKILL that tore the namespace down. */
    out->kind = OUTCOME_SIGNALED;
    out->code = SIGKILL;
  } else {
    snprintf(message, DIE_MESSAGE_MAX,
             "%s:%d: the sandbox's PID 1 ended without a report (%s %d)",
             DIE_FILE, __LINE__,
             WIFSIGNALED(s->status) ? "signal" : "exit status",
             WIFSIGNALED(s->status) ? WTERMSIG(s->status)
                                    : WEXITSTATUS(s->status));
    out->kind = OUTCOME_SETUP_ERROR;
    out->setup_error = message;
  }
}

void outer_run(const struct options *opt, const struct cgroups *cg,
               struct outcome *out) {
  static struct pid1_report report;
  static char message[DIE_MESSAGE_MAX];
  uint64_t start = now_ns();
  int report_fd;
  struct supervision s = {.phase = RUNNING, .deadline = NO_DEADLINE};
  s.pid1 = start_pid1(opt, cg, &report_fd);
  if (opt->timeout_ms > 0) s.deadline = start + opt->timeout_ms * 1000000u;
  supervise(&s, opt, cg);
  *out = (struct outcome){.wall_us = (now_ns() - start) / 1000,
                          .usage = s.usage};
  report_read(report_fd, &report);
  if (close(report_fd) < 0) DIE("close");
  decide(&s, &report, message, out);
}
