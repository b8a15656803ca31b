/*
 * Console logging and fatal exits for the actiond guest init.
 *
 * Every line goes to the console (fd 2, which the kernel opened on
 * /dev/console before running us) prefixed "actiond-init: ", so the host can
 * follow boot progress and spot failures by grepping the serial log.
 *
 * A fatal error must not end PID 1 (the kernel would panic and print a wall
 * of text that buries the reason): die_at() prints one "actiond-init: FATAL"
 * line naming the source location and the reason, syncs, and powers the
 * machine off, which makes QEMU (with -no-reboot) or Virtualization.framework
 * stop so the host sees the VM end.
 */
#ifndef ACTIOND_INIT_DIE_H
#define ACTIOND_INIT_DIE_H

#include <errno.h>

/* Prints one progress line: "actiond-init: <formatted text>". */
void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the FATAL line (with strerror(errnum) when errnum != 0) and powers off. */
void die_at(const char *file, int line, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));

/* Syncs filesystems and powers the machine off; never returns. */
void power_off(void) __attribute__((noreturn));

/* A failed system call: the message gets ": <errno text>" appended. */
#define DIE(...) die_at(__FILE__, __LINE__, errno, __VA_ARGS__)

/* Bad input or state with no errno to report (a parameter, a disk's contents). */
#define FAIL(...) die_at(__FILE__, __LINE__, 0, __VA_ARGS__)

#endif
