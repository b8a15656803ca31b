/* See report.h. */
#include "report.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void report_started(int fd) {
  if (write_all(fd, "S\n", 2) < 0) DIE("reporting to the helper's outer process");
}

void report_action_status(int fd, int status) {
  char line[32];
  int n = snprintf(line, sizeof(line), "W %d\n", status);
  if (write_all(fd, line, (size_t)n) < 0) {
    DIE("reporting to the helper's outer process");
  }
}

static void parse_line(char *line, struct pid1_report *report) {
  switch (line[0]) {
    case 'S':
      report->started = true;
      break;
    case 'E':
      /* The first error is the cause; later ones are consequences. */
      if (!report->setup_failed && line[1] == ' ') {
        report->setup_failed = true;
        snprintf(report->setup_error, sizeof(report->setup_error), "%s",
                 line + 2);
      }
      break;
    case 'W':
      if (line[1] == ' ') {
        report->action_ended = true;
        report->action_status = atoi(line + 2);
      }
      break;
  }
}

void report_read(int fd, struct pid1_report *report) {
  *report = (struct pid1_report){0};
  /* A few short lines at most; more than this would be a bug, and the
   * first bytes carry what matters. */
  char buf[4 * DIE_MESSAGE_MAX + 64];
  size_t used = 0;
  for (;;) {
    ssize_t n = read(fd, buf + used, sizeof(buf) - 1 - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n < 0) DIE("read(report pipe)");
    if (n == 0) break;
    used += (size_t)n;
    if (used == sizeof(buf) - 1) break;
  }
  buf[used] = '\0';
  for (char *line = buf, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
    *nl = '\0';
    parse_line(line, report);
  }
}

static long long usec(struct timeval tv) {
  return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

void report_outcome(int fd, const struct outcome *o) {
  if (fd < 0) return;
  char line[DIE_MESSAGE_MAX + 256];
  int n;
  if (o->kind == OUTCOME_SETUP_ERROR) {
    n = snprintf(line, sizeof(line), "setup-error %s\n", o->setup_error);
  } else {
    char usage[160];
    snprintf(usage, sizeof(usage),
             "wall_us=%llu user_us=%lld sys_us=%lld maxrss_kib=%ld",
             (unsigned long long)o->wall_us, usec(o->usage.ru_utime),
             usec(o->usage.ru_stime), o->usage.ru_maxrss);
    if (o->kind == OUTCOME_EXITED) {
      n = snprintf(line, sizeof(line), "exit %d %s\n", o->code, usage);
    } else if (o->kind == OUTCOME_SIGNALED) {
      n = snprintf(line, sizeof(line), "signal %d %s\n", o->code, usage);
    } else {
      n = snprintf(line, sizeof(line), "timeout %s\n", usage);
    }
  }
  if (n >= (int)sizeof(line)) {
    n = (int)sizeof(line) - 1;
    line[n - 1] = '\n';
  }
  /* Dying here could only print the same failure to stderr. */
  if (write_all(fd, line, (size_t)n) < 0) {
    static const char msg[] = "actiond-sandbox: could not write --status-fd\n";
    (void)write_all(STDERR_FILENO, msg, sizeof(msg) - 1);
  }
}

int report_exit_status(const struct outcome *o) {
  switch (o->kind) {
    case OUTCOME_EXITED:
      return o->code;
    case OUTCOME_SIGNALED:
      return 128 + o->code;
    case OUTCOME_TIMEOUT:
      return 128 + SIGKILL;
    case OUTCOME_SETUP_ERROR:
      break;
  }
  return SANDBOX_SETUP_FAILED;
}
