/* See launcher.h. */
#include "launcher.h"

#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "credentials.h"
#include "die.h"
#include "mounts.h"
#include "network.h"
#include "run.h"

/* Largest id the TypeScript side can hold exactly (Number.MAX_SAFE_INTEGER). */
#define MAX_ID 9007199254740991ULL

/* What a run has written to one of its pipes, up to LAUNCHER_OUTPUT_MAX. */
struct output {
  int fd; /* -1 at end of file */
  char *data;
  size_t len;
};

struct run {
  uint64_t id;
  pid_t pid;
  bool reaped;
  int wait_status;
  struct output status, err;
};

static struct run *runs;
static size_t n_runs, cap_runs;

/* Network namespaces made ahead (launcher.h): fds, close-on-exec. */
static int spare_netns[LAUNCHER_SPARE_NETNS];
static size_t n_spare_netns;
/* An fd of the launcher's own network namespace, to return to; -1: no
 * spares are made. */
static int host_netns = -1;
/* Making a spare failed; tried again when the next run starts. */
static bool spare_failed;
/* The fd number a run finds its spare at (--netns-fd). */
#define RUN_NETNS_FD 4
#define RUN_NETNS_FD_TEXT "4"
/* The template mount namespace every run's is copied from (launcher.h);
 * -1: none could be made, runs copy the host's. */
static int template_mntns = -1;
/* The fd number a run finds it at (--mntns-fd). */
#define RUN_MNTNS_FD 5
#define RUN_MNTNS_FD_TEXT "5"

/* Everything read from stdin and not yet handled. */
static char *input;
static size_t input_len, input_cap;
static bool input_open = true;
static bool stopping;

__attribute__((noreturn, format(printf, 1, 2))) static void bad_request(
    const char *fmt, ...) {
  char message[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);
  dprintf(STDERR_FILENO, "actiond-sandbox --launcher: bad request: %s\n",
          message);
  _exit(2);
}

static void *grow(void *p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return p;
  size_t next = *cap == 0 ? 16 : *cap;
  while (next < need) next *= 2;
  p = realloc(p, next * size);
  if (p == NULL) DIE("realloc");
  *cap = next;
  return p;
}

/* Writes an answer; a server that is gone (EPIPE) means shutting down. */
static void answer(const char *data, size_t len) {
  if (write_all(STDOUT_FILENO, data, len) < 0) {
    if (errno != EPIPE) DIE("write(stdout)");
    stopping = true;
  }
}

static void finish(struct run *r) {
  char header[160];
  const char *kind = WIFSIGNALED(r->wait_status) ? "signal" : "exit";
  int n = WIFSIGNALED(r->wait_status) ? WTERMSIG(r->wait_status)
                                      : WEXITSTATUS(r->wait_status);
  int len = snprintf(header, sizeof(header), "done %" PRIu64 " %s %d %zu %zu\n",
                     r->id, kind, n, r->status.len, r->err.len);
  /* One write: the server wakes up once per answer, not once per part. */
  size_t total = (size_t)len + r->status.len + r->err.len;
  char *message = malloc(total);
  if (message == NULL) DIE("malloc");
  memcpy(message, header, (size_t)len);
  if (r->status.len > 0) memcpy(message + len, r->status.data, r->status.len);
  if (r->err.len > 0) memcpy(message + len + r->status.len, r->err.data, r->err.len);
  answer(message, total);
  free(message);
  free(r->status.data);
  free(r->err.data);
  *r = runs[--n_runs];
}

/* A run that could not be started: answered at once. */
static void failed(uint64_t id, int err, const char *what) {
  char message[256];
  int mlen = snprintf(message, sizeof(message),
                      "actiond-sandbox --launcher: %s: %s\n", what,
                      strerror(err));
  char header[160];
  int hlen = snprintf(header, sizeof(header), "done %" PRIu64 " failed %d 0 %d\n",
                      id, err, mlen);
  answer(header, (size_t)hlen);
  answer(message, (size_t)mlen);
}

/* dup2 that also works when the fd is already the target (dup2 would then
 * leave its close-on-exec flag set). */
static void move_fd(int fd, int target) {
  if (fd == target) {
    if (fcntl(fd, F_SETFD, 0) < 0) _exit(127);
  } else if (dup2(fd, target) < 0) {
    _exit(127);
  }
}

/* The name a run goes by in ps and /proc/<pid>/comm (at most 15 bytes):
 * without it, runs would look like the launcher itself. */
#define RUN_NAME "actiond-run"

/* The child of a fork: becomes the run. It calls run_main directly instead
 * of executing this binary again: an exec costs a static binary's start
 * over (page faults, and glibc's CPU feature probe, whose cpuid
 * instructions each trap to the hypervisor on a VM) and tears down the
 * copied address space, about a tenth of a run's CPU (README.md, Speed).
 * What exec would have reset is reset here by hand, so that the run starts
 * as a fresh exec with this command line would:
 *   - fds: all but 0-3, RUN_NETNS_FD and RUN_MNTNS_FD are closed, not only
 *     those that are close-on-exec: the server's pipes, the signalfd, the
 *     other spare namespaces, other runs' pipes;
 *   - signals: the mask is emptied and SIGPIPE, the only disposition the
 *     launcher changes (it installs no handler), is default again;
 *   - the parent-death signal (fork cleared the launcher's own) is set;
 *   - nothing else carries state into the run: the launcher's own state is
 *     its own file's statics and heap, which the run's code never reads;
 *     nothing is registered with atexit, no stdio buffer is used, and the
 *     run ends with _exit;
 *   - the environment is the launcher's, as execv passed it;
 *   - comm is RUN_NAME.
 * argv and its strings are this process's copy of the launcher's memory. */
static __attribute__((noreturn)) void become_run(int argc, char **argv,
                                                 int status_w, int err_w,
                                                 int netns, int mntns,
                                                 pid_t launcher) {
  /* A launcher that dies (even of SIGKILL) stops its runs: the helper turns
   * SIGTERM into ending its sandbox. */
  if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0) _exit(127);
  if (getppid() != launcher) _exit(127);
  sigset_t none;
  sigemptyset(&none);
  signal(SIGPIPE, SIG_DFL);
  sigprocmask(SIG_SETMASK, &none, NULL);
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) _exit(127);
  /* Out of the way of fds 0-5 first; moved to RUN_NETNS_FD and
   * RUN_MNTNS_FD last. */
  if (netns >= 0) {
    netns = fcntl(netns, F_DUPFD_CLOEXEC, 10);
    if (netns < 0) _exit(127);
  }
  if (mntns >= 0) {
    mntns = fcntl(mntns, F_DUPFD_CLOEXEC, 10);
    if (mntns < 0) _exit(127);
  }
  /* fd 3 first: err_w may be 3 itself only if status_w is not, and the
   * launcher's own 0, 1 and 2 are always open, so both are >= 3. */
  if (err_w == 3) {
    err_w = fcntl(err_w, F_DUPFD_CLOEXEC, 4);
    if (err_w < 0) _exit(127);
  }
  move_fd(status_w, 3);
  move_fd(devnull, STDIN_FILENO);
  move_fd(devnull, STDOUT_FILENO);
  move_fd(err_w, STDERR_FILENO);
  if (netns >= 0) move_fd(netns, RUN_NETNS_FD);
  if (mntns >= 0) move_fd(mntns, RUN_MNTNS_FD);
  /* Whatever else the launcher has at 4 and 5 (the spares, the signalfd),
   * and everything above. */
  if (netns < 0) (void)close(RUN_NETNS_FD);
  if (mntns < 0) (void)close(RUN_MNTNS_FD);
  if (syscall(SYS_close_range, RUN_MNTNS_FD + 1, ~0U, 0U) < 0) {
    dprintf(STDERR_FILENO, "actiond-sandbox --launcher: close_range(%d, ~0): %s\n",
            RUN_MNTNS_FD + 1, strerror(errno));
    _exit(127);
  }
  if (prctl(PR_SET_NAME, RUN_NAME, 0, 0, 0) < 0) _exit(127);
  _exit(run_main(argc, argv));
}

static void start_run(uint64_t id, char *payload, size_t len) {
  for (size_t i = 0; i < n_runs; i++) {
    if (runs[i].id == id) bad_request("run %" PRIu64 " is already running", id);
  }
  if (len > 0 && payload[len - 1] != '\0') {
    bad_request("the arguments of run %" PRIu64 " do not end with a NUL byte", id);
  }
  /* A spare namespace goes to this run; the next is made while it runs. */
  spare_failed = false;
  int netns = n_spare_netns > 0 ? spare_netns[--n_spare_netns] : -1;
  size_t n_args = 0;
  for (size_t i = 0; i < len; i++) n_args += payload[i] == '\0';
  char **argv = calloc(n_args + 6, sizeof(char *));
  if (argv == NULL) DIE("calloc");
  argv[0] = "actiond-sandbox";
  size_t first = 1;
  if (netns >= 0) {
    argv[first++] = "--netns-fd";
    argv[first++] = RUN_NETNS_FD_TEXT;
  }
  if (template_mntns >= 0) {
    argv[first++] = "--mntns-fd";
    argv[first++] = RUN_MNTNS_FD_TEXT;
  }
  size_t argc = first;
  for (size_t i = 0; i < len; argc++) {
    argv[argc] = payload + i;
    i += strlen(payload + i) + 1;
  }

  int status_pipe[2], err_pipe[2];
  if (pipe2(status_pipe, O_CLOEXEC) < 0) {
    failed(id, errno, "pipe2");
    free(argv);
    if (netns >= 0) close(netns);
    return;
  }
  if (pipe2(err_pipe, O_CLOEXEC) < 0) {
    failed(id, errno, "pipe2");
    close(status_pipe[0]);
    close(status_pipe[1]);
    free(argv);
    if (netns >= 0) close(netns);
    return;
  }
  pid_t self = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    become_run((int)argc, argv, status_pipe[1], err_pipe[1], netns,
               template_mntns, self);
  }
  int fork_errno = errno;
  free(argv);
  /* Used once: the run holds the only other fd of it. */
  if (netns >= 0 && close(netns) < 0) DIE("close");
  if (close(status_pipe[1]) < 0 || close(err_pipe[1]) < 0) DIE("close");
  if (pid < 0) {
    close(status_pipe[0]);
    close(err_pipe[0]);
    failed(id, fork_errno, "fork");
    return;
  }
  runs = grow(runs, &cap_runs, n_runs + 1, sizeof(*runs));
  runs[n_runs++] = (struct run){.id = id,
                                .pid = pid,
                                .status = {.fd = status_pipe[0]},
                                .err = {.fd = err_pipe[0]}};
  /* A run started while stopping is told to stop at once. */
  if (stopping) kill(pid, SIGTERM);
}

static void kill_run(uint64_t id, int sig) {
  for (size_t i = 0; i < n_runs; i++) {
    /* Not yet reaped: the pid is still this run's, never a reused one. */
    if (runs[i].id == id && !runs[i].reaped) {
      if (kill(runs[i].pid, sig) < 0 && errno != ESRCH) DIE("kill(%d, %d)", runs[i].pid, sig);
    }
  }
}

static uint64_t parse_number(const char **p, uint64_t max, const char *what) {
  const char *s = *p;
  if (*s < '0' || *s > '9') bad_request("%s is not a number", what);
  uint64_t v = 0;
  while (*s >= '0' && *s <= '9') {
    v = v * 10 + (uint64_t)(*s - '0');
    if (v > max) bad_request("%s is larger than %" PRIu64, what, max);
    s++;
  }
  *p = s;
  return v;
}

static void expect(const char **p, char c, const char *where) {
  if (**p != c) bad_request("expected '%c' %s", c, where);
  (*p)++;
}

/* Handles every complete request in the input buffer. */
static void handle_input(void) {
  size_t used = 0;
  for (;;) {
    char *line = input + used;
    char *nl = memchr(line, '\n', input_len - used);
    if (nl == NULL) {
      if (input_len - used > 256) bad_request("a request line longer than 256 bytes");
      break;
    }
    *nl = '\0';
    const char *p = line;
    if (strncmp(p, "run ", 4) == 0) {
      p += 4;
      uint64_t id = parse_number(&p, MAX_ID, "the run id");
      expect(&p, ' ', "after the run id");
      uint64_t len = parse_number(&p, LAUNCHER_REQUEST_MAX, "the length");
      expect(&p, '\0', "after the length");
      size_t start = (size_t)(nl + 1 - input);
      if (input_len - start < len) {
        *nl = '\n'; /* parsed again once the payload is here */
        break;
      }
      start_run(id, input + start, (size_t)len);
      used = start + (size_t)len;
    } else if (strncmp(p, "kill ", 5) == 0) {
      p += 5;
      uint64_t id = parse_number(&p, MAX_ID, "the run id");
      expect(&p, ' ', "after the run id");
      uint64_t sig = parse_number(&p, 64, "the signal");
      expect(&p, '\0', "after the signal");
      kill_run(id, (int)sig);
      used = (size_t)(nl + 1 - input);
    } else {
      bad_request("unknown request '%.20s'", line);
    }
  }
  memmove(input, input + used, input_len - used);
  input_len -= used;
}

static void read_input(void) {
  input = grow(input, &input_cap, input_len + 65536, 1);
  ssize_t n = read(STDIN_FILENO, input + input_len, input_cap - input_len);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return;
    DIE("read(stdin)");
  }
  if (n == 0) {
    if (input_len > 0) bad_request("stdin ended inside a request");
    input_open = false;
    stopping = true;
    return;
  }
  input_len += (size_t)n;
  handle_input();
}

static void read_output(struct output *o) {
  char buf[65536];
  ssize_t n = read(o->fd, buf, sizeof(buf));
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return;
    DIE("read(a run's pipe)");
  }
  if (n == 0) {
    if (close(o->fd) < 0) DIE("close");
    o->fd = -1;
    return;
  }
  size_t keep = (size_t)n;
  if (o->len + keep > LAUNCHER_OUTPUT_MAX) keep = LAUNCHER_OUTPUT_MAX - o->len;
  if (keep == 0) return;
  o->data = realloc(o->data, o->len + keep);
  if (o->data == NULL) DIE("realloc");
  memcpy(o->data + o->len, buf, keep);
  o->len += keep;
}

static void reap(void) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return; /* 0: none left to reap now; ECHILD: no children */
    for (size_t i = 0; i < n_runs; i++) {
      if (runs[i].pid == pid && !runs[i].reaped) {
        runs[i].reaped = true;
        runs[i].wait_status = status;
      }
    }
  }
}

/* Whether a spare network namespace should be made now. */
static bool want_spare(void) {
  return host_netns >= 0 && !stopping && !spare_failed &&
         n_spare_netns < LAUNCHER_SPARE_NETNS;
}

/* Makes one spare; a failure (a namespace limit, say) is said once on
 * stderr and leaves runs to make their own until the next run starts. */
static void make_spare(void) {
  int fd = network_make_spare(host_netns);
  if (fd < 0) {
    dprintf(STDERR_FILENO,
            "actiond-sandbox --launcher: cannot make a network namespace ahead: %s\n",
            strerror(errno));
    spare_failed = true;
    return;
  }
  spare_netns[n_spare_netns++] = fd;
}

static void stop_all(void) {
  static bool signalled;
  if (signalled) return;
  signalled = true;
  for (size_t i = 0; i < n_runs; i++) {
    if (!runs[i].reaped) kill(runs[i].pid, SIGTERM);
  }
}

void launcher_main(void) {
  /* Whoever started us (the server) is the only one who can use us. */
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0) DIE("prctl(PR_SET_PDEATHSIG)");
  if (getppid() != parent) _exit(0);
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) DIE("signal(SIGPIPE)");
  /* The launcher and its runs execute nothing (a run is a fork, and only
   * its action, after dropping every privilege, execs), so the bounding
   * set, which limits only what an execve grants, serves none of them.
   * Emptied here once, every run inherits it empty, and the action's own
   * drop (credentials.c) has nothing left to do: 41 replacements of its
   * credentials fewer per run. If it fails (no CAP_SETPCAP), each action
   * drops it itself, as before. */
  (void)credentials_empty_bounding_set();
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) DIE("sigprocmask");
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) DIE("signalfd");
  /* Without it no spares: each run makes its own namespace, as before. */
  host_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  /* Without it runs copy the host's mount namespace, as before. */
  template_mntns = mounts_make_template();
  if (template_mntns < 0) {
    dprintf(STDERR_FILENO,
            "actiond-sandbox --launcher: cannot make the template mount namespace: %s\n",
            strerror(errno));
  }

  struct pollfd *fds = NULL;
  size_t cap_fds = 0;
  while (input_open || n_runs > 0) {
    if (stopping) stop_all();
    fds = grow(fds, &cap_fds, 2 + 2 * n_runs, sizeof(*fds));
    size_t n = 0;
    fds[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    fds[n++] = (struct pollfd){.fd = input_open ? STDIN_FILENO : -1, .events = POLLIN};
    for (size_t i = 0; i < n_runs; i++) {
      fds[n++] = (struct pollfd){.fd = runs[i].status.fd, .events = POLLIN};
      fds[n++] = (struct pollfd){.fd = runs[i].err.fd, .events = POLLIN};
    }
    /* With a spare to make, only look for what is already there. */
    if (poll(fds, n, want_spare() ? 0 : -1) < 0) {
      if (errno == EINTR) continue;
      DIE("poll");
    }
    if (fds[0].revents != 0) {
      struct signalfd_siginfo info;
      while (read(sfd, &info, sizeof(info)) == sizeof(info)) {
        /* Asked to stop: no new runs, end the running ones. */
        if (info.ssi_signo != SIGCHLD) stopping = true, input_open = false;
      }
      reap();
    }
    /* Pipes before stdin: a request may add runs and move the array. */
    size_t before = n_runs;
    for (size_t i = 0; i < before; i++) {
      if (fds[2 + 2 * i].revents != 0) read_output(&runs[i].status);
      if (fds[3 + 2 * i].revents != 0) read_output(&runs[i].err);
    }
    if (fds[1].revents != 0) read_input();
    for (size_t i = 0; i < n_runs;) {
      struct run *r = &runs[i];
      if (r->reaped && r->status.fd < 0 && r->err.fd < 0) {
        finish(r); /* moves the last run into slot i */
      } else {
        i++;
      }
    }
    /* After the requests and answers: a run just started is on its way. */
    if (want_spare()) make_spare();
  }
  _exit(0);
}
