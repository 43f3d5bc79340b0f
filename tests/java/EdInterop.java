// Ed25519 S/MIME with Bouncy Castle, for the interoperability tests (tests/eddsa_interop.rs).
//
//   sign <cert.pem> <key.pem> <entity> <out> <detached|opaque> <attrs|noattrs|attrs-sha256>
//       writes an S/MIME message signed with Ed25519 (RFC 8419) through Bouncy Castle's
//       streaming generator (BER, indefinite lengths): multipart/signed or
//       application/pkcs7-mime signed-data. attrs-sha256: signed attributes with a SHA-256
//       message digest, which RFC 8419 section 3.1 does not allow.
//   verify <message> <ca.pem>
//       verifies every signer of a multipart/signed or application/pkcs7-mime message: the
//       signature with the signer certificate carried in the message, and that certificate's
//       signature with the CA key. Prints "VERIFIED <signers> <digest OIDs> <signature OIDs>"
//       and exits 0, or prints "FAILED: <why>" and exits 1.

import java.io.ByteArrayOutputStream;
import java.io.FileReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.PrivateKey;
import java.security.Security;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataStreamGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.util.Store;

public class EdInterop {
    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        if (args.length == 7 && args[0].equals("sign")) {
            sign(args[1], args[2], args[3], args[4], args[5].equals("opaque"), args[6]);
            return;
        }
        if (args.length == 3 && args[0].equals("verify")) {
            try {
                System.out.println(verify(args[1], args[2]));
            } catch (Exception e) {
                System.out.println("FAILED: " + e);
                System.exit(1);
            }
            return;
        }
        System.err.println("usage: sign <cert> <key> <entity> <out> <detached|opaque> <attrs|noattrs> | verify <message> <ca>");
        System.exit(2);
    }

    static X509Certificate readCert(String path) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509", "BC");
        return (X509Certificate) cf.generateCertificate(Files.newInputStream(Paths.get(path)));
    }

    static PrivateKey readKey(String path) throws Exception {
        try (PEMParser p = new PEMParser(new FileReader(path))) {
            Object o = p.readObject();
            return new JcaPEMKeyConverter().setProvider("BC").getPrivateKey((PrivateKeyInfo) o);
        }
    }

    static String base64Lines(byte[] data) {
        String b64 = Base64.getEncoder().encodeToString(data);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b64.length(); i += 64) {
            sb.append(b64, i, Math.min(b64.length(), i + 64)).append("\r\n");
        }
        return sb.toString();
    }

    static void sign(String certPath, String keyPath, String entityPath, String outPath,
                     boolean opaque, String attrs) throws Exception {
        X509Certificate cert = readCert(certPath);
        PrivateKey key = readKey(keyPath);
        byte[] entity = Files.readAllBytes(Paths.get(entityPath));

        ContentSigner signer = new JcaContentSignerBuilder("Ed25519").setProvider("BC").build(key);
        JcaSignerInfoGeneratorBuilder sib = new JcaSignerInfoGeneratorBuilder(
                new JcaDigestCalculatorProviderBuilder().setProvider("BC").build());
        sib.setDirectSignature(attrs.equals("noattrs"));
        if (attrs.equals("attrs-sha256")) {
            // Not what RFC 8419 allows: for the receiver's refusal.
            sib.setContentDigest(new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256));
        }
        CMSSignedDataStreamGenerator gen = new CMSSignedDataStreamGenerator();
        gen.addSignerInfoGenerator(sib.build(signer, cert));
        List<X509Certificate> certs = new ArrayList<>();
        certs.add(cert);
        gen.addCertificates(new JcaCertStore(certs));

        ByteArrayOutputStream cms = new ByteArrayOutputStream();
        OutputStream sigOut = gen.open(cms, opaque);
        sigOut.write(entity);
        sigOut.close();

        StringBuilder msg = new StringBuilder();
        msg.append("From: alice@example.com\r\nTo: bob@example.com\r\nSubject: Bouncy Castle Ed25519\r\nMIME-Version: 1.0\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (opaque) {
            msg.append("Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n");
            msg.append("Content-Transfer-Encoding: base64\r\n");
            msg.append("Content-Disposition: attachment; filename=smime.p7m\r\n\r\n");
            msg.append(base64Lines(cms.toByteArray()));
            out.write(msg.toString().getBytes(StandardCharsets.US_ASCII));
        } else {
            String boundary = "----=_BC_Ed25519_boundary";
            msg.append("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-512; boundary=\"" + boundary + "\"\r\n\r\n");
            msg.append("This is an S/MIME signed message\r\n\r\n--" + boundary + "\r\n");
            out.write(msg.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(entity);
            StringBuilder tail = new StringBuilder();
            tail.append("\r\n--" + boundary + "\r\n");
            tail.append("Content-Type: application/pkcs7-signature; name=smime.p7s\r\n");
            tail.append("Content-Transfer-Encoding: base64\r\n");
            tail.append("Content-Disposition: attachment; filename=smime.p7s\r\n\r\n");
            tail.append(base64Lines(cms.toByteArray()));
            tail.append("\r\n--" + boundary + "--\r\n");
            out.write(tail.toString().getBytes(StandardCharsets.US_ASCII));
        }
        Files.write(Paths.get(outPath), out.toByteArray());
    }

    static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The index after the blank line that ends the header block starting at `from`. */
    static int bodyStart(byte[] m, int from) {
        int i = indexOf(m, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), from);
        if (i < 0) {
            throw new IllegalArgumentException("no end of the header block");
        }
        return i + 4;
    }

    static byte[] slice(byte[] m, int from, int to) {
        byte[] out = new byte[to - from];
        System.arraycopy(m, from, out, 0, to - from);
        return out;
    }

    static byte[] unbase64(byte[] text) {
        String s = new String(text, StandardCharsets.US_ASCII).replaceAll("[^A-Za-z0-9+/=]", "");
        return Base64.getDecoder().decode(s);
    }

    static String verify(String messagePath, String caPath) throws Exception {
        byte[] m = Files.readAllBytes(Paths.get(messagePath));
        int body = bodyStart(m, 0);
        String head = new String(m, 0, body, StandardCharsets.US_ASCII);
        String unfolded = head.replaceAll("\r\n[ \t]+", " ");
        CMSSignedData sd;
        if (unfolded.toLowerCase().contains("multipart/signed")) {
            java.util.regex.Matcher bm = java.util.regex.Pattern
                    .compile("boundary=\"?([^\";\r\n]+)\"?", java.util.regex.Pattern.CASE_INSENSITIVE)
                    .matcher(unfolded);
            if (!bm.find()) {
                throw new IllegalArgumentException("no boundary");
            }
            byte[] delim = ("--" + bm.group(1)).getBytes(StandardCharsets.US_ASCII);
            int first = indexOf(m, delim, body);
            int contentStart = indexOf(m, "\r\n".getBytes(StandardCharsets.US_ASCII), first) + 2;
            byte[] crlfDelim = ("\r\n--" + bm.group(1)).getBytes(StandardCharsets.US_ASCII);
            int contentEnd = indexOf(m, crlfDelim, contentStart);
            byte[] content = slice(m, contentStart, contentEnd);
            int sigBody = bodyStart(m, contentEnd + 2);
            int sigEnd = indexOf(m, crlfDelim, sigBody);
            byte[] sig = unbase64(slice(m, sigBody, sigEnd));
            sd = new CMSSignedData(new CMSProcessableByteArray(content), sig);
        } else {
            sd = new CMSSignedData(unbase64(slice(m, body, m.length)));
        }
        X509Certificate ca = readCert(caPath);
        Store<X509CertificateHolder> store = sd.getCertificates();
        Collection<SignerInformation> signers = sd.getSignerInfos().getSigners();
        if (signers.isEmpty()) {
            throw new IllegalArgumentException("no signers");
        }
        StringBuilder digests = new StringBuilder();
        StringBuilder sigAlgs = new StringBuilder();
        for (SignerInformation si : signers) {
            @SuppressWarnings("unchecked")
            Collection<X509CertificateHolder> matches = store.getMatches(si.getSID());
            if (matches.isEmpty()) {
                throw new IllegalArgumentException("the signer certificate is not in the message");
            }
            X509Certificate cert = new JcaX509CertificateConverter().setProvider("BC")
                    .getCertificate(matches.iterator().next());
            cert.verify(ca.getPublicKey(), "BC");
            if (!si.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(cert))) {
                throw new IllegalArgumentException("signature does not verify");
            }
            digests.append(si.getDigestAlgOID()).append(' ');
            sigAlgs.append(si.getEncryptionAlgOID()).append(' ');
        }
        return "VERIFIED " + signers.size() + " " + digests.toString().trim() + " " + sigAlgs.toString().trim();
    }
}
