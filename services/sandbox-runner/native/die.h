/*
 * Logging and fatal errors for actiond-sandbox.
 *
 * Every failed system call ends the helper through DIE, which names the
 * source file and line, what was being done, and the errno text, e.g.
 *
 *   mounts.c:118: mount(/usr, /usr, MS_BIND): No such file or directory
 *
 * The message goes to stderr and, through the report hook set with
 * die_report_to(), to whoever must tell the TypeScript side that setup failed
 * (the --status-fd in the outer process, the report pipe inside the sandbox).
 * Then the process exits with SANDBOX_SETUP_FAILED, which is distinct from
 * every status the helper uses for the action itself only by convention (an
 * action may exit 125 too); the status fd is the unambiguous channel.
 */
#ifndef ACTIOND_SANDBOX_DIE_H_
#define ACTIOND_SANDBOX_DIE_H_

#include <errno.h>
#include <stddef.h>

/* Exit status of the helper when the sandbox could not be set up or the
 * action could not be started (same number as docker run and timeout(1) use
 * for "the tool itself failed"). */
#define SANDBOX_SETUP_FAILED 125

/* Longest message DIE produces; longer ones are cut (paths are bounded by
 * PATH_MAX, so this only cuts pathological messages). */
#define DIE_MESSAGE_MAX 2048

#ifdef __FILE_NAME__
#define DIE_FILE __FILE_NAME__
#else
#define DIE_FILE __FILE__
#endif

/* A system call failed: the message ends with ": <strerror(errno)>". */
#define DIE(...) die_at(DIE_FILE, __LINE__, errno, __VA_ARGS__)

/* Bad input or an impossible state with no errno to report. */
#define FAIL(...) die_at(DIE_FILE, __LINE__, 0, __VA_ARGS__)

/* From now on, also write every fatal message to fd, as one line that starts
 * with prefix (at most 31 bytes). fd -1 turns the report off. */
void die_report_to(int fd, const char *prefix);

__attribute__((noreturn, format(printf, 4, 5))) void die_at(const char *file,
                                                            int line, int err,
                                                            const char *fmt,
                                                            ...);

/* Writes all of buf to fd, retrying on EINTR and short writes. Returns 0, or
 * -1 with errno set. Async-signal-safe, usable between fork and exec. */
int write_all(int fd, const char *buf, size_t len);

#endif
