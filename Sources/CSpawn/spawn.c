#define _GNU_SOURCE
#include "CSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// Runs between fork and execve: only async-signal-safe calls. Reports a failing step's errno
// through the close-on-exec pipe and exits.
static void child_after_fork(const warden_spawn_request *r, int report_fd) {
    int err = 0;
    if (setsid() < 0) goto fail;
    if (prctl(PR_SET_PDEATHSIG, r->parent_death_signal, 0, 0, 0) < 0) goto fail;
    // The parent may have died before prctl took effect.
    if (getppid() != r->expected_parent) { errno = ESRCH; goto fail; }

    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) < 0) goto fail;

    if (dup2(r->stdin_fd, 0) < 0 || dup2(r->stdout_fd, 1) < 0 || dup2(r->stderr_fd, 2) < 0) goto fail;
    // Nothing of the supervisor's leaks into the child; the report pipe stays usable until execve.
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) goto fail;

    execve(r->path, r->argv, r->envp);
fail:
    err = errno;
    (void)!write(report_fd, &err, sizeof err);
    _exit(127);
}

pid_t warden_spawn(const warden_spawn_request *request, int *error_out) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) < 0) { *error_out = errno; return -1; }

    pid_t pid = fork();
    if (pid < 0) {
        *error_out = errno;
        close(report[0]); close(report[1]);
        return -1;
    }
    if (pid == 0) {
        close(report[0]);
        child_after_fork(request, report[1]);
    }
    close(report[1]);
    int child_errno = 0;
    ssize_t n;
    do { n = read(report[0], &child_errno, sizeof child_errno); } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof child_errno) {
        // The child failed before execve and has exited with 127; the reaper collects it.
        *error_out = child_errno;
        return -1;
    }
    return pid;
}

void warden_ensure_standard_fds(void) {
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int opened = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (opened >= 0 && opened != fd) { dup2(opened, fd); close(opened); }
        }
    }
}

int warden_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int warden_become_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ? errno : 0;
}

int warden_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int warden_pidfd_send_signal(int pidfd, int signal) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0);
}

static void fill_set(sigset_t *set, const int *signals, int count) {
    sigemptyset(set);
    for (int i = 0; i < count; i++) sigaddset(set, signals[i]);
}

int warden_block_signals(const int *signals, int count) {
    sigset_t set;
    fill_set(&set, signals, count);
    return pthread_sigmask(SIG_BLOCK, &set, NULL) == 0 ? 0 : -1;
}

int warden_signalfd(const int *signals, int count) {
    sigset_t set;
    fill_set(&set, signals, count);
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int warden_signalfd_read(int fd, pid_t *sender_pid) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    if (n != (ssize_t)sizeof info) { errno = EIO; return -1; }
    *sender_pid = (pid_t)info.ssi_pid;
    return (int)info.ssi_signo;
}

ssize_t warden_notify_receive(int fd, char *buffer, size_t capacity,
                              pid_t *pid, uid_t *uid, int *truncated) {
    union {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 253)];
    } control;
    struct iovec iov = { .iov_base = buffer, .iov_len = capacity - 1 };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.bytes, .msg_controllen = sizeof control.bytes,
    };
    ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    if (n < 0) return -1;
    *pid = 0;
    *uid = (uid_t)-1;
    *truncated = (msg.msg_flags & MSG_TRUNC) || (size_t)n > capacity - 1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET) continue;
        if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(c), sizeof cred);
            *pid = cred.pid;
            *uid = cred.uid;
        } else if (c->cmsg_type == SCM_RIGHTS) {
            size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; i++) {
                int passed;
                memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
                close(passed);
            }
        }
    }
    size_t length = (size_t)n < capacity - 1 ? (size_t)n : capacity - 1;
    buffer[length] = '\0';
    return (ssize_t)length;
}

/// Fills an AF_UNIX address for path; -1 with ENAMETOOLONG when it does not fit.
static int unix_address(const char *path, struct sockaddr_un *addr) {
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr->sun_path) { errno = ENAMETOOLONG; return -1; }
    strcpy(addr->sun_path, path);
    return 0;
}

int warden_notify_bind(const char *path) {
    struct sockaddr_un addr;
    if (unix_address(path, &addr) < 0) return -1;

    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0) goto fail;
    unlink(path);
    // The directory holding the socket is 0700, so the moment before chmod exposes nothing.
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) goto fail;
    if (chmod(path, 0600) < 0) goto fail;
    return fd;
fail:;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

int warden_notify_send(const char *path, const char *text) {
    struct sockaddr_un addr;
    if (unix_address(path, &addr) < 0) return -1;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct timeval timeout = {.tv_sec = 1, .tv_usec = 0};
    int result = -1;
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) == 0 &&
        sendto(fd, text, strlen(text), MSG_NOSIGNAL, (struct sockaddr *)&addr, sizeof addr) >= 0) {
        result = 0;
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return result;
}

uint64_t warden_monotonic_usec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000ULL;
}

int warden_unix_socket_in_use(const char *path) {
    struct sockaddr_un addr;
    if (unix_address(path, &addr) < 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int rc = connect(fd, (struct sockaddr *)&addr, sizeof addr);
    int saved = errno;
    close(fd);
    if (rc == 0) return 1;
    if (saved == ECONNREFUSED || saved == ENOENT) return 0;
    errno = saved;
    return -1;
}
