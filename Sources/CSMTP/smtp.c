#include "smtp.h"
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct upload {
    const char *data;
    size_t remaining;
};

static size_t read_message(char *buffer, size_t size, size_t count, void *context) {
    struct upload *upload = context;
    size_t room = size * count;
    size_t n = upload->remaining < room ? upload->remaining : room;
    memcpy(buffer, upload->data, n);
    upload->data += n;
    upload->remaining -= n;
    return n;
}

static pthread_once_t global_init = PTHREAD_ONCE_INIT;
static void initialise(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

int warden_smtp_send(const warden_smtp_request *request, long *response_code, char *error, size_t error_size) {
    pthread_once(&global_init, initialise);
    *response_code = 0;
    if (error_size > 0) error[0] = 0;
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(error, error_size, "libcurl could not start a session");
        return CURLE_FAILED_INIT;
    }
    struct curl_slist *recipients = NULL;
    for (size_t i = 0; i < request->recipient_count; i++) recipients = curl_slist_append(recipients, request->recipients[i]);
    struct upload upload = { request->message, request->message_length };
    char details[CURL_ERROR_SIZE] = { 0 };

    curl_easy_setopt(curl, CURLOPT_URL, request->url);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, request->from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, details);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, request->timeout_seconds);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, request->timeout_seconds);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (request->tls_mode == 1) curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (request->ca_file) curl_easy_setopt(curl, CURLOPT_CAINFO, request->ca_file);
    if (request->insecure) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (request->username) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, request->username);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, request->password ? request->password : "");
    }

    CURLcode result = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, response_code);
    if (result != CURLE_OK) {
        snprintf(error, error_size, "%s%s%s", curl_easy_strerror(result), details[0] ? ": " : "", details);
    }
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    return (int)result;
}
