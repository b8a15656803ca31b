/*
 * Running the guest worker under init.
 *
 * Init does not exec the worker in its own place: if PID 1 ever exits the
 * kernel panics, and PID 1 must reap every orphan in the VM. So init forks,
 * the child execs the worker, and init stays behind as a small reaper that
 * forwards SIGTERM/SIGINT/SIGPWR (Ctrl-Alt-Del arrives as SIGINT) to the
 * worker as SIGTERM. When the worker ends, init reports how, kills whatever
 * is left, unmounts the disks (so the CAS ext4 is clean for the next boot)
 * and powers off.
 */
#ifndef ACTIOND_INIT_SUPERVISE_H
#define ACTIOND_INIT_SUPERVISE_H

/* Runs path with argv {path, NULL} and envp until it ends; never returns (powers off). */
void supervise_guest(const char *path, char *const envp[]) __attribute__((noreturn));

#endif
