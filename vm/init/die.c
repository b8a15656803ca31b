#include "die.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <termios.h>
#include <unistd.h>

static void vlog(const char *prefix, const char *fmt, va_list ap) {
  char buf[1024];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
  /* One write per line so lines from init and the guest do not interleave. */
  char out[1200];
  int m = snprintf(out, sizeof out, "actiond-init: %s%.*s\n", prefix, n, buf);
  if (m > 0) {
    ssize_t ignored = write(STDERR_FILENO, out, (size_t)m < sizeof out ? (size_t)m : sizeof out - 1);
    (void)ignored;
  }
}

void log_line(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("", fmt, ap);
  va_end(ap);
}

void power_off(void) {
  sync();
  /*
   * Let the console transmit what init wrote before the kernel prints its
   * own "reboot: Power down": a serial console's tty buffers our line while
   * printk writes straight to the device, so without this the kernel's
   * message can land in the middle of the FATAL line the host reads.
   * Fails harmlessly (ENOTTY) when stderr is not a terminal.
   */
  tcdrain(STDERR_FILENO);
  if (getpid() == 1) {
    reboot(RB_POWER_OFF);
    /* Only reached if the kernel could not power off: halt instead of panicking. */
    log_line("reboot(RB_POWER_OFF) failed: %s; halting", strerror(errno));
    reboot(RB_HALT_SYSTEM);
    for (;;) pause();
  }
  /* Not PID 1 (run by hand on a host for debugging): just exit. */
  exit(2);
}

void die_at(const char *file, int line, int errnum, const char *fmt, ...) {
  char msg[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (errnum != 0)
    log_line("FATAL %s:%d: %s: %s", file, line, msg, strerror(errnum));
  else
    log_line("FATAL %s:%d: %s", file, line, msg);
  power_off();
}
