/* Streaming through the C API, file to file, as an app handles a large attachment: a 320 KiB
 * message is signed (multipart/signed and opaque) and encrypted in pieces of every size from
 * one byte up, through read/write callbacks over FILE streams; the results verify and decrypt
 * in pieces again, with and without a seek callback, and OpenSSL reads the streamed encrypted
 * message. A changed byte of a GCM message writes nothing; a failing write callback fails the
 * operation with an I/O error; misuse is refused. */
#include "smime.h"
#include "check.h"
#include "msg_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *dir;

static void path_of(char *out, size_t cap, const char *name) {
  snprintf(out, cap, "%s/%s", dir, name);
}

/* ---- callbacks over FILE and over a growing buffer ---- */

typedef struct {
  FILE *f;
  size_t calls;
  uint32_t fail_with; /* when non-zero: returned instead of writing */
} file_sink;

static smime_result write_file_cb(void *userdata, const uint8_t *data, size_t len) {
  file_sink *s = userdata;
  s->calls++;
  if (s->fail_with) return s->fail_with;
  return fwrite(data, 1, len, s->f) == len ? SMIME_RESULT_OK : 1;
}

static smime_result read_file_cb(void *userdata, uint8_t *buffer, size_t capacity,
                                 size_t *read_len) {
  FILE *f = userdata;
  *read_len = fread(buffer, 1, capacity, f);
  return ferror(f) ? 1 : SMIME_RESULT_OK;
}

static smime_result seek_file_cb(void *userdata, int64_t offset, uint32_t whence,
                                 uint64_t *position) {
  FILE *f = userdata;
  int w = whence == 0 ? SEEK_SET : whence == 1 ? SEEK_CUR : SEEK_END;
  if (fseek(f, (long)offset, w) != 0) return 1;
  long p = ftell(f);
  if (p < 0) return 1;
  *position = (uint64_t)p;
  return SMIME_RESULT_OK;
}

typedef struct {
  unsigned char *data;
  size_t len, cap;
} buffer;

static smime_result write_buffer_cb(void *userdata, const uint8_t *data, size_t len) {
  buffer *b = userdata;
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + len) cap *= 2;
    unsigned char *grown = realloc(b->data, cap);
    if (!grown) return 1;
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
  return SMIME_RESULT_OK;
}

/* ---- the message ---- */

/* 320 KiB: several 64 KiB chunks of every stage, small enough for valgrind. */
#define MESSAGE_LINES (320 * 1024 / 64)

static unsigned char *message;
static size_t message_len;

/* A 320 KiB text message with LF line ends (the library makes them CRLF). */
static void make_message(void) {
  const char *head =
      "From: alice@example.com\n"
      "To: bob@example.com\n"
      "Subject: a large attachment\n"
      "Content-Type: text/plain; charset=us-ascii\n"
      "\n";
  size_t lines = MESSAGE_LINES;
  message_len = strlen(head) + lines * 64;
  message = malloc(message_len);
  CHECK(message != NULL);
  memcpy(message, head, strlen(head));
  unsigned char *p = message + strlen(head);
  for (size_t i = 0; i < lines; i++) {
    int n = snprintf((char *)p, 65, "line %08zu of the attachment, streamed in pieces ........",
                     i);
    CHECK(n > 0 && n < 64);
    memset(p + n, '.', 63 - (size_t)n);
    p[63] = '\n';
    p += 64;
  }
}

/* The body as the library signs or encrypts it: CRLF line ends. */
static int body_matches(const unsigned char *content, size_t len) {
  const char *marker = "\r\n\r\n";
  const unsigned char *body = NULL;
  for (size_t i = 0; i + 4 <= len; i++) {
    if (memcmp(content + i, marker, 4) == 0) {
      body = content + i + 4;
      break;
    }
  }
  if (!body) return 0;
  size_t lines = MESSAGE_LINES;
  if ((size_t)(content + len - body) != lines * 65) return 0;
  const unsigned char *m = message + (message_len - lines * 64);
  for (size_t i = 0; i < lines; i++) {
    if (memcmp(body + i * 65, m + i * 64, 63) != 0 || body[i * 65 + 63] != '\r' ||
        body[i * 65 + 64] != '\n')
      return 0;
  }
  return 1;
}

/* The first occurrence of `needle` in `data[0..len)`, or NULL (the data is not a C string). */
static unsigned char *find(unsigned char *data, size_t len, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; n <= len && i <= len - n; i++) {
    if (memcmp(data + i, needle, n) == 0) return data + i;
  }
  return NULL;
}

/* Feeds the message in pieces of `piece` bytes (cycling through other sizes when 0). */
typedef smime_result (*update_fn)(void *stream, const uint8_t *data, size_t len);

static void feed(void *stream, update_fn update, const unsigned char *data, size_t len,
                 size_t piece) {
  static const size_t sizes[] = {1, 7, 4096, 65536, 65537, 3, 100000};
  size_t at = 0, k = 0;
  while (at < len) {
    size_t n = piece ? piece : sizes[k++ % (sizeof sizes / sizeof sizes[0])];
    if (n > len - at) n = len - at;
    OK(update(stream, data + at, n));
    at += n;
  }
}

static smime_result sign_update(void *s, const uint8_t *d, size_t n) {
  return smime_sign_stream_update(s, d, n);
}
static smime_result encrypt_update(void *s, const uint8_t *d, size_t n) {
  return smime_encrypt_stream_update(s, d, n);
}
static smime_result verify_update(void *s, const uint8_t *d, size_t n) {
  return smime_verify_stream_update(s, d, n);
}

static smime_certificate *root, *intermediate;

static smime_verify_options *verify_options(void) {
  smime_verify_options *o = NULL;
  OK(smime_verify_options_new(&o));
  OK(smime_verify_options_add_trust_anchor(o, root));
  OK(smime_verify_options_add_certificate(o, intermediate));
  return o;
}

/* Signs the message into `name` in pieces of `piece` bytes. */
static void sign_to_file(const smime_identity *alice, bool opaque, const char *name,
                         size_t piece) {
  char path[4096];
  path_of(path, sizeof path, name);
  file_sink sink = {fopen(path, "wb"), 0, 0};
  CHECK(sink.f != NULL);
  smime_output output = {&sink, write_file_cb};
  smime_sign_options *so = NULL;
  OK(smime_sign_options_new(&so));
  OK(smime_sign_options_set_opaque(so, opaque));
  const smime_identity *signers[] = {alice};
  smime_sign_stream *s = NULL;
  OK(smime_sign_stream_new(signers, 1, so, &output, &s));
  feed(s, sign_update, message, message_len, piece);
  OK(smime_sign_stream_finish(s));
  EXPECT(smime_sign_stream_finish(s), SMIME_RESULT_INVALID_ARGUMENT);
  EXPECT(smime_sign_stream_update(s, message, 1), SMIME_RESULT_INVALID_ARGUMENT);
  smime_sign_stream_free(s);
  smime_sign_options_free(so);
  CHECK(fclose(sink.f) == 0);
  CHECK(sink.calls > 10); /* written as it was made, not in one piece at the end */
}

/* Verifies `name` in pieces; the content must be the message's entity, the verdict trusted. */
static void verify_file(const char *name, size_t piece) {
  size_t len = 0;
  unsigned char *signed_msg = read_file(dir, name, &len);
  smime_verify_options *vo = verify_options();
  buffer content = {0};
  smime_output content_out = {&content, write_buffer_cb};
  smime_verify_stream *v = NULL;
  OK(smime_verify_stream_new(vo, &content_out, &v));
  feed(v, verify_update, signed_msg, len, piece);
  smime_verify_report *report = NULL;
  OK(smime_verify_stream_finish(v, &report));
  CHECK(verdict_of(report) == SMIME_VERDICT_TRUSTED);
  CHECK(body_matches(content.data, content.len));
  smime_verify_report_free(report);
  smime_verify_stream_free(v);

  /* The one-shot verification agrees. */
  OK(smime_verify(signed_msg, len, vo, &report));
  CHECK(verdict_of(report) == SMIME_VERDICT_TRUSTED);
  smime_verify_report_free(report);

  /* One changed byte near the end of the content: the streamed verdict says so. */
  unsigned char *needle = find(signed_msg, len, "line 00004900");
  if (needle) {
    needle[5] = '9';
    content.len = 0;
    OK(smime_verify_stream_new(vo, NULL, &v));
    feed(v, verify_update, signed_msg, len, 0);
    OK(smime_verify_stream_finish(v, &report));
    CHECK(verdict_of(report) == SMIME_VERDICT_SIGNATURE_INVALID);
    smime_verify_report_free(report);
    smime_verify_stream_free(v);
  }
  free(content.data);
  free(signed_msg);
  smime_verify_options_free(vo);
}

/* Decrypts `name` with `key` into a buffer, reading through callbacks (with or without seek). */
static smime_result decrypt_file(const char *name, const smime_identity *key, bool seekable,
                                 buffer *out, size_t *written) {
  char path[4096];
  path_of(path, sizeof path, name);
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  smime_input input = {f, read_file_cb, seekable ? seek_file_cb : NULL};
  smime_output output = {out, write_buffer_cb};
  const smime_identity *keys[] = {key};
  smime_decrypted *d = NULL;
  size_t before = out->len;
  smime_result r = smime_decrypt_stream(&input, keys, 1, NULL, &output, &d);
  *written = out->len - before;
  if (r == SMIME_RESULT_OK) {
    bool protected_ = false;
    OK(smime_decrypted_integrity_protected(d, &protected_));
    CHECK(protected_);
    size_t index = 9;
    OK(smime_decrypted_key_index(d, &index));
    CHECK(index == 0);
    smime_decrypted_free(d);
  } else {
    CHECK(d == NULL);
  }
  CHECK(fclose(f) == 0);
  return r;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  dir = argv[1];
  make_message();
  root = load_cert(dir, "root.pem");
  intermediate = load_cert(dir, "intermediate.pem");
  smime_identity *alice = load_p12(dir, "alice.p12", "alice-password");
  smime_identity *bob = load_p12(dir, "bob.p12", "bob-password");
  smime_certificate *bob_cert = load_cert(dir, "bob.pem");

  /* Sign in pieces of every size; verify in pieces of other sizes. */
  sign_to_file(alice, false, "stream-signed.eml", 0);
  verify_file("stream-signed.eml", 65536);
  sign_to_file(alice, true, "stream-opaque.eml", 4096);
  verify_file("stream-opaque.eml", 0);
  sign_to_file(alice, false, "stream-signed-1.eml", 1);
  verify_file("stream-signed-1.eml", 1);

  /* Encrypt to Bob (P-256) and Alice (RSA, the sender) file to file. */
  {
    char path[4096];
    path_of(path, sizeof path, "stream-encrypted.eml");
    file_sink sink = {fopen(path, "wb"), 0, 0};
    CHECK(sink.f != NULL);
    smime_output output = {&sink, write_file_cb};
    smime_encrypt_options *eo = NULL;
    OK(smime_encrypt_options_new(&eo));
    smime_certificate *alice_cert = NULL;
    OK(smime_identity_certificate(alice, &alice_cert));
    OK(smime_encrypt_options_set_sender(eo, alice_cert));
    const smime_certificate *recipients[] = {bob_cert};
    smime_encrypt_stream *e = NULL;
    OK(smime_encrypt_stream_new(recipients, 1, eo, &output, &e));
    feed(e, encrypt_update, message, message_len, 0);
    OK(smime_encrypt_stream_finish(e));
    smime_encrypt_stream_free(e);
    smime_encrypt_options_free(eo);
    smime_certificate_free(alice_cert);
    CHECK(fclose(sink.f) == 0);
    CHECK(sink.calls > 10);
  }

  /* Decrypt with and without a seek callback. */
  for (int seekable = 1; seekable >= 0; seekable--) {
    buffer out = {0};
    size_t written = 0;
    OK(decrypt_file("stream-encrypted.eml", bob, seekable, &out, &written));
    CHECK(body_matches(out.data, out.len));
    free(out.data);
  }

  /* OpenSSL reads the streamed message (BER with indefinite lengths inside the base64). */
  {
    char cmd[16384];
    snprintf(cmd, sizeof cmd,
             "openssl cms -decrypt -in %s/stream-encrypted.eml -recip %s/bob.pem -inkey "
             "%s/bob.key -out %s/stream-openssl.txt",
             dir, dir, dir, dir);
    CHECK(system(cmd) == 0);
    size_t len = 0;
    unsigned char *plain = read_file(dir, "stream-openssl.txt", &len);
    CHECK(body_matches(plain, len));
    free(plain);
  }

  /* A changed byte in the middle of the ciphertext: nothing is written, and the error is the
   * one for every decryption failure. */
  {
    size_t len = 0;
    unsigned char *enc = read_file(dir, "stream-encrypted.eml", &len);
    size_t at = len / 2;
    while (enc[at] == '\r' || enc[at] == '\n') at++;
    enc[at] = enc[at] == 'A' ? 'B' : 'A';
    write_file(dir, "stream-tampered.eml", enc, len);
    free(enc);
    for (int seekable = 1; seekable >= 0; seekable--) {
      buffer out = {0};
      size_t written = 99;
      EXPECT(decrypt_file("stream-tampered.eml", bob, seekable, &out, &written),
             SMIME_RESULT_DECRYPT_CANNOT_DECRYPT);
      CHECK(written == 0 && out.len == 0);
      free(out.data);
    }
  }

  /* A write callback that fails stops the operation with an I/O error. */
  {
    file_sink sink = {NULL, 0, 42};
    smime_output output = {&sink, write_file_cb};
    const smime_identity *signers[] = {alice};
    smime_sign_stream *s = NULL;
    OK(smime_sign_stream_new(signers, 1, NULL, &output, &s));
    smime_result r = SMIME_RESULT_OK;
    for (size_t at = 0; at < message_len && r == SMIME_RESULT_OK; at += 65536) {
      size_t n = message_len - at < 65536 ? message_len - at : 65536;
      r = smime_sign_stream_update(s, message + at, n);
    }
    if (r == SMIME_RESULT_OK) r = smime_sign_stream_finish(s);
    CHECK(r == SMIME_RESULT_IO_OTHER);
    CHECK(strstr(smime_last_error_message(), "42") != NULL);
    smime_sign_stream_free(s);
  }

  /* Misuse: NULL handles, outputs without a callback, a decryption without input. */
  {
    EXPECT(smime_sign_stream_update(NULL, message, 1), SMIME_RESULT_NULL_PARAMETER);
    EXPECT(smime_sign_stream_finish(NULL), SMIME_RESULT_NULL_PARAMETER);
    EXPECT(smime_encrypt_stream_finish(NULL), SMIME_RESULT_NULL_PARAMETER);
    smime_verify_report *none = NULL;
    EXPECT(smime_verify_stream_finish(NULL, &none), SMIME_RESULT_NULL_PARAMETER);
    CHECK(none == NULL);
    smime_output no_callback = {NULL, NULL};
    const smime_identity *signers[] = {alice};
    smime_sign_stream *s = NULL;
    EXPECT(smime_sign_stream_new(signers, 1, NULL, &no_callback, &s),
           SMIME_RESULT_NULL_PARAMETER);
    CHECK(s == NULL);
    EXPECT(smime_sign_stream_new(signers, 0, NULL, NULL, &s), SMIME_RESULT_NULL_PARAMETER);
    buffer out = {0};
    smime_output output = {&out, write_buffer_cb};
    const smime_identity *keys[] = {bob};
    smime_decrypted *d = NULL;
    EXPECT(smime_decrypt_stream(NULL, keys, 1, NULL, &output, &d), SMIME_RESULT_NULL_PARAMETER);
    CHECK(d == NULL);
    smime_sign_stream_free(NULL);
    smime_encrypt_stream_free(NULL);
    smime_verify_stream_free(NULL);
  }

  smime_certificate_free(bob_cert);
  smime_identity_free(bob);
  smime_identity_free(alice);
  smime_certificate_free(intermediate);
  smime_certificate_free(root);
  free(message);
  printf("stream: ok\n");
  return 0;
}
