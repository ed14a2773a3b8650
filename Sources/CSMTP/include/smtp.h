#ifndef WARDEN_SMTP_H
#define WARDEN_SMTP_H
#include <stddef.h>

/// How TLS is used: 0 none (a local relay, only when require_tls is false), 1 STARTTLS required,
/// 2 implicit TLS (SMTPS, port 465).
typedef struct {
    const char *url;          /* smtp://host:port or smtps://host:port */
    const char *from;
    const char *const *recipients;
    size_t recipient_count;
    const char *message;      /* the whole RFC 5322 message, CRLF line ends */
    size_t message_length;
    const char *username;     /* NULL: no AUTH */
    const char *password;
    const char *ca_file;      /* NULL: the system's CA bundle */
    int insecure;             /* 1: do not verify the server's certificate */
    int tls_mode;
    long timeout_seconds;
} warden_smtp_request;

/// Sends one message with libcurl. Returns 0 on success; otherwise the libcurl error code, with
/// a message in `error` and the SMTP reply code (or 0) in `*response_code`.
int warden_smtp_send(const warden_smtp_request *request, long *response_code, char *error, size_t error_size);

#endif
