package org.jcalico.datastore;

import java.nio.file.Path;
import org.jcalico.datastore.embedded.EmbeddedDatastore;
import org.jcalico.datastore.etcd.EtcdDatastore;

/** Opens a datastore from the URL a user gives: embedded:PATH, or etcd(s)://HOST:PORT[,HOST:PORT...][?SETTINGS]. */
public final class Datastores {
    public static final String DEFAULT_URL = "embedded:/var/lib/jcalico/datastore.db";
    public static final String ENVIRONMENT = "JCALICO_DATASTORE";

    private Datastores() {
    }

    /** The flag if given, else $JCALICO_DATASTORE, else the default. */
    public static String resolve(String flag) {
        if (flag != null && !flag.isBlank()) {
            return flag;
        }
        String environment = System.getenv(ENVIRONMENT);
        return environment != null && !environment.isBlank() ? environment : DEFAULT_URL;
    }

    public static Datastore open(String url) {
        if (url.startsWith("embedded:") && url.length() > "embedded:".length()) {
            return EmbeddedDatastore.open(Path.of(url.substring("embedded:".length())));
        }
        if (url.startsWith("etcd://") || url.startsWith("etcds://")) {
            return EtcdDatastore.open(url);
        }
        throw new DatastoreException("unknown datastore '" + url + "' (expected embedded:PATH, etcd://HOST:PORT or etcds://HOST:PORT)");
    }
}
