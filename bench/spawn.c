// Runs one command with stdin, stdout and stderr on /dev/null and prints "<ns> <KiB> <exit status>":
// its wall time from fork to reaping, and its peak resident set (ru_maxrss).
//
// A helper of its own because on Linux a child's ru_maxrss starts at the peak RSS of the memory it
// was forked from: posix_spawn (vfork) from Python would report Python's 20+ MiB for every command.
// Forked from this small process, a command's figure is its own (plus well under 1 MiB).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: spawn PROGRAM [ARGUMENT...]\n");
    return 2;
  }
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    execv(argv[1], argv + 1);
    _exit(127);
  }
  if (pid < 0) return 2;
  int status = 0;
  struct rusage usage;
  if (wait4(pid, &status, 0, &usage) < 0) return 2;
  clock_gettime(CLOCK_MONOTONIC, &end);
  long long ns = (end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  printf("%lld %ld %d\n", ns, usage.ru_maxrss, code);
  return 0;
}
