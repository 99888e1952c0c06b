package org.jcalico.datastore;

/** For tests: opens a datastore for writing from a URL's text (commands resolve theirs through {@link DatastoreUrl}). */
public final class Datastores {
    private Datastores() {
    }

    public static Datastore open(String url) {
        return DatastoreUrl.parse(url).open(OpenMode.WRITE);
    }
}
