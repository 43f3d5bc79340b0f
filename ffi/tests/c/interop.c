/* Interop with OpenSSL from C: what the C API signs verifies with `openssl cms -verify`, what
 * it encrypts decrypts with `openssl cms -decrypt` (GCM and CBC, RSA and ECDH recipients);
 * and messages OpenSSL signs and encrypts (multipart/signed, opaque, a detached DER .p7s,
 * AuthEnvelopedData, EnvelopedData, signed-then-encrypted) open through the C API with the
 * right report. The openssl command runs in the fixture directory. */
#define _POSIX_C_SOURCE 200809L
#include "smime.h"
#include "check.h"
#include "msg_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *dir;
#define SENTINEL_CERT ((smime_certificate *)(uintptr_t)0x5e5e5e5e)

/* Runs a shell command in the fixture directory; returns its exit status. */
static int sh(const char *fmt, ...) {
  char cmd[8192], full[8400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  snprintf(full, sizeof full, "cd '%s' && %s 2>>interop-openssl.log", dir, cmd);
  int rc = system(full);
  if (rc != 0) fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
  return rc;
}

/* Whether the file `name` of the fixture directory contains `s`. */
static int file_contains(const char *name, const char *s) {
  size_t len = 0;
  unsigned char *data = read_file(dir, name, &len);
  char *text = malloc(len + 1);
  CHECK(text != NULL);
  memcpy(text, data, len);
  text[len] = 0;
  int found = strstr(text, s) != NULL;
  free(text);
  free(data);
  return found;
}

static const char MESSAGE[] =
    "From: alice@example.com\r\n"
    "To: bob@example.com\r\n"
    "Subject: interop\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Made through the C API.\r\n";

/* The content OpenSSL signs and encrypts: a MIME entity. */
static const char ENTITY[] =
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Made by OpenSSL.\r\n";

static smime_verify_options *options_for(const char *address) {
  smime_verify_options *o = NULL;
  OK(smime_verify_options_new(&o));
  smime_certificate *root = load_cert(dir, "root.pem");
  smime_certificate *intermediate = load_cert(dir, "intermediate.pem");
  OK(smime_verify_options_add_trust_anchor(o, root));
  OK(smime_verify_options_add_certificate(o, intermediate));
  if (address) OK(smime_verify_options_set_address(o, address));
  smime_certificate_free(root);
  smime_certificate_free(intermediate);
  return o;
}

/* A trusted report by Alice: every check passed, revocation unknown (no CRLs). */
static void check_alice_trusted(const smime_verify_report *r, uint32_t kind) {
  CHECK(verdict_of(r) == SMIME_VERDICT_TRUSTED);
  uint32_t k = 999;
  OK(smime_verify_report_kind(r, &k));
  CHECK(k == kind);
  size_t n = 0;
  OK(smime_verify_report_signer_count(r, &n));
  CHECK(n == 1);
  char msg[1024];
  uint32_t code = 999;
  for (uint32_t c = SMIME_CHECK_SIGNATURE; c < SMIME_CHECK_REVOCATION; c++) {
    CHECK(signer_check(r, 0, c, &code, msg, sizeof msg) == SMIME_CHECK_STATUS_PASSED);
  }
  /* No CRLs were given: under the default soft-fail mode the status is unknown, which does
   * not fail the signer, and the message says why for each certificate of the path. */
  uint32_t status = signer_check(r, 0, SMIME_CHECK_REVOCATION, &code, msg, sizeof msg);
  if (status != SMIME_CHECK_STATUS_UNKNOWN) fprintf(stderr, "revocation %u: %s\n", status, msg);
  CHECK(status == SMIME_CHECK_STATUS_UNKNOWN);
  CHECK(code == SMIME_RESULT_CHAIN_REVOCATION_UNKNOWN);
  CHECK(strstr(msg, "CN=alice") != NULL && strstr(msg, "unknown") != NULL);
  smime_certificate *signer = NULL;
  OK(smime_verify_report_signer_certificate(r, 0, &signer));
  smime_bytes *a = NULL;
  OK(smime_certificate_address(signer, 0, &a));
  CHECK(take_equals(a, "alice@example.com"));
  smime_certificate_free(signer);
  bool present = false;
  int64_t t = 0;
  OK(smime_verify_report_signer_signing_time(r, 0, &present, &t));
  CHECK(present && t > 1600000000);
  smime_bytes *content = NULL;
  OK(smime_verify_report_content(r, &content));
  CHECK(take_contains(content, "Made by OpenSSL."));
}

/* Decrypts the file `name` with `id`; checks the content, the cipher and integrity. */
static void check_openssl_encrypted(const char *name, const smime_identity *id, uint32_t cipher,
                                    bool integrity) {
  size_t len = 0;
  unsigned char *msg = read_file(dir, name, &len);
  const smime_identity *ids[] = {id};
  smime_decrypted *d = NULL;
  OK(smime_decrypt(msg, len, ids, 1, NULL, &d));
  smime_bytes *content = NULL;
  OK(smime_decrypted_content(d, &content));
  CHECK(take_contains(content, "Made by OpenSSL."));
  uint32_t c = 999;
  OK(smime_decrypted_cipher(d, &c));
  CHECK(c == cipher);
  bool p = !integrity;
  OK(smime_decrypted_integrity_protected(d, &p));
  CHECK(p == integrity);
  smime_decrypted_free(d);
  free(msg);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  dir = argv[1];
  smime_identity *alice = load_p12(dir, "alice.p12", "alice-password");
  smime_identity *bob = load_identity(dir, "bob.key", "bob.pem");
  smime_certificate *alice_cert = load_cert(dir, "alice.pem");
  smime_certificate *bob_cert = load_cert(dir, "bob.pem");
  smime_certificate *carol_cert = load_cert(dir, "carol.pem");
  const smime_identity *signers[] = {alice};
  const size_t message_len = sizeof MESSAGE - 1;

  /* ---- ours, read by OpenSSL ---------------------------------------------------------- */
  smime_bytes *out = NULL;
  OK(smime_sign((const uint8_t *)MESSAGE, message_len, signers, 1, NULL, &out));
  write_file(dir, "interop-c-signed.eml", smime_bytes_data(out), smime_bytes_len(out));
  smime_bytes_free(out);
  CHECK(sh("openssl cms -verify -CAfile root.pem -in interop-c-signed.eml "
           "-out interop-c-signed.txt") == 0);
  CHECK(file_contains("interop-c-signed.txt", "Made through the C API."));

  smime_sign_options *so = NULL;
  OK(smime_sign_options_new(&so));
  OK(smime_sign_options_set_opaque(so, true));
  OK(smime_sign_options_set_digest(so, SMIME_DIGEST_SHA384));
  OK(smime_sign((const uint8_t *)MESSAGE, message_len, signers, 1, so, &out));
  write_file(dir, "interop-c-opaque.eml", smime_bytes_data(out), smime_bytes_len(out));
  smime_bytes_free(out);
  CHECK(sh("openssl cms -verify -CAfile root.pem -in interop-c-opaque.eml "
           "-out interop-c-opaque.txt") == 0);
  CHECK(file_contains("interop-c-opaque.txt", "Made through the C API."));
  /* RSASSA-PSS, which OpenSSL reads too. */
  OK(smime_sign_options_set_opaque(so, false));
  OK(smime_sign_options_set_pss(so, true));
  OK(smime_sign((const uint8_t *)MESSAGE, message_len, signers, 1, so, &out));
  write_file(dir, "interop-c-pss.eml", smime_bytes_data(out), smime_bytes_len(out));
  smime_bytes_free(out);
  CHECK(sh("openssl cms -verify -CAfile root.pem -in interop-c-pss.eml "
           "-out interop-c-pss.txt") == 0);
  CHECK(file_contains("interop-c-pss.txt", "Made through the C API."));
  smime_sign_options_free(so);

  /* AES-256-GCM to Bob (ECDH) and Alice (RSA). */
  const smime_certificate *to_bob_alice[] = {bob_cert, alice_cert};
  OK(smime_encrypt((const uint8_t *)MESSAGE, message_len, to_bob_alice, 2, NULL, &out));
  write_file(dir, "interop-c-gcm.eml", smime_bytes_data(out), smime_bytes_len(out));
  smime_bytes_free(out);
  CHECK(sh("openssl cms -decrypt -recip bob.pem -inkey bob.key -in interop-c-gcm.eml "
           "-out interop-c-gcm-bob.txt") == 0);
  CHECK(file_contains("interop-c-gcm-bob.txt", "Made through the C API."));
  CHECK(sh("openssl cms -decrypt -recip alice.pem -inkey alice.key -in interop-c-gcm.eml "
           "-out interop-c-gcm-alice.txt") == 0);
  CHECK(file_contains("interop-c-gcm-alice.txt", "Made through the C API."));

  /* AES-256-CBC with OAEP to Carol and Bob. */
  smime_encrypt_options *eo = NULL;
  OK(smime_encrypt_options_new(&eo));
  OK(smime_encrypt_options_set_cipher(eo, SMIME_CIPHER_AES256_CBC));
  OK(smime_encrypt_options_set_key_transport(eo, SMIME_KEY_TRANSPORT_RSA_OAEP));
  const smime_certificate *to_carol_bob[] = {carol_cert, bob_cert};
  OK(smime_encrypt((const uint8_t *)MESSAGE, message_len, to_carol_bob, 2, eo, &out));
  write_file(dir, "interop-c-cbc.eml", smime_bytes_data(out), smime_bytes_len(out));
  smime_bytes_free(out);
  CHECK(sh("openssl cms -decrypt -recip carol.pem -inkey carol.key -in interop-c-cbc.eml "
           "-out interop-c-cbc-carol.txt") == 0);
  CHECK(file_contains("interop-c-cbc-carol.txt", "Made through the C API."));
  CHECK(sh("openssl cms -decrypt -recip bob.pem -inkey bob.key -in interop-c-cbc.eml "
           "-out interop-c-cbc-bob.txt") == 0);
  CHECK(file_contains("interop-c-cbc-bob.txt", "Made through the C API."));
  smime_encrypt_options_free(eo);

  /* Signed and encrypted by us: OpenSSL decrypts, then verifies the inner signature. */
  const smime_certificate *to_bob[] = {bob_cert};
  OK(smime_sign_and_encrypt((const uint8_t *)MESSAGE, message_len, signers, 1, NULL, to_bob, 1,
                            NULL, false, &out));
  write_file(dir, "interop-c-signenc.eml", smime_bytes_data(out), smime_bytes_len(out));
  smime_bytes_free(out);
  CHECK(sh("openssl cms -decrypt -recip bob.pem -inkey bob.key -in interop-c-signenc.eml "
           "-out interop-c-signenc-inner.eml") == 0);
  CHECK(sh("openssl cms -verify -CAfile root.pem -in interop-c-signenc-inner.eml "
           "-out interop-c-signenc.txt") == 0);
  CHECK(file_contains("interop-c-signenc.txt", "Made through the C API."));

  /* ---- OpenSSL's, read by us ------------------------------------------------------------ */
  write_file(dir, "interop-entity.txt", ENTITY, sizeof ENTITY - 1);
  smime_verify_options *vo = options_for(NULL);
  smime_verify_report *r = NULL;
  size_t len = 0;
  unsigned char *msg = NULL;

  /* multipart/signed, with From on the outside. */
  CHECK(sh("openssl cms -sign -signer alice.pem -inkey alice.key -certfile intermediate.pem "
           "-from alice@example.com -to bob@example.com -subject openssl "
           "-in interop-entity.txt -out interop-o-signed.eml") == 0);
  msg = read_file(dir, "interop-o-signed.eml", &len);
  OK(smime_verify(msg, len, vo, &r));
  check_alice_trusted(r, SMIME_SIGNATURE_KIND_DETACHED);
  smime_bytes *alg = NULL;
  OK(smime_verify_report_signer_digest_algorithm(r, 0, &alg));
  CHECK(take_contains(alg, "sha256"));
  smime_verify_report_free(r);
  free(msg);

  /* Opaque (-nodetach), SHA-512. */
  CHECK(sh("openssl cms -sign -nodetach -md sha512 -signer alice.pem -inkey alice.key "
           "-certfile intermediate.pem -from alice@example.com -in interop-entity.txt "
           "-out interop-o-opaque.eml") == 0);
  msg = read_file(dir, "interop-o-opaque.eml", &len);
  OK(smime_verify(msg, len, vo, &r));
  check_alice_trusted(r, SMIME_SIGNATURE_KIND_OPAQUE);
  OK(smime_verify_report_signer_digest_algorithm(r, 0, &alg));
  CHECK(take_contains(alg, "sha512"));
  smime_verify_report_free(r);
  free(msg);

  /* A detached DER .p7s over the entity; the content has no From, so the address is given. */
  CHECK(sh("openssl cms -sign -binary -outform DER -signer alice.pem -inkey alice.key "
           "-certfile intermediate.pem -in interop-entity.txt -out interop-o.p7s") == 0);
  smime_verify_options *vo_alice = options_for("alice@example.com");
  msg = read_file(dir, "interop-o.p7s", &len);
  OK(smime_verify_detached((const uint8_t *)ENTITY, sizeof ENTITY - 1, msg, len, vo_alice, &r));
  CHECK(verdict_of(r) == SMIME_VERDICT_TRUSTED);
  smime_verify_report_free(r);
  /* The same .p7s over other content: the signature is invalid. */
  const char other[] = "Content-Type: text/plain\r\n\r\nMade by someone else.\r\n";
  OK(smime_verify_detached((const uint8_t *)other, sizeof other - 1, msg, len, vo_alice, &r));
  CHECK(verdict_of(r) == SMIME_VERDICT_SIGNATURE_INVALID);
  char text[1024];
  uint32_t code = 0;
  CHECK(signer_check(r, 0, SMIME_CHECK_SIGNATURE, &code, text, sizeof text) ==
        SMIME_CHECK_STATUS_FAILED);
  CHECK(strstr(text, "changed") != NULL);
  smime_verify_report_free(r);
  free(msg);
  /* As PEM, through smime_verify with the content embedded (-nodetach): a bare CMS. */
  CHECK(sh("openssl cms -sign -nodetach -binary -outform PEM -signer alice.pem "
           "-inkey alice.key -certfile intermediate.pem -in interop-entity.txt "
           "-out interop-o-opaque.pem") == 0);
  msg = read_file(dir, "interop-o-opaque.pem", &len);
  OK(smime_verify(msg, len, vo_alice, &r));
  CHECK(verdict_of(r) == SMIME_VERDICT_TRUSTED);
  smime_bytes *content = NULL;
  OK(smime_verify_report_content(r, &content));
  CHECK(take_contains(content, "Made by OpenSSL."));
  smime_verify_report_free(r);
  free(msg);
  smime_verify_options_free(vo_alice);

  /* Without certificates in the message (-nocerts): the signer's certificate is not found,
   * until the options give it. */
  CHECK(sh("openssl cms -sign -nocerts -signer alice.pem -inkey alice.key "
           "-from alice@example.com -in interop-entity.txt -out interop-o-nocerts.eml") == 0);
  msg = read_file(dir, "interop-o-nocerts.eml", &len);
  OK(smime_verify(msg, len, vo, &r));
  CHECK(verdict_of(r) == SMIME_VERDICT_SIGNATURE_INVALID);
  uint32_t failure = 999;
  OK(smime_verify_report_signer_signature_failure(r, 0, &failure));
  CHECK(failure == SMIME_SIGNATURE_FAILURE_CERTIFICATE_NOT_FOUND);
  smime_certificate *none = SENTINEL_CERT;
  EXPECT(smime_verify_report_signer_certificate(r, 0, &none), SMIME_RESULT_NOT_AVAILABLE);
  CHECK(none == SENTINEL_CERT);
  smime_verify_report_free(r);
  smime_verify_options *vo_cert = options_for(NULL);
  OK(smime_verify_options_add_certificate(vo_cert, alice_cert));
  OK(smime_verify(msg, len, vo_cert, &r));
  check_alice_trusted(r, SMIME_SIGNATURE_KIND_DETACHED);
  smime_verify_report_free(r);
  smime_verify_options_free(vo_cert);
  free(msg);

  /* AuthEnvelopedData (AES-256-GCM) to Bob, EnvelopedData (AES-128-CBC) to Alice. */
  CHECK(sh("openssl cms -encrypt -aes-256-gcm -in interop-entity.txt "
           "-out interop-o-gcm.eml bob.pem") == 0);
  check_openssl_encrypted("interop-o-gcm.eml", bob, SMIME_CIPHER_AES256_GCM, true);
  CHECK(sh("openssl cms -encrypt -aes-128-cbc -in interop-entity.txt "
           "-out interop-o-cbc.eml alice.pem") == 0);
  check_openssl_encrypted("interop-o-cbc.eml", alice, SMIME_CIPHER_AES128_CBC, false);
  CHECK(sh("openssl cms -encrypt -aes-256-cbc -recip alice.pem "
           "-keyopt rsa_padding_mode:oaep -in interop-entity.txt -out interop-o-oaep.eml") == 0);
  check_openssl_encrypted("interop-o-oaep.eml", alice, SMIME_CIPHER_AES256_CBC, false);

  /* Signed, then encrypted by OpenSSL: opened by Bob, two layers, trusted. */
  CHECK(sh("openssl cms -sign -signer alice.pem -inkey alice.key -certfile intermediate.pem "
           "-in interop-entity.txt -out interop-o-inner.eml") == 0);
  CHECK(sh("openssl cms -encrypt -aes-256-gcm -from alice@example.com -to bob@example.com "
           "-subject openssl -in interop-o-inner.eml -out interop-o-signenc.eml bob.pem") == 0);
  msg = read_file(dir, "interop-o-signenc.eml", &len);
  const smime_identity *as_bob[] = {bob};
  smime_opened *opened = NULL;
  OK(smime_open(msg, len, as_bob, 1, vo, &opened));
  size_t layers = 0;
  OK(smime_opened_layer_count(opened, &layers));
  CHECK(layers == 2);
  uint32_t kind = 999;
  OK(smime_opened_layer_kind(opened, 0, &kind));
  CHECK(kind == SMIME_LAYER_KIND_ENCRYPTED);
  OK(smime_opened_layer_kind(opened, 1, &kind));
  CHECK(kind == SMIME_LAYER_KIND_SIGNED);
  OK(smime_opened_layer_report(opened, 1, &r));
  check_alice_trusted(r, SMIME_SIGNATURE_KIND_DETACHED);
  smime_verify_report_free(r);
  uint32_t v = 999;
  OK(smime_opened_verdict(opened, &v));
  CHECK(v == SMIME_VERDICT_TRUSTED);
  smime_opened_free(opened);
  free(msg);

  /* inspect says what OpenSSL made. */
  uint32_t ik = 999;
  smime_bytes *desc = NULL;
  msg = read_file(dir, "interop-o.p7s", &len);
  OK(smime_inspect(msg, len, &ik, &desc));
  CHECK(ik == SMIME_INSPECTED_KIND_CMS_SIGNED);
  CHECK(take_contains(desc, "detached"));
  free(msg);
  msg = read_file(dir, "interop-o-gcm.eml", &len);
  OK(smime_inspect(msg, len, &ik, &desc));
  CHECK(ik == SMIME_INSPECTED_KIND_MESSAGE);
  CHECK(take_contains(desc, "integrity-protected"));
  free(msg);

  smime_verify_options_free(vo);
  smime_certificate_free(alice_cert);
  smime_certificate_free(bob_cert);
  smime_certificate_free(carol_cert);
  smime_identity_free(alice);
  smime_identity_free(bob);
  puts("interop: ok");
  return 0;
}
