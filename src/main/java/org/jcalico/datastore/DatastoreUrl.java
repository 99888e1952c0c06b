package org.jcalico.datastore;

import java.nio.file.Path;
import java.util.Map;
import org.jcalico.datastore.embedded.EmbeddedDatastore;
import org.jcalico.datastore.etcd.EtcdDatastore;
import org.jcalico.datastore.etcd.EtcdEndpoint;

/**
 * Which datastore to use, as a user writes it: {@code embedded:PATH} or {@code etcd://HOST:PORT[,HOST:PORT...]} /
 * {@code etcds://...} with optional settings in its query (see EtcdEndpoint). The one place where the --datastore
 * flag, $JCALICO_DATASTORE and the default are chosen between and where etcd flags are folded into the URL, so that
 * a command, the agent it launches and the agent a launcher delegates to all see the same rendering.
 */
public record DatastoreUrl(String text) {
    public static final String ENVIRONMENT = "JCALICO_DATASTORE";
    private static final String EMBEDDED = "embedded:";
    public static final DatastoreUrl DEFAULT = new DatastoreUrl(EMBEDDED + "/var/lib/jcalico/datastore.db");

    public DatastoreUrl {
        if (text == null || text.isBlank()) {
            throw new DatastoreException("no datastore given (expected embedded:PATH, etcd://HOST:PORT or etcds://HOST:PORT)");
        }
        if (text.chars().anyMatch(Character::isISOControl)) {
            throw new DatastoreException("datastore '" + text.replaceAll("\\p{Cntrl}", "?") + "' contains a control character");
        }
        if (!(text.startsWith(EMBEDDED) && text.length() > EMBEDDED.length()) && !etcd(text)) {
            throw new DatastoreException("unknown datastore '" + text + "' (expected embedded:PATH, etcd://HOST:PORT or etcds://HOST:PORT)");
        }
        if (etcd(text)) {
            EtcdEndpoint.check(text);
        }
    }

    public static DatastoreUrl parse(String text) {
        return new DatastoreUrl(text);
    }

    /**
     * The flag if given, else the environment's value ($JCALICO_DATASTORE) if set, else the default. A flag given is
     * taken as given: a blank one is an error, never the default store (a script's empty variable would otherwise
     * write there); a blank variable counts as unset.
     */
    public static DatastoreUrl resolve(String flag, String environment) {
        if (flag != null) {
            return parse(flag);
        }
        return environment != null && !environment.isBlank() ? parse(environment) : DEFAULT;
    }

    public boolean isEmbedded() {
        return text.startsWith(EMBEDDED);
    }

    /** The embedded store's file. */
    public Path path() {
        if (!isEmbedded()) {
            throw new IllegalStateException(text + " is not an embedded datastore");
        }
        return Path.of(text.substring(EMBEDDED.length()));
    }

    /**
     * This URL with etcd settings given as flags (ca, cert, key, user, password-file) added to its query where it does
     * not set them already; carried in the URL, they reach the agent that `node start` launches.
     */
    public DatastoreUrl withEtcdSettings(Map<String, String> settings) {
        if (settings.values().stream().allMatch(java.util.Objects::isNull)) {
            return this;
        }
        if (!etcd(text)) {
            throw new DatastoreException("--etcd-* options are for an etcd datastore, not '" + text + "'");
        }
        StringBuilder result = new StringBuilder(text);
        boolean query = text.contains("?");
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            if (setting.getValue() == null || text.matches(".*[?&]" + setting.getKey() + "=.*")) {
                continue;
            }
            // the query's settings are %-decoded when read (EtcdEndpoint): a flag's '%', '+' (a space once decoded) and
            // '&' are escaped, so that the file named is the file given
            String value = setting.getValue().replace("%", "%25").replace("+", "%2B").replace("&", "%26");
            result.append(query ? '&' : '?').append(setting.getKey()).append('=').append(value);
            query = true;
        }
        return parse(result.toString());
    }

    public Datastore open(OpenMode mode) {
        return isEmbedded() ? EmbeddedDatastore.open(path(), mode) : EtcdDatastore.open(text);
    }

    /**
     * For writing, but an embedded store that is not there is not created: the agent's connection for its served
     * commands, which may be lists (agent/ServedResources); an etcd store opens as {@link #open} does.
     */
    public Datastore openExisting() {
        return isEmbedded() ? EmbeddedDatastore.openExisting(path()) : EtcdDatastore.open(text);
    }

    private static boolean etcd(String text) {
        return text.startsWith("etcd://") || text.startsWith("etcds://");
    }

    @Override
    public String toString() {
        return text;
    }
}
