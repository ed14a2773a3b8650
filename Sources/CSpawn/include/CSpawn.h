#pragma once
#include <sys/types.h>
#include <stdint.h>

/// What to start and how. Every pointer must stay valid for the duration of the call.
typedef struct {
    const char *path;          ///< absolute path of the executable
    char *const *argv;         ///< NULL-terminated
    char *const *envp;         ///< NULL-terminated
    int stdin_fd;              ///< becomes fd 0 in the child
    int stdout_fd;             ///< becomes fd 1 in the child
    int stderr_fd;             ///< becomes fd 2 in the child
    int parent_death_signal;   ///< sent to the child when the forking thread dies
    pid_t expected_parent;     ///< the child exits at once if its parent is no longer this pid
} warden_spawn_request;

/// fork + (setsid, PR_SET_PDEATHSIG, getppid check, signal reset, fd set-up) + execve.
/// Returns the child's pid, or -1 with *error_out set to the errno of the step that failed
/// (in the parent, or reported back from the child through a close-on-exec pipe).
pid_t warden_spawn(const warden_spawn_request *request, int *error_out);

/// pipe2(O_CLOEXEC). Returns 0 or -1 with errno.
int warden_pipe_cloexec(int fds[2]);

/// Opens /dev/null onto any of fds 0, 1, 2 that is closed, so no later pipe or socket lands there.
void warden_ensure_standard_fds(void);

/// PR_SET_CHILD_SUBREAPER on the calling process. Returns 0 or an errno.
int warden_become_subreaper(void);

/// pidfd_open(2) / pidfd_send_signal(2). Return -1 and set errno on failure.
int warden_pidfd_open(pid_t pid);
int warden_pidfd_send_signal(int pidfd, int signal);

/// Blocks the given signals in the calling thread (threads created later inherit the mask).
int warden_block_signals(const int *signals, int count);
/// A non-blocking, close-on-exec signalfd for the given (blocked) signals.
int warden_signalfd(const int *signals, int count);
/// Reads one signal from a signalfd: returns the signal number, 0 when none is pending, -1 on error.
int warden_signalfd_read(int fd, pid_t *sender_pid);

/// One datagram from a notify socket with SO_PASSCRED set. Returns its length (the buffer is
/// NUL-terminated), or -1 with errno (EAGAIN when none is pending). File descriptors passed along
/// (SCM_RIGHTS) are closed: Warden keeps no fd store. *truncated is set when the datagram did not fit.
ssize_t warden_notify_receive(int fd, char *buffer, size_t capacity,
                              pid_t *pid, uid_t *uid, int *truncated);

/// An AF_UNIX datagram socket bound at path with SO_PASSCRED, non-blocking, close-on-exec, mode 0600.
/// Returns the fd or -1 with errno.
int warden_notify_bind(const char *path);

/// Sends one datagram to the notify socket at path, waiting up to a second if its queue is full.
/// Returns 0 or -1 with errno.
int warden_notify_send(const char *path, const char *text);

/// Whether something accepts connections on the unix stream socket at path: 1 yes, 0 no
/// (nothing there, or a stale socket file), -1 on other errors.
int warden_unix_socket_in_use(const char *path);

/// CLOCK_MONOTONIC in microseconds, as systemd's MONOTONIC_USEC wants it.
uint64_t warden_monotonic_usec(void);
