/* Starting the action's program. */
#ifndef ACTIOND_SANDBOX_EXEC_H_
#define ACTIOND_SANDBOX_EXEC_H_

/* execve(argv[0], argv, env), where an argv[0] without a slash is looked up
 * in the PATH of env, not of the helper: glibc's execvpe searches the
 * caller's PATH (getenv), which would make the action's command depend on
 * the helper's environment. An empty PATH entry means the working directory
 * (POSIX). Without a PATH in env, a bare name is an error rather than a
 * silent default. Returns only by dying. */
__attribute__((noreturn)) void exec_action(char *const argv[],
                                           char *const env[]);

#endif
