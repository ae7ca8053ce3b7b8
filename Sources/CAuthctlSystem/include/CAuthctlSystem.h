#ifndef CAUTHCTL_SYSTEM_H
#define CAUTHCTL_SYSTEM_H

#include <stddef.h>

/* ---- HTTP through libcurl, loaded with dlopen on first use (curl_shim.c) ---- */

/* Outcomes of authctl_http_perform. */
#define AUTHCTL_HTTP_OK 0           /* a complete response: see status, headers, body */
#define AUTHCTL_HTTP_NO_LIBRARY 1   /* libcurl could not be loaded */
#define AUTHCTL_HTTP_UNREACHABLE 2  /* resolve, connect or I/O failed before the request was sent */
#define AUTHCTL_HTTP_DROPPED 3      /* the connection broke after request bytes were sent */
#define AUTHCTL_HTTP_TIMED_OUT 4    /* timeout_ms elapsed */
#define AUTHCTL_HTTP_TOO_LARGE 5    /* the body or the headers passed their cap */
#define AUTHCTL_HTTP_UNTRUSTED 6    /* TLS verification failed, or the extra CA file is unusable */
#define AUTHCTL_HTTP_FAILED 7       /* anything else libcurl reported (bad URL, out of memory, ...) */

/* One request; every pointer is borrowed for the duration of the call. */
typedef struct authctl_http_request {
  const char *method;                /* "GET", "POST", ... */
  const char *url;
  const char *const *header_lines;   /* "Name: value", no CR or LF */
  size_t header_count;
  const unsigned char *body;         /* NULL: no body */
  size_t body_length;
  long timeout_ms;                   /* connect and whole-transfer timeout */
  size_t max_body_bytes;             /* a larger response body gives AUTHCTL_HTTP_TOO_LARGE */
  const char *user_agent;
  const char *extra_ca_file;         /* NULL: the system's trust only; else added to it */
  const char *no_proxy;              /* passed as CURLOPT_NOPROXY */
} authctl_http_request;

/* What came back; release with authctl_http_response_free. */
typedef struct authctl_http_response {
  long status;                       /* HTTP status of the final response, 0 if none */
  char *header_text;                 /* final response's header lines, each ended by '\n' */
  size_t header_length;
  unsigned char *body;
  size_t body_length;
  int curl_code;                     /* CURLcode of curl_easy_perform, 0 if not reached */
  int request_sent;                  /* 1 when request bytes reached the connection */
  char error_text[256];              /* why, when the outcome is not AUTHCTL_HTTP_OK */
} authctl_http_response;

/* Performs one request with no redirects, verified TLS and http/https only. */
int authctl_http_perform(const authctl_http_request *request, authctl_http_response *response);

/* Frees the buffers of a response filled by authctl_http_perform. */
void authctl_http_response_free(authctl_http_response *response);

/* ---- Signals (signals.c) ---- */

/* Installs SIGINT/SIGTERM handlers that unlink the registered temp path and exit 130/143. */
void authctl_install_signal_handlers(void);

/* Registers the temporary file being written, so an interrupt removes it. */
void authctl_register_temp_path(const char *path);

/* Forgets the registered temporary file (after it was renamed or removed). */
void authctl_clear_temp_path(void);

#endif
