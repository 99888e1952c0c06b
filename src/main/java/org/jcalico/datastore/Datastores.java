package org.jcalico.datastore;

/** Opens a datastore for writing from the URL text a user or a test gives; see {@link DatastoreUrl}. */
public final class Datastores {
    private Datastores() {
    }

    public static Datastore open(String url) {
        return DatastoreUrl.parse(url).open(OpenMode.WRITE);
    }
}
