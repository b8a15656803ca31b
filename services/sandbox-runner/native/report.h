/*
 * What the sandbox tells the outer process, and what the outer process tells
 * the TypeScript side.
 *
 * Inside: PID 1 and the action's process (until it execs) hold the write end
 * of a pipe whose only reader is the outer process. One line per message:
 *   "S"            PID 1 runs and has armed PR_SET_PDEATHSIG
 *   "E <message>"  setup failed (written by DIE through die_report_to)
 *   "W <status>"   the action ended with this wait(2) status
 * Messages are shorter than PIPE_BUF, so each write is atomic.
 *
 * Outside: one line on --status-fd, which the TypeScript side parses
 * (src/sandbox-helper-status.ts):
 *   exit <code> <usage>
 *   signal <number> <usage>
 *   timeout <usage>
 *   setup-error <file>:<line>: <what>[: <errno text>]
 * where <usage> is "wall_us=N user_us=N sys_us=N maxrss_kib=N": wall time of
 * the sandbox, CPU time and peak RSS of the sandbox's processes (PID 1 and
 * every process it reaped, which is all of them).
 */
#ifndef ACTIOND_SANDBOX_REPORT_H_
#define ACTIOND_SANDBOX_REPORT_H_

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "die.h"

/* Inside: PID 1 is running. Dies if the outer process is gone, which is how
 * PID 1 learns that it was orphaned before PR_SET_PDEATHSIG was armed (the
 * write fails with EPIPE: SIGPIPE is blocked). */
void report_started(int fd);

/* Inside: the action ended with wait status status. */
void report_action_status(int fd, int status);

/* What the outer process read from the pipe. */
struct pid1_report {
  bool started;
  bool setup_failed;
  char setup_error[DIE_MESSAGE_MAX];
  bool action_ended;
  int action_status;
};

/* Outside: reads everything written to the (non-blocking) pipe so far. Call
 * after PID 1 was reaped: by then every writer is gone. */
void report_read(int fd, struct pid1_report *report);

enum outcome_kind {
  OUTCOME_EXITED,
  OUTCOME_SIGNALED,
  OUTCOME_TIMEOUT,
  OUTCOME_SETUP_ERROR,
};

struct outcome {
  enum outcome_kind kind;
  int code; /* exit code, or signal number */
  const char *setup_error;
  uint64_t wall_us;
  struct rusage usage;
};

/* Outside: writes the status line to fd; does nothing when fd is -1. */
void report_outcome(int fd, const struct outcome *outcome);

/* The helper's exit status for an outcome: the action's exit code, 128 plus
 * the signal that killed it (128 + SIGKILL on timeout), or
 * SANDBOX_SETUP_FAILED. */
int report_exit_status(const struct outcome *outcome);

#endif
