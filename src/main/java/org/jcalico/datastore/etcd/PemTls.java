package org.jcalico.datastore.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jcalico.datastore.DatastoreException;

/**
 * A TLS context from the PEM files etcd's own tools use: the CA bundle to trust (else the JDK's), and a client
 * certificate chain with its PKCS#8 key (RSA, EC or Ed25519), with the JDK alone.
 */
final class PemTls {
    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN ([A-Z ]*)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END \\1PRIVATE KEY-----");
    private static final char[] NO_PASSWORD = new char[0];

    private PemTls() {
    }

    static SSLContext context(Path ca, Path cert, Path key) {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(ca == null ? null : trustStore(ca));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            if (cert != null) {
                List<? extends Certificate> chain = certificates(cert);
                keyStore.setKeyEntry("client", privateKey(key), NO_PASSWORD, chain.toArray(Certificate[]::new));
            }
            keys.init(keyStore, NO_PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new DatastoreException("cannot set up TLS to etcd: " + e.getMessage());
        }
    }

    private static KeyStore trustStore(Path ca) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int i = 0;
        for (Certificate certificate : certificates(ca)) {
            store.setCertificateEntry("ca-" + i++, certificate);
        }
        return store;
    }

    private static List<? extends Certificate> certificates(Path file) throws GeneralSecurityException, IOException {
        try (InputStream in = Files.newInputStream(file)) {
            List<? extends Certificate> certificates = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
            if (certificates.isEmpty()) {
                throw new DatastoreException("no certificate in " + file);
            }
            return certificates;
        }
    }

    private static PrivateKey privateKey(Path file) throws IOException {
        Matcher pem = PRIVATE_KEY.matcher(Files.readString(file, StandardCharsets.US_ASCII));
        if (!pem.find()) {
            throw new DatastoreException("no private key in " + file);
        }
        if (!pem.group(1).isEmpty()) {
            throw new DatastoreException("the key in " + file + " is in the " + pem.group(1).strip() + " format; convert it"
                    + " to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out KEY.pk8.pem");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.group(2).getBytes(StandardCharsets.US_ASCII));
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm; try the next
            }
        }
        throw new DatastoreException("the key in " + file + " is not an RSA, EC or Ed25519 key the JDK can read");
    }
}
