package org.jcalico.datastore.etcd;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.datastore.DatastoreException;

/**
 * Where and how to reach an etcd cluster, from the datastore URL a user gives:
 * {@code etcd://HOST:PORT[,HOST:PORT...]} or {@code etcds://...} (TLS), with optional query parameters
 * {@code ca}, {@code cert}, {@code key} (PEM files), {@code user} and {@code password-file}. What the URL leaves out
 * comes from the environment ($JCALICO_ETCD_CA, _CERT, _KEY, _USER, _PASSWORD, _PASSWORD_FILE). A password is never
 * part of the URL, which is passed to child processes and shown in logs. PASSWORD_FILE is where the password was read
 * (null when it came from $JCALICO_ETCD_PASSWORD, or without a user): {@link #passwordNow} reads it again.
 */
public record EtcdEndpoint(String location, boolean tls, List<URI> members, Path ca, Path cert, Path key, String user,
                           String password, Path passwordFile) {
    static final Set<String> PARAMETERS = Set.of("ca", "cert", "key", "user", "password-file");

    public EtcdEndpoint {
        members = List.copyOf(members);
    }

    /** The record's own text would print the password into whatever message or log line names this endpoint. */
    @Override
    public String toString() {
        return "EtcdEndpoint[" + location + (user == null ? "" : ", user " + user) + (password == null ? "" : ", password hidden") + "]";
    }

    /**
     * The URL's own text as {@link #parse} reads it, without the files and environment it names: for the place where a
     * URL is given (DatastoreUrl), so that a malformed one is refused there, before a command writes it anywhere.
     */
    public static void check(String url) {
        Syntax.of(url);
    }

    /** What the URL's text says: TLS or not, the members, the settings in its query (not yet decoded into files). */
    private record Syntax(boolean tls, List<URI> members, Map<String, String> parameters) {
        static Syntax of(String url) {
            boolean tls = url.startsWith("etcds://");
            if (!tls && !url.startsWith("etcd://")) {
                throw new DatastoreException("datastore '" + url + "' is not etcd://HOST:PORT or etcds://HOST:PORT");
            }
            String rest = url.substring(tls ? "etcds://".length() : "etcd://".length());
            int question = rest.indexOf('?');
            String hosts = question < 0 ? rest : rest.substring(0, question);
            Map<String, String> parameters = EtcdEndpoint.parameters(url, question < 0 ? "" : rest.substring(question + 1));
            List<URI> members = new ArrayList<>();
            // -1: an empty member (a stray comma, at the end too) is an error, not dropped
            for (String host : hosts.split(",", -1)) {
                URI member = host.matches("[A-Za-z0-9.\\-]+:\\d{1,5}|\\[[0-9a-fA-F:]+\\]:\\d{1,5}")
                        ? URI.create((tls ? "https://" : "http://") + host + "/") : null;
                // as the HTTP client will take it: a server-based authority (no empty or dash-led label) and a real port
                if (member == null || member.getHost() == null || member.getPort() < 1 || member.getPort() > 65_535) {
                    throw new DatastoreException("datastore '" + url + "': '" + host + "' is not HOST:PORT (a port 1-65535)");
                }
                members.add(member);
            }
            return new Syntax(tls, members, parameters);
        }
    }

    public static EtcdEndpoint parse(String url, Map<String, String> environment) {
        Syntax syntax = Syntax.of(url);
        boolean tls = syntax.tls();
        List<URI> members = syntax.members();
        Map<String, String> parameters = syntax.parameters();
        Path ca = file(url, "ca", parameters, environment);
        Path cert = file(url, "cert", parameters, environment);
        Path key = file(url, "key", parameters, environment);
        if (!tls && (ca != null || cert != null || key != null)) {
            throw new DatastoreException("datastore '" + url + "': a CA, client certificate or key needs TLS: use etcds://");
        }
        if ((cert == null) != (key == null)) {
            throw new DatastoreException("datastore '" + url + "': a client certificate needs its key and a key its certificate"
                    + " (--etcd-cert with --etcd-key)");
        }
        String user = setting("user", parameters, environment);
        String fromEnvironment = environment.get("JCALICO_ETCD_PASSWORD");
        boolean given = fromEnvironment != null && !fromEnvironment.isEmpty();
        Path passwordFile = given ? null : file(url, "password-file", parameters, environment);
        String password = given ? fromEnvironment : passwordFile == null ? null : readPassword(url, passwordFile);
        if ((user == null) != (password == null)) {
            throw new DatastoreException("datastore '" + url + "': " + (user == null
                    ? "a password but no user (--etcd-user or $JCALICO_ETCD_USER)"
                    : "user '" + user + "' but no password ($JCALICO_ETCD_PASSWORD or --etcd-password-file)"));
        }
        return new EtcdEndpoint(url, tls, members, ca, cert, key, user, password, passwordFile);
    }

    /**
     * The password as its file says now (a user may have rotated it since the store was opened), or as it was given
     * when it came from the environment, which a running process cannot be given anew.
     */
    public String passwordNow() {
        return passwordFile == null ? password : readPassword(location, passwordFile);
    }

    private static Map<String, String> parameters(String url, String query) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (query.isEmpty()) {
            return parameters;
        }
        for (String pair : query.split("&", -1)) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            if (!PARAMETERS.contains(name) || equals < 0) {
                throw new DatastoreException("datastore '" + url + "': unknown setting '" + pair + "' (known: ca, cert, key, user, password-file)");
            }
            if (parameters.containsKey(name)) {
                throw new DatastoreException("datastore '" + url + "': setting '" + name + "' given twice");
            }
            try {
                parameters.put(name, URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new DatastoreException("datastore '" + url + "': setting '" + pair + "' has a malformed %-escape");
            }
        }
        return parameters;
    }

    private static String setting(String name, Map<String, String> parameters, Map<String, String> environment) {
        String value = parameters.get(name);
        if (value == null) {
            value = environment.get("JCALICO_ETCD_" + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        }
        return value == null || value.isBlank() ? null : value;
    }

    private static Path file(String url, String name, Map<String, String> parameters, Map<String, String> environment) {
        String value = setting(name, parameters, environment);
        if (value == null) {
            return null;
        }
        Path path = Path.of(value);
        if (!Files.isReadable(path)) {
            throw new DatastoreException("datastore '" + url + "': cannot read the " + name + " file " + path);
        }
        return path;
    }

    private static String readPassword(String url, Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("");
        } catch (IOException e) {
            throw new DatastoreException("datastore '" + url + "': cannot read the password file " + file + ": " + e.getMessage());
        }
    }
}
