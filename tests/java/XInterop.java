// X25519 key agreement (KeyAgreeRecipientInfo) with Bouncy Castle, for the interop tests.
//
//   XInterop encrypt <recipient.crt (DER)> <kdf> <cbc|gcm> <content file> <out (DER)>
//   XInterop decrypt <recipient.crt (DER)> <key (PKCS#8 DER)> <in (DER)> <out content file>
//
// kdf is sha256kdf (dhSinglePass-stdDH-sha256kdf-scheme, the X9.63 KDF of RFC 5753).
//
// Bouncy Castle 1.72 has no HKDF schemes (RFC 8418) in its CMS layer, and its CMS layer looks
// the X9.63 scheme OIDs up as EC agreements only. Its provider does have the agreement itself,
// X25519withSHA256KDF (X25519, then the X9.63 KDF over SHA-256 with the ECC-CMS-SharedInfo the
// CMS layer passes as user keying material): a small provider placed first maps the scheme OID
// to that class, and everything else (X25519, the KDF, AES key wrap, the CMS structures) is
// Bouncy Castle's.
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Collection;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSAuthEnvelopedData;
import org.bouncycastle.cms.CMSAuthEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSEnvelopedData;
import org.bouncycastle.cms.CMSEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.RecipientInformation;
import org.bouncycastle.cms.RecipientInformationStore;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKeyAgreeEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyAgreeRecipientInfoGenerator;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.OutputAEADEncryptor;

public class XInterop {
    static final class X25519Schemes extends Provider {
        X25519Schemes() {
            super("X25519Schemes", "1.0", "dhSinglePass-stdDH-sha256kdf-scheme with X25519 keys");
            String spi = "org.bouncycastle.jcajce.provider.asymmetric.edec.KeyAgreementSpi$X25519withSHA256KDF";
            put("KeyAgreement." + CMSAlgorithm.ECDH_SHA256KDF.getId(), spi);
            put("KeyAgreement.ECDHWITHSHA256KDF", spi);
        }
    }

    static ASN1ObjectIdentifier kdf(String name) {
        switch (name) {
            case "sha256kdf": return CMSAlgorithm.ECDH_SHA256KDF;
            default: throw new IllegalArgumentException("unknown kdf " + name);
        }
    }

    static X509Certificate cert(String path) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509", "BC");
        return (X509Certificate) cf.generateCertificate(
            new ByteArrayInputStream(Files.readAllBytes(Paths.get(path))));
    }

    public static void main(String[] args) throws Exception {
        Security.insertProviderAt(new X25519Schemes(), 1);
        Security.addProvider(new BouncyCastleProvider());
        if (args[0].equals("encrypt")) {
            X509Certificate recipient = cert(args[1]);
            boolean gcm = args[3].equals("gcm");
            byte[] content = Files.readAllBytes(Paths.get(args[4]));
            KeyPairGenerator kpg = KeyPairGenerator.getInstance("X25519", "BC");
            KeyPair eph = kpg.generateKeyPair();
            JceKeyAgreeRecipientInfoGenerator rig = new JceKeyAgreeRecipientInfoGenerator(
                kdf(args[2]), eph.getPrivate(), eph.getPublic(),
                gcm ? CMSAlgorithm.AES256_WRAP : CMSAlgorithm.AES128_WRAP);
            rig.addRecipient(recipient);
            ContentInfo ci;
            if (gcm) {
                CMSAuthEnvelopedDataGenerator g = new CMSAuthEnvelopedDataGenerator();
                g.addRecipientInfoGenerator(rig);
                ci = g.generate(new CMSProcessableByteArray(content),
                    (OutputAEADEncryptor) new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES256_GCM)
                        .setProvider("BC").build()).toASN1Structure();
            } else {
                CMSEnvelopedDataGenerator g = new CMSEnvelopedDataGenerator();
                g.addRecipientInfoGenerator(rig);
                ci = g.generate(new CMSProcessableByteArray(content),
                    new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES128_CBC).setProvider("BC")
                        .build()).toASN1Structure();
            }
            Files.write(Paths.get(args[5]), ci.getEncoded("DER"));
        } else if (args[0].equals("decrypt")) {
            byte[] keyDer = Files.readAllBytes(Paths.get(args[2]));
            PrivateKey key = KeyFactory.getInstance("X25519", "BC")
                .generatePrivate(new PKCS8EncodedKeySpec(keyDer));
            byte[] in = Files.readAllBytes(Paths.get(args[3]));
            ContentInfo ci = ContentInfo.getInstance(in);
            RecipientInformationStore store;
            if (ci.getContentType().equals(CMSObjectIdentifiers.authEnvelopedData)) {
                store = new CMSAuthEnvelopedData(in).getRecipientInfos();
            } else {
                store = new CMSEnvelopedData(in).getRecipientInfos();
            }
            Collection<RecipientInformation> recipients = store.getRecipients();
            if (recipients.size() != 1) {
                throw new IllegalStateException(recipients.size() + " recipient infos");
            }
            RecipientInformation ri = recipients.iterator().next();
            byte[] content = ri.getContent(new JceKeyAgreeEnvelopedRecipient(key));
            Files.write(Paths.get(args[4]), content);
        } else {
            throw new IllegalArgumentException("encrypt or decrypt");
        }
    }
}
