/* bench/spawn.c - run one command and report its time and peak memory.
 *
 * run.py cannot take a child's peak RSS from its own os.wait4: Linux
 * carries ru_maxrss across fork and exec, so every child of the Python
 * driver would report at least the driver's own ~35 MB.  This helper is
 * a few hundred KB; its child starts from that and execs the contender,
 * so ru_maxrss is the contender's own.  Prints, after the child exits,
 *
 *   {"spawn": {"wall_ns": N, "user_us": N, "sys_us": N, "maxrss_kb": N,
 *              "status": N}}
 *
 * as the last line on standard error, and exits with the child's status.
 * Not part of the library build; built by `make bench`.
 *
 *   spawn COMMAND [ARGS...]
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: spawn COMMAND [ARGS...]\n");
        return 4;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("spawn: fork");
        return 5;
    }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror(argv[1]);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("spawn: wait4");
        return 5;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long wall = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL +
                     (t1.tv_nsec - t0.tv_nsec);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    fprintf(
        stderr,
        "{\"spawn\": {\"wall_ns\": %lld, \"user_us\": %lld, \"sys_us\": %lld, "
        "\"maxrss_kb\": %ld, \"status\": %d}}\n",
        wall, (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
        (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec,
        ru.ru_maxrss, code);
    return code;
}
