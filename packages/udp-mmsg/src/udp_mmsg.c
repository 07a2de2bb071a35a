/*
 * Batched UDP reads and writes for Node.js (Linux recvmmsg/sendmmsg), as an N-API addon.
 *
 * Node's dgram socket costs about 3.5 µs of user time per datagram (one JavaScript callback, an address
 * object and a Buffer per read; a send request per write). These functions move up to a whole batch per
 * system call between a socket descriptor and caller-provided buffers, and let the caller watch the
 * descriptor for readability on its own event loop. Nothing here knows SIP.
 *
 *   recv(fd, scratch, slotSize, meta, max)  -> count read (0: none waiting) or -errno
 *       Reads up to `max` datagrams into `scratch` (slot i at i*slotSize). For each, meta (Int32Array)
 *       receives 7 ints: length (slotSize+1 if truncated), port, family (4|6), address words a0..a3
 *       (IPv4 in a0, network order bytes packed big-endian; IPv6 as four big-endian words).
 *   send(fd, buffers, meta, count)          -> count written or -errno (of the first datagram)
 *       Writes buffers[i] to the address in meta[i*6 .. i*6+5]: port, family, a0..a3.
 *   watch(fd, callback)                     -> handle
 *       Calls `callback()` on this thread's event loop whenever `fd` is readable (level-triggered), through
 *       a duplicate of the descriptor so that a dgram socket of the same loop may keep its own watcher.
 *   unwatch(handle)                         -> undefined
 *   dup(fd)                                 -> a new descriptor (close-on-exec) for the same socket, or -errno
 *       For a thread that shares a socket: its own descriptor, so that closing it leaves the others open.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

#define MAX_BATCH 256

#define CHECK(call)                                                                                         \
  do {                                                                                                      \
    if ((call) != napi_ok) {                                                                                \
      napi_throw_error(env, NULL, "udp_mmsg: " #call " failed");                                             \
      return NULL;                                                                                          \
    }                                                                                                       \
  } while (0)

static int32_t get_i32(napi_env env, napi_value v) {
  int32_t x = 0;
  napi_get_value_int32(env, v, &x);
  return x;
}

static napi_value make_i32(napi_env env, int32_t x) {
  napi_value v;
  napi_create_int32(env, x, &v);
  return v;
}

static int get_int32_array(napi_env env, napi_value v, int32_t **data, size_t *len) {
  napi_typedarray_type type;
  void *p;
  if (napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) != napi_ok || type != napi_int32_array)
    return -1;
  *data = p;
  return 0;
}

static uint32_t word_be(const uint8_t *b) {
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | (uint32_t)b[3];
}

static void put_be(uint8_t *b, uint32_t w) {
  b[0] = (uint8_t)(w >> 24);
  b[1] = (uint8_t)(w >> 16);
  b[2] = (uint8_t)(w >> 8);
  b[3] = (uint8_t)w;
}

/* Reads `n` arguments into argv; throws a TypeError naming `usage` (and returns -1) when fewer came. */
static int get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, const char *usage) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < n) {
    napi_throw_type_error(env, NULL, usage);
    return -1;
  }
  return 0;
}

static napi_value js_recv(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (get_args(env, info, 5, argv, "recv(fd, scratch, slotSize, meta, max)") != 0) return NULL;
  int fd = get_i32(env, argv[0]);
  uint8_t *scratch;
  size_t scratch_len;
  if (napi_get_buffer_info(env, argv[1], (void **)&scratch, &scratch_len) != napi_ok) {
    napi_throw_type_error(env, NULL, "scratch must be a Buffer");
    return NULL;
  }
  int32_t slot = get_i32(env, argv[2]);
  int32_t *meta;
  size_t meta_len;
  if (get_int32_array(env, argv[3], &meta, &meta_len) != 0) {
    napi_throw_type_error(env, NULL, "meta must be an Int32Array");
    return NULL;
  }
  int32_t max = get_i32(env, argv[4]);
  if (slot <= 0 || max <= 0) return make_i32(env, -EINVAL);
  if (max > MAX_BATCH) max = MAX_BATCH;
  if ((size_t)max > scratch_len / (size_t)slot) max = (int32_t)(scratch_len / (size_t)slot);
  if ((size_t)max > meta_len / 7) max = (int32_t)(meta_len / 7);
  if (max <= 0) return make_i32(env, -EINVAL);

  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  struct sockaddr_storage addrs[MAX_BATCH];
  memset(msgs, 0, sizeof(struct mmsghdr) * (size_t)max);
  for (int i = 0; i < max; i++) {
    iov[i].iov_base = scratch + (size_t)i * (size_t)slot;
    iov[i].iov_len = (size_t)slot;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &addrs[i];
    msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
  }
  int n;
  do {
    n = recvmmsg(fd, msgs, (unsigned int)max, MSG_DONTWAIT, NULL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return make_i32(env, (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno);
  for (int i = 0; i < n; i++) {
    int32_t *m = meta + (size_t)i * 7;
    uint32_t len = msgs[i].msg_len;
    m[0] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? slot + 1 : (int32_t)len;
    const struct sockaddr *sa = (const struct sockaddr *)&addrs[i];
    if (sa->sa_family == AF_INET) {
      const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
      m[1] = ntohs(s4->sin_port);
      m[2] = 4;
      m[3] = (int32_t)word_be((const uint8_t *)&s4->sin_addr.s_addr);
      m[4] = m[5] = m[6] = 0;
    } else if (sa->sa_family == AF_INET6) {
      const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
      const uint8_t *b = s6->sin6_addr.s6_addr;
      m[1] = ntohs(s6->sin6_port);
      m[2] = 6;
      for (int k = 0; k < 4; k++) m[3 + k] = (int32_t)word_be(b + 4 * k);
    } else {
      m[1] = 0;
      m[2] = 0;
      m[3] = m[4] = m[5] = m[6] = 0;
    }
  }
  return make_i32(env, n);
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (get_args(env, info, 4, argv, "send(fd, buffers, meta, count)") != 0) return NULL;
  int fd = get_i32(env, argv[0]);
  int32_t *meta;
  size_t meta_len;
  if (get_int32_array(env, argv[2], &meta, &meta_len) != 0) {
    napi_throw_type_error(env, NULL, "meta must be an Int32Array");
    return NULL;
  }
  int32_t count = get_i32(env, argv[3]);
  if (count <= 0) return make_i32(env, 0);
  if (count > MAX_BATCH) count = MAX_BATCH;
  if ((size_t)count > meta_len / 6) count = (int32_t)(meta_len / 6);

  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  struct sockaddr_storage addrs[MAX_BATCH];
  memset(msgs, 0, sizeof(struct mmsghdr) * (size_t)count);
  for (int i = 0; i < count; i++) {
    napi_value el;
    void *data;
    size_t len;
    if (napi_get_element(env, argv[1], (uint32_t)i, &el) != napi_ok ||
        napi_get_buffer_info(env, el, &data, &len) != napi_ok) {
      napi_throw_type_error(env, NULL, "buffers must hold Buffers");
      return NULL;
    }
    iov[i].iov_base = data;
    iov[i].iov_len = len;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &addrs[i];
    const int32_t *m = meta + (size_t)i * 6;
    memset(&addrs[i], 0, sizeof(struct sockaddr_storage));
    if (m[1] == 6) {
      struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&addrs[i];
      s6->sin6_family = AF_INET6;
      s6->sin6_port = htons((uint16_t)m[0]);
      for (int k = 0; k < 4; k++) put_be(s6->sin6_addr.s6_addr + 4 * k, (uint32_t)m[2 + k]);
      msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in6);
    } else {
      struct sockaddr_in *s4 = (struct sockaddr_in *)&addrs[i];
      s4->sin_family = AF_INET;
      s4->sin_port = htons((uint16_t)m[0]);
      put_be((uint8_t *)&s4->sin_addr.s_addr, (uint32_t)m[2]);
      msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
    }
  }
  int n;
  do {
    n = sendmmsg(fd, msgs, (unsigned int)count, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  return make_i32(env, n < 0 ? -errno : n);
}

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int fd;
  int closing;     /* stop_watch ran */
  int poll_closed; /* uv_close completed */
  int js_gone;     /* the handle object was collected */
} watch_t;

static void maybe_free(watch_t *w) {
  if (w->poll_closed && w->js_gone) free(w);
}

static void on_poll_closed(uv_handle_t *h) {
  watch_t *w = (watch_t *)h->data;
  w->poll_closed = 1;
  maybe_free(w);
}

static void cleanup_hook(void *arg);

/* Stops watching and releases the duplicate descriptor; from_hook when the environment is going away. */
static void stop_watch(watch_t *w, int from_hook) {
  if (w->closing) return;
  w->closing = 1;
  if (!from_hook) napi_remove_env_cleanup_hook(w->env, cleanup_hook, w);
  uv_poll_stop(&w->poll);
  if (w->callback != NULL) napi_delete_reference(w->env, w->callback);
  w->callback = NULL;
  if (w->context != NULL && !from_hook) napi_async_destroy(w->env, w->context);
  w->context = NULL;
  if (w->fd >= 0) close(w->fd);
  w->fd = -1;
  uv_close((uv_handle_t *)&w->poll, on_poll_closed);
}

static void cleanup_hook(void *arg) {
  stop_watch((watch_t *)arg, 1);
}

static void on_poll(uv_poll_t *p, int status, int events) {
  watch_t *w = (watch_t *)p->data;
  (void)events;
  if (w->closing) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, arg, result;
  if (napi_get_reference_value(env, w->callback, &cb) == napi_ok && cb != NULL) {
    napi_get_global(env, &recv);
    napi_create_int32(env, status, &arg);
    /* make_callback: the microtasks queued by the callback run when it returns, as after any I/O. */
    if (napi_make_callback(env, w->context, recv, cb, 1, &arg, &result) == napi_pending_exception) {
      napi_value exc;
      napi_get_and_clear_last_exception(env, &exc);
      napi_fatal_exception(env, exc);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void finalize_watch(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  watch_t *w = (watch_t *)data;
  stop_watch(w, 0);
  w->js_gone = 1;
  maybe_free(w);
}

static napi_value js_watch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (get_args(env, info, 2, argv, "watch(fd, callback)") != 0) return NULL;
  napi_valuetype t;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "watch(fd, callback)");
    return NULL;
  }
  int fd = get_i32(env, argv[0]);
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) {
    napi_throw_error(env, NULL, "watch: the descriptor cannot be duplicated");
    return NULL;
  }
  watch_t *w = calloc(1, sizeof(watch_t));
  if (w == NULL) {
    close(dup_fd);
    napi_throw_error(env, NULL, "watch: out of memory");
    return NULL;
  }
  w->env = env;
  w->fd = dup_fd;
  if (uv_poll_init(loop, &w->poll, dup_fd) != 0) {
    close(dup_fd);
    free(w);
    napi_throw_error(env, NULL, "watch: uv_poll_init failed");
    return NULL;
  }
  w->poll.data = w;
  napi_value handle, name;
  CHECK(napi_create_object(env, &handle));
  CHECK(napi_create_string_utf8(env, "udp-mmsg-watch", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_reference(env, argv[1], 1, &w->callback));
  CHECK(napi_async_init(env, handle, name, &w->context));
  CHECK(napi_wrap(env, handle, w, finalize_watch, NULL, NULL));
  CHECK(napi_add_env_cleanup_hook(env, cleanup_hook, w));
  int rc = uv_poll_start(&w->poll, UV_READABLE, on_poll);
  if (rc != 0) {
    stop_watch(w, 0);
    napi_throw_error(env, NULL, uv_strerror(rc));
    return NULL;
  }
  return handle;
}

static napi_value js_unwatch(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv, "unwatch(handle)") != 0) return NULL;
  void *data = NULL;
  if (napi_unwrap(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "unwatch(handle)");
    return NULL;
  }
  stop_watch((watch_t *)data, 0);
  return NULL;
}

static napi_value js_dup(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv, "dup(fd)") != 0) return NULL;
  int32_t fd;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "dup(fd)");
    return NULL;
  }
  int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return make_i32(env, d < 0 ? -errno : d);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"recv", NULL, js_recv, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watch", NULL, js_watch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unwatch", NULL, js_unwatch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dup", NULL, js_dup, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}
