/* Message operations from several threads at once, sharing one policy, one identity (Alice,
 * signing and decrypting), one set of certificates and one set of verify and encrypt
 * options: each thread signs, verifies, encrypts and decrypts in a loop and checks every
 * result, including a thread-local last error after a failure of its own. */
#include "smime.h"
#include "check.h"
#include "msg_util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 6
#define ROUNDS 4

static smime_policy *policy;
static smime_identity *alice, *bob;
static smime_certificate *root, *intermediate, *bob_cert, *alice_cert;
static smime_verify_options *verify_options;
static smime_encrypt_options *encrypt_options;

struct job {
  int index;
  int failures;
};

static void *work(void *arg) {
  struct job *job = arg;
  char message[256];
  const smime_identity *signers[] = {alice};
  const smime_identity *as_bob[] = {bob};
  const smime_identity *as_alice[] = {alice};
  const smime_certificate *recipients[] = {bob_cert};
  for (int round = 0; round < ROUNDS; round++) {
    int n = snprintf(message, sizeof message,
                     "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: t%d r%d\r\n"
                     "Content-Type: text/plain\r\n\r\nThread %d, round %d.\r\n",
                     job->index, round, job->index, round);
    char body[64];
    snprintf(body, sizeof body, "Thread %d, round %d.", job->index, round);

    /* Sign and verify. */
    smime_bytes *signed_msg = NULL;
    OK(smime_sign((const uint8_t *)message, (size_t)n, signers, 1, NULL, &signed_msg));
    smime_verify_report *report = NULL;
    OK(smime_verify(smime_bytes_data(signed_msg), smime_bytes_len(signed_msg), verify_options,
                    &report));
    if (verdict_of(report) != SMIME_VERDICT_TRUSTED) job->failures++;
    smime_bytes *content = NULL;
    OK(smime_verify_report_content(report, &content));
    if (!take_contains(content, body)) job->failures++;
    smime_verify_report_free(report);

    /* Encrypt to Bob and Alice (the options' self copy); both decrypt. */
    smime_bytes *sealed = NULL;
    OK(smime_encrypt(smime_bytes_data(signed_msg), smime_bytes_len(signed_msg), recipients, 1,
                     encrypt_options, &sealed));
    smime_decrypted *d = NULL;
    OK(smime_decrypt(smime_bytes_data(sealed), smime_bytes_len(sealed), as_bob, 1, policy, &d));
    OK(smime_decrypted_content(d, &content));
    if (!take_contains(content, body)) job->failures++;
    smime_decrypted_free(d);
    OK(smime_decrypt(smime_bytes_data(sealed), smime_bytes_len(sealed), as_alice, 1, policy,
                     &d));
    smime_decrypted_free(d);

    /* Open: encrypted, then signed; the content is trusted. */
    smime_opened *opened = NULL;
    OK(smime_open(smime_bytes_data(sealed), smime_bytes_len(sealed), as_bob, 1, verify_options,
                  &opened));
    uint32_t v = 999;
    OK(smime_opened_verdict(opened, &v));
    if (v != SMIME_VERDICT_TRUSTED) job->failures++;
    smime_opened_free(opened);

    /* A failure of this thread's own: its last error is its own. */
    EXPECT(smime_decrypt(smime_bytes_data(signed_msg), smime_bytes_len(signed_msg), as_bob, 1,
                         policy, &d),
           SMIME_RESULT_DECRYPT_NOT_ENCRYPTED);
    if (smime_last_error_code() != SMIME_RESULT_DECRYPT_NOT_ENCRYPTED) job->failures++;

    smime_bytes_free(sealed);
    smime_bytes_free(signed_msg);
  }
  return NULL;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  const char *dir = argv[1];
  OK(smime_policy_new(&policy));
  alice = load_p12(dir, "alice.p12", "alice-password");
  bob = load_identity(dir, "bob.key", "bob.pem");
  root = load_cert(dir, "root.pem");
  intermediate = load_cert(dir, "intermediate.pem");
  bob_cert = load_cert(dir, "bob.pem");
  OK(smime_identity_certificate(alice, &alice_cert));
  OK(smime_verify_options_new(&verify_options));
  OK(smime_verify_options_add_trust_anchor(verify_options, root));
  OK(smime_verify_options_add_certificate(verify_options, intermediate));
  OK(smime_verify_options_set_policy(verify_options, policy));
  OK(smime_encrypt_options_new(&encrypt_options));
  OK(smime_encrypt_options_set_sender(encrypt_options, alice_cert));
  OK(smime_encrypt_options_add_trust_anchor(encrypt_options, root));
  OK(smime_encrypt_options_add_certificate(encrypt_options, intermediate));
  OK(smime_encrypt_options_set_policy(encrypt_options, policy));

  pthread_t threads[THREADS];
  struct job jobs[THREADS];
  for (int i = 0; i < THREADS; i++) {
    jobs[i].index = i;
    jobs[i].failures = 0;
    CHECK(pthread_create(&threads[i], NULL, work, &jobs[i]) == 0);
  }
  int failures = 0;
  for (int i = 0; i < THREADS; i++) {
    CHECK(pthread_join(threads[i], NULL) == 0);
    failures += jobs[i].failures;
  }
  CHECK(failures == 0);

  smime_encrypt_options_free(encrypt_options);
  smime_verify_options_free(verify_options);
  smime_certificate_free(alice_cert);
  smime_certificate_free(bob_cert);
  smime_certificate_free(intermediate);
  smime_certificate_free(root);
  smime_identity_free(bob);
  smime_identity_free(alice);
  smime_policy_free(policy);
  puts("message_threads: ok");
  return 0;
}
