/* Keys the application holds: dave's RSA key and erin's P-256 key live only in this program
 * (libcrypto EVP_PKEY plays the platform keystore) and are offered to the library through
 * smime_key_callbacks. Checks: identities made from them, destroy called exactly once, a
 * keyring that keeps them as references and gets them back through a resolver when loaded,
 * and (with the message functions) signing and decrypting through the callbacks, with a
 * declined operation surfacing as SMIME_RESULT_KEYOP_REFUSED. */
#include "smime.h"
#include "check.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <stdio.h>
#include <string.h>

static const char *dir;

/* One key of the "keystore", with what the test observes of it. */
typedef struct {
  EVP_PKEY *pkey;
  int refuse;    /* answer SMIME_RESULT_KEYOP_REFUSED, as after a cancelled prompt */
  int calls;     /* operations asked */
  int *destroyed; /* incremented by the destroy callback */
} held_key;

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

static const EVP_MD *md_of(uint32_t digest) {
  switch (digest) {
    case SMIME_DIGEST_SHA256: return EVP_sha256();
    case SMIME_DIGEST_SHA384: return EVP_sha384();
    case SMIME_DIGEST_SHA512: return EVP_sha512();
    case SMIME_DIGEST_SHA1: return EVP_sha1();
    default: return NULL;
  }
}

static smime_result cb_sign(void *userdata, uint32_t scheme, uint32_t digest_algorithm,
                            const uint8_t *digest, size_t digest_len, uint8_t *signature,
                            size_t capacity, size_t *signature_len, int64_t *platform_error) {
  (void)platform_error;
  held_key *k = userdata;
  k->calls++;
  if (k->refuse) return SMIME_RESULT_KEYOP_REFUSED;
  const EVP_MD *md = md_of(digest_algorithm);
  if (md == NULL) return SMIME_RESULT_KEYOP_UNSUPPORTED;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k->pkey, NULL);
  smime_result r = SMIME_RESULT_KEYOP_FAILED;
  size_t len = capacity;
  if (ctx == NULL || EVP_PKEY_sign_init(ctx) <= 0) goto done;
  if (scheme == SMIME_SIGNATURE_SCHEME_RSA_PKCS1_V15) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) goto done;
  } else if (scheme == SMIME_SIGNATURE_SCHEME_RSA_PSS) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) <= 0)
      goto done;
  } else if (scheme != SMIME_SIGNATURE_SCHEME_ECDSA) {
    r = SMIME_RESULT_KEYOP_UNSUPPORTED;
    goto done;
  }
  if (EVP_PKEY_CTX_set_signature_md(ctx, md) <= 0) goto done;
  if (EVP_PKEY_sign(ctx, signature, &len, digest, digest_len) <= 0) goto done;
  *signature_len = len;
  r = SMIME_RESULT_OK;
done:
  EVP_PKEY_CTX_free(ctx);
  return r;
}

static smime_result cb_rsa_decrypt(void *userdata, uint32_t padding, uint32_t digest,
                                   const uint8_t *ciphertext, size_t ciphertext_len,
                                   uint8_t *plaintext, size_t capacity, size_t *plaintext_len,
                                   int64_t *platform_error) {
  (void)platform_error;
  held_key *k = userdata;
  k->calls++;
  if (k->refuse) return SMIME_RESULT_KEYOP_REFUSED;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k->pkey, NULL);
  smime_result r = SMIME_RESULT_KEYOP_FAILED;
  size_t len = capacity;
  if (ctx == NULL || EVP_PKEY_decrypt_init(ctx) <= 0) goto done;
  if (padding == SMIME_RSA_PADDING_OAEP) {
    const EVP_MD *md = md_of(digest);
    if (md == NULL || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) <= 0 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) <= 0)
      goto done;
  } else if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) {
    goto done;
  }
  if (EVP_PKEY_decrypt(ctx, plaintext, &len, ciphertext, ciphertext_len) <= 0) goto done;
  *plaintext_len = len;
  r = SMIME_RESULT_OK;
done:
  EVP_PKEY_CTX_free(ctx);
  return r;
}

static smime_result cb_ecdh(void *userdata, const uint8_t *peer, size_t peer_len,
                            uint8_t *shared, size_t capacity, size_t *shared_len,
                            int64_t *platform_error) {
  (void)platform_error;
  held_key *k = userdata;
  k->calls++;
  if (k->refuse) return SMIME_RESULT_KEYOP_REFUSED;
  smime_result r = SMIME_RESULT_KEYOP_FAILED;
  EVP_PKEY *peer_key = NULL;
  EVP_PKEY_CTX *from = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  EVP_PKEY_CTX *ctx = NULL;
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)peer, peer_len),
      OSSL_PARAM_construct_end(),
  };
  if (from == NULL || EVP_PKEY_fromdata_init(from) <= 0 ||
      EVP_PKEY_fromdata(from, &peer_key, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
    r = SMIME_RESULT_KEYOP_INVALID_INPUT;
    goto done;
  }
  ctx = EVP_PKEY_CTX_new(k->pkey, NULL);
  size_t len = capacity;
  if (ctx == NULL || EVP_PKEY_derive_init(ctx) <= 0 || EVP_PKEY_derive_set_peer(ctx, peer_key) <= 0 ||
      EVP_PKEY_derive(ctx, shared, &len) <= 0)
    goto done;
  *shared_len = len;
  r = SMIME_RESULT_OK;
done:
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_CTX_free(from);
  EVP_PKEY_free(peer_key);
  return r;
}

static void cb_destroy(void *userdata) {
  held_key *k = userdata;
  (*k->destroyed)++;
  EVP_PKEY_free(k->pkey);
  free(k);
}

/* Callbacks over a new held key read from `key_file`; `*destroyed` counts its destroy. */
static smime_key_callbacks callbacks_for(const char *key_file, int *destroyed, held_key **out) {
  held_key *k = calloc(1, sizeof *k);
  CHECK(k != NULL);
  k->pkey = load_key(key_file);
  k->destroyed = destroyed;
  if (out) *out = k;
  smime_key_callbacks cb = {k, cb_sign, cb_rsa_decrypt, cb_ecdh, cb_destroy, NULL, NULL};
  return cb;
}

static smime_certificate *load_pem(const char *name) {
  size_t len = 0;
  unsigned char *pem = read_file(dir, name, &len);
  smime_certificate *cert = NULL;
  OK(smime_certificate_from_pem(pem, len, &cert));
  free(pem);
  return cert;
}

/* The resolver: "keychain:dave" and "keychain:erin" name the two keys. */
typedef struct {
  int asked;
  int destroyed;
} resolver_state;

static smime_result resolve(void *userdata, const uint8_t *reference, size_t reference_len,
                            const smime_certificate *certificate, smime_key_callbacks *out) {
  resolver_state *s = userdata;
  s->asked++;
  CHECK(certificate != NULL);
  const char *file = NULL;
  if (reference_len == 13 && memcmp(reference, "keychain:dave", 13) == 0) file = "dave.key";
  if (reference_len == 13 && memcmp(reference, "keychain:erin", 13) == 0) file = "erin.key";
  if (file == NULL) return SMIME_RESULT_NOT_AVAILABLE;
  *out = callbacks_for(file, &s->destroyed, NULL);
  return SMIME_RESULT_OK;
}

static const char MESSAGE_DAVE[] =
    "From: dave@example.com\r\nSubject: hi\r\nContent-Type: text/plain\r\n\r\nhello\r\n";
static const char MESSAGE_ERIN[] =
    "From: erin@example.com\r\nSubject: hi\r\nContent-Type: text/plain\r\n\r\nhello\r\n";

/* Signs `message` with `signer` (RSA-PSS when `pss`) and checks the signature is trusted. */
static void sign_and_check(const smime_identity *signer, const char *message,
                           const smime_verify_options *verify, bool pss) {
  smime_sign_options *opts = NULL;
  OK(smime_sign_options_new(&opts));
  OK(smime_sign_options_set_pss(opts, pss));
  smime_bytes *signed_msg = NULL;
  OK(smime_sign((const uint8_t *)message, strlen(message), &signer, 1, opts, &signed_msg));
  smime_verify_report *report = NULL;
  OK(smime_verify(smime_bytes_data(signed_msg), smime_bytes_len(signed_msg), verify, &report));
  uint32_t verdict = 99;
  OK(smime_verify_report_verdict(report, &verdict));
  CHECK(verdict == SMIME_VERDICT_TRUSTED);
  smime_verify_report_free(report);
  smime_bytes_free(signed_msg);
  smime_sign_options_free(opts);
}

/* `message` encrypted to `recipient` with RSA key transport `transport`. */
static smime_bytes *encrypt_to(const smime_certificate *recipient, const char *message,
                               uint32_t transport) {
  smime_encrypt_options *opts = NULL;
  OK(smime_encrypt_options_new(&opts));
  OK(smime_encrypt_options_set_key_transport(opts, transport));
  smime_bytes *encrypted = NULL;
  OK(smime_encrypt((const uint8_t *)message, strlen(message), &recipient, 1, opts, &encrypted));
  smime_encrypt_options_free(opts);
  return encrypted;
}

/* Whether the decrypted content ends with the message's body. */
static void check_content(const smime_decrypted *d) {
  smime_bytes *content = NULL;
  OK(smime_decrypted_content(d, &content));
  CHECK(strstr(smime_bytes_str(content), "hello") != NULL);
  smime_bytes_free(content);
}

static void decrypt_and_check(const smime_certificate *recipient, const smime_identity *key,
                              const char *message, uint32_t transport) {
  smime_bytes *encrypted = encrypt_to(recipient, message, transport);
  smime_decrypted *d = NULL;
  OK(smime_decrypt(smime_bytes_data(encrypted), smime_bytes_len(encrypted), &key, 1, NULL, &d));
  check_content(d);
  smime_decrypted_free(d);
  smime_bytes_free(encrypted);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  dir = argv[1];
  smime_certificate *dave_cert = load_pem("dave.pem");
  smime_certificate *erin_cert = load_pem("erin.pem");
  smime_certificate *intermediate = load_pem("intermediate.pem");
  smime_certificate *root = load_pem("root.pem");

  /* Identities over the held keys; destroy runs once, when the last user is freed. */
  int dave_destroyed = 0, erin_destroyed = 0;
  held_key *dave_key = NULL, *erin_key = NULL;
  smime_key_callbacks dave_cb = callbacks_for("dave.key", &dave_destroyed, &dave_key);
  smime_key_callbacks erin_cb = callbacks_for("erin.key", &erin_destroyed, &erin_key);
  const smime_certificate *chain[] = {intermediate};
  smime_identity *dave = NULL, *erin = NULL;
  EXPECT(smime_identity_from_callbacks(NULL, dave_cert, NULL, 0, &dave), SMIME_RESULT_NULL_PARAMETER);
  EXPECT(smime_identity_from_callbacks(&dave_cb, NULL, NULL, 0, &dave), SMIME_RESULT_NULL_PARAMETER);
  EXPECT(smime_identity_from_callbacks(&dave_cb, dave_cert, NULL, 1, &dave),
         SMIME_RESULT_NULL_PARAMETER);
  CHECK(dave == NULL && dave_destroyed == 0); /* failures take nothing */
  OK(smime_identity_from_callbacks(&dave_cb, dave_cert, chain, 1, &dave));
  OK(smime_identity_from_callbacks(&erin_cb, erin_cert, chain, 1, &erin));
  bool erin_has_key = false;
  OK(smime_identity_has_key(erin, &erin_has_key));
  CHECK(erin_has_key);
  smime_certificate *c = NULL;
  OK(smime_identity_certificate(dave, &c));
  smime_certificate_free(c);

  /* A keyring keeps them as references; after the identities are freed the keyring still
   * holds the keys, and destroy runs when the keyring goes. */
  smime_keyring *ring = NULL;
  OK(smime_keyring_new(&ring));
  OK(smime_keyring_add_trust_anchor(ring, root));
  OK(smime_keyring_add_intermediate(ring, intermediate));
  OK(smime_keyring_add_external_identity(ring, dave, (const uint8_t *)"keychain:dave", 13));
  OK(smime_keyring_add_external_identity(ring, erin, (const uint8_t *)"keychain:erin", 13));

  /* Signing through the callbacks: RSA PKCS#1 v1.5 and PSS, ECDSA; the signatures verify. */
  smime_verify_options *verify = NULL;
  OK(smime_verify_options_new(&verify));
  OK(smime_verify_options_add_trust_anchor(verify, root));
  OK(smime_verify_options_add_certificate(verify, intermediate));
  sign_and_check(dave, MESSAGE_DAVE, verify, false);
  sign_and_check(dave, MESSAGE_DAVE, verify, true);
  sign_and_check(erin, MESSAGE_ERIN, verify, false);
  CHECK(dave_key->calls == 2 && erin_key->calls == 1);

  /* Decrypting through the callbacks: RSA PKCS#1 v1.5 and OAEP key transport, ECDH. */
  decrypt_and_check(dave_cert, dave, MESSAGE_DAVE, SMIME_KEY_TRANSPORT_RSA_PKCS1_V15);
  decrypt_and_check(dave_cert, dave, MESSAGE_DAVE, SMIME_KEY_TRANSPORT_RSA_OAEP);
  decrypt_and_check(erin_cert, erin, MESSAGE_ERIN, SMIME_KEY_TRANSPORT_RSA_PKCS1_V15);
  CHECK(dave_key->calls == 4 && erin_key->calls == 2);

  /* A declined operation (a cancelled prompt) is SMIME_RESULT_KEYOP_REFUSED, for signing and
   * for decrypting alike; nothing is written. */
  const smime_identity *both[] = {dave, erin};
  const char *messages[] = {MESSAGE_DAVE, MESSAGE_ERIN};
  const smime_certificate *certs[] = {dave_cert, erin_cert};
  held_key *keys[] = {dave_key, erin_key};
  for (int i = 0; i < 2; i++) {
    smime_bytes *encrypted = encrypt_to(certs[i], messages[i], SMIME_KEY_TRANSPORT_RSA_PKCS1_V15);
    keys[i]->refuse = 1;
    smime_bytes *out = NULL;
    EXPECT(smime_sign((const uint8_t *)messages[i], strlen(messages[i]), &both[i], 1, NULL, &out),
           SMIME_RESULT_KEYOP_REFUSED);
    CHECK(out == NULL);
    smime_decrypted *d = NULL;
    EXPECT(smime_decrypt(smime_bytes_data(encrypted), smime_bytes_len(encrypted), &both[i], 1,
                         NULL, &d),
           SMIME_RESULT_KEYOP_REFUSED);
    CHECK(d == NULL);
    keys[i]->refuse = 0;
    OK(smime_decrypt(smime_bytes_data(encrypted), smime_bytes_len(encrypted), &both[i], 1, NULL,
                     &d));
    smime_decrypted_free(d);
    smime_bytes_free(encrypted);
  }

  smime_identity_free(dave);
  smime_identity_free(erin);
  CHECK(dave_destroyed == 0 && erin_destroyed == 0);
  smime_policy *policy = NULL;
  OK(smime_policy_new(&policy));
  smime_identity *signer = NULL;
  OK(smime_keyring_signer_for(ring, "erin@example.com", policy, &signer));
  smime_identity_free(signer);

  uint8_t key[32];
  for (int i = 0; i < 32; i++) key[i] = (uint8_t)(0xa0 + i);
  char path[4096];
  snprintf(path, sizeof path, "%s/callback-keys.smk", dir);
  OK(smime_keyring_save(ring, path, key, sizeof key));
  smime_bytes *sealed = NULL;
  OK(smime_keyring_to_bytes(ring, key, sizeof key, &sealed));
  smime_keyring_free(ring);
  CHECK(dave_destroyed == 1 && erin_destroyed == 1);

  /* Loaded with the resolver, both keys come back and sign again. */
  resolver_state state = {0, 0};
  smime_key_resolver resolver = {&state, resolve};
  smime_keyring *loaded = NULL;
  OK(smime_keyring_load(path, key, sizeof key, &resolver, &loaded));
  CHECK(state.asked == 2);
  OK(smime_keyring_signer_for(loaded, "dave@example.com", policy, &signer));
  smime_identity_free(signer);
  OK(smime_keyring_signer_for(loaded, "erin@example.com", policy, &signer));
  sign_and_check(signer, MESSAGE_ERIN, verify, false);
  smime_identity_free(signer);
  smime_bytes *to_erin = encrypt_to(erin_cert, MESSAGE_ERIN, SMIME_KEY_TRANSPORT_RSA_PKCS1_V15);
  smime_decrypted *d = NULL;
  OK(smime_keyring_decrypt(loaded, smime_bytes_data(to_erin), smime_bytes_len(to_erin), policy,
                           &d));
  check_content(d);
  smime_decrypted_free(d);
  smime_keyring_free(loaded);
  CHECK(state.destroyed == 2);

  /* From bytes, without a resolver: the identities are kept but have no key. */
  OK(smime_keyring_from_bytes(smime_bytes_data(sealed), smime_bytes_len(sealed), key, sizeof key,
                              NULL, &loaded));
  size_t n = 0;
  OK(smime_keyring_identity_count(loaded, &n));
  CHECK(n == 2);
  smime_identity *keyless = NULL;
  bool has_key = true;
  OK(smime_keyring_identity(loaded, 0, &keyless));
  OK(smime_identity_has_key(keyless, &has_key));
  CHECK(!has_key);
  smime_identity_free(keyless);
  EXPECT(smime_keyring_signer_for(loaded, "dave@example.com", policy, &signer),
         SMIME_RESULT_KEYRING_NO_SIGNING_IDENTITY);
  d = NULL;
  EXPECT(smime_keyring_decrypt(loaded, smime_bytes_data(to_erin), smime_bytes_len(to_erin), policy,
                               &d),
         SMIME_RESULT_DECRYPT_NO_KEYS);
  smime_keyring_free(loaded);
  /* A resolver without a function resolves nothing. */
  smime_key_resolver empty = {NULL, NULL};
  OK(smime_keyring_from_bytes(smime_bytes_data(sealed), smime_bytes_len(sealed), key, sizeof key,
                              &empty, &loaded));
  smime_keyring_free(loaded);
  smime_bytes_free(sealed);
  smime_bytes_free(to_erin);
  remove(path);

  smime_verify_options_free(verify);
  smime_policy_free(policy);
  smime_certificate_free(dave_cert);
  smime_certificate_free(erin_cert);
  smime_certificate_free(intermediate);
  smime_certificate_free(root);
  printf("callback_keys: ok\n");
  return 0;
}
