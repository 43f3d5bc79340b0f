/* One keyring and one policy shared by several threads at once: readers ask readiness, the
 * signer for an address, sign with it and verify against the keyring, and decrypt with the
 * keyring's keys, while writers import and remove contacts and add CRLs and a sealer saves
 * the keyring to bytes and reads it back. Every result is checked; the keyring's lock keeps
 * it consistent. */
#include "smime.h"
#include "check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READERS 4
#define WRITERS 2
#define ROUNDS 8

static smime_keyring *ring;
static smime_policy *policy;
static smime_certificate *alice_cert;
static unsigned char *dave_pem, *crl;
static size_t dave_pem_len, crl_len;
static char *dave_fp;

static const char MESSAGE[] =
    "From: alice@example.com\r\nSubject: shared\r\nContent-Type: text/plain\r\n\r\nhello\r\n";

static void *reader(void *arg) {
  (void)arg;
  const char *addresses[] = {"carol@example.com", "nobody@example.com"};
  for (int round = 0; round < ROUNDS; round++) {
    smime_readiness *ready = NULL;
    OK(smime_keyring_recipient_readiness(ring, addresses, 2, policy, &ready));
    bool is_ready = false;
    OK(smime_readiness_is_ready(ready, 0, &is_ready));
    CHECK(is_ready);
    OK(smime_readiness_is_ready(ready, 1, &is_ready));
    CHECK(!is_ready);
    smime_readiness_free(ready);

    smime_identity *signer = NULL;
    OK(smime_keyring_signer_for(ring, "alice@example.com", policy, &signer));
    smime_bytes *signed_msg = NULL;
    const smime_identity *signers[] = {signer};
    OK(smime_sign((const uint8_t *)MESSAGE, strlen(MESSAGE), signers, 1, NULL, &signed_msg));
    smime_verify_report *report = NULL;
    OK(smime_keyring_verify(ring, smime_bytes_data(signed_msg), smime_bytes_len(signed_msg), NULL,
                            &report));
    uint32_t verdict = 99;
    OK(smime_verify_report_verdict(report, &verdict));
    CHECK(verdict == SMIME_VERDICT_TRUSTED);
    smime_verify_report_free(report);
    smime_bytes_free(signed_msg);
    smime_identity_free(signer);

    const smime_certificate *recipients[] = {alice_cert};
    smime_bytes *encrypted = NULL;
    OK(smime_encrypt((const uint8_t *)MESSAGE, strlen(MESSAGE), recipients, 1, NULL, &encrypted));
    smime_decrypted *d = NULL;
    OK(smime_keyring_decrypt(ring, smime_bytes_data(encrypted), smime_bytes_len(encrypted), policy,
                             &d));
    smime_bytes *content = NULL;
    OK(smime_decrypted_content(d, &content));
    CHECK(strstr(smime_bytes_str(content), "hello") != NULL);
    smime_bytes_free(content);
    smime_decrypted_free(d);
    smime_bytes_free(encrypted);

    /* A failure of this thread is this thread's last error. */
    EXPECT(smime_keyring_signer_for(ring, "nobody@example.com", policy, &signer),
           SMIME_RESULT_KEYRING_NO_SIGNING_IDENTITY);
    CHECK(smime_last_error_code() == SMIME_RESULT_KEYRING_NO_SIGNING_IDENTITY);
    CHECK(strstr(smime_last_error_message(), "nobody@example.com") != NULL);
  }
  return NULL;
}

static void *writer(void *arg) {
  (void)arg;
  for (int round = 0; round < ROUNDS; round++) {
    size_t added = 0;
    OK(smime_keyring_import_directory_entry(ring, dave_pem, dave_pem_len, &added));
    CHECK(added == 1);
    OK(smime_keyring_add_crl(ring, crl, crl_len));
    OK(smime_keyring_remove(ring, dave_fp, NULL));
    smime_contact_list *contacts = NULL;
    size_t n = 0;
    OK(smime_keyring_contacts(ring, &contacts));
    OK(smime_contact_list_count(contacts, &n));
    CHECK(n >= 1 && n <= 2); /* carol, and dave when another writer just added him */
    smime_contact_list_free(contacts);
  }
  return NULL;
}

static void *sealer(void *arg) {
  (void)arg;
  uint8_t key[32];
  memset(key, 0x5a, sizeof key);
  for (int round = 0; round < ROUNDS; round++) {
    smime_bytes *sealed = NULL;
    OK(smime_keyring_to_bytes(ring, key, sizeof key, &sealed));
    smime_keyring *copy = NULL;
    OK(smime_keyring_from_bytes(smime_bytes_data(sealed), smime_bytes_len(sealed), key, sizeof key,
                                NULL, &copy));
    size_t n = 0;
    OK(smime_keyring_identity_count(copy, &n));
    CHECK(n == 1);
    smime_keyring_free(copy);
    smime_bytes_free(sealed);
  }
  return NULL;
}

static smime_certificate *load_pem(const char *dir, const char *name) {
  size_t len = 0;
  unsigned char *pem = read_file(dir, name, &len);
  smime_certificate *cert = NULL;
  OK(smime_certificate_from_pem(pem, len, &cert));
  free(pem);
  return cert;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  const char *dir = argv[1];
  OK(smime_keyring_new(&ring));
  OK(smime_policy_new(&policy));
  size_t len = 0;
  unsigned char *p12 = read_file(dir, "alice.p12", &len);
  OK(smime_keyring_import_pkcs12(ring, p12, len, "alice-password", NULL, NULL));
  free(p12);
  unsigned char *p7b = read_file(dir, "certs-only.p7b", &len);
  OK(smime_keyring_import_certs_only(ring, p7b, len, NULL, NULL));
  free(p7b);
  smime_certificate *root = load_pem(dir, "root.pem");
  OK(smime_keyring_add_trust_anchor(ring, root));
  smime_certificate_free(root);
  alice_cert = load_pem(dir, "alice.pem");
  dave_pem = read_file(dir, "dave.pem", &dave_pem_len);
  crl = read_file(dir, "intermediate.crl.der", &crl_len);
  smime_certificate *dave = NULL;
  OK(smime_certificate_from_pem(dave_pem, dave_pem_len, &dave));
  smime_bytes *fp = NULL;
  OK(smime_certificate_fingerprint(dave, &fp));
  dave_fp = malloc(smime_bytes_len(fp) + 1);
  CHECK(dave_fp != NULL);
  memcpy(dave_fp, smime_bytes_str(fp), smime_bytes_len(fp) + 1);
  smime_bytes_free(fp);
  smime_certificate_free(dave);

  pthread_t threads[READERS + WRITERS + 1];
  int t = 0;
  for (int i = 0; i < READERS; i++) CHECK(pthread_create(&threads[t++], NULL, reader, NULL) == 0);
  for (int i = 0; i < WRITERS; i++) CHECK(pthread_create(&threads[t++], NULL, writer, NULL) == 0);
  CHECK(pthread_create(&threads[t++], NULL, sealer, NULL) == 0);
  for (int i = 0; i < t; i++) CHECK(pthread_join(threads[i], NULL) == 0);

  /* After every writer removed dave last, only carol is left. */
  smime_contact_list *contacts = NULL;
  size_t n = 0;
  OK(smime_keyring_contacts(ring, &contacts));
  OK(smime_contact_list_count(contacts, &n));
  CHECK(n == 1);
  smime_contact_list_free(contacts);

  free(dave_fp);
  free(dave_pem);
  free(crl);
  smime_certificate_free(alice_cert);
  smime_policy_free(policy);
  smime_keyring_free(ring);
  printf("threads: ok\n");
  return 0;
}
