// One HTTP exchange through libcurl, which is loaded with dlopen on the first
// request so that commands that never touch the network never load it.
// There are no curl headers on the build machine: the few types and numbers
// used below are copied from curl's public curl.h (7.88; stable ABI since).
#define _POSIX_C_SOURCE 200809L
#include "CAuthctlSystem.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void CURL;
struct curl_slist;
typedef int64_t curl_off_t;
struct curl_blob {
  void *data;
  size_t len;
  unsigned int flags;
};

// curl.h: CURLOPTTYPE_LONG 0, OBJECTPOINT 10000, FUNCTIONPOINT 20000, OFF_T 30000, BLOB 40000.
enum {
  OPT_WRITEDATA = 10001,
  OPT_URL = 10002,
  OPT_ERRORBUFFER = 10010,
  OPT_WRITEFUNCTION = 20011,
  OPT_POSTFIELDS = 10015,
  OPT_USERAGENT = 10018,
  OPT_HTTPHEADER = 10023,
  OPT_HEADERDATA = 10029,
  OPT_CUSTOMREQUEST = 10036,
  OPT_NOBODY = 44,
  OPT_FOLLOWLOCATION = 52,
  OPT_SSL_VERIFYPEER = 64,
  OPT_CAINFO = 10065,
  OPT_HEADERFUNCTION = 20079,
  OPT_HTTPGET = 80,
  OPT_SSL_VERIFYHOST = 81,
  OPT_CAPATH = 10097,
  OPT_NOSIGNAL = 99,
  OPT_ACCEPT_ENCODING = 10102,
  OPT_MAXFILESIZE_LARGE = 30117,
  OPT_POSTFIELDSIZE_LARGE = 30120,
  OPT_TIMEOUT_MS = 155,
  OPT_CONNECTTIMEOUT_MS = 156,
  OPT_NOPROXY = 10177,
  OPT_PROTOCOLS = 181,
  OPT_REDIR_PROTOCOLS = 182,
  OPT_CAINFO_BLOB = 40309,
};
// curl.h: CURLINFO_LONG 0x200000.
enum { INFO_RESPONSE_CODE = 0x200002, INFO_REQUEST_SIZE = 0x20000C };
// curl.h: CURLPROTO_HTTP (1<<0), CURLPROTO_HTTPS (1<<1), CURL_BLOB_COPY 1, CURL_GLOBAL_DEFAULT 3.
enum { PROTO_HTTP_HTTPS = 3, BLOB_COPY = 1, GLOBAL_DEFAULT = 3 };
// curl.h: CURLcode values this file tells apart.
enum {
  E_OK = 0,
  E_COULDNT_RESOLVE_PROXY = 5,
  E_COULDNT_RESOLVE_HOST = 6,
  E_COULDNT_CONNECT = 7,
  E_WRITE_ERROR = 23,
  E_OPERATION_TIMEDOUT = 28,
  E_SSL_CONNECT_ERROR = 35,
  E_INTERFACE_FAILED = 45,
  E_PEER_FAILED_VERIFICATION = 60,
  E_FILESIZE_EXCEEDED = 63,
  E_SSL_CACERT_BADFILE = 77,
  E_SSL_CRL_BADFILE = 82,
  E_SSL_ISSUER_ERROR = 83,
  E_SSL_PINNEDPUBKEYNOTMATCH = 90,
  E_SSL_INVALIDCERTSTATUS = 91,
  E_PROXY = 97,
};

static struct {
  int (*global_init)(long flags);
  CURL *(*easy_init)(void);
  // curl_easy_setopt and curl_easy_getinfo are variadic: they must be called through variadic pointers.
  int (*easy_setopt)(CURL *handle, int option, ...);
  int (*easy_getinfo)(CURL *handle, int info, ...);
  int (*easy_perform)(CURL *handle);
  void (*easy_cleanup)(CURL *handle);
  const char *(*easy_strerror)(int code);
  struct curl_slist *(*slist_append)(struct curl_slist *list, const char *line);
  void (*slist_free_all)(struct curl_slist *list);
  int loaded;
  char load_error[200];
} curl;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void *symbol(void *library, const char *name) {
  void *address = dlsym(library, name);
  if (address == NULL && curl.load_error[0] == 0) {
    snprintf(curl.load_error, sizeof curl.load_error, "libcurl has no %s", name);
  }
  return address;
}

static void load_curl(void) {
#ifdef __APPLE__
  static const char *const names[] = {"libcurl.4.dylib", NULL};
#else
  static const char *const names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", NULL};
#endif
  void *library = NULL;
  for (size_t i = 0; names[i] != NULL && library == NULL; i++) {
    // Lazy: binding every function of libcurl's thirty libraries up front costs 15 % of a refresh (issue 5).
    library = dlopen(names[i], RTLD_LAZY | RTLD_LOCAL);
  }
  if (library == NULL) {
    const char *why = dlerror();
    snprintf(curl.load_error, sizeof curl.load_error, "cannot load libcurl: %s", why ? why : "not found");
    return;
  }
  *(void **)&curl.global_init = symbol(library, "curl_global_init");
  *(void **)&curl.easy_init = symbol(library, "curl_easy_init");
  *(void **)&curl.easy_setopt = symbol(library, "curl_easy_setopt");
  *(void **)&curl.easy_getinfo = symbol(library, "curl_easy_getinfo");
  *(void **)&curl.easy_perform = symbol(library, "curl_easy_perform");
  *(void **)&curl.easy_cleanup = symbol(library, "curl_easy_cleanup");
  *(void **)&curl.easy_strerror = symbol(library, "curl_easy_strerror");
  *(void **)&curl.slist_append = symbol(library, "curl_slist_append");
  *(void **)&curl.slist_free_all = symbol(library, "curl_slist_free_all");
  if (curl.load_error[0] != 0) return;
  // curl_global_init is not thread-safe before 7.84: pthread_once runs it exactly once.
  if (curl.global_init(GLOBAL_DEFAULT) != E_OK) {
    snprintf(curl.load_error, sizeof curl.load_error, "curl_global_init failed");
    return;
  }
  curl.loaded = 1;
}

// A growing byte buffer with a hard limit, always NUL-terminated.
typedef struct buffer {
  unsigned char *data;
  size_t length;
  size_t capacity;
  size_t limit;
  int overflowed;
} buffer;

static int buffer_append(buffer *target, const void *bytes, size_t count) {
  if (count > target->limit - target->length) {
    target->overflowed = 1;
    return 0;
  }
  if (target->length + count + 1 > target->capacity) {
    size_t capacity = target->capacity ? target->capacity : 4096;
    while (capacity < target->length + count + 1) capacity *= 2;
    unsigned char *grown = realloc(target->data, capacity);
    if (grown == NULL) return 0;
    target->data = grown;
    target->capacity = capacity;
  }
  memcpy(target->data + target->length, bytes, count);
  target->length += count;
  target->data[target->length] = 0;
  return 1;
}

static size_t on_body(char *data, size_t size, size_t count, void *user) {
  // Returning less than given makes libcurl abort the transfer with CURLE_WRITE_ERROR.
  return buffer_append(user, data, size * count) ? size * count : 0;
}

static size_t on_header(char *data, size_t size, size_t count, void *user) {
  buffer *headers = user;
  size_t length = size * count;
  // A status line starts a new response (100 Continue, a proxy's CONNECT answer): keep only the last.
  if (length >= 5 && memcmp(data, "HTTP/", 5) == 0) {
    headers->length = 0;
    return length;
  }
  size_t kept = length;
  while (kept > 0 && (data[kept - 1] == '\r' || data[kept - 1] == '\n')) kept--;
  if (kept == 0) return length;
  return buffer_append(headers, data, kept) && buffer_append(headers, "\n", 1) ? length : 0;
}

static int read_file(const char *path, buffer *target, char *error, size_t error_size) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) {
    snprintf(error, error_size, "cannot read %s: %s", path, strerror(errno));
    return 0;
  }
  char chunk[16384];
  size_t count;
  int ok = 1;
  while (ok && (count = fread(chunk, 1, sizeof chunk, file)) > 0) ok = buffer_append(target, chunk, count);
  if (ok && ferror(file)) ok = 0;
  fclose(file);
  if (!ok) snprintf(error, error_size, "cannot read %s (unreadable or over %zu bytes)", path, target->limit);
  return ok;
}

// SPEC §5: AUTHCTL_CA_FILE adds to the system's trust. The system bundle and the extra PEM
// file are concatenated into one CURLOPT_CAINFO_BLOB. libcurl builds without blob support
// (GnuTLS before 8.x) get CAINFO = the extra file plus CAPATH = the system's hashed directory.
static int add_extra_ca(CURL *handle, const char *extra_path, char *error, size_t error_size) {
  static const char *const system_bundles[] = {
      "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem", NULL};
  buffer bundle = {.limit = 32u << 20};
  for (size_t i = 0; system_bundles[i] != NULL; i++) {
    FILE *probe = fopen(system_bundles[i], "rb");
    if (probe == NULL) continue;
    fclose(probe);
    int ok = read_file(system_bundles[i], &bundle, error, error_size) && buffer_append(&bundle, "\n", 1);
    if (!ok) {
      free(bundle.data);
      return 0;
    }
    break;
  }
  size_t extra_start = bundle.length;
  if (!read_file(extra_path, &bundle, error, error_size)) {
    free(bundle.data);
    return 0;
  }
  if (strstr((const char *)bundle.data + extra_start, "-----BEGIN CERTIFICATE-----") == NULL) {
    snprintf(error, error_size, "%s holds no PEM certificate", extra_path);
    free(bundle.data);
    return 0;
  }
  struct curl_blob blob = {bundle.data, bundle.length, BLOB_COPY};
  int rc = curl.easy_setopt(handle, OPT_CAINFO_BLOB, &blob);
  free(bundle.data);
  if (rc != E_OK) {
    rc = curl.easy_setopt(handle, OPT_CAINFO, extra_path) | curl.easy_setopt(handle, OPT_CAPATH, "/etc/ssl/certs");
  }
  if (rc != E_OK) snprintf(error, error_size, "libcurl cannot use the extra CA file %s", extra_path);
  return rc == E_OK;
}

static int set_method_and_body(CURL *handle, const authctl_http_request *request) {
  const char *method = request->method;
  int is_post = strcmp(method, "POST") == 0;
  if (strcmp(method, "GET") == 0 && request->body == NULL) return curl.easy_setopt(handle, OPT_HTTPGET, 1L);
  if (strcmp(method, "HEAD") == 0) return curl.easy_setopt(handle, OPT_NOBODY, 1L);
  int rc = is_post ? E_OK : curl.easy_setopt(handle, OPT_CUSTOMREQUEST, method);
  if (request->body != NULL || is_post) {
    // POSTFIELDS borrows the bytes; they outlive curl_easy_perform, which runs inside this call.
    rc |= curl.easy_setopt(handle, OPT_POSTFIELDSIZE_LARGE, (curl_off_t)request->body_length);
    rc |= curl.easy_setopt(handle, OPT_POSTFIELDS, request->body ? (const void *)request->body : (const void *)"");
  }
  return rc;
}

// SPEC §7: no redirects, http/https only, TLS always verified; NOSIGNAL since we are multi-threaded.
static int set_policy(CURL *handle, const authctl_http_request *request) {
  long timeout_ms = request->timeout_ms > 0 ? request->timeout_ms : 1;
  int rc = curl.easy_setopt(handle, OPT_URL, request->url);
  rc |= curl.easy_setopt(handle, OPT_FOLLOWLOCATION, 0L);
  rc |= curl.easy_setopt(handle, OPT_PROTOCOLS, (long)PROTO_HTTP_HTTPS);
  rc |= curl.easy_setopt(handle, OPT_REDIR_PROTOCOLS, (long)PROTO_HTTP_HTTPS);
  rc |= curl.easy_setopt(handle, OPT_SSL_VERIFYPEER, 1L);
  rc |= curl.easy_setopt(handle, OPT_SSL_VERIFYHOST, 2L);
  rc |= curl.easy_setopt(handle, OPT_NOSIGNAL, 1L);
  rc |= curl.easy_setopt(handle, OPT_TIMEOUT_MS, timeout_ms);
  rc |= curl.easy_setopt(handle, OPT_CONNECTTIMEOUT_MS, timeout_ms);
  rc |= curl.easy_setopt(handle, OPT_ACCEPT_ENCODING, "");
  rc |= curl.easy_setopt(handle, OPT_MAXFILESIZE_LARGE, (curl_off_t)request->max_body_bytes);
  rc |= curl.easy_setopt(handle, OPT_USERAGENT, request->user_agent);
  if (request->no_proxy != NULL) rc |= curl.easy_setopt(handle, OPT_NOPROXY, request->no_proxy);
  return rc;
}

static int classify(int code, const authctl_http_response *response, const buffer *body, const buffer *headers) {
  switch (code) {
  case E_OK:
    return AUTHCTL_HTTP_OK;
  case E_OPERATION_TIMEDOUT:
    return AUTHCTL_HTTP_TIMED_OUT;
  case E_FILESIZE_EXCEEDED:
    return AUTHCTL_HTTP_TOO_LARGE;
  case E_PEER_FAILED_VERIFICATION:
  case E_SSL_CACERT_BADFILE:
  case E_SSL_CRL_BADFILE:
  case E_SSL_ISSUER_ERROR:
  case E_SSL_PINNEDPUBKEYNOTMATCH:
  case E_SSL_INVALIDCERTSTATUS:
    return AUTHCTL_HTTP_UNTRUSTED;
  case E_COULDNT_RESOLVE_PROXY:
  case E_COULDNT_RESOLVE_HOST:
  case E_COULDNT_CONNECT:
  case E_SSL_CONNECT_ERROR:
  case E_INTERFACE_FAILED:
  case E_PROXY:
    return AUTHCTL_HTTP_UNREACHABLE;
  default:
    if (code == E_WRITE_ERROR && (body->overflowed || headers->overflowed)) return AUTHCTL_HTTP_TOO_LARGE;
    // SPEC §6: once any request byte was written (CURLINFO_REQUEST_SIZE > 0) the server may have
    // acted on it, so the failure is "dropped" and a POST is never sent again; before, "unreachable".
    return response->request_sent ? AUTHCTL_HTTP_DROPPED : AUTHCTL_HTTP_UNREACHABLE;
  }
}

static int append_line(struct curl_slist **list, const char *line) {
  struct curl_slist *longer = curl.slist_append(*list, line);
  if (longer == NULL) return 0;
  *list = longer;
  return 1;
}

int authctl_http_perform(const authctl_http_request *request, authctl_http_response *response) {
  memset(response, 0, sizeof *response);
  pthread_once(&curl_once, load_curl);
  if (!curl.loaded) {
    snprintf(response->error_text, sizeof response->error_text, "%s", curl.load_error);
    return AUTHCTL_HTTP_NO_LIBRARY;
  }
  CURL *handle = curl.easy_init();
  if (handle == NULL) {
    snprintf(response->error_text, sizeof response->error_text, "curl_easy_init failed");
    return AUTHCTL_HTTP_FAILED;
  }
  buffer body = {.limit = request->max_body_bytes};
  buffer headers = {.limit = 256u << 10};
  struct curl_slist *lines = NULL;
  int outcome = AUTHCTL_HTTP_FAILED;
  int appended = 1;
  for (size_t i = 0; appended && i < request->header_count; i++) {
    appended = append_line(&lines, request->header_lines[i]);
  }
  // An empty "Expect:" stops libcurl from waiting for 100 Continue before larger bodies.
  appended = appended && append_line(&lines, "Expect:");
  int rc = set_policy(handle, request) | set_method_and_body(handle, request);
  rc |= curl.easy_setopt(handle, OPT_HTTPHEADER, lines);
  rc |= curl.easy_setopt(handle, OPT_ERRORBUFFER, response->error_text);
  rc |= curl.easy_setopt(handle, OPT_WRITEFUNCTION, on_body);
  rc |= curl.easy_setopt(handle, OPT_WRITEDATA, &body);
  rc |= curl.easy_setopt(handle, OPT_HEADERFUNCTION, on_header);
  rc |= curl.easy_setopt(handle, OPT_HEADERDATA, &headers);
  if (rc != E_OK || !appended) {
    snprintf(response->error_text, sizeof response->error_text, "libcurl refused a required option");
  } else if (request->extra_ca_file != NULL &&
             !add_extra_ca(handle, request->extra_ca_file, response->error_text, sizeof response->error_text)) {
    outcome = AUTHCTL_HTTP_UNTRUSTED;
  } else {
    int code = curl.easy_perform(handle);
    long request_size = 0;
    curl.easy_getinfo(handle, INFO_RESPONSE_CODE, &response->status);
    curl.easy_getinfo(handle, INFO_REQUEST_SIZE, &request_size);
    response->curl_code = code;
    response->request_sent = request_size > 0;
    outcome = classify(code, response, &body, &headers);
    if (outcome != AUTHCTL_HTTP_OK && response->error_text[0] == 0) {
      snprintf(response->error_text, sizeof response->error_text, "%s", curl.easy_strerror(code));
    }
  }
  curl.easy_cleanup(handle);
  curl.slist_free_all(lines);
  if (outcome == AUTHCTL_HTTP_OK) {
    response->body = body.data;
    response->body_length = body.length;
    response->header_text = (char *)headers.data;
    response->header_length = headers.length;
  } else {
    free(body.data);
    free(headers.data);
  }
  return outcome;
}

void authctl_http_response_free(authctl_http_response *response) {
  free(response->body);
  free(response->header_text);
  response->body = NULL;
  response->header_text = NULL;
  response->body_length = 0;
  response->header_length = 0;
}
