/*
 * spawn-loop N PROGRAM [ARGS...]: runs PROGRAM N times, one after another,
 * each with fork + execv + waitpid, and prints each run's wall time in
 * microseconds (CLOCK_MONOTONIC), one per line. The raw cost of starting a
 * process from a small C program, as opposed to from Node (libuv), for the
 * execution benchmark's baselines. stdin, stdout and stderr of the runs are
 * /dev/null. Exits 1 with a message if a run cannot be started or does not
 * exit 0, so a broken baseline is never reported as a fast one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: spawn-loop N PROGRAM [ARGS...]\n");
    return 2;
  }
  long runs = strtol(argv[1], NULL, 10);
  if (runs < 1) {
    fprintf(stderr, "spawn-loop: N must be a positive number, got %s\n", argv[1]);
    return 2;
  }
  int devnull = open("/dev/null", O_RDWR);
  if (devnull < 0) {
    fprintf(stderr, "spawn-loop: open(/dev/null): %s\n", strerror(errno));
    return 1;
  }
  for (long i = 0; i < runs; i++) {
    long long start = now_us();
    pid_t pid = fork();
    if (pid < 0) {
      fprintf(stderr, "spawn-loop: fork: %s\n", strerror(errno));
      return 1;
    }
    if (pid == 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
      execv(argv[2], argv + 2);
      _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) {
      fprintf(stderr, "spawn-loop: waitpid: %s\n", strerror(errno));
      return 1;
    }
    long long end = now_us();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "spawn-loop: run %ld of %s ended with wait status %d\n", i, argv[2], status);
      return 1;
    }
    printf("%lld\n", end - start);
  }
  return 0;
}
