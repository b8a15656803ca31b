/*
 * One sandbox run: what `actiond-sandbox --root ... -- ARGV...` does (see
 * README.md), as a function, so that the launcher can call it in a forked
 * child instead of executing the binary again (launcher.h).
 */
#ifndef ACTIOND_SANDBOX_RUN_H_
#define ACTIOND_SANDBOX_RUN_H_

/* Parses the command line, runs the sandbox, writes the status line, and
 * returns the helper's exit status (the action's, 128 + a signal, or
 * SANDBOX_SETUP_FAILED). Setup failures end the process through DIE with
 * _exit. The caller must be single-threaded, hold nothing it does not want
 * the sandbox to inherit (fds beyond 0-2 and those the arguments name,
 * handlers, blocked signals), and end with _exit(run_main(...)): the
 * process forks PID 1 and the action from here. argv[argc] is NULL. */
int run_main(int argc, char **argv);

#endif
