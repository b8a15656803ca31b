/*
 * `actiond-sandbox --launcher`: a small, long-lived process that starts
 * sandbox runs for the server, so that the server never forks itself.
 *
 * Why: forking the Node server costs milliseconds per action: the kernel
 * copies the page tables of a process with hundreds of MB resident, libuv
 * blocks the event loop until the child has exec'd, and every page the
 * server writes afterwards takes a copy-on-write fault. Forking this
 * process, a few hundred KB, costs a small fraction of that. A run is a
 * forked child that calls run_main (run.h) without executing the binary
 * again, and first undoes by hand what it would otherwise inherit from the
 * launcher (launcher.c, become_run): it starts as an exec would start it,
 * with nothing of the launcher's but its environment.
 *
 * Protocol, on the launcher's stdin (requests) and stdout (answers); the
 * launcher's own fatal errors go to its stderr:
 *
 *   run <id> <length>\n<length bytes>
 *       Start a run: the bytes are the helper's arguments (without argv[0]),
 *       each terminated by a NUL byte. The run gets /dev/null as stdin and
 *       stdout, a pipe as stderr, and a pipe as fd 3 (so its arguments
 *       should say --status-fd 3). <id> is the caller's, 1 to 2^53-1.
 *   kill <id> <signal>\n
 *       Send <signal> to run <id>, if it has not been reaped yet.
 *
 *   done <id> <kind> <n> <status-length> <stderr-length>\n<status><stderr>
 *       Run <id> is over and both its pipes are at end of file. <kind> <n>:
 *       "exit N" (its exit status), "signal N" (the signal that killed it),
 *       or "failed N" (it could not be started: errno N, and the message is
 *       the stderr part). <status> is what it wrote to fd 3, <stderr> what
 *       it wrote to stderr (at most LAUNCHER_OUTPUT_MAX bytes of each; the
 *       rest is read and dropped).
 *
 * Malformed requests end the launcher (exit status 2, a message on stderr):
 * the server is its only client, so a bad request is a bug there. At end of
 * file on stdin, or on SIGTERM, SIGINT or SIGHUP, the launcher sends SIGTERM
 * to every run still going (each tears its sandbox down and reports),
 * answers them as they end, and exits 0. It also asks for SIGTERM when its
 * parent dies, and each run for SIGTERM when the launcher dies
 * (PR_SET_PDEATHSIG): no sandbox outlives the launcher unwatched.
 *
 * Network namespaces made ahead: a new network namespace is the dearest
 * part of a sandbox (the kernel sets up sysctl tables and the loopback
 * device: 0.6 ms and more of a run's few ms, README.md). The launcher keeps
 * LAUNCHER_SPARE_NETNS of them, each made with unshare, loopback brought up,
 * held by an fd, and left again; it makes the next while a run is under way
 * or between requests. A run is given one (`--netns-fd 4` put before its
 * arguments, the namespace at fd 4) and enters it instead of making its
 * own; each is used by one run only and the launcher closes its fd, so a
 * namespace lives exactly as long as with a fresh one, and no two runs
 * share one. A run that asks for --network closes it unused. If a
 * namespace cannot be made, runs make their own and the launcher says why
 * on stderr.
 *
 * A template mount namespace, made once at start (mounts_make_template):
 * every run gets it as `--mntns-fd 5`, and its sandbox's mount namespace is
 * a copy of the template's one empty mount instead of the host's whole
 * tree (README.md). Runs share it only as the thing they copy; nothing is
 * ever mounted in it. If it cannot be made, runs copy the host's namespace
 * and the launcher says why on stderr.
 */
#ifndef ACTIOND_SANDBOX_LAUNCHER_H_
#define ACTIOND_SANDBOX_LAUNCHER_H_

/* Most bytes of a run's status and of its stderr passed on. */
#define LAUNCHER_OUTPUT_MAX 65536

/* Network namespaces kept made ahead (see above). */
#define LAUNCHER_SPARE_NETNS 2

/* Largest `run` payload: the kernel's own limit for argv is lower. */
#define LAUNCHER_REQUEST_MAX (16 * 1024 * 1024)

__attribute__((noreturn)) void launcher_main(void);

#endif
