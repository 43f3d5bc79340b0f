/* Ed25519 and X25519 keys the application holds: frank's Ed25519 signing key and grace's
 * X25519 encryption key live only in this program (libcrypto EVP_PKEY plays the platform
 * keystore, as CryptoKit's Curve25519 keys would on iOS) and are offered through the
 * sign_message and ecdh callbacks. Checks: smime_certificate_key_kind for every kind of the
 * fixtures; an Ed25519 signature made through sign_message verifies (OpenSSL 3.0's CMS has no
 * Ed25519; the Rust tests check our Ed25519 messages with Bouncy Castle), and a changed byte
 * makes it invalid; the chain of the Ed25519 certificate passes `openssl verify`; a message encrypted to the
 * X25519 certificate decrypts through ecdh; a key whose callback is NULL fails with
 * SMIME_RESULT_KEYOP_UNSUPPORTED; a declined prompt is SMIME_RESULT_KEYOP_REFUSED. */
#include "smime.h"
#include "check.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *dir;

typedef struct {
  EVP_PKEY *pkey;
  int refuse;
  int calls;
  int destroyed;
} held_key;

static int sh(const char *fmt, ...) {
  char cmd[8192], full[8400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  snprintf(full, sizeof full, "cd '%s' && %s 2>>modern-openssl.log", dir, cmd);
  int rc = system(full);
  if (rc != 0) fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
  return rc;
}

static EVP_PKEY *load_key(const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "r");
  CHECK(f != NULL);
  EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  CHECK(pkey != NULL);
  return pkey;
}

static smime_certificate *load_pem(const char *name) {
  size_t len = 0;
  unsigned char *pem = read_file(dir, name, &len);
  smime_certificate *cert = NULL;
  OK(smime_certificate_from_pem(pem, len, &cert));
  free(pem);
  return cert;
}

/* PureEdDSA over the whole message, as CryptoKit's Curve25519.Signing would. */
static smime_result cb_sign_message(void *userdata, uint32_t scheme, const uint8_t *message,
                                    size_t message_len, uint8_t *signature, size_t capacity,
                                    size_t *signature_len, int64_t *platform_error) {
  (void)platform_error;
  held_key *k = userdata;
  k->calls++;
  if (k->refuse) return SMIME_RESULT_KEYOP_REFUSED;
  if (scheme != SMIME_SIGNATURE_SCHEME_ED25519) return SMIME_RESULT_KEYOP_UNSUPPORTED;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  smime_result r = SMIME_RESULT_KEYOP_FAILED;
  size_t len = capacity;
  if (ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) > 0 &&
      EVP_DigestSign(ctx, signature, &len, message, message_len) > 0) {
    *signature_len = len;
    r = SMIME_RESULT_OK;
  }
  EVP_MD_CTX_free(ctx);
  return r;
}

/* X25519 with the peer's 32-byte key. */
static smime_result cb_x25519(void *userdata, const uint8_t *peer, size_t peer_len,
                              uint8_t *shared, size_t capacity, size_t *shared_len,
                              int64_t *platform_error) {
  (void)platform_error;
  held_key *k = userdata;
  k->calls++;
  if (k->refuse) return SMIME_RESULT_KEYOP_REFUSED;
  EVP_PKEY *peer_key = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, peer_len);
  if (peer_key == NULL) return SMIME_RESULT_KEYOP_INVALID_INPUT;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k->pkey, NULL);
  smime_result r = SMIME_RESULT_KEYOP_FAILED;
  size_t len = capacity;
  if (ctx != NULL && EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer(ctx, peer_key) > 0 &&
      EVP_PKEY_derive(ctx, shared, &len) > 0) {
    *shared_len = len;
    r = SMIME_RESULT_OK;
  }
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(peer_key);
  return r;
}

static void cb_destroy(void *userdata) {
  held_key *k = userdata;
  k->destroyed++;
  EVP_PKEY_free(k->pkey);
  k->pkey = NULL;
}

static const char MESSAGE_FRANK[] =
    "From: frank@example.com\r\nSubject: Ed25519\r\nContent-Type: text/plain\r\n\r\n"
    "signed by a key the application holds\r\n";
static const char MESSAGE_GRACE[] =
    "From: frank@example.com\r\nTo: grace@example.com\r\nSubject: X25519\r\n"
    "Content-Type: text/plain\r\n\r\nfor grace's X25519 key\r\n";

static uint32_t verdict_of(const uint8_t *msg, size_t len, const smime_verify_options *verify) {
  smime_verify_report *report = NULL;
  OK(smime_verify(msg, len, verify, &report));
  uint32_t verdict = 99;
  OK(smime_verify_report_verdict(report, &verdict));
  smime_verify_report_free(report);
  return verdict;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  dir = argv[1];
  smime_certificate *frank_cert = load_pem("frank.pem");
  smime_certificate *grace_cert = load_pem("grace.pem");
  smime_certificate *alice_cert = load_pem("alice.pem");
  smime_certificate *bob_cert = load_pem("bob.pem");
  smime_certificate *intermediate = load_pem("intermediate.pem");
  smime_certificate *root = load_pem("root.pem");

  /* The kind of each key, which tells the application which callbacks it needs. */
  uint32_t kind = 99;
  size_t bits = 99;
  OK(smime_certificate_key_kind(frank_cert, &kind, &bits));
  CHECK(kind == SMIME_KEY_KIND_ED25519 && bits == 0);
  OK(smime_certificate_key_kind(grace_cert, &kind, &bits));
  CHECK(kind == SMIME_KEY_KIND_X25519 && bits == 0);
  OK(smime_certificate_key_kind(alice_cert, &kind, &bits));
  CHECK(kind == SMIME_KEY_KIND_RSA && bits == 2048);
  OK(smime_certificate_key_kind(bob_cert, &kind, &bits));
  CHECK(kind == SMIME_KEY_KIND_EC_P256 && bits == 0);
  EXPECT(smime_certificate_key_kind(NULL, &kind, &bits), SMIME_RESULT_NULL_PARAMETER);
  EXPECT(smime_certificate_key_kind(frank_cert, NULL, &bits), SMIME_RESULT_NULL_PARAMETER);
  EXPECT(smime_certificate_key_kind(frank_cert, &kind, NULL), SMIME_RESULT_NULL_PARAMETER);

  CHECK(sh("openssl verify -CAfile root.pem -untrusted intermediate.pem frank.pem > /dev/null") == 0);
  held_key frank_key = {load_key("frank.key"), 0, 0, 0};
  held_key grace_key = {load_key("grace.key"), 0, 0, 0};
  smime_key_callbacks frank_cb = {&frank_key, NULL, NULL, NULL, cb_destroy, cb_sign_message, NULL};
  smime_key_callbacks grace_cb = {&grace_key, NULL, NULL, cb_x25519, cb_destroy, NULL, NULL};
  const smime_certificate *chain[] = {intermediate};
  smime_identity *frank = NULL, *grace = NULL;
  OK(smime_identity_from_callbacks(&frank_cb, frank_cert, chain, 1, &frank));
  OK(smime_identity_from_callbacks(&grace_cb, grace_cert, chain, 1, &grace));

  smime_verify_options *verify = NULL;
  OK(smime_verify_options_new(&verify));
  OK(smime_verify_options_add_trust_anchor(verify, root));
  OK(smime_verify_options_add_certificate(verify, intermediate));

  /* Ed25519 through sign_message: multipart/signed and opaque, trusted by us and verified by
   * OpenSSL; one changed byte of the content makes it invalid. */
  for (int opaque = 0; opaque < 2; opaque++) {
    smime_sign_options *opts = NULL;
    OK(smime_sign_options_new(&opts));
    OK(smime_sign_options_set_opaque(opts, opaque));
    smime_bytes *signed_msg = NULL;
    const smime_identity *signers[] = {frank};
    OK(smime_sign((const uint8_t *)MESSAGE_FRANK, strlen(MESSAGE_FRANK), signers, 1, opts,
                  &signed_msg));
    smime_sign_options_free(opts);
    const uint8_t *data = smime_bytes_data(signed_msg);
    size_t len = smime_bytes_len(signed_msg);
    CHECK(strstr((const char *)data, opaque ? "application/pkcs7-mime" : "micalg=sha-512") != NULL);
    CHECK(verdict_of(data, len, verify) == SMIME_VERDICT_TRUSTED);
    if (!opaque) {
      unsigned char *tampered = malloc(len);
      CHECK(tampered != NULL);
      memcpy(tampered, data, len);
      char *body = strstr((char *)tampered, "signed by a key");
      CHECK(body != NULL);
      body[0] = 'S';
      CHECK(verdict_of(tampered, len, verify) == SMIME_VERDICT_SIGNATURE_INVALID);
      free(tampered);
    }
    smime_bytes_free(signed_msg);
  }
  CHECK(frank_key.calls == 2);

  /* X25519 through ecdh: a message to grace decrypts with the held key. */
  smime_bytes *encrypted = NULL;
  const smime_certificate *to[] = {grace_cert};
  OK(smime_encrypt((const uint8_t *)MESSAGE_GRACE, strlen(MESSAGE_GRACE), to, 1, NULL, &encrypted));
  smime_decrypted *d = NULL;
  OK(smime_decrypt(smime_bytes_data(encrypted), smime_bytes_len(encrypted),
                   (const smime_identity *const *)&grace, 1, NULL, &d));
  smime_bytes *content = NULL;
  OK(smime_decrypted_content(d, &content));
  CHECK(strstr(smime_bytes_str(content), "for grace's X25519 key") != NULL);
  smime_bytes_free(content);
  smime_decrypted_free(d);
  CHECK(grace_key.calls == 1);

  /* A declined prompt is REFUSED, for both operations; nothing is returned. */
  frank_key.refuse = grace_key.refuse = 1;
  smime_bytes *out = NULL;
  const smime_identity *frank_only[] = {frank};
  EXPECT(smime_sign((const uint8_t *)MESSAGE_FRANK, strlen(MESSAGE_FRANK), frank_only, 1, NULL,
                    &out),
         SMIME_RESULT_KEYOP_REFUSED);
  CHECK(out == NULL);
  d = NULL;
  EXPECT(smime_decrypt(smime_bytes_data(encrypted), smime_bytes_len(encrypted),
                       (const smime_identity *const *)&grace, 1, NULL, &d),
         SMIME_RESULT_KEYOP_REFUSED);
  CHECK(d == NULL);
  frank_key.refuse = grace_key.refuse = 0;
  smime_bytes_free(encrypted);

  /* The Ed25519 key offered without sign_message cannot sign: UNSUPPORTED, not a crash. */
  held_key mute_key = {load_key("frank.key"), 0, 0, 0};
  smime_key_callbacks mute_cb = {&mute_key, NULL, NULL, NULL, cb_destroy, NULL, NULL};
  smime_identity *mute = NULL;
  OK(smime_identity_from_callbacks(&mute_cb, frank_cert, chain, 1, &mute));
  const smime_identity *mute_only[] = {mute};
  EXPECT(smime_sign((const uint8_t *)MESSAGE_FRANK, strlen(MESSAGE_FRANK), mute_only, 1, NULL, &out),
         SMIME_RESULT_KEYOP_UNSUPPORTED);
  CHECK(out == NULL && mute_key.calls == 0);
  smime_identity_free(mute);
  CHECK(mute_key.destroyed == 1);

  smime_identity_free(frank);
  smime_identity_free(grace);
  CHECK(frank_key.destroyed == 1 && grace_key.destroyed == 1);
  smime_verify_options_free(verify);
  smime_certificate_free(frank_cert);
  smime_certificate_free(grace_cert);
  smime_certificate_free(alice_cert);
  smime_certificate_free(bob_cert);
  smime_certificate_free(intermediate);
  smime_certificate_free(root);
  printf("modern_keys: ok\n");
  return 0;
}
