/*
 * actiond-guest: what the VM's /init runs (as /system/bin/actiond-guest, see
 * vm/README.md "Boot protocol"). It only prepares what Node.js needs to
 * start and then becomes the guest worker (Node.js running the bundled
 * cmd/linux_actiond_guest/src/main.ts as a single-executable application);
 * everything the worker decides happens in TypeScript.
 *
 * The guest root is a fresh tmpfs that holds nothing but mount points. Node.js
 * is dynamically linked, and its program interpreter path is baked into the
 * binary (/lib64/ld-linux-x86-64.so.2, /lib/ld-linux-aarch64.so.1), so the
 * system image carries the loader and libraries under /system/lib and
 * /system/lib64, and this program links /lib and /lib64 to them: the root
 * then looks like any Linux root to the loader, and Node's process.execPath
 * stays the worker's path (running the loader explicitly would make it the
 * loader).

 *
 * Exit status 127 with one "actiond-guest: FATAL" line on stderr (the VM
 * console) when that fails; init then reports the exit and powers off.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Node.js made a single-executable application of the bundled guest worker (tools/src/vm/guest-system-image.ts). */
#define WORKER "/system/bin/actiond-worker"

extern char **environ;

__attribute__((noreturn, format(printf, 2, 3))) static void die(int err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("actiond-guest: FATAL ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  if (err != 0) fprintf(stderr, ": %s", strerror(err));
  fputc('\n', stderr);
  exit(127);
}

/* Makes `link` a symlink to `target` when the system image has `target`; an existing right link is fine. */
static void link_into_root(const char *target, const char *link) {
  struct stat st;
  if (stat(target, &st) != 0) {
    if (errno == ENOENT) return; /* this architecture's image has no such directory */
    die(errno, "stat %s", target);
  }
  if (symlink(target, link) == 0) return;
  if (errno != EEXIST) die(errno, "symlink %s -> %s", link, target);
  char existing[256];
  ssize_t n = readlink(link, existing, sizeof existing - 1);
  if (n < 0) die(errno, "%s exists and is not the symlink to %s", link, target);
  existing[n] = '\0';
  if (strcmp(existing, target) != 0) die(0, "%s points to %s, expected %s", link, existing, target);
}

int main(void) {
  link_into_root("/system/lib", "/lib");
  link_into_root("/system/lib64", "/lib64");
  char *const argv[] = {WORKER, NULL};
  execve(WORKER, argv, environ);
  die(errno, "execve %s", WORKER);
}
