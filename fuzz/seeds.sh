#!/usr/bin/env bash
# Regenerates the seed corpus fuzz/seeds/<target>/ from real messages: ours (the smime CLI) and
# OpenSSL's, for every algorithm we have (RSA PKCS#1 v1.5 / PSS / OAEP, P-256 ECDSA and ECDH,
# Ed25519, X25519, ML-KEM-768, ML-DSA, AES-GCM and AES-CBC, PKCS#12 with AES and 3DES, BER
# indefinite lengths), plus the Bouncy Castle post-quantum artefacts of tests/data/pqc and the
# keys, keyrings and keyring bodies the seed generator (fuzz/examples/seeds.rs) writes with the
# library. Keys and certificates come from fuzz/fixtures (make.sh).
#
# Usage: fuzz/seeds.sh            (from anywhere; SMIME=path/to/smime to use a built CLI)
# Needs: openssl (1.1.1 or 3.x), cargo. Replaces fuzz/seeds/ entirely.
set -euo pipefail
fuzz=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz")
fx=$fuzz/fixtures
pqc=$root/tests/data/pqc
if [ -z "${SMIME:-}" ]; then
  cargo build --quiet --manifest-path "$root/Cargo.toml" -p smime-cli
  SMIME=$root/target/debug/smime
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$fuzz/seeds
rm -rf "$out"
mkdir -p "$out"
ossl() { openssl "$@" 2>/dev/null; }
n=0
# seed TARGET FILE [PREFIX-HEX]: copies FILE into the target's seeds, named by its hash.
seed() {
  local target=$1 file=$2 prefix=${3:-}
  mkdir -p "$out/$target"
  if [ -n "$prefix" ]; then
    { printf "$(echo "$prefix" | sed 's/../\\x&/g')"; cat "$file"; } > "$work/prefixed"
    file=$work/prefixed
  fi
  local h
  h=$(sha1sum "$file" | cut -c1-16)
  cp "$file" "$out/$target/$h"
  n=$((n + 1))
}
# DER of the base64 body of a MIME message (application/pkcs7-mime or the .p7s part).
der_of() {
  sed -n '/^\r\{0,1\}$/,$p' "$1" | grep -E '^[A-Za-z0-9+/=]+\r?$' | tr -d '\r' | base64 -d
}
for name in root inter alice bob carol dave; do
  ossl x509 -inform DER -in "$fx/$name.crt.der" -out "$work/$name.pem"
done
cat "$work/inter.pem" "$work/root.pem" > "$work/chain.pem"

# ---- the messages ------------------------------------------------------------------------
printf 'From: alice@example.com\r\nTo: bob@example.com\r\nSubject: seed\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello, Bob.\r\n' > "$work/plain.eml"
printf 'From: alice@example.com\r\nTo: bob@example.com\r\nSubject: multipart\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nText part\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgc=\r\n--b1--\r\n' > "$work/mixed.eml"
msgs=()
i=0
add() { i=$((i + 1)); msgs+=("$1"); }
# Ours: signatures.
for who in alice bob carol; do
  for digest in sha256 sha512; do
    "$SMIME" sign --cert "$fx/$who.crt.der" --key "$fx/$who.key.pem" --chain "$work/inter.pem" \
      --digest $digest "$work/plain.eml" -o "$work/s-$who-$digest.eml"
    add "$work/s-$who-$digest.eml"
  done
  "$SMIME" sign --opaque --cert "$fx/$who.crt.der" --key "$fx/$who.key.pem" "$work/mixed.eml" \
    -o "$work/so-$who.eml"
  add "$work/so-$who.eml"
done
"$SMIME" sign --pss --cert "$fx/alice.crt.der" --key "$fx/alice.key.pem" "$work/mixed.eml" \
  -o "$work/s-pss.eml"
add "$work/s-pss.eml"
# Ours: encryption, every key kind and cipher.
for to in alice bob dave; do
  for cipher in aes256-gcm aes128-cbc; do
    "$SMIME" encrypt --to "$fx/$to.crt.der" --cipher $cipher "$work/plain.eml" \
      -o "$work/e-$to-$cipher.eml"
    add "$work/e-$to-$cipher.eml"
  done
done
"$SMIME" encrypt --oaep --to "$fx/alice.crt.der" "$work/mixed.eml" -o "$work/e-oaep.eml"
add "$work/e-oaep.eml"
"$SMIME" encrypt --to "$fx/dave.crt.der" --key-agreement x963-sha256 "$work/plain.eml" \
  -o "$work/e-x963.eml"
add "$work/e-x963.eml"
for kdf in hkdf-sha256 hkdf-sha512; do
  "$SMIME" encrypt --to "$fx/mlkem768.crt.der" --kem-kdf $kdf "$work/plain.eml" \
    -o "$work/e-mlkem-$kdf.eml"
  add "$work/e-mlkem-$kdf.eml"
done
"$SMIME" encrypt --to "$fx/alice.crt.der" --to "$fx/bob.crt.der" --to "$fx/dave.crt.der" \
  --to "$fx/mlkem768.crt.der" --cipher aes128-gcm "$work/s-bob-sha256.eml" -o "$work/e-signed.eml"
add "$work/e-signed.eml"
"$SMIME" sign --cert "$fx/carol.crt.der" --key "$fx/carol.key.pem" "$work/e-signed.eml" \
  -o "$work/triple.eml"
add "$work/triple.eml"
# OpenSSL's: signatures (detached, opaque, BER streamed with indefinite lengths, PSS).
ossl cms -sign -in "$work/plain.eml" -signer "$work/alice.pem" -inkey "$fx/alice.key.pem" \
  -certfile "$work/inter.pem" -out "$work/o-s-alice.eml"
add "$work/o-s-alice.eml"
ossl cms -sign -nodetach -in "$work/mixed.eml" -signer "$work/bob.pem" -inkey "$fx/bob.key.pem" \
  -out "$work/o-so-bob.eml"
add "$work/o-so-bob.eml"
ossl cms -sign -in "$work/plain.eml" -signer "$work/alice.pem" -inkey "$fx/alice.key.pem" \
  -keyopt rsa_padding_mode:pss -md sha384 -out "$work/o-s-pss.eml"
add "$work/o-s-pss.eml"
ossl cms -sign -nodetach -stream -binary -in "$work/plain.eml" -signer "$work/bob.pem" \
  -inkey "$fx/bob.key.pem" -outform DER -out "$work/o-ber-signed.der"
add "$work/o-ber-signed.der"
ossl cms -sign -in "$work/plain.eml" -signer "$work/carol.pem" -inkey "$fx/carol.key.pem" \
  -out "$work/o-s-ed25519.eml" && add "$work/o-s-ed25519.eml"
ossl smime -sign -in "$work/plain.eml" -signer "$work/bob.pem" -inkey "$fx/bob.key.pem" \
  -out "$work/o-smime-bob.eml"
add "$work/o-smime-bob.eml"
# OpenSSL's: encryption (CBC, GCM, OAEP, ECDH, X25519, BER streamed).
ossl cms -encrypt -aes-256-cbc -in "$work/plain.eml" -out "$work/o-e-cbc.eml" "$work/alice.pem"
add "$work/o-e-cbc.eml"
ossl cms -encrypt -aes-128-gcm -in "$work/plain.eml" -out "$work/o-e-gcm.eml" "$work/alice.pem" \
  && add "$work/o-e-gcm.eml"
ossl cms -encrypt -aes-256-cbc -recip "$work/alice.pem" -keyopt rsa_padding_mode:oaep \
  -in "$work/plain.eml" -out "$work/o-e-oaep.eml"
add "$work/o-e-oaep.eml"
ossl cms -encrypt -aes-128-cbc -in "$work/plain.eml" -out "$work/o-e-ecdh.eml" "$work/bob.pem"
add "$work/o-e-ecdh.eml"
ossl cms -encrypt -aes-128-cbc -in "$work/plain.eml" -out "$work/o-e-x25519.eml" "$work/dave.pem" \
  && add "$work/o-e-x25519.eml"
ossl cms -encrypt -stream -aes-256-cbc -binary -in "$work/plain.eml" -outform DER \
  -out "$work/o-ber-enveloped.der" "$work/alice.pem"
add "$work/o-ber-enveloped.der"
ossl smime -encrypt -aes256 -in "$work/o-s-alice.eml" -out "$work/o-e-signed.eml" "$work/alice.pem"
add "$work/o-e-signed.eml"

# Every message: MIME targets, verify/decrypt/open, streams, the C ABI.
for m in "${msgs[@]}"; do
  for t in mime inspect verify open decrypt; do seed $t "$m"; done
  seed stream_verify "$m" 0001
  seed stream_decrypt "$m" 00ff
  seed ffi "$m" 02 # smime_verify
  seed ffi "$m" 05 # smime_open
  der=$work/der
  if head -c1 "$m" | grep -q $'\x30'; then cp "$m" "$der"; else der_of "$m" > "$der" || true; fi
  [ -s "$der" ] || continue
  seed ber "$der"
  ct=$(ossl asn1parse -inform DER -in "$der" | sed -n 2p || true)
  case "$ct" in
  *signedData*) seed cms_signed "$der"; seed verify "$der"; seed stream_verify "$der" 1234 ;;
  *envelopedData*) seed cms_enveloped "$der"; seed decrypt "$der"; seed stream_decrypt "$der" 4321 ;;
  *uthEnvelopedData* | *1.2.840.113549.1.9.16.1.23*)
    seed cms_auth_enveloped "$der"; seed decrypt "$der"; seed stream_decrypt "$der" 4321 ;;
  esac
  case "$m" in *mlkem*) seed kemri "$m"; seed kemri "$der" ;; esac
done
# Detached signatures: content length (2 bytes), content, signature.
for m in "$work/s-alice-sha256.eml" "$work/s-bob-sha512.eml" "$work/o-s-alice.eml"; do
  ossl smime -pk7out -in "$m" -outform DER -out "$work/p7s.der" || continue
  ossl smime -verify -noverify -in "$m" -out "$work/content" || continue
  len=$(stat -c %s "$work/content")
  printf "%04x" "$len" > "$work/lenhex"
  cat "$work/content" "$work/p7s.der" > "$work/detached"
  seed verify_detached "$work/detached" "$(cat "$work/lenhex")"
done
# Post-quantum messages of Bouncy Castle and OpenSSL 3.5 (tests/data/pqc).
for f in "$pqc"/bc/ml-kem-768*kemri*.der; do
  seed kemri "$f"; seed decrypt "$f"; seed cms_enveloped "$f"; seed cms_auth_enveloped "$f"
done
seed kemri "$pqc/bc/ml-kem-512-2.16.840.1.101.3.4.4.1_kemri_id-alg-hkdf-with-sha256.der"
for f in "$pqc"/bc/ml-dsa-65*.der "$pqc"/ossl35/ml-dsa-44*.der "$pqc"/bc/slh-dsa-sha2-128f-2*.der; do
  seed verify "$f"; seed cms_signed "$f"; seed stream_verify "$f" 0102; seed ber "$f"
done

# ---- certificates, certs-only, directory entries, CRLs --------------------------------------
for name in root inter alice bob carol dave; do
  seed certificate "$fx/$name.crt.der"; seed certificate "$work/$name.pem"
  seed ffi "$fx/$name.crt.der" 00
  seed directory_entry "$fx/$name.crt.der"
done
seed certificate "$fx/mlkem768.crt.der"; seed certificate "$fx/pq-root.crt.der"
seed certificate "$work/chain.pem"
ossl crl2pkcs7 -nocrl -certfile "$work/chain.pem" -certfile "$work/alice.pem" -outform DER \
  -out "$work/certs-only.der"
ossl crl2pkcs7 -in <(ossl crl -inform DER -in "$fx/inter.crl.der") -certfile "$work/bob.pem" \
  -outform DER -out "$work/certs-only-crl.der"
ossl crl2pkcs7 -nocrl -certfile "$work/carol.pem" -out "$work/certs-only.pem"
for f in certs-only.der certs-only-crl.der certs-only.pem; do
  seed certs_only "$work/$f"; seed certs_only_import "$work/$f"; seed directory_entry "$work/$f"
  seed ffi "$work/$f" 0a
done
ossl smime -pk7out -in "$work/s-bob-sha256.eml" -outform DER -out "$work/p7s-bob.der"
seed certs_only "$work/p7s-bob.der"
{ printf 'Content-Type: application/pkcs7-mime; smime-type=certs-only; name=smime.p7c\r\nContent-Transfer-Encoding: base64\r\n\r\n'
  base64 -w 76 "$work/certs-only.der" | sed 's/$/\r/'; } > "$work/certs-only.eml"
seed certs_only_import "$work/certs-only.eml"; seed mime "$work/certs-only.eml"
# LDIF as ldapsearch prints it, folded at 76 columns.
{ printf 'dn: cn=Alice,dc=example,dc=com\n'
  printf 'userSMIMECertificate;binary:: %s\n' "$(base64 -w0 "$work/certs-only.der")" | fold -w 76 | sed '2,$s/^/ /'
  printf 'userCertificate;binary:: %s\n' "$(base64 -w0 "$fx/bob.crt.der")" | fold -w 76 | sed '2,$s/^/ /'
  printf '\ndn: cn=Carol\n2.5.4.36:: %s\n' "$(base64 -w0 "$fx/carol.crt.der")"; } > "$work/entry.ldif"
seed directory_entry "$work/entry.ldif"; seed ffi "$work/entry.ldif" 09
seed crl "$fx/inter.crl.der"; seed ffi "$fx/inter.crl.der" 0b
ossl crl -inform DER -in "$fx/inter.crl.der" -out "$work/crl.pem"; seed crl "$work/crl.pem"
# A CRL revoking Alice, with reason codes and an invalidity date.
cat > "$work/ca.cnf" <<CNF
[ ca ]
default_ca = d
[ d ]
database = $work/index.txt
crlnumber = $work/crlnumber
certificate = $work/inter.pem
private_key = $fx/inter.key.pem
default_md = sha256
default_crl_days = 30
policy = p
[ p ]
commonName = supplied
CNF
: > "$work/index.txt"; echo 02 > "$work/crlnumber"
ossl ca -config "$work/ca.cnf" -revoke "$work/alice.pem" -crl_reason keyCompromise
ossl ca -gencrl -config "$work/ca.cnf" -out "$work/revoked.crl"
seed crl "$work/revoked.crl"

# ---- keys: PKCS#12, encrypted PKCS#8, PQ and classical keys ---------------------------------
pass=fuzz
for who in alice bob carol; do
  ossl pkcs12 -export -in "$work/$who.pem" -inkey "$fx/$who.key.pem" -certfile "$work/chain.pem" \
    -passout pass:$pass -iter 2048 -out "$work/$who-aes.p12"
  seed pkcs12 "$work/$who-aes.p12"; seed inspect "$work/$who-aes.p12"
done
ossl pkcs12 -export -in "$work/alice.pem" -inkey "$fx/alice.key.pem" -passout pass:$pass \
  -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -iter 2048 -out "$work/alice-3des.p12"
seed pkcs12 "$work/alice-3des.p12"
ossl pkcs12 -export -in "$work/bob.pem" -inkey "$fx/bob.key.pem" -passout pass:$pass -nomac \
  -iter 2048 -out "$work/bob-nomac.p12"
seed pkcs12 "$work/bob-nomac.p12"
for who in alice bob carol dave; do
  ossl pkcs8 -topk8 -in "$fx/$who.key.pem" -v2 aes-256-cbc -iter 2048 -passout pass:$pass \
    -out "$work/$who-enc.pem"
  ossl pkcs8 -topk8 -in "$fx/$who.key.pem" -v2 aes-128-cbc -iter 2048 -passout pass:$pass \
    -outform DER -out "$work/$who-enc.der"
  seed pkcs8_encrypted "$work/$who-enc.pem"; seed pkcs8_encrypted "$work/$who-enc.der"
  seed pq_keys "$fx/$who.key.pem"
  ossl pkey -in "$fx/$who.key.pem" -outform DER -out "$work/$who.key.der"; seed pq_keys "$work/$who.key.der"
  seed ffi "$fx/$who.key.pem" 0c
done
ossl pkcs8 -topk8 -in "$fx/alice.key.pem" -v1 PBE-SHA1-3DES -iter 2048 -passout pass:$pass \
  -out "$work/alice-3des-enc.pem" && seed pkcs8_encrypted "$work/alice-3des-enc.pem"
ossl rsa -in "$fx/alice.key.pem" -traditional -out "$work/alice-pkcs1.pem" && seed pq_keys "$work/alice-pkcs1.pem"
ossl ec -in "$fx/bob.key.pem" -out "$work/bob-sec1.pem" && seed pq_keys "$work/bob-sec1.pem"
for f in "$pqc"/bc/ml-kem-*_priv.der; do seed pq_keys "$f"; done

# ---- keyrings (ours): a key file of 32 'Z' bytes, the fixtures' sealing key ----------------
printf 'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ' > "$work/ring.key"
kr() { "$SMIME" keyring "$@" --keyring "$work/ring.kr" --keyring-key-file "$work/ring.key"; }
kr new >/dev/null
seed keyring_load "$work/ring.kr"
kr trust "$work/root.pem" >/dev/null
kr import --p12 "$work/alice-aes.p12" --password $pass --label Alice --cert "$work/carol.pem" \
  --directory "$work/entry.ldif" --crl "$fx/inter.crl.der" >/dev/null
seed keyring_load "$work/ring.kr"
kr import --key "$fx/bob.key.pem" --cert "$work/bob.pem" --cert "$fx/mlkem768.crt.der" >/dev/null
seed keyring_load "$work/ring.kr"
"$SMIME" verify --keyring "$work/ring.kr" --keyring-key-file "$work/ring.key" --learn \
  "$work/s-carol-sha256.eml" >/dev/null 2>&1 || true
seed keyring_load "$work/ring.kr"
seed ffi "$work/ring.kr" 07

# ---- what the library writes: ML-DSA keys, keyring bodies -----------------------------------
cargo run --quiet --manifest-path "$fuzz/Cargo.toml" --example seeds -- "$out"
echo "$n seeds written; $(find "$out" -type f | wc -l) files, $(du -sh "$out" | cut -f1)"
