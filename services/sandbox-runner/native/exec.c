/* See exec.h. */
#include "exec.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

static const char *find_path(char *const env[]) {
  for (size_t i = 0; env[i] != NULL; i++) {
    if (strncmp(env[i], "PATH=", 5) == 0) return env[i] + 5;
  }
  return NULL;
}

void exec_action(char *const argv[], char *const env[]) {
  const char *file = argv[0];
  if (strchr(file, '/') != NULL) {
    execve(file, argv, env);
    DIE("execve(%s)", file);
  }
  const char *path = find_path(env);
  if (path == NULL) {
    FAIL("'%s' has no slash and the action's environment has no PATH", file);
  }

  bool denied = false;
  for (const char *dir = path;; ) {
    const char *end = strchrnul(dir, ':');
    size_t dir_len = (size_t)(end - dir);
    char candidate[PATH_MAX];
    int n = dir_len == 0 ? snprintf(candidate, sizeof(candidate), "%s", file)
                         : snprintf(candidate, sizeof(candidate), "%.*s/%s",
                                    (int)dir_len, dir, file);
    if (n >= 0 && (size_t)n < sizeof(candidate)) {
      execve(candidate, argv, env);
      /* Like execvp: keep looking past entries that do not have the file,
       * remember a file we may not run, stop at anything else. */
      switch (errno) {
        case EACCES:
          denied = true;
          break;
        case ENOENT:
        case ENOTDIR:
        case ESTALE:
        case ELOOP:
        case ENAMETOOLONG:
        case ENODEV:
        case ETIMEDOUT:
          break;
        default:
          DIE("execve(%s)", candidate);
      }
    }
    if (*end == '\0') break;
    dir = end + 1;
  }
  if (denied) {
    errno = EACCES;
    DIE("'%s' found in PATH=%s but not executable", file, path);
  }
  FAIL("'%s' not found in PATH=%s", file, path);
}
