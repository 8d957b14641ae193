/* cli/outfile.c - the tally command's output files (outfile.h).
 *
 * Decides, from what the path names, between an atomic replacement (a
 * regular file, through any symbolic link) and writing directly (anything
 * else), and owns the temporary file of the first.  A handler for SIGHUP,
 * SIGINT and SIGTERM removes that file and re-raises the signal, so an
 * interrupted command leaves the old file alone and still exits "killed
 * by the signal".  Writes go through a stdio stream of ours
 * (fopencookie) that keeps errno of the first failed write: the library
 * reports no write errors, so this file reports them, once, with the
 * file's name and the reason.  Must not: replace anything but a regular
 * file, or create a file through a symbolic link.
 */
#define _GNU_SOURCE /* fopencookie, mkostemp */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes the output stream buffers: fewer system calls than stdio's
 * default BUFSIZ on large outputs. */
#define OUTF_BUFFER (1 << 16)

/* The temporary file to remove when a signal ends the command.
 *
 * The one mutable file-scope variable of Tally, against STYLE.md §5, for
 * the reason PostgreSQL gives for its own: a signal handler is given no
 * context, so what it must clean up has to be where it can find it.  It
 * is written only while the caught signals are blocked (so the handler
 * never sees half a pointer) and read only by on_signal.  A command
 * writes at most one temporary file at a time, before any thread starts
 * or after they all ended. */
static const char *volatile pending_tmp;

/* The signals that remove the temporary file: the ones that end a
 * command on request.  Others (SIGKILL cannot be caught; SIGQUIT is
 * asked for a core dump) leave it, as a crash would. */
static const int caught_signals[] = {SIGHUP, SIGINT, SIGTERM};
#define N_CAUGHT (sizeof caught_signals / sizeof caught_signals[0])

/* Async-signal-safe: unlink and raise only.  SA_RESETHAND has already
 * restored the default action, and the signal stays blocked until this
 * returns, so the re-raised signal then ends the process (errno need not
 * be restored: nothing runs after). */
static void on_signal(int sig)
{
    const char *tmp = pending_tmp;
    if (tmp) {
        unlink(tmp);
    }
    raise(sig);
}

/* Installs on_signal for each caught signal, except one inherited as
 * ignored (a background job's SIGINT, a nohup's SIGHUP), which stays
 * ignored. */
static void catch_signals(void)
{
    for (size_t i = 0; i < N_CAUGHT; i++) {
        struct sigaction old, sa;
        if (sigaction(caught_signals[i], NULL, &old) != 0 ||
            old.sa_handler == SIG_IGN || old.sa_handler == on_signal) {
            continue;
        }
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESETHAND;
        sigemptyset(&sa.sa_mask);
        sigaction(caught_signals[i], &sa, NULL);
    }
}

/* Blocks the caught signals (saving the mask in [old]) around a change
 * of pending_tmp and the file it names. */
static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < N_CAUGHT; i++) {
        sigaddset(&set, caught_signals[i]);
    }
    pthread_sigmask(SIG_BLOCK, &set, old);
}

static void unblock_signals(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

static bool fail(const char *name, const char *why)
{
    fprintf(stderr, "tally: cannot write %s: %s\n", name, why);
    return false;
}

/* The stream's write function: all of [len] bytes to the descriptor, or
 * the first error kept in the outfile and every later write refused (a
 * cookie write returns 0 on error, never a negative value). */
static ssize_t cookie_write(void *cookie, const char *buf, size_t len)
{
    outfile *o = cookie;
    size_t done = 0;
    while (done < len && !o->err) {
        ssize_t n = write(o->fd, buf + done, len - done);
        if (n > 0) {
            done += (size_t)n;
        } else if (n == 0) {
            o->err = EIO; /* no progress and no reason: do not spin */
        } else if (errno != EINTR) {
            o->err = errno;
        }
    }
    return (ssize_t)done;
}

/* Wraps o->fd in o->f; false out of memory. */
static bool make_stream(outfile *o)
{
    cookie_io_functions_t io = {.write = cookie_write};
    o->f = fopencookie(o, "w", io);
    if (!o->f) {
        return false;
    }
    setvbuf(o->f, NULL, _IOFBF, OUTF_BUFFER);
    return true;
}

/* The mode a new file gets from open(2)'s 0666 and the umask. */
static mode_t new_file_mode(void)
{
    mode_t mask = umask(0); /* read it: no other way; single-threaded here */
    umask(mask);
    return 0666 & ~mask;
}

/* Starts an atomic write of [dest] (owned by [o] from here on; [old] is
 * its status, or NULL when it does not exist yet). */
static bool open_atomic(outfile *o, char *dest, const struct stat *old)
{
    o->dest = dest;
    size_t n = strlen(dest);
    o->tmp = malloc(n + sizeof ".tmpXXXXXX");
    if (!o->tmp) {
        return fail(o->name, strerror(ENOMEM));
    }
    memcpy(o->tmp, dest, n);
    memcpy(o->tmp + n, ".tmpXXXXXX", sizeof ".tmpXXXXXX");
    /* Set-user/group-ID bits are not carried over: the kernel clears
     * them when such a file is written, too. */
    o->mode = old ? old->st_mode & 0777 : new_file_mode();
    if (old) {
        o->keep_owner = true;
        o->uid = old->st_uid;
        o->gid = old->st_gid;
    }
    catch_signals();
    sigset_t mask;
    block_signals(&mask);
    o->fd = mkostemp(o->tmp, O_CLOEXEC);
    int saved = errno;
    if (o->fd >= 0) {
        pending_tmp = o->tmp;
    }
    unblock_signals(&mask);
    if (o->fd < 0) {
        return fail(o->name, strerror(saved));
    }
    o->owns_fd = true;
    return true;
}

/* Starts writing [path] directly: no temporary file, no O_CREAT.  A
 * regular file met here (one reached through a link that does not name
 * it, as /proc/self/fd/N of a deleted file) is truncated first. */
static bool open_direct(outfile *o, const char *path, bool truncate)
{
    o->fd =
        open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (truncate ? O_TRUNC : 0));
    if (o->fd < 0) {
        return fail(o->name, strerror(errno));
    }
    o->owns_fd = true;
    return true;
}

/* True when [st] is the file standard output refers to. */
static bool is_stdout(const struct stat *st)
{
    struct stat out;
    return fstat(STDOUT_FILENO, &out) == 0 && out.st_dev == st->st_dev &&
           out.st_ino == st->st_ino;
}

/* Chooses how to write [path], whose lstat is [lst]; see outfile.h. */
static bool open_existing(outfile *o, const char *path, const struct stat *lst)
{
    if (S_ISREG(lst->st_mode)) {
        char *dest = strdup(path);
        return dest ? open_atomic(o, dest, lst)
                    : fail(o->name, strerror(ENOMEM));
    }
    if (!S_ISLNK(lst->st_mode)) {
        return open_direct(o, path, false);
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        return fail(o->name, errno == ENOENT
                                 ? "symbolic link to a file that does not "
                                   "exist"
                                 : strerror(errno));
    }
    if (is_stdout(&st)) {
        o->fd = STDOUT_FILENO; /* /dev/stdout: keep its offset and flags */
        return true;
    }
    if (!S_ISREG(st.st_mode)) {
        return open_direct(o, path, false);
    }
    /* Replace the file the link names, beside it, when its resolved name
     * leads to that very file. */
    char *dest = realpath(path, NULL);
    struct stat rst;
    if (dest && stat(dest, &rst) == 0 && rst.st_dev == st.st_dev &&
        rst.st_ino == st.st_ino) {
        return open_atomic(o, dest, &st);
    }
    free(dest);
    return open_direct(o, path, true);
}

bool outf_open(outfile *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->name = path;
    o->fd = -1;
    struct stat lst;
    bool ok;
    if (lstat(path, &lst) == 0) {
        ok = open_existing(o, path, &lst);
    } else if (errno == ENOENT) {
        char *dest = strdup(path);
        ok =
            dest ? open_atomic(o, dest, NULL) : fail(o->name, strerror(ENOMEM));
    } else {
        ok = fail(o->name, strerror(errno));
    }
    if (ok && !make_stream(o)) {
        ok = fail(o->name, strerror(ENOMEM));
    }
    if (!ok) {
        outf_close(o, false);
        memset(o, 0, sizeof *o);
        o->fd = -1;
    }
    return ok;
}

bool outf_open_stdout(outfile *o)
{
    memset(o, 0, sizeof *o);
    o->name = "standard output";
    o->fd = STDOUT_FILENO;
    if (!make_stream(o)) {
        return fail(o->name, strerror(ENOMEM));
    }
    return true;
}

/* Gives the temporary file its final mode, owner and contents on disk,
 * then renames it onto dest; sets o->err on failure. */
static void commit(outfile *o)
{
    /* The owner first: changing it may clear mode bits.  Only root may
     * give a file away; otherwise the new file stays the writer's. */
    if (o->keep_owner && fchown(o->fd, o->uid, o->gid) != 0 && errno != EPERM) {
        o->err = errno;
        return;
    }
    if (fchmod(o->fd, o->mode) != 0 || fsync(o->fd) != 0) {
        o->err = errno;
        return;
    }
    int fd = o->fd;
    o->fd = -1;
    if (close(fd) != 0) {
        o->err = errno;
        return;
    }
    sigset_t mask;
    block_signals(&mask);
    if (rename(o->tmp, o->dest) == 0) {
        pending_tmp = NULL;
    } else {
        o->err = errno;
    }
    unblock_signals(&mask);
}

bool outf_close(outfile *o, bool keep)
{
    if (o->f && fclose(o->f) != 0 && !o->err) {
        o->err = errno ? errno : EIO;
    }
    o->f = NULL;
    if (o->tmp && keep && !o->err) {
        commit(o);
    }
    if (o->fd >= 0 && o->owns_fd && close(o->fd) != 0 && !o->err && keep) {
        o->err = errno;
    }
    o->fd = -1;
    if (o->tmp) {
        sigset_t mask;
        block_signals(&mask);
        if (pending_tmp == o->tmp) {
            unlink(o->tmp);
            pending_tmp = NULL;
        }
        unblock_signals(&mask);
    }
    free(o->tmp);
    free(o->dest);
    o->tmp = o->dest = NULL;
    bool ok = !o->err;
    if (!ok) {
        fail(o->name, strerror(o->err));
    }
    o->err = 0;
    return ok;
}
