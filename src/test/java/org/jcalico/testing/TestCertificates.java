package org.jcalico.testing;

import java.nio.file.Path;
import java.util.List;
import org.jcalico.kernel.CommandRunner;

/**
 * Certificates made with openssl for TLS tests: a CA, a server certificate for 127.0.0.1 and a client certificate
 * signed by it, and a client certificate from an unrelated CA. Keys are PKCS#8 PEM, as openssl writes them.
 */
public record TestCertificates(Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey,
                               Path strangerCert, Path strangerKey) {
    public static boolean installed() {
        return CommandRunner.local().run("sh", "-c", "command -v openssl").ok();
    }

    public static TestCertificates create(Path dir) {
        authority(dir, "ca");
        authority(dir, "stranger-ca");
        // etcd's JSON gateway reaches etcd's own gRPC server with the server certificate, so it must be a client one too
        signed(dir, "server", "ca", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth");
        signed(dir, "client", "ca", "extendedKeyUsage=clientAuth");
        signed(dir, "stranger", "stranger-ca", "extendedKeyUsage=clientAuth");
        return new TestCertificates(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key"),
                dir.resolve("client.pem"), dir.resolve("client.key"), dir.resolve("stranger.pem"), dir.resolve("stranger.key"));
    }

    private static void authority(Path dir, String name) {
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=jct-" + name);
    }

    private static void signed(Path dir, String name, String authority, String extensions) {
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=jct-" + name);
        CommandRunner.local().run(List.of("sh", "-c", "cd '" + dir + "' && cat > " + name + ".ext && openssl x509 -req -in "
                + name + ".csr -CA " + authority + ".pem -CAkey " + authority + ".key -CAcreateserial -out " + name
                + ".pem -days 2 -extfile " + name + ".ext"), extensions + "\n").check();
    }

    private static void openssl(Path dir, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("sh", "-c", "cd \"$0\" && exec openssl \"$@\"", dir.toString()));
        command.addAll(List.of(args));
        CommandRunner.local().run(command).check();
    }
}
