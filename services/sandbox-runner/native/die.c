/* See die.h. */
#include "die.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int report_fd = -1;
static char report_prefix[32];

void die_report_to(int fd, const char *prefix) {
  report_fd = fd;
  snprintf(report_prefix, sizeof(report_prefix), "%s", prefix);
}

int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Length of the text in a buffer of size cap after a snprintf that wrote n
 * bytes (or would have) starting at offset start. */
static size_t clamp(int n, size_t start, size_t cap) {
  if (n < 0) return start;
  size_t end = start + (size_t)n;
  return end < cap ? end : cap - 1;
}

void die_at(const char *file, int line, int err, const char *fmt, ...) {
  char message[DIE_MESSAGE_MAX];
  size_t used = clamp(snprintf(message, sizeof(message), "%s:%d: ", file, line),
                      0, sizeof(message));
  va_list ap;
  va_start(ap, fmt);
  used = clamp(vsnprintf(message + used, sizeof(message) - used, fmt, ap), used,
               sizeof(message));
  va_end(ap);
  if (err != 0) {
    snprintf(message + used, sizeof(message) - used, ": %s", strerror(err));
  }
  /* The status line is one line: a path with a newline in it must not be able
   * to forge a second one. */
  for (char *c = message; *c != '\0'; c++) {
    if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
  }

  char line_buf[sizeof(report_prefix) + DIE_MESSAGE_MAX + 2];
  int n = snprintf(line_buf, sizeof(line_buf), "actiond-sandbox: %s\n", message);
  /* Nothing useful is left to do if stderr or the report fd is gone. */
  (void)write_all(STDERR_FILENO, line_buf, (size_t)n);
  if (report_fd >= 0) {
    n = snprintf(line_buf, sizeof(line_buf), "%s%s\n", report_prefix, message);
    (void)write_all(report_fd, line_buf, (size_t)n);
  }
  _exit(SANDBOX_SETUP_FAILED);
}
